package dispatcher

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrelay/leadrelay/storage"
)

// Outcomes of the log rows of a pause after failures and its end.
const (
	OutcomePaused  = "PAUSED"
	OutcomeResumed = "RESUMED"
)

// pauses is this process's view of the modes that count failures (SPEC §9
// pause_after): a success writes to the database only for a mode this
// process saw fail, or that the last sweep found failing.
type pauses struct {
	mu      sync.Mutex
	failing map[storage.PauseKey]bool
	// halted are the modes this process paused or saw paused since their
	// sweep began: their sweeps stop sending.
	halted map[storage.PauseKey]bool
	gauge  *prometheus.GaugeVec
}

func newPauses() *pauses {
	return &pauses{failing: map[storage.PauseKey]bool{}, halted: map[storage.PauseKey]bool{}, gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "leadrelay_integration_paused", Help: "1 while a mode of an integration is paused, after failures or a 429.",
	}, []string{"integration", "mode"})}
}

func (p *pauses) mark(k storage.PauseKey, failing bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if failing {
		p.failing[k] = true
	} else {
		delete(p.failing, k)
	}
}

func (p *pauses) isFailing(k storage.PauseKey) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failing[k]
}

// halts says whether a source's sweep is to stop: its mode was paused
// while it drained, after failed attempts or by a 429's Retry-After. A probe
// is never stopped.
func (d *Dispatcher) halts(src drainSource) bool {
	if src.integ == nil || src.probe {
		return false
	}
	return d.pauses.halts(src) || d.control.paused(src.integ.Doc.ID, src.mode, d.cfg.Clock.Now())
}

