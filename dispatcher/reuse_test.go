package dispatcher

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"time"
)

// goroutineID is the running goroutine's number, read off its stack header.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	return string(bytes.Fields(buf)[1])
}

// runOn runs a task through s and returns the goroutine it ran on, once
// wg has seen it done.
func runOn(s *senders) string {
	var wg sync.WaitGroup
	var id string
	s.Go(&wg, func() { id = goroutineID() })
	wg.Wait()
	return id
}

func TestSendersReuseAnIdleGoroutine(t *testing.T) {
	t.Parallel()
	s := newSenders(time.Minute)
	first := runOn(s)
	// The goroutine parks once its task is done; until it has, a task gets
	// a goroutine of its own.
	deadline := time.Now().Add(10 * time.Second)
	for runOn(s) != first {
		if time.Now().After(deadline) {
			t.Fatal("no task ran on the goroutine that had run the first one and was idle")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSendersRunEveryTaskOnce(t *testing.T) {
	t.Parallel()
	s := newSenders(time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ran := map[int]int{}
	for i := range 500 {
		s.Go(&wg, func() {
			mu.Lock()
			defer mu.Unlock()
			ran[i]++
		})
	}
	wg.Wait()
	for i := range 500 {
		if ran[i] != 1 {
			t.Fatalf("task %d ran %d times, want once", i, ran[i])
		}
	}
}

func TestSendersEndWhenIdle(t *testing.T) {
	t.Parallel()
	s := newSenders(time.Millisecond)
	first := runOn(s)
	// A goroutine idle for longer than s.idle has ended: the next task
	// runs on a new one.
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(20 * time.Millisecond)
		if runOn(s) != first {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the idle goroutine never ended")
		}
	}
}

func TestSendersEndOnStop(t *testing.T) {
	t.Parallel()
	s := newSenders(time.Hour)
	first := runOn(s)
	s.stop()
	// Time for the goroutine to park, or to end: once stopped, it ends,
	// and no task runs on it again, though its idle hour is far from up.
	time.Sleep(20 * time.Millisecond)
	for range 5 {
		if runOn(s) == first {
			t.Fatal("a task ran on a sender goroutine after stop")
		}
	}
}
