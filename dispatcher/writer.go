package dispatcher

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadrelay/leadrelay/storage"
)

// result is one attempt's writes, handed to the writer.
type result struct {
	lead     *storage.LeadOutcome
	delivery *storage.DeliveryOutcome
	enqueue  []storage.Delivery
	log      *storage.LogEntry
	// failed is the row that says the lead or delivery failed after its
	// attempts, nil when it did not.
	failed *storage.LogEntry
	// stored is closed once the writes are in the database (or given up on).
	stored chan struct{}
}

// writer stores outcomes in batches, group-commit style: a result waits in
// the queue only while every flusher is busy, and a free flusher takes all
// that queued up meanwhile (up to FlushRows) in one transaction of a few
// multi-row statements. A busy database thus gets bigger batches, an idle one
// writes at once.
//
// A submitter waits until its result is stored, so a worker takes its next
// lead only once its previous outcome is in the database: a process that
// dies leaves unwritten only the sends that were in flight.
//
// A batch the database refuses for now (storage.Unavailable) is kept and
// tried again with backoff, each try with its own deadline, until the
// database answers or the outage outlasts giveUp. Meanwhile the workers wait
// on their results and no new send starts.
//
// It runs until close, not until some context ends: a sweep that is cancelled
// mid-send still has its outcomes written.
type writer struct {
	store    *storage.Store
	logger   *slog.Logger
	rows     int
	flushers int
	retry    retryPolicy
	in       chan result
	batches  chan []result
	stop     chan struct{}
	stopped  chan struct{}
	// down is set while a batch cannot be written, so that the outage and
	// its end are logged once each.
	down atomic.Bool

	// mu orders submits against close: a submit queues under the read lock,
	// and close sets closed under the write lock before stopping the loop,
	// so nothing is queued after the loop's last drain.
	mu     sync.RWMutex
	closed bool
}

// retryPolicy is how a batch is tried again while the database is away.
type retryPolicy struct {
	// try bounds one attempt to write a batch.
	try time.Duration
	// giveUp is how long a batch is tried before it is given up on.
	giveUp time.Duration
	// first and most bound the pause between tries, which doubles.
	first, most time.Duration
}

func newWriter(store *storage.Store, logger *slog.Logger, rows, flushers int, retry retryPolicy) *writer {
	return &writer{store: store, logger: logger, rows: rows, flushers: flushers, retry: retry,
		in: make(chan result), batches: make(chan []result),
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

// submit stores a result with the next batch and returns once it is stored
// (or given up on).
func (w *writer) submit(r result) {
	r.stored = make(chan struct{})
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.write([]result{r})
		return
	}
	w.in <- r
	w.mu.RUnlock()
	<-r.stored
}

// run gathers results into a batch and hands it to the first free flusher;
// a full batch takes no more until it is handed on.
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
	var batch []result
	for {
		in, hand := w.in, w.batches
		if len(batch) >= w.rows {
			in = nil
		}
		if len(batch) == 0 {
			hand = nil
		}
		select {
		case r := <-in:
			batch = append(batch, r)
		case hand <- batch:
			batch = nil
		case <-w.stop:
			w.drain(batch)
			return
		}
	}
}

// writeBatches is one flusher: it writes the batches handed to it.
func (w *writer) writeBatches() {
	for batch := range w.batches {
		w.write(batch)
	}
}

// drain hands on the batch and every result still queued, in batches of at
// most rows.
func (w *writer) drain(batch []result) {
	for {
		select {
		case r := <-w.in:
			if batch = append(batch, r); len(batch) >= w.rows {
				w.batches <- batch
				batch = nil
			}
		default:
			if len(batch) > 0 {
				w.batches <- batch
			}
			return
		}
	}
}

// write stores a batch, trying again while the database is away. A batch
// given up on (an error that is not an outage, or an outage past giveUp) is
// logged: its claims expire and its rows are sent again.
func (w *writer) write(batch []result) {
	defer func() {
		for _, r := range batch {
			close(r.stored)
		}
	}()
	o := outcomesOf(batch)
	giveUp := time.Now().Add(w.retry.giveUp)
	pause := w.retry.first
	for {
		ctx, cancel := context.WithTimeout(context.Background(), w.retry.try)
		counts, err := w.store.WriteOutcomes(ctx, o)
		cancel()
		if err == nil {
			if w.down.CompareAndSwap(true, false) {
				w.logger.Info("the database takes outcomes again")
			}
			if lost := int64(len(o.Leads)+len(o.Deliveries)) - counts.Leads - counts.Deliveries; lost > 0 {
				w.logger.Warn("outcomes of rows another process had taken over were not written", "rows", lost)
			}
			return
		}
		if !storage.Unavailable(err) || time.Now().Add(pause).After(giveUp) {
			w.logger.Error("writing outcomes; their claims will expire and they will be sent again", "rows", len(batch), "err", err)
			return
		}
		if w.down.CompareAndSwap(false, true) {
			w.logger.Error("the database refuses outcomes; sends wait and the outcomes are kept until it answers", "rows", len(batch), "err", err)
		}
		time.Sleep(pause)
		pause = min(2*pause, w.retry.most)
	}
}

// outcomesOf gathers a batch's writes.
func outcomesOf(batch []result) storage.Outcomes {
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
	return o
}
