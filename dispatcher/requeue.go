package dispatcher

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/leadrelay/leadrelay/integrations/mode"
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
	name := cmp.Or(r.Mode, string(mode.New))
	if _, err := modesToSweep(name); err != nil {
		return 0, err
	}
	f := r.Filter
	if len(r.IDs) > 0 {
		f.IDs = r.IDs
	}
	now := d.cfg.Clock.Now()
	if name != string(mode.New) {
		requeued, err := d.cfg.Store.RequeueDeliveries(ctx, name, f, now)
		if err != nil {
			return 0, err
		}
		return len(requeued), d.logRequeuedDeliveries(ctx, requeued, now)
	}
	requeued, err := d.cfg.Store.RequeueLeads(ctx, f, now)
	if err != nil {
		return 0, err
	}
	return len(requeued), d.logRequeued(ctx, requeued, now)
}

// logRequeued logs each requeued lead. A lead that was not new has changed
// status: its row says so, and the postbacks of its new status are queued,
// as ChangeStatus does.
func (d *Dispatcher) logRequeued(ctx context.Context, requeued []lead.Lead, now time.Time) error {
	if len(requeued) == 0 {
		return nil
	}
	var o storage.Outcomes
	by := user.By(ctx)
	changed := 0
	for i := range requeued {
		l := &requeued[i]
		row := &storage.LogEntry{Time: now, LeadID: l.ID, IntegrationID: l.IntegrationID, Mode: "requeue", Outcome: OutcomeSuccess,
			Message: "re-queued after " + plural(l.Attempts, "attempt") + " (failed): due now", By: by}
		if l.Status != lead.New {
			changed++
			o.Enqueue = append(o.Enqueue, d.postbacksFor(ctx, l, lead.New)...)
			row.Mode, row.Message = "status", fmt.Sprintf("status %s → %s (requeue)", l.Status, lead.New)
		}
		o.Log = append(o.Log, row)
	}
	if _, err := d.cfg.Store.WriteOutcomes(ctx, o); err != nil {
		return fmt.Errorf("logging requeued leads: %w", err)
	}
	d.metrics.statuses.Add(float64(changed))
	return nil
}

// logRequeuedDeliveries logs each requeued delivery of a lead.
func (d *Dispatcher) logRequeuedDeliveries(ctx context.Context, requeued []storage.Delivery, now time.Time) error {
	if len(requeued) == 0 {
		return nil
	}
	var o storage.Outcomes
	by := user.By(ctx)
	for _, del := range requeued {
		o.Log = append(o.Log, &storage.LogEntry{Time: now, LeadID: del.LeadID, IntegrationID: del.IntegrationID, Mode: "requeue",
			Outcome: OutcomeSuccess, Message: del.Mode + " re-queued after " + plural(del.Attempts, "attempt") + " (failed): due now", By: by})
	}
	if _, err := d.cfg.Store.WriteOutcomes(ctx, o); err != nil {
		return fmt.Errorf("logging requeued deliveries: %w", err)
	}
	return nil
}
