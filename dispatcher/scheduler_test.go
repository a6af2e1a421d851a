package dispatcher_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
)

// TestSchedulerRunOutlastsItsRun: Run returns only once the run it started
// has ended, so serve closes the database after the last sweep, not under it.
func TestSchedulerRunOutlastsItsRun(t *testing.T) {
	t.Parallel()
	fake := newFakeClock()
	started, release := make(chan struct{}), make(chan struct{})
	var ended atomic.Bool
	s, err := dispatcher.NewScheduler("* * * * *", fake, discardLogger(), func(time.Time) {
		close(started)
		<-release
		for range 100 {
			runtime.Gosched() // the run goes on a while after it is let go
		}
		ended.Store(true)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	fake.WaitForWaiter()
	fake.Advance(time.Minute)
	<-started
	cancel()
	close(release)
	<-done
	if !ended.Load() {
		t.Error("Run returned while its run was still going")
	}
}
