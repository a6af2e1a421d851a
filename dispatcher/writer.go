package dispatcher

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/groupcommit"
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

// writer stores outcomes in batches, group-commit style (see groupcommit):
// a result waits only while every flusher is busy, and a free flusher takes
// all that queued up meanwhile (up to FlushRows) in one transaction of a few
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
// It is bound to no context: a sweep that is cancelled mid-send still has
// its outcomes written.
type writer struct {
	store   *storage.Store
	logger  *slog.Logger
	retry   retryPolicy
	batches *groupcommit.Committer[result]
	// down is set while a batch cannot be written, so that the outage and
	// its end are logged once each.
	down atomic.Bool
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
	w := &writer{store: store, logger: logger, retry: retry}
	w.batches = groupcommit.New(flushers, rows, w.write)
	return w
}

// close returns once every result submitted is written.
func (w *writer) close() { w.batches.Wait() }

// submit stores a result with the next batch and returns once it is stored
// (or given up on).
func (w *writer) submit(r result) {
	r.stored = make(chan struct{})
	w.batches.Add(r)
	<-r.stored
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
