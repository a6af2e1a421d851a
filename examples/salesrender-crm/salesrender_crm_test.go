package salesrendercrm_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/examples/examplestest"
	"github.com/leadrelay/leadrelay/storage/lead"
)

var files = []string{"salesrender-crm.json"}

const created = `{"data":{"orderMutation":{"addOrder":{"id":84921}}}}`

// arrive takes in John Smith's order of two of product 17.
func arrive(h *examplestest.Harness) int64 {
	return h.NewLead(map[string]any{"alias": "sr_uk_wl", "name": "John Smith", "phone": "447123456789", "country": "gb",
		"click_id": "abc123xyz", "sub1": "adset_29384", "items": map[string]any{"17": []any{2, 49, 12.5}}})
}

// jsonString writes s as a JSON string: quotes and backslashes escaped.
var jsonString = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// crm is the request to SalesRender's CRM endpoint carrying query.
func crm(query string) examplestest.Request {
	return examplestest.Request{Method: http.MethodPost, Path: "/companies/1234/CRM",
		Header: examplestest.Headers("Authorization", "sr-crm-api-token", "Content-Type", "application/json"),
		Body:   `{"query":"` + jsonString.Replace(query) + `"}`}
}

const (
	johnData = `orderData: { humanNameFields: { field: "name" value: { firstName: "John" lastName: "Smith" } } phoneFields: { field: "phone" value: "447123456789" } }`
)

// withRef is orderData as addOrder sends it: with our lead id in lead_ref.
func withRef(data string, id int64) string {
	return strings.TrimSuffix(data, " }") + ` stringFields: { field: "lead_ref" value: "` + strconv.FormatInt(id, 10) + `" } }`
}

// addJohn is the addOrder of John's order, lead id.
func addJohn(id int64) string {
	return `mutation { orderMutation { addOrder(input: { projectId: 1 statusId: 1 ` + withRef(johnData, id) +
		` cart: { items: [{ itemId: 5501 variation: 1 quantity: 2 }] } }) { id } } }`
}

// TestNewOrder: addOrder's id is the ext, written as a whole number; a
// duplicate or a refused phone cancels the lead; other errors retry.
func TestNewOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reply   examplestest.Reply
		outcome string
		status  lead.Status
		ext     string
		reason  lead.Reason
	}{
		{"created", examplestest.OK(created), "SUCCESS", lead.Processing, "84921", 0},
		{"duplicate", examplestest.OK(`{"errors":[{"message":"Duplicate order: this phone ordered in the last 48h"}],"data":null}`), "REJECTED", lead.Cancel, "", lead.ReasonDuplicate},
		{"bad phone", examplestest.OK(`{"errors":[{"message":"Invalid phone number"}]}`), "REJECTED", lead.Cancel, "", lead.ReasonIncorrectPhone},
		{"other GraphQL error", examplestest.OK(`{"errors":[{"message":"Internal server error"}]}`), "ERROR", lead.New, "", 0},
		{"bad gateway", examplestest.Reply{Code: http.StatusBadGateway, Body: "<html>502</html>"}, "ERROR", lead.New, "", 0},
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
				if diff := gocmp.Diff(crm(addJohn(id)), h.Target.TakeOne(t)); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
				l := h.Lead(id)
				if l.Status != tt.status || l.Ext != tt.ext || l.Reason != tt.reason {
					t.Errorf("lead = %s ext %q reason %d, want %s %q %d", l.Status, l.Ext, l.Reason, tt.status, tt.ext, tt.reason)
				}
			})
		})
	}
}

// TestCart builds the cart from the order's products and their sr_item and
// sr_variation params, leaves out a product without one, falls back to the
// offer's item when no product is left, and keeps quotes out of the query.
func TestCart(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		h.Target.Always(examplestest.OK(created))
		products := h.NewLead(map[string]any{"alias": "sr_uk_wl", "name": "John", "last": "Smith", "phone": "447123456789", "country": "gb",
			"items": map[string]any{"17": []any{2, 49, 12.5}, "18": []any{1, 10, 2}, "99": []any{1, 5, 1}}})
		h.Sweep("new")
		want := `mutation { orderMutation { addOrder(input: { projectId: 1 statusId: 1 ` + withRef(johnData, products) +
			` cart: { items: [{ itemId: 5501 variation: 1 quantity: 2 }, { itemId: 5502 variation: 2 quantity: 1 }] } }) { id } } }`
		if diff := gocmp.Diff(crm(want), h.Target.TakeOne(t)); diff != "" {
			t.Errorf("request (-want +got):\n%s", diff)
		}
		if row := h.LastAttempt(products, "new"); !strings.Contains(row.ScriptLog, "product 99 has no sr_item param") {
			t.Errorf("script log %s, want it to say product 99 was left out", row.ScriptLog)
		}

		mary := h.NewLead(map[string]any{"alias": "sr_uk_wl", "name": `Mary "May"`, "last": `O'Neil`, "phone": "447700900123", "country": "gb", "count": 3})
		h.Sweep("new")
		want = `mutation { orderMutation { addOrder(input: { projectId: 1 statusId: 1 ` +
			withRef(`orderData: { humanNameFields: { field: "name" value: { firstName: "Mary \"May\"" lastName: "O'Neil" } } phoneFields: { field: "phone" value: "447700900123" } }`, mary) +
			` cart: { items: [{ itemId: 5500 variation: 1 quantity: 3 }] } }) { id } } }`
		got := h.Target.TakeOne(t)
		if diff := gocmp.Diff(crm(want), got); diff != "" {
			t.Errorf("request (-want +got):\n%s", diff)
		}
		if !strings.Contains(got.Body, `firstName: \"Mary \\\"May\\\"\"`) {
			t.Errorf("the quotes of the name are not escaped in the query: %s", got.Body)
		}
	})
}

