package retrack_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/examples/examplestest"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// saved is Retrack's answer to a lead it saved (seed 002, shortened).
const saved = `{"data":{"uuid":"3afc4a82-93c3-423f-8ee8-542ccb315931","reference":"testabc123","commission":4000,"currency":"SEK","status":{"name":"pending","reason":null}}}`

const uuid = "3afc4a82-93c3-423f-8ee8-542ccb315931"

// arrive takes a lead in through the campaign, with a voucher or without.
func arrive(h *examplestest.Harness, voucher string) int64 {
	fields := map[string]any{"alias": "retrack_se", "name": "Anna Berg", "phone": "46701234567", "country": "se",
		"click_id": "59d08c54-18e6-4e0d-9c06-d18be3510e43"}
	if voucher != "" {
		fields["voucher"] = voucher
	}
	return h.NewLead(fields)
}

func newLeadRequest(id int64, voucher string) examplestest.Request {
	body := `{"event":"1f80e399-6f55-4cef-b8b0-0f74752c1ceb","click":"59d08c54-18e6-4e0d-9c06-d18be3510e43","reference":"` + strconv.FormatInt(id, 10) + `"`
	if voucher != "" {
		body += `,"voucher":"` + voucher + `"`
	}
	return examplestest.Request{Method: http.MethodPost, Path: "/api/v2/leads", Body: body + "}",
		Header: examplestest.Headers("Authorization", "Bearer retrack-api-token", "Content-Type", "application/json")}
}

// TestNewLeads sends new leads: HTTP 200 with data.uuid is the ext; any
// other answer is sent again a minute later.
func TestNewLeads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		voucher string
		replies []examplestest.Reply
		// outcomes are the sweeps' outcomes, one sweep a minute.
		outcomes []string
	}{
		{"saved", "vouchercode", []examplestest.Reply{examplestest.OK(saved)}, []string{"SUCCESS"}},
		{"no voucher", "", []examplestest.Reply{examplestest.OK(saved)}, []string{"SUCCESS"}},
		{"server error, then saved", "", []examplestest.Reply{{Code: http.StatusInternalServerError, Body: "oops"}, examplestest.OK(saved)}, []string{"ERROR", "SUCCESS"}},
		{"400, then saved", "", []examplestest.Reply{{Code: http.StatusBadRequest, Body: `{"message":"invalid click"}`}, examplestest.OK(saved)}, []string{"ERROR", "SUCCESS"}},
		{"200 without a uuid, then saved", "", []examplestest.Reply{examplestest.OK(`{"data":{}}`), examplestest.OK(saved)}, []string{"ERROR", "SUCCESS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, []string{"retrack.json"}, func(t *testing.T, h *examplestest.Harness) {
				id := arrive(h, tt.voucher)
				for i, outcome := range tt.outcomes {
					h.Target.Always(tt.replies[i])
					if got := h.Sweep("new"); got[outcome] != 1 {
						t.Fatalf("minute %d: outcomes %v, want one %s", i, got, outcome)
					}
					if diff := cmp.Diff(newLeadRequest(id, tt.voucher), h.Target.TakeOne(t)); diff != "" {
						t.Errorf("minute %d: request (-want +got):\n%s", i, diff)
					}
					if outcome == "ERROR" {
						if l := h.Lead(id); l.Status != lead.New || l.Ext != "" {
							t.Errorf("after an error the lead is %s ext %q, want new without ext", l.Status, l.Ext)
						}
						h.NextMinute()
					}
				}
				l := h.Lead(id)
				if l.Status != lead.Processing || l.Ext != uuid || l.Attempts != len(tt.outcomes) {
					t.Errorf("lead = %s ext %q attempts %d, want processing %s after %d", l.Status, l.Ext, l.Attempts, uuid, len(tt.outcomes))
				}
			})
		})
	}
}

// sent takes a lead in and sends it, so that it has Retrack's uuid.
func sent(t *testing.T, h *examplestest.Harness) int64 {
	t.Helper()
	id := arrive(h, "")
	h.Target.Always(examplestest.OK(saved))
	h.Sweep("new")
	h.Target.Take(t)
	return id
}

