package dispatcher_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

type respondFunc = func(w http.ResponseWriter, r *http.Request, body string)

// hang reads the request (the fake CRM has) and never answers: the send
// times out after its request was written.
func hang(_ http.ResponseWriter, r *http.Request, _ string) { <-r.Context().Done() }

// turns answers the nth request with the nth step, and every request after
// the last step with the last.
func turns(steps ...respondFunc) respondFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request, body string) {
		i := min(int(n.Add(1))-1, len(steps)-1)
		steps[i](w, r, body)
	}
}

// byPath answers each path with its own responder.
func byPath(paths map[string]respondFunc) respondFunc {
	return func(w http.ResponseWriter, r *http.Request, body string) {
		paths[r.URL.Path](w, r, body)
	}
}

func requestsTo(c *crm, path string) []recorded {
	var out []recorded
	for _, r := range c.got() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// uncertainCRM is an integration document whose new mode posts to /orders
// (a short timeout; a {"duplicate":true} answer cancels with reason 7) and
// whose check mode asks /find for the lead's id.
func uncertainCRM(url, onUncertain string) map[string]any {
	newMode := newMode(url+"/orders", `local r = json.decode(result) if r.duplicate then return -7 end return r.id`)
	newMode["timeout"] = "1s"
	doc := map[string]any{"name": "crm", "enabled": true, "offers": []int{1}, "new": newMode,
		"check": map[string]any{"enabled": true, "url": url + "/find?ref={id}", "method": "GET",
			"post": `if mode ~= "check" then error("not a check") end return json.decode(result).id`}}
	if onUncertain != "" {
		doc["on_uncertain"] = onUncertain
	}
	return doc
}

// TestUncertainSendIsMarked: a send that times out after its request was
// written is HTTP_FAIL with an uncertain log row and an uncertain lead, is
// listed by the uncertain filter, and (retry) is sent again a minute later
// with the same idempotency key. A refused connection is not uncertain.
func TestUncertainSendIsMarked(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, turns(hang, answer(200, `{"id":"CRM-1"}`)))
		b.integration(t, uncertainCRM(target.URL, ""))
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		if counts := b.sweep(t, "new"); counts["HTTP_FAIL"] != 1 {
			t.Fatalf("outcomes = %v, want HTTP_FAIL", counts)
		}
		if row := b.lastAttempt(t, l.ID, "new"); !row.Uncertain || !contains(row.Message, "uncertain") {
			t.Errorf("log row: uncertain %v, message %q", row.Uncertain, row.Message)
		}
		got := b.lead(t, l.ID)
		if !got.Uncertain || got.Failed || got.Status != lead.New || !time.UnixMilli(got.NextAt).Equal(b.clock.Now().Add(time.Minute)) {
			t.Errorf("lead: uncertain %v failed %v status %v due %v", got.Uncertain, got.Failed, got.Status, time.UnixMilli(got.NextAt))
		}
		yes := true
		listed, err := s.ListLeads(t.Context(), storage.LeadFilter{Uncertain: &yes})
		if err != nil || len(listed) != 1 || listed[0].ID != l.ID {
			t.Errorf("uncertain leads = %v, %v; want lead %d", listed, err, l.ID)
		}
		b.clock.Advance(time.Minute)
		b.sweep(t, "new")
		if got := b.lead(t, l.ID); got.Status != lead.Processing || got.Ext != "CRM-1" {
			t.Errorf("after the retry: %v %q", got.Status, got.Ext)
		}
		reqs := requestsTo(target, "/orders")
		if len(reqs) != 2 || reqs[0].Header.Get("Idempotency-Key") != reqs[1].Header.Get("Idempotency-Key") {
			t.Errorf("the retry's requests: %d, keys differ or missing", len(reqs))
		}
		if n := len(requestsTo(target, "/find")); n != 0 {
			t.Errorf("on_uncertain retry ran %d checks", n)
		}
	})
}

func TestRefusedSendIsNotUncertain(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(200, ""))
		url := target.URL
		target.Close()
		b.integration(t, uncertainCRM(url, "check"))
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		b.sweep(t, "new")
		if row := b.lastAttempt(t, l.ID, "new"); row.Outcome != "HTTP_FAIL" || row.Uncertain {
			t.Errorf("log row: %s uncertain %v, want HTTP_FAIL, certain", row.Outcome, row.Uncertain)
		}
		if got := b.lead(t, l.ID); got.Uncertain || got.CheckDue {
			t.Errorf("a refused send marked the lead uncertain")
		}
	})
}

