package dispatcher

import (
	"context"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/storage"
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
// says how many went back.
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
		n, err = d.cfg.Store.RequeueLeads(ctx, f, now)
	} else {
		n, err = d.cfg.Store.RequeueDeliveries(ctx, mode, f, now)
	}
	return int(n), err
}
