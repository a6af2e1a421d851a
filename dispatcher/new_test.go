package dispatcher_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestNewModeReturnRules runs SPEC §3's rules for new leads, one processing
// script return value each, against a fake CRM.
func TestNewModeReturnRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		post       string
		status     lead.Status
		ext        string // "=id": the lead's own id
		reason     lead.Reason
		outcome    string
		retried    bool
		messageHas string
	}{
		{"string id", `return "CRM-1"`, lead.Processing, "CRM-1", 0, "SUCCESS", false, ""},
		{"number id", `return 84921`, lead.Processing, "84921", 0, "SUCCESS", false, ""},
		{"id from json", `local r = json.decode(result) return r.id`, lead.Processing, "555", 0, "SUCCESS", false, ""},
		{"true", `return true`, lead.Processing, "=id", 0, "SUCCESS", false, ""},
		{"negative number", `return -7`, lead.Cancel, "", lead.ReasonDuplicate, "REJECTED", false, ""},
		{"negative string", `return "-5"`, lead.Cancel, "", lead.ReasonGeo, "REJECTED", false, ""},
		{"nil", `return nil`, lead.New, "", 0, "ERROR", true, "returned nothing (no return statement?)"},
		{"no return", `local x = 1`, lead.New, "", 0, "ERROR", true, "returned nothing (no return statement?)"},
		{"false", `return false`, lead.New, "", 0, "ERROR", true, "empty result"},
		{"empty string", `return ""`, lead.New, "", 0, "ERROR", true, "empty result"},
		{"zero", `return 0`, lead.New, "", 0, "ERROR", true, "empty result"},
		{"runtime error", "local r = nil\nreturn r.id", lead.New, "", 0, "ERROR", true, "new.post:2"},
		{"lead.edit with true", `lead.edit(o.order_id, {exto = "E-9", comment = "ok"}) return true`, lead.Processing, "E-9", 0, "SUCCESS", false, ""},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := setup(t, s)
				target := newCRM(t, answer(http.StatusOK, `{"status":"ok","id":555}`))
				id := b.integration(t, map[string]any{"name": "crm", "enabled": true, "offers": []int{1},
					"new": newMode(target.URL+"/orders", tt.post)})
				l := b.newLead(t, &lead.Lead{Name: "Ann", IntegrationID: id})
				counts := b.sweep(t, "new")
				if counts[tt.outcome] != 1 {
					t.Errorf("outcomes = %v, want one %s", counts, tt.outcome)
				}
				got := b.lead(t, l.ID)
				want := tt.ext
				if want == "=id" {
					want = strconv.FormatInt(l.ID, 10)
				}
				if got.Status != tt.status || got.Ext != want || got.Reason != tt.reason {
					t.Errorf("lead = status %v ext %q reason %d; want %v %q %d", got.Status, got.Ext, got.Reason, tt.status, want, tt.reason)
				}
				if got.Attempts != 1 {
					t.Errorf("attempts = %d, want 1", got.Attempts)
				}
				due := time.UnixMilli(got.NextAt)
				if tt.retried && !due.Equal(b.clock.Now().Add(time.Minute)) {
					t.Errorf("a retried lead is due at %v, want a minute after %v", due, b.clock.Now())
				}
				row := b.lastAttempt(t, l.ID, "new")
				if row.Outcome != tt.outcome || !contains(row.Message, tt.messageHas) {
					t.Errorf("log row = %s %q, want %s containing %q", row.Outcome, row.Message, tt.outcome, tt.messageHas)
				}
				if len(target.got()) != 1 {
					t.Errorf("the CRM got %d requests, want 1", len(target.got()))
				}
			})
		}
	})
}

// TestNewModeWithoutRequest covers the two cases that go to processing with
// no request: the stub, and a lead that already has an ext.
func TestNewModeWithoutRequest(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(http.StatusOK, `{}`))
		stub := b.integration(t, map[string]any{"name": "stub", "enabled": true, "offers": []int{1},
			"new": map[string]any{"enabled": true}})
		real := b.integration(t, map[string]any{"name": "crm", "enabled": true, "offers": []int{2},
			"new": newMode(target.URL, `return "X"`)})
		stubbed := b.newLead(t, &lead.Lead{Name: "Stub"})
		withExt := b.newLead(t, &lead.Lead{Name: "Ext", OfferID: 2, Ext: "SYNC-1"})
		counts := b.sweep(t, "new")
		if counts["SKIPPED"] != 2 {
			t.Errorf("outcomes = %v, want two SKIPPED", counts)
		}
		if got := b.lead(t, stubbed.ID); got.Status != lead.Processing || got.Ext != strconv.FormatInt(stubbed.ID, 10) || got.IntegrationID != stub {
			t.Errorf("stubbed lead = %v %q integration %d", got.Status, got.Ext, got.IntegrationID)
		}
		if got := b.lead(t, withExt.ID); got.Status != lead.Processing || got.Ext != "SYNC-1" || got.IntegrationID != real {
			t.Errorf("lead with ext = %v %q integration %d", got.Status, got.Ext, got.IntegrationID)
		}
		if n := len(target.got()); n != 0 {
			t.Errorf("the CRM got %d requests, want none", n)
		}
	})
}