// halts says whether a source's mode was paused after failed attempts while
// it drained.
func (p *pauses) halts(src drainSource) bool {
	if src.integ == nil || src.probe {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.halted[storage.PauseKey{Integration: src.integ.Doc.ID, Mode: string(src.mode)}]
}

func (p *pauses) show(k storage.PauseKey, paused bool) {
	p.mu.Lock()
	if paused {
		p.halted[k] = true
	} else {
		delete(p.halted, k)
	}
	p.mu.Unlock()
	v := 0.0
	if paused {
		v = 1
	}
	p.gauge.WithLabelValues(strconv.FormatInt(k.Integration, 10), k.Mode).Set(v)
}

// countAttempt counts an attempt of an integration's mode towards its
// pause: a failure (HTTP_FAIL, ERROR) adds one, any other answer ends the
// count and the pause. A send with no request counts nothing.
func (d *Dispatcher) countAttempt(ctx context.Context, t *task, a *attempt) {
	if t.integ == nil || a.outcome == OutcomeSkipped {
		return
	}
	k := storage.PauseKey{Integration: t.integ.Doc.ID, Mode: string(t.mode)}
	if a.outcome == OutcomeHTTPFail || a.outcome == OutcomeError {
		d.pauses.mark(k, true)
		message := messageOf(a)
		paused, err := d.cfg.Store.AttemptFailed(ctx, k, t.integ.Doc.PauseAfterOrDefault(), d.cfg.Clock.Now().UnixMilli(), message)
		if err != nil {
			d.cfg.Logger.Error("counting a failed attempt", "integration", k.Integration, "mode", k.Mode, "err", err)
			return
		}
		if paused {
			d.pauseEvent(ctx, k, OutcomePaused, message, "")
		}
		return
	}
	if !d.pauses.isFailing(k) {
		return
	}
	resumed, message, err := d.cfg.Store.AttemptSucceeded(ctx, k)
	if err != nil {
		d.cfg.Logger.Error("ending a count of failures", "integration", k.Integration, "mode", k.Mode, "err", err)
		return
	}
	d.pauses.mark(k, false)
	if resumed {
		d.pauseEvent(ctx, k, OutcomeResumed, message, "")
	}
}

// Resume ends a mode's pause at once, whichever brought it; by names who
// asked. It says whether the mode was paused.
func (d *Dispatcher) Resume(ctx context.Context, integration int64, mode, by string) (bool, error) {
	if err := checkMode(mode); err != nil {
		return false, err
	}
	k := storage.PauseKey{Integration: integration, Mode: mode}
	resumed, message, err := d.cfg.Store.Resume(ctx, k, d.cfg.Clock.Now().UnixMilli())
	if err != nil || !resumed {
		return false, err
	}
	d.pauses.mark(k, false)
	d.pauseEvent(ctx, k, OutcomeResumed, message, by)
	return true, nil
}

// pauseEvent logs a pause or its end, shows it on the gauge and sends the
// alert.
func (d *Dispatcher) pauseEvent(ctx context.Context, k storage.PauseKey, outcome, message, by string) {
	d.pauses.show(k, outcome == OutcomePaused)
	text := "paused after failed attempts in a row; last error: " + message
	switch {
	case outcome == OutcomeResumed && message == "":
		// A 429's pause ended early: no failed attempt to name.
		text = "resumed"
	case outcome == OutcomeResumed:
		text = "resumed; last error: " + message
	}
	row := &storage.LogEntry{Time: d.cfg.Clock.Now(), IntegrationID: k.Integration, Mode: k.Mode, Outcome: outcome, Message: text, By: by}
	if err := d.cfg.Store.AppendLog(ctx, row); err != nil {
		d.cfg.Logger.Error("logging a pause", "integration", k.Integration, "mode", k.Mode, "err", err)
	}
	event := "paused"
	if outcome == OutcomeResumed {
		event = "resumed"
	}
	d.alert(alert{Event: event, Integration: k.Integration, Mode: k.Mode, Message: message})
}

// sweepPauses reads the modes that count failures before a sweep, shows
// the paused ones on the gauge, and takes the probes that are due: a probed
// mode leaves paused, to be drained of one lead.
func (d *Dispatcher) sweepPauses(ctx context.Context, now int64, paused map[storage.PauseKey]int64) (probes map[storage.PauseKey]bool, err error) {
	states, err := d.cfg.Store.Pauses(ctx, now)
	if err != nil {
		return nil, err
	}
	failing, err := d.cfg.Store.FailingModes(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range failing {
		d.pauses.mark(k, true)
	}
	d.pauses.gauge.Reset()
	d.pauses.mu.Lock()
	clear(d.pauses.halted)
	d.pauses.mu.Unlock()
	probes = map[storage.PauseKey]bool{}
	for k, st := range states {
		d.pauses.show(k, true)
		if st.Since == 0 || st.Until > now || paused[k] > now {
			continue
		}
		won, err := d.cfg.Store.TakeProbe(ctx, k, now)
		if err != nil {
			return nil, err
		}
		if won {
			probes[k] = true
			delete(paused, k)
		}
	}
	return probes, nil
}

// Paused is one paused mode as the API shows it: since when, with the last
// error, for a pause after failures; until when for a 429's.
type Paused struct {
	Since   string `json:"since,omitempty"`
	Until   string `json:"until,omitempty"`
	Message string `json:"message,omitempty"`
}

// Paused returns the paused modes of an integration, by mode.
func (d *Dispatcher) Paused(ctx context.Context, integration int64) (map[string]Paused, error) {
	states, err := d.cfg.Store.Pauses(ctx, d.cfg.Clock.Now().UnixMilli())
	if err != nil {
		return nil, err
	}
	out := map[string]Paused{}
	for k, st := range states {
		if k.Integration != integration {
			continue
		}
		p := Paused{Message: st.Message}
		if st.Since != 0 {
			p.Since = time.UnixMilli(st.Since).UTC().Format(time.RFC3339)
		} else {
			p.Message = "the target answered 429 with Retry-After"
		}
		if st.Until != 0 {
			p.Until = time.UnixMilli(st.Until).UTC().Format(time.RFC3339)
		}
		out[k.Mode] = p
	}
	return out, nil
}