// TestOnUncertainCheck: after an uncertain send, the check runs before any
// second send and its answer decides.
func TestOnUncertainCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		find respondFunc
		// after the second sweep
		status    lead.Status
		ext       string
		outcome   string // of the check
		orders    int    // sends to /orders after the third sweep
		uncertain bool
	}{
		{"found", answer(200, `{"id":"CRM-7"}`), lead.Processing, "CRM-7", "SUCCESS", 1, false},
		{"not found", answer(200, `{}`), lead.New, "", "ERROR", 2, false},
		{"check fails", answer(500, `oops`), lead.New, "", "ERROR", 1, true},
		{"check times out", hang, lead.New, "", "HTTP_FAIL", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				target := newCRM(t, byPath(map[string]respondFunc{
					"/orders": turns(hang, answer(200, `{"id":"CRM-2"}`)),
					"/find":   tt.find,
				}))
				doc := uncertainCRM(target.URL, "check")
				if tt.name == "check times out" {
					doc["check"].(map[string]any)["timeout"] = "1s"
				}
				if tt.name == "check fails" {
					doc["check"].(map[string]any)["post"] = `if response.code ~= 200 then error("the CRM said " .. response.code) end return json.decode(result).id`
				}
				b.integration(t, doc)
				l := b.newLead(t, &lead.Lead{Name: "Ann"})
				b.sweep(t, "new")
				if got := b.lead(t, l.ID); !got.Uncertain || !got.CheckDue {
					t.Fatalf("after the uncertain send: uncertain %v check_due %v", got.Uncertain, got.CheckDue)
				}
				b.clock.Advance(time.Minute)
				b.sweep(t, "new")
				finds := requestsTo(target, "/find")
				if len(finds) != 1 || finds[0].Query != "ref="+itoa(l.ID) {
					t.Fatalf("checks: %+v, want one asking for ref=%d", finds, l.ID)
				}
				if n := len(requestsTo(target, "/orders")); n != 1 {
					t.Errorf("sends before the check's answer was read: %d, want 1", n)
				}
				row := b.lastAttempt(t, l.ID, "check")
				if row.Outcome != tt.outcome {
					t.Errorf("check row = %s %q, want %s", row.Outcome, row.Message, tt.outcome)
				}
				got := b.lead(t, l.ID)
				if got.Status != tt.status || got.Ext != tt.ext || got.Attempts != 2 {
					t.Errorf("after the check: %v %q attempts %d, want %v %q 2", got.Status, got.Ext, got.Attempts, tt.status, tt.ext)
				}
				if tt.status == lead.Processing && !contains(got.LastMessage, "check found") {
					t.Errorf("message %q does not say the check found it", got.LastMessage)
				}
				b.clock.Advance(time.Minute)
				b.sweep(t, "new")
				if n := len(requestsTo(target, "/orders")); n != tt.orders {
					t.Errorf("sends = %d, want %d", n, tt.orders)
				}
				if got := b.lead(t, l.ID); got.Uncertain != tt.uncertain {
					t.Errorf("uncertain = %v, want %v", got.Uncertain, tt.uncertain)
				}
			})
		})
	}
}

// TestOnUncertainHold: the lead waits for support; a requeue clears the mark
// and sends it.
func TestOnUncertainHold(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, turns(hang, answer(200, `{"id":"CRM-3"}`)))
		b.integration(t, uncertainCRM(target.URL, "hold"))
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		b.sweep(t, "new")
		for range 2 {
			b.clock.Advance(time.Minute)
			b.sweep(t, "new")
		}
		got := b.lead(t, l.ID)
		if n := len(target.got()); n != 1 || !got.Uncertain || !got.Failed || !contains(got.LastMessage, "held") {
			t.Fatalf("held lead: %d requests, uncertain %v failed %v %q", n, got.Uncertain, got.Failed, got.LastMessage)
		}
		if n, err := b.d.Requeue(t.Context(), dispatcherRequeue(l.ID)); err != nil || n != 1 {
			t.Fatalf("requeue = %d, %v", n, err)
		}
		if got := b.lead(t, l.ID); got.Uncertain {
			t.Error("a requeue left the uncertain mark")
		}
		b.sweep(t, "new")
		if got := b.lead(t, l.ID); got.Status != lead.Processing || got.Ext != "CRM-3" {
			t.Errorf("after the requeue: %v %q", got.Status, got.Ext)
		}
	})
}