// TestRoutingSkipsIntegrationsThatDoNotSend: a postback-only integration is
// never a new lead's own, even with the lowest id.
func TestRoutingSkipsIntegrationsThatDoNotSend(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.integration(t, map[string]any{"name": "tracker", "enabled": true,
			"postback": map[string]any{"enabled": true, "url": "https://t.example/pb", "method": "GET"}})
		crm := b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": map[string]any{"enabled": true}})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		if l.IntegrationID != crm {
			t.Errorf("routed to %d, want the CRM %d", l.IntegrationID, crm)
		}
	})
}

// TestNoPostScript: a 2xx counts as true, with a JSON body's id as the ext;
// any other code is a retry.
func TestNoPostScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   int
		body   string
		status lead.Status
		ext    string
	}{
		{200, `{"id": 84921}`, lead.Processing, "84921"},
		{201, `created`, lead.Processing, "=id"},
		{500, `{"id": 1}`, lead.New, ""},
		{409, `duplicate`, lead.New, ""},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				target := newCRM(t, answer(tt.code, tt.body))
				b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": newMode(target.URL, "")})
				l := b.newLead(t, &lead.Lead{Name: "Ann"})
				b.sweep(t, "new")
				got := b.lead(t, l.ID)
				want := tt.ext
				if want == "=id" {
					want = strconv.FormatInt(l.ID, 10)
				}
				if got.Status != tt.status || got.Ext != want {
					t.Errorf("lead = %v %q, want %v %q", got.Status, got.Ext, tt.status, want)
				}
			})
		})
	}
}

// TestTransportFailure: no connection is HTTP_FAIL, post does not run, the
// lead is tried again a minute later.
func TestTransportFailure(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(200, ""))
		url := target.URL
		target.Close()
		b.integration(t, map[string]any{"name": "crm", "enabled": true,
			"new": newMode(url, `log("post ran") return "X"`)})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		if counts := b.sweep(t, "new"); counts["HTTP_FAIL"] != 1 {
			t.Fatalf("outcomes = %v, want HTTP_FAIL", counts)
		}
		row := b.lastAttempt(t, l.ID, "new")
		if row.ScriptLog != "" {
			t.Errorf("post ran after a transport failure: %s", row.ScriptLog)
		}
		if got := b.lead(t, l.ID); got.Status != lead.New || got.Attempts != 1 {
			t.Errorf("lead = %v attempts %d", got.Status, got.Attempts)
		}
	})
}

// TestRetriesUntilFailedThenRequeue drives several minutes with the fake
// clock: each sweep retries, max_attempts marks the lead failed, a requeue
// brings it back.
func TestRetriesUntilFailedThenRequeue(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(503, "busy"))
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "retry": map[string]any{"max_attempts": 3},
			"new": newMode(target.URL, `if response.code == 200 then return "OK" end`)})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		for minute := 1; minute <= 5; minute++ {
			b.sweep(t, "new")
			b.clock.Advance(time.Minute)
		}
		reqs := target.got()
		if len(reqs) != 3 {
			t.Fatalf("the CRM got %d requests over 5 minutes, want 3 (max_attempts)", len(reqs))
		}
		key := reqs[0].Header.Get("Idempotency-Key")
		for _, r := range reqs {
			if got := r.Header.Get("Idempotency-Key"); key == "" || got != key {
				t.Errorf("idempotency keys across retries: %q then %q, want one non-empty key", key, got)
			}
		}
		got := b.lead(t, l.ID)
		if !got.Failed || got.Status != lead.New || got.Attempts != 3 {
			t.Fatalf("lead = failed %v status %v attempts %d", got.Failed, got.Status, got.Attempts)
		}
		// Within the same minute a sweep sends nothing more.
		b.sweep(t, "new")
		if n := len(target.got()); n != 3 {
			t.Errorf("a failed lead was sent again: %d requests", n)
		}
		target.mu.Lock()
		target.respond = answer(200, "")
		target.mu.Unlock()
		n, err := b.d.Requeue(t.Context(), dispatcherRequeue(l.ID))
		if err != nil || n != 1 {
			t.Fatalf("requeue = %d, %v", n, err)
		}
		b.sweep(t, "new")
		if got := b.lead(t, l.ID); got.Status != lead.Processing || got.Failed || got.Attempts != 1 {
			t.Errorf("after requeue: status %v failed %v attempts %d", got.Status, got.Failed, got.Attempts)
		}
	})
}

