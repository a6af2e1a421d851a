package affiliatepro_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/examples/examplestest"
	"github.com/leadrelay/leadrelay/storage/lead"
)

var files = []string{"affiliatepro.json"}

const (
	clicked   = `{"status":"success","data":{"click_id":"ap_c_9f2"}}`
	converted = `{"status":"success","data":{"conversion_id":5531}}`
)

func arrive(h *examplestest.Harness) int64 {
	return h.NewLead(map[string]any{"alias": "ap_us", "name": "Mia Lopez", "phone": "12025550147", "country": "us",
		"sub1": "aff_77", "click_id": "tok_8d1e", "ip": "203.0.113.7", "ua": "Mozilla/5.0",
		"price": 89.9, "currency": "usd"})
}

func apiHeaders() map[string]string {
	return examplestest.Headers("X-Api-Key", "ap-api-key", "Content-Type", "application/json")
}

func addClick(id int64) examplestest.Request {
	return examplestest.Request{Method: http.MethodPost, Path: "/integration/addClick", Header: apiHeaders(),
		Body: `{"campaign_id":"12","affiliate_id":"aff_77","click_token":"tok_8d1e","ip":"203.0.113.7","user_agent":"Mozilla/5.0","reference":"` +
			strconv.FormatInt(id, 10) + `"}`}
}

func s2sConvert(id int64) examplestest.Request {
	return examplestest.Request{Method: http.MethodPost, Path: "/integration/s2sConvert", Header: apiHeaders(),
		Body: `{"campaign_id":"12","click_id":"ap_c_9f2","order_id":"` + strconv.FormatInt(id, 10) + `","amount":"89.9","currency":"USD"}`}
}

// TestAddClick registers each new lead's click: the click id is the ext; a
// blocked affiliate cancels the lead; errors are sent again.
func TestAddClick(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reply   examplestest.Reply
		outcome string
		status  lead.Status
		ext     string
		reason  lead.Reason
	}{
		{"registered", examplestest.OK(clicked), "SUCCESS", lead.Processing, "ap_c_9f2", 0},
		{"blocked affiliate", examplestest.Reply{Code: http.StatusForbidden, Body: `{"status":"error","message":"Affiliate is blocked"}`}, "REJECTED", lead.Cancel, "", lead.ReasonBanned},
		{"server error", examplestest.Reply{Code: http.StatusServiceUnavailable, Body: "maintenance"}, "ERROR", lead.New, "", 0},
		{"unknown campaign", examplestest.Reply{Code: http.StatusBadRequest, Body: `{"status":"error","message":"Unknown campaign"}`}, "ERROR", lead.New, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
				id := arrive(h)
				h.Target.Always(tt.reply)
				if got := h.Sweep("new"); got[tt.outcome] != 1 || len(got) != 1 {
					t.Errorf("outcomes %v, want one %s", got, tt.outcome)
				}
				if diff := cmp.Diff(addClick(id), h.Target.TakeOne(t)); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
				if l := h.Lead(id); l.Status != tt.status || l.Ext != tt.ext || l.Reason != tt.reason {
					t.Errorf("lead = %s ext %q reason %d, want %s %q %d", l.Status, l.Ext, l.Reason, tt.status, tt.ext, tt.reason)
				}
			})
		})
	}
}

// clickedLead takes a lead in and registers its click.
func clickedLead(t *testing.T, h *examplestest.Harness) int64 {
	t.Helper()
	id := arrive(h)
	h.Target.Always(examplestest.OK(clicked))
	h.Sweep("new")
	h.Target.TakeOne(t)
	return id
}

// TestConvert reports the sale once the call centre confirms the order
// (packaging), once per lead; the conversion id is kept. A conversion
// AffiliatePro has already is done; errors are sent again.
func TestConvert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		replies  []examplestest.Reply
		outcomes []string
		returned string
	}{
		{"converted", []examplestest.Reply{examplestest.OK(converted)}, []string{"SUCCESS"}, "5531"},
		{"already converted", []examplestest.Reply{{Code: http.StatusConflict, Body: `{"status":"error","message":"Order already converted"}`}}, []string{"SUCCESS"}, "already converted"},
		{"server error, then converted", []examplestest.Reply{{Code: http.StatusBadGateway, Body: "bad gateway"}, examplestest.OK(converted)}, []string{"ERROR", "SUCCESS"}, "5531"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
				id := clickedLead(t, h)
				h.SetStatus(id, "packaging")
				for i, outcome := range tt.outcomes {
					h.Target.Always(tt.replies[i])
					if got := h.Sweep("approved"); got[outcome] != 1 || len(got) != 1 {
						t.Fatalf("minute %d: outcomes %v, want one %s", i, got, outcome)
					}
					if diff := cmp.Diff(s2sConvert(id), h.Target.TakeOne(t)); diff != "" {
						t.Errorf("minute %d: request (-want +got):\n%s", i, diff)
					}
					h.NextMinute()
				}
				if row := h.LastAttempt(id, "approved"); row.Return != tt.returned {
					t.Errorf("return value %q, want %q", row.Return, tt.returned)
				}
				h.SetStatus(id, "send")
				h.SetStatus(id, "packaging")
				if got := h.Sweep("approved"); len(got) != 0 {
					t.Errorf("back in packaging: outcomes %v, want none (converted once)", got)
				}
			})
		})
	}
}

// TestConvertWithoutClick: a lead that reaches packaging without a click
// id converts nothing, without a request.
func TestConvertWithoutClick(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		id := arrive(h)
		h.SetStatus(id, "packaging")
		if got := h.Sweep("approved"); got["SUCCESS"] != 1 {
			t.Errorf("outcomes %v, want one SUCCESS", got)
		}
		if reqs := h.Target.Take(t); len(reqs) != 0 {
			t.Errorf("AffiliatePro got %+v, want nothing", reqs)
		}
	})
}
