package dispatcher_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// The fake clock of setup starts on Saturday 21 November 2026, 12:00 UTC.

func TestRoutingFollowsPriorityThenOpenness(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(http.StatusOK, `{}`))
		integ := func(name string, priority int, hours map[string]string) int64 {
			doc := map[string]any{"name": name, "enabled": true, "offers": []int{1}, "priority": priority,
				"new": newMode(target.URL, `return "X"`)}
			if hours != nil {
				doc["hours"] = hours
			}
			return b.integration(t, doc)
		}
		integ("low", -5, nil)
		mid := integ("mid", 0, nil)
		high := integ("high", 10, map[string]string{"mon-fri": "09:00-18:00"})
		// high is closed on a Saturday: the lead goes to the next by priority.
		if l := b.newLead(t, &lead.Lead{Name: "Ann"}); l.IntegrationID != mid {
			t.Errorf("on Saturday the lead went to %d, want %d", l.IntegrationID, mid)
		}
		b.clock.Advance(46 * time.Hour) // Monday 10:00
		if l := b.newLead(t, &lead.Lead{Name: "Bob"}); l.IntegrationID != high {
			t.Errorf("on Monday the lead went to %d, want %d", l.IntegrationID, high)
		}
	})
}

func TestClosedIntegrationSendsNothingAndCountsNoAttempt(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(http.StatusOK, `{}`))
		b.integration(t, map[string]any{"name": "callcentre", "enabled": true, "offers": []int{1},
			"timezone": "Europe/Berlin", "hours": map[string]string{"mon-fri": "09:00-18:00"},
			"new":  newMode(target.URL, `return "CLASSIC"`),
			"sync": map[string]any{"enabled": true, "url": target.URL + "/sync", "post": `return 42`}})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		got, err := b.d.Intake(context.Background(), dispatcher.Intake{Lead: &lead.Lead{Name: "Bob", Phone: "447000000001", Country: "gb", OfferID: 1}, Sync: true})
		if err != nil {
			t.Fatal(err)
		}
		if res := got.Sync; res.Result != dispatcher.SyncQueued || !strings.Contains(res.Message, "outside its hours") {
			t.Errorf("a sync send while closed = %+v, want queued outside its hours", res)
		}
		b.sweep(t, "new")
		if got := b.lead(t, l.ID); got.Status != lead.New || got.Attempts != 0 || len(target.got()) != 0 {
			t.Fatalf("while closed: status %v, %d attempts, %d requests; want new, 0, 0", got.Status, got.Attempts, len(target.got()))
		}
		b.clock.Advance(45 * time.Hour) // Monday 09:00 UTC, 10:00 in Berlin
		b.sweep(t, "new")
		if got := b.lead(t, l.ID); got.Status != lead.Processing || got.Attempts != 1 {
			t.Errorf("once open: status %v, %d attempts; want processing, 1", got.Status, got.Attempts)
		}
	})
}

func TestOverflowMovesOnlyLeadsNoRequestWasMadeFor(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		failing := newCRM(t, answer(http.StatusOK, `{}`))
		backup := newCRM(t, answer(http.StatusOK, `{}`))
		first := b.integration(t, map[string]any{"name": "first", "enabled": true, "offers": []int{1}, "priority": 5,
			"hours": map[string]string{"sat": "11:00-12:30"}, "new": newMode(failing.URL, `return nil`)})
		second := b.integration(t, map[string]any{"name": "second", "enabled": true, "offers": []int{1},
			"new": newMode(backup.URL, `return "B-1"`)})
		camp := &catalog.Campaign{Alias: "pinned", Offer: 1, Integration: first}
		if err := storage.PutObject(context.Background(), s, camp); err != nil {
			t.Fatal(err)
		}
		tried := b.newLead(t, &lead.Lead{Name: "Ann"})
		b.sweep(t, "new") // tried fails once: an attempt was made
		waiting := b.newLead(t, &lead.Lead{Name: "Bob"})
		pinned := b.newLead(t, &lead.Lead{Name: "Cid", Campaign: "pinned"})
		for _, l := range []*lead.Lead{tried, waiting, pinned} {
			if l.IntegrationID != first {
				t.Fatalf("lead %d went to %d, want %d", l.ID, l.IntegrationID, first)
			}
		}
		b.clock.Advance(30 * time.Minute) // first closes
		b.sweep(t, "new")
		want := map[int64]int64{tried.ID: first, waiting.ID: second, pinned.ID: first}
		for id, integ := range want {
			if got := b.lead(t, id); got.IntegrationID != integ {
				t.Errorf("lead %d has integration %d, want %d", id, got.IntegrationID, integ)
			}
		}
		if got := b.lead(t, waiting.ID); got.Status != lead.Processing || got.Ext != "B-1" {
			t.Errorf("the moved lead is %v ext %q, want processing B-1", got.Status, got.Ext)
		}
		moved := b.lastAttempt(t, waiting.ID, "route")
		if !strings.Contains(moved.Message, "from integration "+itoa(first)) || !strings.Contains(moved.Message, "to integration "+itoa(second)) {
			t.Errorf("move log row = %q, want it to name both integrations", moved.Message)
		}
		if len(failing.got()) != 1 {
			t.Errorf("the closed integration got %d requests, want the 1 made while open", len(failing.got()))
		}
	})
}

