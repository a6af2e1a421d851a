package dispatcher

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/leadrelay/leadrelay/storage"
)

// result is one attempt's writes, handed to the writer.
type result struct {
	lead     *storage.RowUpdate
	delivery *storage.RowUpdate
	enqueue  []storage.Delivery
	log      *storage.LogEntry
	// failed is the row that says the lead or delivery failed after its
	// attempts, nil when it did not.
	failed *storage.LogEntry
	// done is called once the writes are in the database (or given up on).
	done func()
}

// writer batches outcomes: it writes them every FlushInterval or every
// FlushRows results, whichever comes first, in one transaction of a few
// multi-row statements. Up to Flushers batches are written at once, so
// results keep being taken in while a transaction commits.
//
// It runs until close, not until some context ends: a sweep that is cancelled
// mid-send still has its outcomes written.
type writer struct {
	store    *storage.Store
	logger   *slog.Logger
	interval time.Duration
	rows     int
	flushers int
	in       chan result
	batches  chan []result
	inflight sync.WaitGroup
	flushNow chan chan struct{}
	stop     chan struct{}
	stopped  chan struct{}

	// mu orders submits against close: a submit queues under the read lock,
	// and close sets closed under the write lock before stopping the loop,
	// so nothing is queued after the loop's last drain.
	mu     sync.RWMutex
	closed bool
}

func newWriter(store *storage.Store, logger *slog.Logger, interval time.Duration, rows, flushers int) *writer {
	return &writer{store: store, logger: logger, interval: interval, rows: rows, flushers: flushers,
		in: make(chan result, rows*4), batches: make(chan []result), flushNow: make(chan chan struct{}),
		stop: make(chan struct{}), stopped: make(chan struct{})}
}

// close writes what is queued and stops the writer. Results submitted
// afterwards are written at once by their submitter.
func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.stopped
}

// submit queues a result for the next batch, or writes it at once once the
// writer is closed.
func (w *writer) submit(r result) {
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.write([]result{r})
		return
	}
	w.in <- r
	w.mu.RUnlock()
}

// flush writes what is queued now and returns when it, and every batch
// handed on before it, is written.
func (w *writer) flush() {
	done := make(chan struct{})
	select {
	case w.flushNow <- done:
		<-done
	case <-w.stopped:
	}
}

func (w *writer) run() {
	var flushers sync.WaitGroup
	for range w.flushers {
		flushers.Go(w.writeBatches)
	}
	defer func() {
		close(w.batches)
		flushers.Wait()
		close(w.stopped)
	}()
	ticker := time.NewTicker(w.interval)
	defer ticker.Stop()
	var batch []result
	for {
		select {
		case r := <-w.in:
			if batch = append(batch, r); len(batch) >= w.rows {
				batch = w.hand(batch)
			}
		case <-ticker.C:
			batch = w.hand(batch)
		case done := <-w.flushNow:
			batch = w.hand(w.drain(batch))
			w.inflight.Wait()
			close(done)
		case <-w.stop:
			w.hand(w.drain(batch))
			return
		}
	}
}

// hand gives a batch to the next free flusher, waiting for one, and returns
// nil for the next batch to start from.
func (w *writer) hand(batch []result) []result {
	if len(batch) > 0 {
		w.inflight.Add(1)
		w.batches <- batch
	}
	return nil
}

// writeBatches is one flusher: it writes the batches handed to it.
func (w *writer) writeBatches() {
	for batch := range w.batches {
		w.write(batch)
		w.inflight.Done()
	}
}

// drain takes every result already queued.
func (w *writer) drain(batch []result) []result {
	for {
		select {
		case r := <-w.in:
			batch = append(batch, r)
		default:
			return batch
		}
	}
}

// write stores a batch, trying a few times through a passing database error.
// If it still fails the claims simply expire and the rows are sent again:
// nothing is lost, at worst sent twice.
func (w *writer) write(batch []result) {
	if len(batch) == 0 {
		return
	}
	var o storage.Outcomes
	for _, r := range batch {
		if r.lead != nil {
			o.Leads = append(o.Leads, *r.lead)
		}
		if r.delivery != nil {
			o.Deliveries = append(o.Deliveries, *r.delivery)
		}
		o.Enqueue = append(o.Enqueue, r.enqueue...)
		if r.log != nil {
			o.Log = append(o.Log, r.log)
		}
		if r.failed != nil {
			o.Log = append(o.Log, r.failed)
		}
	}
	var err error
	for try := 0; try < 3; try++ {
		var counts storage.OutcomeCounts
		if counts, err = w.store.WriteOutcomes(context.Background(), o); err == nil {
			if lost := int64(len(o.Leads)+len(o.Deliveries)) - counts.Leads - counts.Deliveries; lost > 0 {
				w.logger.Warn("outcomes of rows another process had taken over were not written", "rows", lost)
			}
			break
		}
		time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
	}
	if err != nil {
		w.logger.Error("writing outcomes; their claims will expire and they will be sent again", "rows", len(batch), "err", err)
	}
	for _, r := range batch {
		if r.done != nil {
			r.done()
		}
	}
}