// TestChanges sends an upsell from the thank-you page through updateOrder.
func TestChanges(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		id := arrive(h)
		h.Target.Always(examplestest.OK(created))
		h.Sweep("new")
		h.Target.Take(t)
		a := h.Call(http.MethodPost, "/api/v1/leads/"+strconv.FormatInt(id, 10)+"/changes?token="+h.Token(id),
			map[string]any{"items": map[string]any{"17": []any{3, 49, 12.5}}}, false)
		if a.Code != http.StatusOK {
			t.Fatalf("changes: %d %s", a.Code, a.Raw)
		}
		update := crm(`mutation { orderMutation { updateOrder(input: { id: 84921 ` + johnData +
			` cart: { items: [{ itemId: 5501 variation: 1 quantity: 3 }] } }) { id } } }`)
		h.Target.Always(examplestest.OK(`{"errors":[{"message":"Order is locked"}]}`))
		if got := h.Sweep("changes"); got["ERROR"] != 1 {
			t.Errorf("outcomes %v, want one ERROR", got)
		}
		if diff := gocmp.Diff(update, h.Target.TakeOne(t)); diff != "" {
			t.Errorf("request (-want +got):\n%s", diff)
		}
		h.NextMinute()
		h.Target.Always(examplestest.OK(`{"data":{"orderMutation":{"updateOrder":{"id":84921}}}}`))
		if got := h.Sweep("changes"); got["SUCCESS"] != 1 {
			t.Errorf("a minute later: outcomes %v, want one SUCCESS", got)
		}
		if diff := gocmp.Diff(update, h.Target.TakeOne(t)); diff != "" {
			t.Errorf("request a minute later (-want +got):\n%s", diff)
		}
	})
}

// sent takes John's order in, sends it, then sends the tracker its pending
// postback (queued when the lead arrived), leaving the target with no
// requests. (In one sweep of every mode the two go out side by side, and the
// postback may leave before the order has its id: lead_id is then empty.)
func sent(t *testing.T, h *examplestest.Harness) int64 {
	t.Helper()
	id := arrive(h)
	h.Target.Always(examplestest.OK(created))
	h.Sweep("new")
	h.Sweep("postback")
	want := []examplestest.Request{crm(addJohn(id)), tracker("pending", "")}
	if diff := gocmp.Diff(want, h.Target.Take(t)); diff != "" {
		t.Fatalf("first sweeps (-want +got):\n%s", diff)
	}
	return id
}

// tracker is the campaign's postback to the publisher's tracker.
func tracker(status, comment string) examplestest.Request {
	return examplestest.Request{Method: http.MethodGet, Path: "/pb", Header: examplestest.Headers(),
		Query: "clickid=abc123xyz&status=" + status + "&payout=12.5&lead_id=84921&comment=" + comment}
}

