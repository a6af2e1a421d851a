package dispatcher

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// control is what SPEC §9 keeps between sends: which cap periods are full
// and which modes are paused, as this process last saw them. The database
// stays the judge: a slot is only ever taken there.
type control struct {
	mu sync.RWMutex
	// full holds, per integration, the cap periods found full.
	full map[int64]map[string]bool
	// pauses are the pauses of the last sweep and the 429s since (until,
	// Unix ms).
	pauses map[storage.PauseKey]int64
}

func newControl() *control {
	return &control{full: map[int64]map[string]bool{}}
}

// paused tells whether a mode of an integration is paused at now.
func (c *control) paused(integration int64, m mode.Mode, now time.Time) bool {
	c.mu.RLock()
	until, ok := c.pauses[storage.PauseKey{Integration: integration, Mode: string(m)}]
	c.mu.RUnlock()
	return ok && until > now.UnixMilli()
}

func (c *control) setPauses(p map[storage.PauseKey]int64) {
	c.mu.Lock()
	c.pauses = p
	c.mu.Unlock()
}

func (c *control) addPause(integration int64, m mode.Mode, until int64) {
	c.mu.Lock()
	if c.pauses == nil {
		c.pauses = map[storage.PauseKey]int64{}
	}
	c.pauses[storage.PauseKey{Integration: integration, Mode: string(m)}] = until
	c.mu.Unlock()
}

