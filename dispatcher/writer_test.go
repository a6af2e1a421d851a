package dispatcher

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestWriterCloseLosesNothing: results submitted while the writer closes,
// and after, are all written.
func TestWriterCloseLosesNothing(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		w := newWriter(s, slog.New(slog.DiscardHandler), 50, 2, retryPolicy{try: time.Minute, giveUp: time.Minute, first: time.Millisecond, most: time.Millisecond})
		const n = 400
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				w.submit(result{log: &storage.LogEntry{LeadID: int64(i + 1), Mode: "new", Outcome: OutcomeSuccess}})
			})
			if i == n/2 {
				wg.Go(w.close)
			}
		}
		wg.Wait()
		rows, err := s.ListLog(context.Background(), storage.LogFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != n {
			t.Errorf("log rows written = %d, want %d", len(rows), n)
		}
	})
}

// logSignal is a log handler that closes errored at the first error record.
type logSignal struct {
	once    sync.Once
	errored chan struct{}
}

func (h *logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (h *logSignal) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logSignal) WithGroup(string) slog.Handler            { return h }
func (h *logSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.once.Do(func() { close(h.errored) })
	}
	return nil
}

// TestWriterKeepsOutcomesTheDatabaseRefuses: while the SQLite files are
// immutable the writer keeps the outcome and its submitter waits; once they
// are writable again the outcome is stored.
func TestWriterKeepsOutcomesTheDatabaseRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := storagetest.Open(t, "sqlite:"+filepath.Join(dir, "leadrelay.db"))
	writable := storagetest.MakeImmutable(t, filepath.Join(dir, "leadrelay.db"))
	logged := &logSignal{errored: make(chan struct{})}
	w := newWriter(s, slog.New(logged), 50, 2, retryPolicy{try: time.Second, giveUp: time.Minute, first: time.Millisecond, most: 10 * time.Millisecond})
	defer w.close()
	stored := make(chan struct{})
	go func() {
		w.submit(result{log: &storage.LogEntry{LeadID: 1, Mode: "new", Outcome: OutcomeSuccess}})
		close(stored)
	}()
	<-logged.errored
	select {
	case <-stored:
		t.Fatal("the submit returned while the database refused the outcome")
	default:
	}
	writable()
	<-stored
	rows, err := s.ListLog(context.Background(), storage.LogFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Errorf("log rows written = %d, want 1", len(rows))
	}
}

// lines is a log handler that keeps the messages of error records.
type lines struct {
	mu     sync.Mutex
	errors []string
}

func (h *lines) Enabled(context.Context, slog.Level) bool { return true }
func (h *lines) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *lines) WithGroup(string) slog.Handler            { return h }
func (h *lines) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		h.errors = append(h.errors, r.Message)
		h.mu.Unlock()
	}
	return nil
}

// TestWriterGivesUpAfterTheOutageLimit: a batch the database keeps refusing
// is tried again only until the outage limit; then it is given up on,
// logged, and its submitter goes on. The submit returning at all is the
// deadline: without one it would wait until the test times out.
func TestWriterGivesUpAfterTheOutageLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := storagetest.Open(t, "sqlite:"+filepath.Join(dir, "leadrelay.db"))
	storagetest.MakeImmutable(t, filepath.Join(dir, "leadrelay.db"))
	logged := &lines{}
	w := newWriter(s, slog.New(logged), 50, 2, retryPolicy{try: time.Second, giveUp: 50 * time.Millisecond, first: time.Millisecond, most: 10 * time.Millisecond})
	defer w.close()
	w.submit(result{log: &storage.LogEntry{LeadID: 1, Mode: "new", Outcome: OutcomeSuccess}})
	logged.mu.Lock()
	defer logged.mu.Unlock()
	want := []string{
		"the database refuses outcomes; sends wait and the outcomes are kept until it answers",
		"writing outcomes; their claims will expire and they will be sent again",
	}
	if diff := cmp.Diff(want, logged.errors); diff != "" {
		t.Errorf("error lines (-want +got):\n%s", diff)
	}
}