// TestWebhook: SalesRender's status change goes through status_map, keeps
// the call centre's comment, and fires the tracker's postback with it.
func TestWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		statusID int
		comment  string
		status   lead.Status
		postback examplestest.Request
	}{
		{"accepted", 3, "Client confirmed. Wants standard package.", lead.Packaging,
			tracker("accepted", "Client%20confirmed.%20Wants%20standard%20package.")},
		{"rejected", 4, "Wrong number, not reachable after 3 attempts", lead.Cancel,
			tracker("rejected", "Wrong%20number%2C%20not%20reachable%20after%203%20attempts")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
				id := sent(t, h)
				body := map[string]any{"order": map[string]any{"id": 84921, "statusId": tt.statusID, "comment": tt.comment}}
				if a := h.Call(http.MethodPost, "/api/v1/hooks/101?token=wrong", body, false); a.Code != http.StatusUnprocessableEntity {
					t.Errorf("a wrong token: %d %s, want 422", a.Code, a.Raw)
				}
				if l := h.Lead(id); l.Status != lead.Processing {
					t.Fatalf("after a refused webhook the lead is %s", l.Status)
				}
				if a := h.Call(http.MethodPost, "/api/v1/hooks/101?token=sr-hook-secret", body, false); a.Code != http.StatusOK {
					t.Fatalf("webhook: %d %s", a.Code, a.Raw)
				}
				if l := h.Lead(id); l.Status != tt.status || l.Comment != tt.comment {
					t.Errorf("lead = %s %q, want %s %q", l.Status, l.Comment, tt.status, tt.comment)
				}
				if got := h.Sweep("postback"); got["SUCCESS"] != 1 {
					t.Errorf("postback outcomes %v, want one SUCCESS", got)
				}
				if diff := gocmp.Diff(tt.postback, h.Target.TakeOne(t)); diff != "" {
					t.Errorf("postback (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestAdvertiserStatus: the advertiser names a status by label (or by
// SalesRender's id); status_map maps it before it is checked, so an unknown
// label is refused and changes nothing.
func TestAdvertiserStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		label  string
		code   int
		status lead.Status
		sent   bool
	}{
		{"accepted", http.StatusOK, lead.Packaging, true},
		{"rejected", http.StatusOK, lead.Cancel, true},
		{"pending", http.StatusOK, lead.Processing, false},
		{"3", http.StatusOK, lead.Packaging, true},
		{"shipped", http.StatusUnprocessableEntity, lead.Processing, false},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
				id := sent(t, h)
				a := h.Call(http.MethodPost, "/api/v1/status", map[string]any{"alias": "sr_uk_wl", "ext": "84921",
					"order_status": tt.label, "comment": "Client confirmed, shipped today"}, false)
				if a.Code != tt.code {
					t.Fatalf("status %q: %d %s, want %d", tt.label, a.Code, a.Raw, tt.code)
				}
				if l := h.Lead(id); l.Status != tt.status {
					t.Errorf("lead = %s, want %s", l.Status, tt.status)
				}
				h.Sweep("postback")
				reqs := h.Target.Take(t)
				if !tt.sent {
					if len(reqs) != 0 {
						t.Errorf("the tracker got %+v, want nothing (pending was sent already)", reqs)
					}
					return
				}
				label := map[lead.Status]string{lead.Packaging: "accepted", lead.Cancel: "rejected"}[tt.status]
				want := []examplestest.Request{tracker(label, "Client%20confirmed%2C%20shipped%20today")}
				if diff := gocmp.Diff(want, reqs); diff != "" {
					t.Errorf("postback (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestTimeoutThenCheck: addOrder times out after SalesRender took it; the
// check finds the order by our lead id through ordersFetcher, and the lead
// goes to processing with that id, with no second addOrder. When the check
// finds nothing, the order is sent again.
func TestTimeoutThenCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		found  string
		status lead.Status
		ext    string
		again  bool
	}{
		{"found", `{"data":{"ordersFetcher":{"orders":[{"id":84921}]}}}`, lead.Processing, "84921", false},
		{"not there", `{"data":{"ordersFetcher":{"orders":[]}}}`, lead.New, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
				shortTimeout(t, h)
				id := arrive(h)
				h.Target.Always(examplestest.Reply{Hang: true})
				if got := h.Sweep("new"); got["HTTP_FAIL"] != 1 {
					t.Fatalf("outcomes %v, want HTTP_FAIL", got)
				}
				h.Target.TakeOne(t)
				if row := h.LastAttempt(id, "new"); !row.Uncertain {
					t.Errorf("the timeout's log row is not uncertain: %+v", row)
				}
				h.Target.Always(examplestest.OK(tt.found))
				h.NextMinute()
				h.Sweep("new")
				find := `query { ordersFetcher(filters: { include: { stringFields: [{ field: "lead_ref" value: "` +
					strconv.FormatInt(id, 10) + `" }] } } limit: 1) { orders { id } } }`
				if diff := gocmp.Diff(crm(find), h.Target.TakeOne(t)); diff != "" {
					t.Errorf("check (-want +got):\n%s", diff)
				}
				l := h.Lead(id)
				if l.Status != tt.status || l.Ext != tt.ext {
					t.Errorf("lead = %s ext %q, want %s %q", l.Status, l.Ext, tt.status, tt.ext)
				}
				h.Target.Always(examplestest.OK(created))
				h.NextMinute()
				h.Sweep("new")
				if got := h.Target.Take(t); (len(got) == 1) != tt.again {
					t.Errorf("after the check: %d requests, want a second addOrder: %v", len(got), tt.again)
				}
			})
		})
	}
}

// shortTimeout gives the new mode a one-second timeout, so a send to a
// target that never answers ends quickly.
func shortTimeout(t *testing.T, h *examplestest.Harness) {
	t.Helper()
	doc := h.Call(http.MethodGet, "/api/v1/admin/integrations/101", nil, true).Body
	doc["new"].(map[string]any)["timeout"] = "1s"
	if a := h.Call(http.MethodPut, "/api/v1/admin/integrations/101", doc, true); a.Code != http.StatusOK {
		t.Fatalf("PUT = %d %s", a.Code, a.Raw)
	}
}
