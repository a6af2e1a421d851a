package autologin_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/examples/examplestest"
	"github.com/leadrelay/leadrelay/storage/lead"
)

var files = []string{"autologin.json"}

// visitor is what the landing page sends.
var visitor = map[string]any{"alias": "broker_de", "name": "Max", "last": "Mustermann", "email": "max@example.de",
	"pass": "Secret123", "phone": "4915123456789", "country": "de", "ip": "203.0.113.9", "click_id": "kc-1"}

// register is the request of both the sync and the classic send.
var register = examplestest.Request{Method: http.MethodPost, Path: "/api/v1/register",
	Header: examplestest.Headers("Api-Key", "broker-api-key", "Content-Type", "application/json"),
	Body: `{"first_name":"Max","last_name":"Mustermann","email":"max@example.de","password":"Secret123","phone":"+4915123456789",` +
		`"country":"DE","language":"de","ip":"203.0.113.9","affiliate":"12","click_id":"kc-1"}`}

const loginURL = "https://login.broker.example/auto?t=abc"

// TestSync runs the seed's complete processing code on each answer, then
// the classic send: no lead is registered twice.
func TestSync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply examplestest.Reply
		sync  dispatcher.SyncResult
		// status, ext and reason are the lead's after the sync send.
		status lead.Status
		ext    string
		reason lead.Reason
		// classic is the new sweep's outcome ("": nothing to send), and
		// final the lead's status after it.
		classic string
		final   lead.Status
	}{
		{"login URL", examplestest.OK(`{"status":"ok","id":"B-1001","url":"` + loginURL + `"}`),
			dispatcher.SyncResult{Result: "redirect", URL: loginURL}, lead.New, "B-1001", 0, "SKIPPED", lead.Processing},
		{"ok without URL", examplestest.OK(`{"status":"ok","id":"B-1002"}`),
			dispatcher.SyncResult{Result: "queued", Ext: "B-1002",
				Message: "the target registered the lead (ext B-1002) without an autologin URL; it moves to processing with the next sweep"},
			lead.New, "B-1002", 0, "SKIPPED", lead.Processing},
		{"message", examplestest.OK(`{"status":"error","message":"This e-mail is already registered"}`),
			dispatcher.SyncResult{Result: "error", Message: "This e-mail is already registered"}, lead.Deleted, "", 0, "", lead.Deleted},
		{"duplicate", examplestest.Reply{Code: http.StatusConflict, Body: `{"status":"error","error":"duplicate"}`},
			dispatcher.SyncResult{Result: "cancelled", Reason: 7, Message: "duplicate"}, lead.Cancel, "", lead.ReasonDuplicate, "", lead.Cancel},
		{"ban", examplestest.OK(`{"status":"error","error":"ban"}`),
			dispatcher.SyncResult{Result: "cancelled", Reason: 12, Message: "banned"}, lead.Cancel, "", lead.ReasonBanned, "", lead.Cancel},
		{"traffic", examplestest.OK(`{"status":"error","error":"traffic"}`),
			dispatcher.SyncResult{Result: "cancelled", Reason: 15, Message: "bad traffic"}, lead.Cancel, "", lead.ReasonBadTraffic, "", lead.Cancel},
		{"unknown error", examplestest.OK(`{"status":"error","error":"geo"}`),
			dispatcher.SyncResult{Result: "error", Message: "Registration failed, try again later"}, lead.Deleted, "", 0, "", lead.Deleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
				h.Target.Always(tt.reply)
				id, sync := h.SyncLead(visitor)
				if diff := cmp.Diff(tt.sync, sync); diff != "" {
					t.Errorf("the landing page is told (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(register, h.Target.TakeOne(t)); diff != "" {
					t.Errorf("sync request (-want +got):\n%s", diff)
				}
				if l := h.Lead(id); l.Status != tt.status || l.Ext != tt.ext || l.Reason != tt.reason {
					t.Errorf("after the sync send the lead is %s ext %q reason %d, want %s %q %d", l.Status, l.Ext, l.Reason, tt.status, tt.ext, tt.reason)
				}
				got := h.Sweep("new")
				if tt.classic == "" && len(got) != 0 || tt.classic != "" && (got[tt.classic] != 1 || len(got) != 1) {
					t.Errorf("classic send: outcomes %v, want %q", got, tt.classic)
				}
				if reqs := h.Target.Take(t); len(reqs) != 0 {
					t.Errorf("the classic send made %d requests, want none", len(reqs))
				}
				if l := h.Lead(id); l.Status != tt.final || l.Ext != tt.ext {
					t.Errorf("after the classic send the lead is %s ext %q, want %s %q", l.Status, l.Ext, tt.final, tt.ext)
				}
			})
		})
	}
}

// TestBrokerDown: when the synchronous send fails the visitor sees the
// thank-you page and the classic send registers the lead.
func TestBrokerDown(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		h.Target.Always(examplestest.Reply{Code: http.StatusServiceUnavailable, Body: "<html>maintenance</html>"})
		id, sync := h.SyncLead(visitor)
		if sync.Result != "queued" {
			t.Errorf("the landing page is told %+v, want queued", sync)
		}
		h.Target.TakeOne(t)
		h.Target.Always(examplestest.OK(`{"status":"ok","id":"B-1003"}`))
		if got := h.Sweep("new"); got["SUCCESS"] != 1 {
			t.Errorf("classic send: outcomes %v, want one SUCCESS", got)
		}
		if diff := cmp.Diff(register, h.Target.TakeOne(t)); diff != "" {
			t.Errorf("classic request (-want +got):\n%s", diff)
		}
		if l := h.Lead(id); l.Status != lead.Processing || l.Ext != "B-1003" {
			t.Errorf("lead = %s ext %q, want processing B-1003", l.Status, l.Ext)
		}
	})
}

// TestClassic: the classic send alone reads the same answers, and keeps a
// refusal it cannot show anyone for support.
func TestClassic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reply   examplestest.Reply
		outcome string
		status  lead.Status
		ext     string
		reason  lead.Reason
	}{
		{"registered", examplestest.OK(`{"status":"ok","id":"B-1004","url":"` + loginURL + `"}`), "SUCCESS", lead.Processing, "B-1004", 0},
		{"duplicate", examplestest.OK(`{"status":"error","error":"duplicate"}`), "REJECTED", lead.Cancel, "", lead.ReasonDuplicate},
		{"message", examplestest.OK(`{"status":"error","message":"Invalid e-mail"}`), "ERROR", lead.New, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
				id := h.NewLead(visitor)
				h.Target.Always(tt.reply)
				if got := h.Sweep("new"); got[tt.outcome] != 1 {
					t.Errorf("outcomes %v, want one %s", got, tt.outcome)
				}
				if diff := cmp.Diff(register, h.Target.TakeOne(t)); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
				if l := h.Lead(id); l.Status != tt.status || l.Ext != tt.ext || l.Reason != tt.reason {
					t.Errorf("lead = %s ext %q reason %d, want %s %q %d", l.Status, l.Ext, l.Reason, tt.status, tt.ext, tt.reason)
				}
			})
		})
	}
}