// TestDuplicateAfterUncertainIsHeld: whatever on_uncertain says, a lead that
// the target answers "duplicate" after an uncertain send is held, not
// cancelled, with the answer in the log. A lead never uncertain is cancelled.
func TestDuplicateAfterUncertainIsHeld(t *testing.T) {
	t.Parallel()
	duplicate := answer(409, `{"duplicate":true}`)
	tests := []struct {
		name        string
		onUncertain string
		orders      []respondFunc // turns
		sweeps      int
		status      lead.Status
	}{
		{"retry", "retry", []respondFunc{hang, duplicate}, 2, lead.New},
		{"check finds nothing", "check", []respondFunc{hang, duplicate}, 3, lead.New},
		{"never uncertain", "retry", []respondFunc{duplicate}, 1, lead.Cancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				target := newCRM(t, byPath(map[string]respondFunc{"/orders": turns(tt.orders...), "/find": answer(200, `{}`)}))
				b.integration(t, uncertainCRM(target.URL, tt.onUncertain))
				l := b.newLead(t, &lead.Lead{Name: "Ann"})
				for range tt.sweeps {
					b.sweep(t, "new")
					b.clock.Advance(time.Minute)
				}
				got := b.lead(t, l.ID)
				if got.Status != tt.status {
					t.Fatalf("status %v reason %d, want %v; log %+v", got.Status, got.Reason, tt.status, b.log(t, l.ID))
				}
				if tt.status == lead.Cancel {
					return
				}
				if !got.Uncertain || !got.Failed || got.Reason != 0 {
					t.Errorf("held lead: uncertain %v failed %v reason %d", got.Uncertain, got.Failed, got.Reason)
				}
				row := b.lastAttempt(t, l.ID, "new")
				if !contains(row.Response, `duplicate`) || !contains(row.Message, "not cancelled") || row.Outcome == "REJECTED" {
					t.Errorf("log row: %s %q response %s", row.Outcome, row.Message, row.Response)
				}
				b.sweep(t, "new")
				if n := len(requestsTo(target, "/orders")); n != 2 {
					t.Errorf("sends = %d, want 2 (none after the hold)", n)
				}
			})
		})
	}
}

// TestUncertainSyncThenClassicSend: an uncertain sync send leaves the lead
// new and uncertain; the classic send follows on_uncertain (a check first),
// and a retry carries the sync send's idempotency key.
func TestUncertainSyncThenClassicSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		onUncertain string
		orders      int
	}{
		{"check", 0},
		{"retry", 1},
	}
	for _, tt := range tests {
		t.Run(tt.onUncertain, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				target := newCRM(t, byPath(map[string]respondFunc{
					"/register": hang,
					"/orders":   answer(200, `{"id":"CRM-5"}`),
					"/find":     answer(200, `{"id":"CRM-4"}`),
				}))
				doc := uncertainCRM(target.URL, tt.onUncertain)
				doc["sync"] = map[string]any{"enabled": true, "url": target.URL + "/register", "format": "json",
					"fields": "phone {phone}", "timeout": "1s", "post": `return json.decode(result).id`}
				b.integration(t, doc)
				l := &lead.Lead{Name: "Ann", Phone: "447123456789", Country: "gb", OfferID: 1}
				res, err := b.d.Intake(context.Background(), dispatcher.Intake{Lead: l, Sync: true})
				if err != nil || res.Sync.Result != dispatcher.SyncQueued {
					t.Fatalf("sync = %+v, %v", res, err)
				}
				if row := b.lastAttempt(t, l.ID, "sync"); !row.Uncertain {
					t.Error("the sync log row is not uncertain")
				}
				if got := b.lead(t, l.ID); !got.Uncertain || got.Status != lead.New {
					t.Fatalf("after the sync send: uncertain %v status %v", got.Uncertain, got.Status)
				}
				b.clock.Advance(time.Minute)
				b.sweep(t, "new")
				orders := requestsTo(target, "/orders")
				if len(orders) != tt.orders {
					t.Fatalf("classic sends = %d, want %d", len(orders), tt.orders)
				}
				if got := b.lead(t, l.ID); got.Status != lead.Processing {
					t.Errorf("status %v, want processing", got.Status)
				}
				if len(orders) > 0 {
					key := requestsTo(target, "/register")[0].Header.Get("Idempotency-Key")
					if got := orders[0].Header.Get("Idempotency-Key"); got != key {
						t.Errorf("classic send's key %q, the sync send's %q", got, key)
					}
				}
			})
		})
	}
}

// TestDryRunOfTheCheckMode: the dry run runs check like any mode, and says
// what its answer would do.
func TestDryRunOfTheCheckMode(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		id := b.integration(t, uncertainCRM("https://crm.example", "check"))
		tests := []struct {
			body   string
			status string
			ext    string
			retry  bool
		}{
			{`{"id":"CRM-9"}`, "processing", "CRM-9", false},
			{`{}`, "", "", true},
		}
		for _, tt := range tests {
			res, err := b.d.DryRun(t.Context(), dispatcher.DryRun{IntegrationID: id, Mode: "check",
				Lead: &lead.Lead{ID: 12, Name: "Ann"}, Response: &dispatcher.StubResponse{Code: 200, Body: tt.body}})
			if err != nil || res.Error != nil {
				t.Fatalf("dry run: %v %+v", err, res.Error)
			}
			status := ""
			if res.Effect.Status != nil {
				status = *res.Effect.Status
			}
			if status != tt.status || res.Effect.Ext != tt.ext || res.Effect.Retry != tt.retry {
				t.Errorf("%s: effect %+v, want status %q ext %q retry %v", tt.body, res.Effect, tt.status, tt.ext, tt.retry)
			}
			if req, _ := json.Marshal(res.Request); !strings.Contains(string(req), "ref=12") {
				t.Errorf("request %s, want the check's URL with ref=12", req)
			}
		}
		if _, err := b.d.Sweep(t.Context(), "check"); err == nil {
			t.Error("a sweep of the check mode was not refused")
		}
	})
}