// capped reports whether one of the integration's cap periods at now is full.
func (c *control) capped(ci *integrations.Compiled, now time.Time) bool {
	if !ci.Schedule.Capped() {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	full := c.full[ci.Doc.ID]
	if len(full) == 0 {
		return false
	}
	for _, p := range ci.Schedule.CapPeriods(now) {
		if full[p.Key] {
			return true
		}
	}
	return false
}

func (c *control) setFull(integration int64, full map[string]bool) {
	c.mu.Lock()
	c.full[integration] = full
	c.mu.Unlock()
}

// open tells whether an integration takes new and sync leads at now: inside
// its hours, under its caps and its new mode not paused (SPEC §9).
func (d *Dispatcher) open(c *integrations.Compiled, now time.Time) bool {
	return c.Schedule.Open(now) && !d.control.capped(c, now) && !d.control.paused(c.Doc.ID, mode.New, now)
}

// closedWhy says why an integration is closed at now, for the log.
func (d *Dispatcher) closedWhy(c *integrations.Compiled, now time.Time) string {
	switch {
	case !c.Schedule.Open(now):
		return "outside its hours"
	case d.control.capped(c, now):
		return "its cap is reached"
	}
	return "paused"
}

// refreshControl reads the pauses and the caps' counts at the start of a
// sweep, so routing and intake see what other processes did.
func (d *Dispatcher) refreshControl(ctx context.Context, paused map[storage.PauseKey]int64, now time.Time) error {
	d.control.setPauses(paused)
	for _, c := range d.registry.all() {
		if c.Schedule.Capped() {
			if err := d.refreshCaps(ctx, c, c.Schedule.CapPeriods(now)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *Dispatcher) refreshCaps(ctx context.Context, c *integrations.Compiled, periods []integrations.CapPeriod) error {
	used, err := d.cfg.Store.CapUsed(ctx, c.Doc.ID, capPeriods(periods))
	if err != nil {
		return err
	}
	full := map[string]bool{}
	for _, p := range periods {
		if used[p.Key] >= p.Limit {
			full[p.Key] = true
		}
	}
	d.control.setFull(c.Doc.ID, full)
	return nil
}

func capPeriods(ps []integrations.CapPeriod) []storage.CapPeriod {
	out := make([]storage.CapPeriod, len(ps))
	for i, p := range ps {
		out[i] = storage.CapPeriod{Key: p.Key, Limit: p.Limit}
	}
	return out
}

// takeSlots takes up to want cap slots of a capped integration before its
// leads are claimed or sent; nil periods when it has no cap. Fewer than
// wanted marks the integration capped until its period ends.
func (d *Dispatcher) takeSlots(ctx context.Context, c *integrations.Compiled, want int) (int, []storage.CapPeriod, error) {
	if !c.Schedule.Capped() {
		return want, nil, nil
	}
	now := d.cfg.Clock.Now()
	periods := c.Schedule.CapPeriods(now)
	sp := capPeriods(periods)
	took, err := d.cfg.Store.TakeCapSlots(ctx, c.Doc.ID, sp, want)
	if err != nil {
		return 0, nil, err
	}
	if took < want {
		if err := d.refreshCaps(ctx, c, periods); err != nil {
			return took, sp, err
		}
	}
	return took, sp, nil
}

// giveBack returns n slots that no send used.
func (d *Dispatcher) giveBack(c *integrations.Compiled, periods []storage.CapPeriod, n int) {
	if len(periods) == 0 || n <= 0 {
		return
	}
	if err := d.cfg.Store.GiveBackCapSlots(context.Background(), c.Doc.ID, periods, n); err != nil {
		d.cfg.Logger.Error("giving back cap slots", "integration", c.Doc.ID, "err", err)
		return
	}
	d.control.setFull(c.Doc.ID, nil)
}

// settleSlot gives a sent lead's slot back unless the send took the lead:
// moved it to processing or redirected it.
func (d *Dispatcher) settleSlot(t *task, a *attempt) {
	if len(t.slots) == 0 || a.outcome == OutcomeSuccess || a.outcome == OutcomeRedirect {
		return
	}
	d.giveBack(t.integ, t.slots, 1)
}

// claimCapped claims new leads of a capped integration: slots first, then at
// most as many leads, and the slots no lead took go back.
func (d *Dispatcher) claimCapped(ctx context.Context, c *integrations.Compiled, claim storage.Claim) ([]lead.Lead, []storage.CapPeriod, error) {
	took, periods, err := d.takeSlots(ctx, c, claim.Limit)
	if err != nil || took == 0 {
		return nil, nil, err
	}
	claim.Limit = took
	leads, err := d.cfg.Store.ClaimNewLeads(ctx, claim)
	d.giveBack(c, periods, took-len(leads))
	return leads, periods, err
}

// byPriority returns the cached integrations in routing order: highest
// priority first, then lowest id.
func (r *registry) byPriority() []*integrations.Compiled {
	out := r.all()
	slices.SortStableFunc(out, func(a, b *integrations.Compiled) int { return cmp.Compare(b.Doc.Priority, a.Doc.Priority) })
	return out
}

// openFor returns the first open integration that takes a new lead, in
// routing order, skipping one; 0 when none is open.
func (d *Dispatcher) openFor(l *lead.Lead, skip int64, now time.Time) int64 {
	for _, c := range d.registry.byPriority() {
		if c.Doc.ID != skip && takesNew(c, l) && d.open(c, now) {
			return c.Doc.ID
		}
	}
	return 0
}

// takesNew tells whether an enabled integration sends new leads (new or sync
// enabled) of this offer and country.
func takesNew(c *integrations.Compiled, l *lead.Lead) bool {
	return sendsNew(c) && matches(c.Doc, l)
}

// sendsNew says whether an integration is enabled and sends new leads (new
// or sync enabled).
func sendsNew(c *integrations.Compiled) bool {
	return c.Doc.Enabled && (c.Mode(mode.New) != nil || c.Mode(mode.Sync) != nil)
}

// overflowPage is how many waiting leads overflow reads at a time.
const overflowPage = 1000

// overflow moves the waiting new leads of closed integrations to the next
// open one that takes them (SPEC §2), with a log row naming both. A lead
// whose campaign names its integration, or that a request was made for,
// stays.
func (d *Dispatcher) overflow(ctx context.Context, now time.Time) error {
	all := d.registry.byPriority()
	for _, c := range all {
		if !c.Doc.Enabled || d.open(c, now) || !d.otherOpen(all, c, now) {
			continue
		}
		if err := d.overflowFrom(ctx, c, now); err != nil {
			return err
		}
	}
	return nil
}

// otherOpen tells whether an integration other than from sends new leads
// and is open: when none is, from's leads have nowhere to go and are not
// read.
func (d *Dispatcher) otherOpen(all []*integrations.Compiled, from *integrations.Compiled, now time.Time) bool {
	for _, c := range all {
		if c != from && sendsNew(c) && d.open(c, now) {
			return true
		}
	}
	return false
}

func (d *Dispatcher) overflowFrom(ctx context.Context, from *integrations.Compiled, now time.Time) error {
	why := d.closedWhy(from, now)
	for after := int64(0); ; {
		waiting, err := d.cfg.Store.MovableNewLeads(ctx, from.Doc.ID, now.UnixMilli(), after, overflowPage)
		if err != nil {
			return err
		}
		for i := range waiting {
			if err := d.moveOne(ctx, &waiting[i], from.Doc.ID, why, now); err != nil {
				return err
			}
		}
		if len(waiting) < overflowPage {
			return nil
		}
		after = waiting[len(waiting)-1].ID
	}
}

func (d *Dispatcher) moveOne(ctx context.Context, l *lead.Lead, from int64, why string, now time.Time) error {
	camp, err := d.catalog.campaign(ctx, l.Campaign)
	if err != nil {
		return err
	}
	if camp != nil && camp.Integration != 0 {
		return nil
	}
	to := d.openFor(l, from, now)
	if to == 0 {
		return nil
	}
	row := &storage.LogEntry{Time: now, LeadID: l.ID, IntegrationID: to, Mode: "route", Outcome: OutcomeSuccess,
		Message: fmt.Sprintf("moved from integration %d (%s) to integration %d", from, why, to)}
	_, err = d.cfg.Store.MoveLead(ctx, l.ID, from, to, now.UnixMilli(), row)
	return err
}

// syncClosed takes a cap slot for a sync send, and says why the send cannot
// go now ("" when it can): the integration is closed, or its cap is reached.
func (d *Dispatcher) syncClosed(ctx context.Context, t *task, now time.Time) string {
	if !d.open(t.integ, now) {
		return d.closedWhy(t.integ, now)
	}
	took, periods, err := d.takeSlots(ctx, t.integ, 1)
	if err != nil {
		d.cfg.Logger.Error("taking a cap slot for a sync send", "integration", t.integ.Doc.ID, "err", err)
		return "its cap could not be read"
	}
	if took == 0 {
		return "its cap is reached"
	}
	t.slots = periods
	return ""
}
