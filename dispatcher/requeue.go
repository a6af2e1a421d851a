package dispatcher

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/user"
)

// Requeue names the leads support puts back in a queue.
type Requeue struct {
	IDs    []int64
	Filter storage.LeadFilter
	// Mode is the queue: new (default) or changes, approved, postback.
	Mode string
}

// Requeue puts failed or cancelled leads back in the new queue (attempts
// reset, reason cleared), or a mode's failed deliveries back in theirs, and
// says how many went back. A cancelled lead's move to new is a status change:
// it is logged and fires its postbacks.
func (d *Dispatcher) Requeue(ctx context.Context, r Requeue) (int, error) {
	mode := r.Mode
	if mode == "" {
		mode = integrations.ModeNew
	}
	if _, err := modesToSweep(mode); err != nil {
		return 0, err
	}
	f := r.Filter
	if len(r.IDs) > 0 {
		f.IDs = r.IDs
	}
	now := d.cfg.Clock.Now()
	var n int64
	var err error
	if mode == integrations.ModeNew {
		var requeued []lead.Lead
		if n, requeued, err = d.cfg.Store.RequeueLeads(ctx, f, now); err == nil {
			err = d.logRequeued(ctx, requeued, now)
		}
	} else {
		n, err = d.cfg.Store.RequeueDeliveries(ctx, mode, f, now)
	}
	return int(n), err
}

// logRequeued logs each requeued lead, with the person who asked: a lead
// that was not new changes status, so its row is a status change and the
// postbacks of its new status are queued, as ChangeStatus does.
func (d *Dispatcher) logRequeued(ctx context.Context, requeued []lead.Lead, now time.Time) error {
	if len(requeued) == 0 {
		return nil
	}
	var o storage.Outcomes
	by := user.By(ctx)
	statuses := 0
	for i := range requeued {
		l := &requeued[i]
		row := &storage.LogEntry{Time: now, LeadID: l.ID, IntegrationID: l.IntegrationID,
			Mode: "status", Outcome: OutcomeSuccess, Message: "requeued", By: by}
		if l.Status != lead.New {
			o.Enqueue = append(o.Enqueue, d.postbacksFor(ctx, l, lead.New)...)
			row.Message = fmt.Sprintf("status %s → %s (requeue)", l.Status, lead.New)
			statuses++
		}
		o.Log = append(o.Log, row)
	}
	if _, err := d.cfg.Store.WriteOutcomes(ctx, o); err != nil {
		return fmt.Errorf("logging requeued leads: %w", err)
	}
	d.metrics.statuses.Add(float64(statuses))
	return nil
}