func TestDailyCapTakesAndGivesBackSlots(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		var mu sync.Mutex
		fail := true
		target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				fail = false
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			_, _ = w.Write([]byte("OK"))
		})
		b.integration(t, map[string]any{"name": "capped", "enabled": true, "offers": []int{1}, "caps": map[string]int{"daily": 1},
			"new":  map[string]any{"enabled": true, "url": target.URL, "post": `if response.code == 200 then return "ID" end`},
			"sync": map[string]any{"enabled": true, "url": target.URL + "/sync", "post": `return 42`}})
		a := b.newLead(t, &lead.Lead{Name: "Ann"})
		c := b.newLead(t, &lead.Lead{Name: "Cid"})
		b.sweep(t, "new") // one slot, one send, which fails: the slot goes back
		b.clock.Advance(time.Minute)
		b.sweep(t, "new") // the slot again: c is due first and accepted
		b.clock.Advance(time.Minute)
		b.sweep(t, "new") // capped: a waits
		if got := b.lead(t, c.ID); got.Status != lead.Processing {
			t.Errorf("lead c is %v, want processing", got.Status)
		}
		if got := b.lead(t, a.ID); got.Status != lead.New || got.Attempts != 1 {
			t.Errorf("lead a is %v with %d attempts, want new with the 1 failed", got.Status, got.Attempts)
		}
		if n := len(target.got()); n != 2 {
			t.Errorf("the CRM got %d requests, want 2", n)
		}
		got, err := b.d.Intake(context.Background(), dispatcher.Intake{Lead: &lead.Lead{Name: "Dan", Phone: "447000000002", Country: "gb", OfferID: 1}, Sync: true})
		if err != nil {
			t.Fatal(err)
		}
		if res := got.Sync; res.Result != dispatcher.SyncQueued || !strings.Contains(res.Message, "cap") {
			t.Errorf("a sync send while capped = %+v, want queued", res)
		}
		b.clock.Advance(12 * time.Hour) // the next day
		b.sweep(t, "new")
		if got := b.lead(t, a.ID); got.Status != lead.Processing {
			t.Errorf("the next day lead a is %v, want processing", got.Status)
		}
	})
}

// TestCapHoldsAcrossDispatchers runs three dispatchers, each with its own
// connection pool as separate processes have, against one capped
// integration: exactly the cap is accepted.
func TestCapHoldsAcrossDispatchers(t *testing.T) {
	t.Parallel()
	for _, backend := range storagetest.Backends() {
		t.Run(backend.Name, func(t *testing.T) {
			t.Parallel()
			dsn := backend.DSN(t)
			processes := 3
			if backend.Name == "sqlite" {
				processes = 1
			}
			target := newCRM(t, answer(http.StatusOK, "OK"))
			var bs []*bundle
			for range processes {
				bs = append(bs, setup(t, storagetest.Open(t, dsn)))
			}
			b := bs[0]
			b.integration(t, map[string]any{"name": "capped", "enabled": true, "offers": []int{1}, "concurrency": 8,
				"caps": map[string]int{"daily": 100}, "new": map[string]any{"enabled": true, "url": target.URL, "post": `return "ID"`}})
			leads := make([]lead.Lead, 160)
			for i := range leads {
				leads[i] = lead.Lead{Name: "L", Phone: "447000000000", Country: "gb", OfferID: 1, IntegrationID: 1, NextAt: b.clock.Now().UnixMilli()}
			}
			if err := b.store.CreateLeads(context.Background(), leads); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, p := range bs {
				wg.Go(func() {
					if _, err := p.d.Sweep(context.Background(), "new"); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			counts, err := b.store.CountLeadsByStatus(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if counts[lead.Processing] != 100 || counts[lead.New] != 60 || len(target.got()) != 100 {
				t.Errorf("processing %d, new %d, requests %d; want 100, 60, 100", counts[lead.Processing], counts[lead.New], len(target.got()))
			}
		})
	}
}
