package dispatcher

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// Intake is a lead arriving from a landing page or a publisher.
type Intake struct {
	Lead *lead.Lead
	// Sync asks for the synchronous send: the landing page waits for it.
	Sync bool
	// Raw is the inbound request, for the log.
	Raw string
}

// SyncResult is what the landing page is told after a synchronous send.
type SyncResult struct {
	// Result is redirect, accepted, cancelled, error or queued.
	Result  string `json:"result"`
	URL     string `json:"url,omitempty"`
	Message string `json:"message,omitempty"`
	Ext     string `json:"ext,omitempty"`
	// Reason is a cancelled lead's reason code; Message then names it.
	Reason int `json:"reason,omitempty"`
}

// Sync results.
const (
	SyncRedirect  = "redirect"
	SyncAccepted  = "accepted"
	SyncCancelled = "cancelled"
	SyncError     = "error"
	SyncQueued    = "queued"
)

// syncRounds is how many rounds of sends a synchronous send's claim
// outlasts: it waits behind nothing, and holds its lead for twice its own
// send.
const syncRounds = 2

// Received is what became of a new lead: the sync send's result when one
// was asked for, and the earlier lead it repeats when it is a duplicate.
type Received struct {
	Sync        *SyncResult
	DuplicateOf int64
}

// Intake routes and stores a new lead, logs its arrival, queues the postbacks
// of status new, and, when asked, sends it synchronously. A lead being sent
// synchronously is stored already claimed, so no sweep can send it meanwhile.
// A duplicate (SPEC §9) is stored cancelled and never sent.
func (d *Dispatcher) Intake(ctx context.Context, in Intake) (*Received, error) {
	l := in.Lead
	if l.Status == 0 {
		l.Status = lead.New
	}
	if err := d.routeNew(ctx, l); err != nil {
		return nil, err
	}
	dup, err := d.duplicateCheck(ctx, l)
	if err != nil {
		return nil, err
	}
	now := d.cfg.Clock.Now()
	l.NextAt = now.UnixMilli()
	var sync *task
	closed, stopping := "", false
	if in.Sync && l.Status == lead.New {
		sync = d.syncTask(ctx, l)
	}
	if sync != nil {
		// A stop waits for the sync send as for a sweep's sends; once it
		// has begun, the lead goes the classic way.
		if stopping = !d.begin(); stopping {
			sync = nil
		} else {
			defer d.end()
		}
	}
	if sync != nil {
		if closed = d.syncClosed(ctx, sync, now); closed != "" {
			sync = nil
		}
	}
	token := ""
	if sync != nil {
		token = newToken()
		l.ClaimToken = token
		l.NextAt = now.Add(d.lease(sync.cm.Timeout, syncRounds)).UnixMilli()
	}
	arrival := &storage.LogEntry{Time: now, IntegrationID: l.IntegrationID, Mode: "intake",
		Outcome: OutcomeSuccess, Request: in.Raw, Message: "lead received"}
	of, err := d.cfg.Store.CreateLeadChecked(ctx, l, arrival, d.postbacksFor(ctx, l, l.Status), dup)
	if err != nil {
		if sync != nil {
			d.giveBack(sync.integ, sync.slots, 1)
		}
		return nil, err
	}
	d.metrics.received()
	out := &Received{DuplicateOf: of}
	switch {
	case !in.Sync:
	case of != 0:
		if sync != nil {
			d.giveBack(sync.integ, sync.slots, 1)
		}
		out.Sync = &SyncResult{Result: SyncCancelled, Message: fmt.Sprintf("a duplicate of lead %d", of)}
	case stopping:
		out.Sync = &SyncResult{Result: SyncQueued, Message: "leadrelay is stopping; the lead goes the classic way"}
	case closed != "":
		out.Sync = &SyncResult{Result: SyncQueued, Message: "the integration is closed (" + closed + "); the lead goes the classic way"}
	case sync == nil:
		out.Sync = &SyncResult{Result: SyncQueued, Message: "no integration sends this lead synchronously; it goes the classic way"}
	default:
		sync.lead = l
		if out.Sync, err = d.sendSync(ctx, sync, token); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// intakeRefresh is how stale the integrations may be when a lead is routed
// at intake. Saves through this process's API invalidate at once; another
// process's saves are seen within this time.
const intakeRefresh = time.Second

// routeNew gives a new lead its campaign's integration or the first that
// takes it (SPEC §2).
func (d *Dispatcher) routeNew(ctx context.Context, l *lead.Lead) error {
	if err := d.registry.refreshEvery(ctx, d.cfg.Clock.Now(), intakeRefresh); err != nil {
		return fmt.Errorf("loading integrations: %w", err)
	}
	if l.IntegrationID != 0 {
		return nil
	}
	id, err := d.integrationFor(ctx, l)
	l.IntegrationID = id
	return err
}

// syncTask is the sync send for a lead, nil when its integration has none.
func (d *Dispatcher) syncTask(ctx context.Context, l *lead.Lead) *task {
	if l.IntegrationID == 0 {
		return nil
	}
	c, err := d.registry.get(ctx, l.IntegrationID)
	if err != nil || !c.Doc.Enabled {
		return nil
	}
	cm := c.Mode(mode.Sync)
	if cm == nil {
		return nil
	}
	return &task{mode: mode.Sync, integ: c, cm: cm}
}

// sendSync runs the sync send and writes its outcome at once (SPEC §3 sync):
// a URL leaves the lead new for the classic send; an id moves it to
// processing; a negative number cancels it; other text deletes it and is
// shown to the visitor; empty leaves it new.
func (d *Dispatcher) sendSync(ctx context.Context, t *task, token string) (*SyncResult, error) {
	l := t.lead
	a := d.try(ctx, t)
	d.settleSlot(t, a)
	ch := leadChange(t.mode, l, a)
	applyUncertain(t, a, &ch)
	now := d.cfg.Clock.Now()
	row := ch.outcome(l.ID, token)
	row.At = now
	if ch.status == 0 {
		row.Result = storage.LeadRetry{Due: now}
	}
	var enqueue []storage.Delivery
	if ch.status != 0 {
		enqueue = d.postbacksFor(ctx, l, ch.status)
	}
	_, err := d.cfg.Store.WriteOutcomes(ctx, storage.Outcomes{
		Leads: []storage.LeadOutcome{row}, Enqueue: enqueue, Log: []*storage.LogEntry{logRow(t, a, 1, now)},
	})
	if err != nil {
		return nil, err
	}
	d.metrics.delivered(t, a)
	return shownSyncResult(syncResultOf(ch, a), t.redactor()), nil
}

// shownSyncResult is what the visitor is shown: the URL, message and ext
// with the integration's secrets as ***, whatever the target answered.
func shownSyncResult(res *SyncResult, r *integrations.Redactor) *SyncResult {
	res.URL, res.Message, res.Ext = r.Redact(res.URL), r.Redact(res.Message), r.Redact(res.Ext)
	return res
}

func syncResultOf(ch change, a *attempt) *SyncResult {
	switch a.outcome {
	case OutcomeRedirect:
		return &SyncResult{Result: SyncRedirect, URL: ch.redirect}
	case OutcomeSuccess:
		return &SyncResult{Result: SyncAccepted, Ext: ch.ext}
	case OutcomeRejected:
		return &SyncResult{Result: SyncCancelled, Reason: ch.reason, Message: lead.Reason(ch.reason).String()}
	case OutcomeDeleted:
		return &SyncResult{Result: SyncError, Message: ch.message}
	}
	if ext, ok := ch.writtenExt(); ok && ext != "" {
		return &SyncResult{Result: SyncQueued, Ext: ext,
			Message: "the target registered the lead (ext " + ext + ") without an autologin URL; it moves to processing with the next sweep"}
	}
	return &SyncResult{Result: SyncQueued, Message: "the synchronous send did not succeed; the lead goes the classic way"}
}