// TestRequeueOfACancelledLeadIsLogged: a cancelled lead that a requeue puts
// back in new has changed status, and the log says so (SPEC §7).
func TestRequeueOfACancelledLeadIsLogged(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(200, ""))
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": newMode(target.URL, `return "OK"`)})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		ctx := context.Background()
		if err := b.d.ChangeStatus(ctx, dispatcher.StatusChange{LeadID: l.ID, Status: lead.Cancel, Reason: 6, Source: "test"}); err != nil {
			t.Fatal(err)
		}
		n, err := b.d.Requeue(ctx, dispatcherRequeue(l.ID))
		if err != nil || n != 1 {
			t.Fatalf("requeue = %d, %v", n, err)
		}
		if got := b.lead(t, l.ID); got.Status != lead.New || got.Reason != 0 {
			t.Errorf("after requeue: status %v reason %v, want new and no reason", got.Status, got.Reason)
		}
		var requeued []string
		for _, row := range b.log(t, l.ID) {
			if row.Mode == "status" && strings.Contains(row.Message, "requeue") {
				requeued = append(requeued, row.Message)
			}
		}
		if want := []string{"status cancel → new (requeue)"}; !slices.Equal(requeued, want) {
			t.Errorf("requeue log rows = %q, want %q", requeued, want)
		}
	})
}

// TestUnroutedLeadsBehindAFullPageAreRouted: a lead stored before any
// integration took it is routed by the next sweep even when more leads than
// one page of routing, which no integration takes, came before it.
func TestUnroutedLeadsBehindAFullPageAreRouted(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		due := b.clock.Now().UnixMilli()
		leads := make([]lead.Lead, 1001)
		for i := range leads {
			leads[i] = lead.Lead{Name: "nobody's", Phone: "447123456789", Country: "gb", OfferID: 99, NextAt: due}
		}
		leads[len(leads)-1].OfferID = 1
		if err := b.store.CreateLeads(context.Background(), leads); err != nil {
			t.Fatal(err)
		}
		target := newCRM(t, answer(200, ""))
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "offers": []int{1}, "new": newMode(target.URL, `return "OK"`)})
		b.sweep(t, "new")
		last := b.lead(t, leads[len(leads)-1].ID)
		if last.IntegrationID == 0 || last.Status != lead.Processing {
			t.Errorf("the lead behind the page: integration %d status %v, want routed and sent", last.IntegrationID, last.Status)
		}
		if n := len(target.got()); n != 1 {
			t.Errorf("the CRM got %d requests, want 1", n)
		}
	})
}

// TestRetryAfterPausesTheMode: a 429 with Retry-After stops the integration's
// new mode until the pause is over.
func TestRetryAfterPausesTheMode(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.Header().Set("Retry-After", "180")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": newMode(target.URL, `return nil`)})
		b.newLead(t, &lead.Lead{Name: "Ann"})
		b.sweep(t, "new")
		for i := 0; i < 2; i++ {
			b.clock.Advance(time.Minute)
			b.sweep(t, "new")
		}
		if n := len(target.got()); n != 1 {
			t.Errorf("requests during the 3-minute pause = %d, want 1", n)
		}
		b.clock.Advance(time.Minute)
		b.sweep(t, "new")
		if n := len(target.got()); n != 2 {
			t.Errorf("requests after the pause = %d, want 2", n)
		}
	})
}

// TestRetryAfterStopsTheSweep: a 429 pauses the mode from the answer on:
// the sweep that got it sends none of the leads it claimed after it.
func TestRetryAfterStopsTheSweep(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.Header().Set("Retry-After", "180")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		doc := map[string]any{"name": "crm", "enabled": true, "concurrency": 1, "new": newMode(target.URL, `return nil`)}
		b.integration(t, doc)
		for _, name := range []string{"Ann", "Bob", "Cid", "Dee"} {
			b.newLead(t, &lead.Lead{Name: name})
		}
		b.sweep(t, "new")
		if n := len(target.got()); n != 1 {
			t.Errorf("requests in the sweep that got the 429 = %d, want 1", n)
		}
	})
}
