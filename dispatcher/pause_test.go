package dispatcher_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// alerts records the alerts POSTed to it.
type alerts struct {
	*httptest.Server
	mu  sync.Mutex
	got []map[string]any
}

func newAlerts(t *testing.T) *alerts {
	a := &alerts{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		a.mu.Lock()
		a.got = append(a.got, m)
		a.mu.Unlock()
	}))
	t.Cleanup(a.Close)
	return a
}

// events waits a little for n alerts and returns their events.
func (a *alerts) events(n int) []string {
	for range 200 {
		a.mu.Lock()
		k := len(a.got)
		a.mu.Unlock()
		if k >= n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, m := range a.got {
		out = append(out, m["event"].(string))
	}
	return out
}

func setupAlerting(t *testing.T, s *storage.Store, url string) (*bundle, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	fake := clock.NewFake(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	d, err := dispatcher.New(dispatcher.Config{
		Store:      s,
		Engine:     scripting.NewEngine(scripting.Config{Timeout: time.Second}),
		Tokens:     macros.NewTokens([]byte("test secret")),
		Clock:      fake,
		AlertURL:   url,
		Registerer: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return &bundle{store: s, d: d, clock: fake}, reg
}

// pausedGauge is leadrelay_integration_paused of an integration's new mode.
func pausedGauge(t *testing.T, reg *prometheus.Registry, integ int64) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "leadrelay_integration_paused" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["integration"] == itoa(integ) && labels["mode"] == "new" {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// pauseLog is the PAUSED and RESUMED rows of an integration.
func pauseLog(t *testing.T, s *storage.Store, integ int64) []string {
	t.Helper()
	rows, err := s.ListLog(context.Background(), storage.LogFilter{Integration: integ})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.Outcome == dispatcher.OutcomePaused || r.Outcome == dispatcher.OutcomeResumed {
			out = append(out, r.Outcome)
		}
	}
	return out
}

// TestPauseAfterFailures: pause_after failed attempts in a row pause the
// mode; while paused nothing is sent and no attempt is counted but one probe
// every 5 minutes; a successful probe resumes. Each is logged and alerted.
func TestPauseAfterFailures(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		hook := newAlerts(t)
		b, reg := setupAlerting(t, s, hook.URL)
		var up atomic.Bool
		target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			if up.Load() {
				_, _ = io.WriteString(w, `{"id":1}`)
				return
			}
			w.WriteHeader(http.StatusBadGateway)
		})
		integ := b.integration(t, map[string]any{"name": "crm", "enabled": true, "pause_after": 3,
			"new": newMode(target.URL, `local r = json.decode(response.body); return r.id`)})
		var leads []*lead.Lead
		for range 2 {
			leads = append(leads, b.newLead(t, &lead.Lead{Name: "Ann"}))
		}
		b.sweep(t, "new")
		b.clock.Advance(time.Minute)
		b.sweep(t, "new")
		if n := len(target.got()); n != 4 {
			t.Fatalf("%d requests in two sweeps, want 4", n)
		}
		if got := pauseLog(t, s, integ); len(got) != 1 || got[0] != dispatcher.OutcomePaused {
			t.Fatalf("pause log %v, want one PAUSED", got)
		}
		if g := pausedGauge(t, reg, integ); g != 1 {
			t.Errorf("leadrelay_integration_paused = %v while paused, want 1", g)
		}
		for range 4 {
			b.clock.Advance(time.Minute)
			b.sweep(t, "new")
		}
		if n := len(target.got()); n != 4 {
			t.Errorf("%d requests while paused, want still 4", n)
		}
		b.clock.Advance(time.Minute)
		b.sweep(t, "new")
		if n := len(target.got()); n != 5 {
			t.Errorf("%d requests after a failed probe, want 5", n)
		}
		up.Store(true)
		b.clock.Advance(time.Minute)
		b.sweep(t, "new")
		if n := len(target.got()); n != 5 {
			t.Errorf("%d requests a minute after the probe, want 5", n)
		}
		b.clock.Advance(5 * time.Minute)
		b.sweep(t, "new")
		if n := len(target.got()); n != 6 {
			t.Errorf("%d requests after the second probe, want 6", n)
		}
		if got := pauseLog(t, s, integ); len(got) != 2 || got[1] != dispatcher.OutcomeResumed {
			t.Errorf("pause log %v, want PAUSED, RESUMED", got)
		}
		if g := pausedGauge(t, reg, integ); g != 0 {
			t.Errorf("leadrelay_integration_paused = %v after the resume, want 0", g)
		}
		b.clock.Advance(time.Minute)
		b.sweep(t, "new")
		for _, l := range leads {
			if got := b.lead(t, l.ID); got.Status != lead.Processing {
				t.Errorf("lead %d: status %v after the resume, want processing", l.ID, got.Status)
			}
		}
		if got := hook.events(2); len(got) != 2 || got[0] != "paused" || got[1] != "resumed" {
			t.Errorf("alerts %v, want paused, resumed", got)
		}
	})
}

// A success between failures starts the count again; pause_after 0 never
// pauses.
func TestPauseAfterCountsInARow(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		k := storage.PauseKey{Integration: 1, Mode: "new"}
		for i, step := range []struct {
			fail       bool
			pauseAfter int
			want       bool
		}{{true, 2, false}, {false, 2, false}, {true, 2, false}, {true, 0, false}, {true, 2, true}, {true, 2, false}} {
			var paused bool
			var err error
			if step.fail {
				paused, err = s.AttemptFailed(ctx, k, step.pauseAfter, 1000, "502")
			} else {
				_, _, err = s.AttemptSucceeded(ctx, k)
			}
			if err != nil {
				t.Fatal(err)
			}
			if paused != step.want {
				t.Errorf("step %d: paused %v, want %v", i, paused, step.want)
			}
		}
	})
}

// Of processes counting failures at once, exactly one pauses the mode.
func TestPauseOnceAcrossStores(t *testing.T) {
	t.Parallel()
	for _, be := range storagetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			dsn := be.DSN(t)
			stores := storagetest.Processes(t, dsn, 2)
			var pauses atomic.Int32
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					paused, err := stores[i%2].AttemptFailed(context.Background(), storage.PauseKey{Integration: 1, Mode: "new"}, 5, 1000, "502")
					if err != nil {
						t.Error(err)
					}
					if paused {
						pauses.Add(1)
					}
				})
			}
			wg.Wait()
			if n := pauses.Load(); n != 1 {
				t.Errorf("%d pauses, want 1", n)
			}
		})
	}
}

// A sweep stops sending once the mode it drains is paused: the leads after
// the pause wait, with no request and no attempt.
func TestPauseStopsTheSweep(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(http.StatusBadGateway, ""))
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "pause_after": 3, "concurrency": 1,
			"new": newMode(target.URL, `return nil`)})
		var leads []*lead.Lead
		for range 6 {
			leads = append(leads, b.newLead(t, &lead.Lead{Name: "Ann"}))
		}
		b.sweep(t, "new")
		if n := len(target.got()); n != 3 {
			t.Errorf("%d requests in the sweep that paused, want 3", n)
		}
		attempts := 0
		for _, l := range leads {
			attempts += b.lead(t, l.ID).Attempts
		}
		if attempts != 3 {
			t.Errorf("%d attempts counted, want 3", attempts)
		}
	})
}
