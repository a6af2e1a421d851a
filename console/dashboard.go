package console

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/storage"
)

// dashboard is the dashboard's page.
type dashboard struct {
	Integrations []*dashboardRow
	Sweep        *storage.SweepRun
}

// dashboardRow is one integration on the dashboard.
type dashboardRow struct {
	ID        int64
	Name      string
	Waiting   int64
	Failed    int64
	Uncertain int64
	Paused    []pause
	Modes     []modeRow
}

// pause is a mode paused until a time: after a 429 with Retry-After, or
// after failed attempts in a row until a probe succeeds.
type pause struct {
	Mode  string
	Until time.Time
}

// modeRow is one mode of an integration: its attempts over the last 24
// hours as a chart, and its last error.
type modeRow struct {
	Mode      string
	Chart     chart
	LastError *storage.LogEntry
}

// chart is a bar chart the server draws as SVG: one bar an outcome.
type chart struct {
	Width, Height int
	Bars          []bar
}

// bar is one outcome's bar.
type bar struct {
	Outcome string
	N       int64
	Y       int
	Width   int
}

// Chart layout, in pixels.
const (
	barHeight = 18
	barGap    = 4
	barMax    = 240
	labelW    = 90
)

func newChart(counts map[string]int64) chart {
	outcomes := slices.Sorted(maps.Keys(counts))
	var top int64 = 1
	for _, n := range counts {
		top = max(top, n)
	}
	ch := chart{Width: labelW + barMax + 60, Height: len(outcomes) * (barHeight + barGap)}
	for i, o := range outcomes {
		w := int(counts[o] * barMax / top)
		ch.Bars = append(ch.Bars, bar{Outcome: o, N: counts[o], Y: i * (barHeight + barGap), Width: max(w, 1)})
	}
	return ch
}

// errorOutcomes are the outcomes the dashboard shows as a mode's last error.
var errorOutcomes = []string{"ERROR", "HTTP_FAIL", "NO_ID"}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	since := c.opts.Now().UTC().Add(-dashboardWindow)
	recs, err := c.opts.Store.ListIntegrations(ctx)
	var attempts []storage.AttemptCount
	var leads []storage.LeadCount
	var uncertain []storage.UncertainCount
	var lastErrors []storage.LogEntry
	if err == nil {
		attempts, err = c.opts.Store.CountAttempts(ctx, since, attemptModes)
	}
	if err == nil {
		leads, err = c.opts.Store.CountWaitingAndFailed(ctx)
	}
	if err == nil {
		uncertain, err = c.opts.Store.CountUncertain(ctx)
	}
	if err == nil {
		lastErrors, err = c.opts.Store.LastErrors(ctx, since, errorOutcomes)
	}
	var paused map[storage.PauseKey]int64
	if err == nil {
		paused, err = c.opts.Store.Paused(ctx, c.opts.Now().UnixMilli())
	}
	if err != nil {
		c.log.Error("reading the dashboard", "err", err)
		c.problem(w, r, http.StatusInternalServerError, "the dashboard could not be read; the server log has the details")
		return
	}
	rows := map[int64]*dashboardRow{}
	var order []int64
	row := func(id int64) *dashboardRow {
		if rows[id] == nil {
			rows[id] = &dashboardRow{ID: id, Name: "(none)"}
			order = append(order, id)
		}
		return rows[id]
	}
	for _, rec := range recs {
		row(rec.ID).Name = rec.Name
	}
	counts := map[int64]map[string]map[string]int64{}
	for _, a := range attempts {
		if counts[a.Integration] == nil {
			counts[a.Integration] = map[string]map[string]int64{}
		}
		if counts[a.Integration][a.Mode] == nil {
			counts[a.Integration][a.Mode] = map[string]int64{}
		}
		counts[a.Integration][a.Mode][a.Outcome] = a.N
	}
	for _, l := range leads {
		row(l.Integration).Waiting, rows[l.Integration].Failed = l.Waiting, l.Failed
	}
	for _, u := range uncertain {
		row(u.Integration).Uncertain = u.N
	}
	last := map[int64]map[string]*storage.LogEntry{}
	for i := range lastErrors {
		e := &lastErrors[i]
		if last[e.IntegrationID] == nil {
			last[e.IntegrationID] = map[string]*storage.LogEntry{}
		}
		last[e.IntegrationID][e.Mode] = e
	}
	for k, until := range paused {
		row(k.Integration).Paused = append(rows[k.Integration].Paused, pause{Mode: k.Mode, Until: time.UnixMilli(until).UTC()})
	}
	for id, modes := range counts {
		for _, m := range attemptModes {
			if n, ok := modes[m]; ok {
				row(id).Modes = append(rows[id].Modes, modeRow{Mode: m, Chart: newChart(n), LastError: last[id][m]})
			}
		}
	}
	page := dashboard{Integrations: make([]*dashboardRow, 0, len(order))}
	slices.Sort(order)
	for _, id := range order {
		slices.SortFunc(rows[id].Paused, func(a, b pause) int { return strings.Compare(a.Mode, b.Mode) })
		page.Integrations = append(page.Integrations, rows[id])
	}
	switch sweep, err := c.opts.Store.LastSweep(ctx); {
	case err == nil:
		page.Sweep = &sweep
	case !errors.Is(err, storage.ErrNotFound):
		c.log.Error("reading the last sweep", "err", err)
	}
	c.render(w, r, http.StatusOK, "dashboard", view{Title: "Dashboard", Data: page})
}

// dashboardWindow is how far back the dashboard counts.
const dashboardWindow = 24 * time.Hour

// resume is POST /admin/integrations/{id}/resume: it ends a mode's pause
// through the API (support may) and goes back to the dashboard.
func (c *Console) resume(w http.ResponseWriter, r *http.Request) {
	path := "/api/v1/admin/integrations/" + r.PathValue("id") + "/resume"
	a := c.call(r, http.MethodPost, path, map[string]any{"mode": r.PostFormValue("mode")})
	if !a.OK() {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}
