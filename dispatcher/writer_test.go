package dispatcher

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestWriterCloseLosesNothing: results submitted while the writer closes,
// and after, are all written.
func TestWriterCloseLosesNothing(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		w := newWriter(s, slog.New(slog.DiscardHandler), 50, 2, retryPolicy{try: time.Minute, giveUp: time.Minute, first: time.Millisecond, most: time.Millisecond})
		go w.run()
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
