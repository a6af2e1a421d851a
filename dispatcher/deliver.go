package dispatcher

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// claimTasks claims due rows of a source and turns them into tasks.
//
// Claims are taken one at a time in a process: claims of different
// integrations scan neighbouring index ranges, and a row that one scan reads
// at its boundary is locked for that instant, so a concurrent claim would
// SKIP LOCKED a row nobody holds and leave it for the next sweep.
func (d *Dispatcher) claimTasks(ctx context.Context, src drainSource, claim storage.Claim) ([]*task, error) {
	d.claimMu.Lock()
	defer d.claimMu.Unlock()
	if src.mode == mode.New {
		leads, slots, err := d.claimCapped(ctx, src.integ, claim)
		if err != nil {
			return nil, err
		}
		tasks := make([]*task, len(leads))
		for i := range leads {
			tasks[i] = &task{mode: src.mode, integ: src.integ, cm: src.integ.Mode(src.mode), lead: &leads[i], slots: slots}
		}
		return tasks, nil
	}
	rows, err := d.cfg.Store.ClaimDeliveries(ctx, claim)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return d.deliveryTasks(ctx, src, rows, claim.Token)
}

// deliveryTasks loads the leads behind claimed deliveries. A delivery whose
// lead or campaign is gone is closed with a log row saying so.
func (d *Dispatcher) deliveryTasks(ctx context.Context, src drainSource, rows []storage.Delivery, token string) ([]*task, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.LeadID
	}
	leads, err := d.cfg.Store.LeadsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var tasks []*task
	for i := range rows {
		row := &rows[i]
		t, err := d.deliveryTask(ctx, src, row, leads[row.LeadID])
		if err != nil {
			d.closeDelivery(row, token, err)
			continue
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

func (d *Dispatcher) deliveryTask(ctx context.Context, src drainSource, row *storage.Delivery, l *lead.Lead) (*task, error) {
	if l == nil {
		return nil, fmt.Errorf("lead %d no longer exists", row.LeadID)
	}
	t := &task{mode: src.mode, integ: src.integ, lead: l, delivery: row, status: row.Status}
	if src.integ != nil {
		t.cm = src.integ.Mode(src.mode)
		t.labels = src.integ.Doc.PostbackLabels
		return t, nil
	}
	c, err := cachedObject[catalog.Campaign](ctx, d.catalog, "campaign-id", row.CampaignID)
	if err != nil {
		return nil, err
	}
	if c == nil || c.PostbackURL == "" {
		return nil, fmt.Errorf("campaign %d no longer has a postback URL", row.CampaignID)
	}
	cm, err := d.campaignPostback(c)
	if err != nil {
		return nil, err
	}
	t.cm, t.campaign, t.labels = cm, c, c.PostbackLabels
	return t, nil
}

// closeDelivery ends a delivery that cannot be sent, and logs why.
func (d *Dispatcher) closeDelivery(row *storage.Delivery, token string, why error) {
	now := d.cfg.Clock.Now()
	d.writer.submit(result{
		delivery: &storage.DeliveryOutcome{ID: row.ID, Token: token, Result: storage.DeliveryClosed{Why: why.Error()}, At: now},
		log: &storage.LogEntry{Time: now, LeadID: row.LeadID, IntegrationID: row.IntegrationID, Mode: row.Mode,
			Outcome: OutcomeNoID, Message: why.Error()},
	})
}

// campaignPostback compiles a campaign's postback URL as a GET postback mode.
func (d *Dispatcher) campaignPostback(c *catalog.Campaign) (*integrations.CompiledMode, error) {
	doc := &integrations.Integration{
		Name: "campaign " + c.Alias, Enabled: true,
		Postback: &integrations.Mode{Enabled: true, URL: c.PostbackURL, Method: "GET"},
	}
	compiled, err := integrations.Compile(doc, 0, d.cfg.Engine)
	if err != nil {
		return nil, fmt.Errorf("campaign %q postback_url: %w", c.Alias, err)
	}
	return compiled.Mode(mode.Postback), nil
}

// deliver tries one claimed task and returns once the writer has stored its
// outcome, so the worker's next lead waits for this one's outcome.
func (d *Dispatcher) deliver(ctx context.Context, run *sweepRun, t *task, token string) {
	var r result
	var a *attempt
	now := func() time.Time { return d.cfg.Clock.Now() }
	retryAt := run.now.Add(minute)
	if t.mode == mode.New {
		a, r = d.deliverNew(ctx, t, token, now, retryAt)
	} else {
		a = d.try(ctx, t)
		o := deliveryOutcome(t, a, token, now(), retryAt)
		r.delivery = &o
		r.log = logRow(t, a, t.delivery.Attempts+1, now())
		if attempts := t.delivery.Attempts + 1; a.outcome != OutcomeSuccess && gaveUp(attempts, maxAttempts(t)) {
			r.failed = d.failedAfter(t, a, attempts, now())
		}
	}
	d.settleSlot(t, a)
	d.pauseOn429(ctx, t, a)
	d.countAttempt(ctx, t, a)
	d.metrics.delivered(t, a)
	run.count(string(a.outcome))
	d.writer.submit(r)
}

// deliverNew sends a new lead, unless it needs no request: a lead that has an
// ext already (a sync send, lead.edit or the intake set it) and the stub go
// to processing as they are. A sending error makes the lead due at retryAt.
func (d *Dispatcher) deliverNew(ctx context.Context, t *task, token string, now func() time.Time, retryAt time.Time) (*attempt, result) {
	l := t.lead
	a, ch, skipped := skipNew(t)
	switch {
	case skipped:
	case l.CheckDue && t.integ.Mode(mode.Check) != nil:
		a, ch = d.check(ctx, t)
	default:
		a = d.try(ctx, t)
		ch = leadChange(t.mode, l, a)
		applyUncertain(t, a, &ch)
	}
	o := ch.outcome(l.ID, token)
	o.Attempts, o.Message, o.At = l.Attempts+1, shownMessage(a, t.redactor()), now()
	var failed *storage.LogEntry
	if ch.retry {
		// Due a minute after the sweep's cut-off: see deliveryOutcome.
		spent := gaveUp(o.Attempts, maxAttempts(t))
		o.Result = storage.LeadRetry{Due: retryAt, Failed: spent}
		if spent {
			failed = d.failedAfter(t, a, o.Attempts, now())
		}
	}
	r := result{
		lead:   &o,
		log:    logRow(t, a, o.Attempts, now()),
		failed: failed,
	}
	if ch.status != 0 && ch.status != l.Status {
		r.enqueue = d.postbacksFor(ctx, l, ch.status)
	}
	return a, r
}

// failedAfter marks a lead or delivery that failed after its attempts: a log
// row, a count in leadrelay_leads_failed_total and a line in the process's
// log, so that support sees it.
func (d *Dispatcher) failedAfter(t *task, a *attempt, attempts int, now time.Time) *storage.LogEntry {
	row := logRow(t, a, attempts, now)
	// Not an attempt of its own: attempt 0, nothing sent.
	row.Attempt, row.Request, row.Response, row.Return, row.ScriptLog, row.DurationMS = 0, "", "", "", "", 0
	row.Message = "failed after " + plural(attempts, "attempt") + ": " + strings.TrimSuffix(row.Message, retryNote)
	d.metrics.failed(t)
	d.cfg.Logger.Warn("lead failed after its attempts; it waits for a re-queue", "lead", t.lead.ID,
		"integration", row.IntegrationID, "mode", t.mode, "attempts", attempts, "message", row.Message)
	return row
}

// skipNew is the attempt and change of a new lead that needs no request: a
// lead that has an ext already (a sync send, lead.edit or the intake set it)
// and every lead of a stub go to processing as they are.
func skipNew(t *task) (*attempt, change, bool) {
	l := t.lead
	switch {
	case l.Ext != "":
		a := &attempt{outcome: OutcomeSkipped, err: fmt.Errorf("already has ext %q: not sent again", l.Ext)}
		return a, change{status: lead.Processing, skipped: true}, true
	case t.cm.IsStub():
		a := &attempt{outcome: OutcomeSkipped, err: fmt.Errorf("stub: no request")}
		return a, change{status: lead.Processing, skipped: true, ext: strconv.FormatInt(l.ID, 10)}, true
	}
	return nil, change{}, false
}

// pauseOn429 stops the integration's mode until a 429's Retry-After passes.
func (d *Dispatcher) pauseOn429(ctx context.Context, t *task, a *attempt) {
	if a.resp == nil || a.resp.Code != 429 || a.retryAfter <= 0 || t.integ == nil {
		return
	}
	until := d.cfg.Clock.Now().Add(a.retryAfter).UnixMilli()
	if err := d.cfg.Store.PauseUntil(ctx, t.integ.Doc.ID, string(t.mode), until); err != nil {
		d.cfg.Logger.Error("pausing after 429", "integration", t.integ.Doc.ID, "err", err)
	}
	d.control.addPause(t.integ.Doc.ID, t.mode, until)
}

// routePage is how many unrouted leads routeWaiting reads at a time.
const routePage = 1000

// routeWaiting routes new leads that arrived when no integration took them.
// It pages through all of them: leads that still find no integration must
// not hide the ones behind them.
func (d *Dispatcher) routeWaiting(ctx context.Context) error {
	for after := int64(0); ; {
		waiting, err := d.cfg.Store.UnroutedNewLeads(ctx, after, routePage)
		if err != nil {
			return err
		}
		for i := range waiting {
			if err := d.routeOne(ctx, &waiting[i]); err != nil {
				return err
			}
		}
		if len(waiting) < routePage {
			return nil
		}
		after = waiting[len(waiting)-1].ID
	}
}

// routeOne gives an unrouted lead the integration that takes it now, if any.
func (d *Dispatcher) routeOne(ctx context.Context, l *lead.Lead) error {
	id, err := d.integrationFor(ctx, l)
	if err != nil || id == 0 {
		return err
	}
	return d.cfg.Store.UpdateLead(ctx, l.ID, map[string]any{"integration": id})
}

// integrationFor is a new lead's integration (SPEC §2): its campaign's, else
// the first that takes it; 0 when none does.
func (d *Dispatcher) integrationFor(ctx context.Context, l *lead.Lead) (int64, error) {
	c, err := d.catalog.campaign(ctx, l.Campaign)
	if err != nil {
		return 0, err
	}
	if c != nil && c.Integration != 0 {
		return c.Integration, nil
	}
	if id := d.openFor(l, 0, d.cfg.Clock.Now()); id != 0 {
		return id, nil
	}
	return d.registry.route(l), nil
}