func statusUpdate(status string) examplestest.Request {
	return examplestest.Request{Method: http.MethodPost, Path: "/api/v2/leads/" + uuid, Body: `{"status":"` + status + `"}`,
		Header: examplestest.Headers("Authorization", "Bearer retrack-api-token", "Content-Type", "application/json")}
}

// TestApprovedOnce: packaging tells Retrack "approved", once; the approve
// statuses after it are not in the postback's statuses, so Retrack, for
// which approved is final, hears nothing more.
func TestApprovedOnce(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, []string{"retrack.json"}, func(t *testing.T, h *examplestest.Harness) {
		id := sent(t, h)
		h.SetStatus(id, "packaging")
		if got := h.Sweep("postback"); got["SUCCESS"] != 1 {
			t.Fatalf("postback outcomes %v, want one SUCCESS", got)
		}
		if diff := cmp.Diff(statusUpdate("approved"), h.Target.TakeOne(t)); diff != "" {
			t.Errorf("status update (-want +got):\n%s", diff)
		}
		for _, st := range []string{"send", "delivered", "paid", "packaging"} {
			h.SetStatus(id, st)
		}
		h.NextMinute()
		if got := h.Sweep("postback"); len(got) != 0 {
			t.Errorf("later approve statuses: outcomes %v, want none", got)
		}
		if reqs := h.Target.Take(t); len(reqs) != 0 {
			t.Errorf("Retrack got %d more requests, want none: %+v", len(reqs), reqs)
		}
	})
}

// TestRejected: a cancelled lead is "rejected" at Retrack; an answer saying
// no (an approved lead is final) is logged and not sent again; a server
// error is.
func TestRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reply    examplestest.Reply
		outcome  string
		returned string
	}{
		{"updated", examplestest.OK(`{"data":{"status":{"name":"rejected"}}}`), "SUCCESS", "true"},
		{"refused", examplestest.Reply{Code: http.StatusUnprocessableEntity, Body: `{"message":"approved leads cannot be updated"}`}, "SUCCESS", "refused 422"},
		{"server error", examplestest.Reply{Code: http.StatusBadGateway, Body: "bad gateway"}, "ERROR", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, []string{"retrack.json"}, func(t *testing.T, h *examplestest.Harness) {
				id := sent(t, h)
				h.SetStatus(id, "cancel")
				h.Target.Always(tt.reply)
				if got := h.Sweep("postback"); got[tt.outcome] != 1 {
					t.Fatalf("postback outcomes %v, want one %s", got, tt.outcome)
				}
				if diff := cmp.Diff(statusUpdate("rejected"), h.Target.TakeOne(t)); diff != "" {
					t.Errorf("status update (-want +got):\n%s", diff)
				}
				if row := h.LastAttempt(id, "postback"); row.Return != tt.returned {
					t.Errorf("return value %q, want %q", row.Return, tt.returned)
				}
				h.NextMinute()
				h.Target.Always(examplestest.OK(`{}`))
				h.Sweep("postback")
				want := 0
				if tt.outcome == "ERROR" {
					want = 1
				}
				if n := len(h.Target.Take(t)); n != want {
					t.Errorf("a minute later Retrack got %d requests, want %d", n, want)
				}
			})
		})
	}
}

// TestCancelledBeforeSending: a lead cancelled before it reached Retrack
// has no uuid; its rejection is done without a request.
func TestCancelledBeforeSending(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, []string{"retrack.json"}, func(t *testing.T, h *examplestest.Harness) {
		id := arrive(h, "")
		h.SetStatus(id, "cancel")
		if got := h.Sweep(""); got["SUCCESS"] != 1 || len(got) != 1 {
			t.Errorf("outcomes %v, want one SUCCESS", got)
		}
		if reqs := h.Target.Take(t); len(reqs) != 0 {
			t.Errorf("Retrack got %d requests, want none: %+v", len(reqs), reqs)
		}
		if row := h.LastAttempt(id, "postback"); row.Return != "not at Retrack: the lead has no uuid" {
			t.Errorf("return value %q", row.Return)
		}
	})
}
