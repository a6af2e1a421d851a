package dispatcher_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/localmariadb"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// errorSignal is a log handler that closes errored at the first error
// record.
type errorSignal struct {
	once    sync.Once
	errored chan struct{}
}

func (h *errorSignal) Enabled(context.Context, slog.Level) bool { return true }
func (h *errorSignal) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *errorSignal) WithGroup(string) slog.Handler            { return h }
func (h *errorSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.once.Do(func() { close(h.errored) })
	}
	return nil
}

// TestDatabaseOutageMidSweepSendsNothingTwice: the database is killed while
// sends are in flight and comes back once the writer has met the outage. The
// outcomes of those sends are kept and written then, so when every claim has
// long expired no lead goes out a second time.
func TestDatabaseOutageMidSweepSendsNothingTwice(t *testing.T) {
	t.Parallel()
	const n, killAt = 40, 10
	srv := localmariadb.ForTest(t)
	ctx := context.Background()
	if err := srv.Exec(ctx, "CREATE DATABASE leadrelay CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	s := storagetest.Open(t, srv.DSN("leadrelay"))
	fake := clock.NewFake(time.Now())
	logged := &errorSignal{errored: make(chan struct{})}
	d, err := dispatcher.New(dispatcher.Config{
		Store: s, Engine: scripting.NewEngine(scripting.Config{}), Tokens: macros.NewTokens([]byte("k")),
		Clock: fake, Workers: 4, Logger: slog.New(logged),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	c := &counter{sends: map[string]int{}}
	reached, resume := make(chan struct{}), make(chan struct{})
	var sent atomic.Int32
	c.hook = func() {
		if sent.Add(1) == killAt {
			close(reached)
		}
		if sent.Load() >= killAt {
			<-resume
		}
	}
	target := newCRM(t, c.handler)
	id := countingIntegration(t, s, target.URL)
	fillLeads(t, s, id, n, fake.Now())

	swept := make(chan struct{})
	go func() {
		defer close(swept)
		_, _ = d.Sweep(ctx, "new") // claims fail during the outage
	}()
	<-reached
	srv.Kill()
	close(resume)
	select {
	case <-logged.errored:
	case <-time.After(30 * time.Second):
		t.Fatal("the dispatcher logged no error while the database was down")
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	<-swept
	for range 3 {
		fake.Advance(time.Hour) // every claim taken before the outage has expired
		if _, err := d.Sweep(ctx, "new"); err != nil {
			t.Fatal(err)
		}
	}
	c.check(t, s, n)
}
