package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// statusMap is a CRM's status ids and an advertiser's labels.
var statusMap = map[string]any{"1": "processing", "3": "packaging", "4": "cancel", "accepted": "packaging", "rejected": "cancel"}

// statusBundle has an integration with a status map, a campaign that sends
// leads to it, and a status campaign for the advertiser (seed 000's
// status_change_uk).
func statusBundle(t *testing.T, s *storage.Store) (*bundle, int64) {
	b := setup(t, s)
	integ := b.integration(map[string]any{"name": "sr", "enabled": true, "offers": []int{1}, "status_map": statusMap})
	b.campaign(catalog.Campaign{Alias: "cpa_uk", Offer: 1, Integration: integ})
	b.campaign(catalog.Campaign{Alias: "status_change_uk", Integration: integ, Key: "adv-key"})
	return b, integ
}

func TestStatusUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     string
		wantStatus lead.Status
	}{
		{"a label", "accepted", lead.Packaging},
		{"a label in another case", "Accepted", lead.Packaging},
		{"a CRM id is mapped before it is read as ours", "3", lead.Packaging},
		{"digits not in the map are a status id", "9", lead.Delivered},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b, _ := statusBundle(t, s)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := b.intake(map[string]any{"alias": "cpa_uk", "phone": "1"})
				m := expect(t, b.sendJSON(http.MethodPost, "/api/v1/status", map[string]any{
					"alias": "status_change_uk", "key": "adv-key", "lead_id": id, "order_status": tt.status, "comment": "Client confirmed,\r\nshipped today",
				}, false), http.StatusOK, "")
				if m["status"] != "success" || m["lead_id"] != float64(id) {
					t.Errorf("answer = %v", m)
				}
				if l := b.lead(id); l.Status != tt.wantStatus || l.Comment != "Client confirmed,\nshipped today" {
					t.Errorf("lead: status %s comment %q, want %s", l.Status, l.Comment, tt.wantStatus)
				}
			})
		}
	})
}

func TestStatusUpdateByExtAndAPIPHP(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b, _ := statusBundle(t, s)
		id := b.trustedIntake(map[string]any{"alias": "cpa_uk", "ext": "84921"})
		expect(t, b.postForm("/api/v1/status", url.Values{"alias": {"status_change_uk"}, "key": {"adv-key"}, "ext": {"84921"}, "order_status": {"rejected"}, "reason": {"duplicate"}}), http.StatusOK, "")
		if l := b.lead(id); l.Status != lead.Cancel || l.Reason != lead.ReasonDuplicate {
			t.Errorf("by ext: status %s reason %d", l.Status, l.Reason)
		}
		path := fmt.Sprintf("/api.php?action=order_status&alias=status_change_uk&key=adv-key&lead_id=%d&order_status=accepted&comment=Client+confirmed", id)
		m := expect(t, b.do(http.MethodGet, path, "", nil, false), http.StatusOK, "")
		if m["status"] != "success" || m["lead_id"] != float64(id) {
			t.Errorf("api.php answer = %v", m)
		}
		if l := b.lead(id); l.Status != lead.Packaging || l.Comment != "Client confirmed" || l.Reason != 0 {
			t.Errorf("by api.php: %s %q reason %d", l.Status, l.Comment, l.Reason)
		}
		rows, err := s.ListLog(t.Context(), storage.LogFilter{LeadID: id, Outcome: "SUCCESS"})
		if err != nil || len(rows) != 3 {
			t.Fatalf("log rows = %d, %v", len(rows), err)
		}
		for _, r := range rows {
			if strings.Contains(r.Request, "adv-key") {
				t.Errorf("the log shows the campaign key: %s", r.Request)
			}
		}
	})
}

func TestStatusUpdateRefusesBadInput(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b, _ := statusBundle(t, s)
		id := b.intake(map[string]any{"alias": "cpa_uk", "phone": "1"})
		b.campaign(catalog.Campaign{Alias: "elsewhere", Offer: 2})
		foreign := b.intake(map[string]any{"alias": "elsewhere"})
		body := func(kv ...any) map[string]any {
			m := map[string]any{"alias": "status_change_uk", "key": "adv-key", "lead_id": id, "order_status": "accepted"}
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(m, kv[i].(string))
				} else {
					m[kv[i].(string)] = kv[i+1]
				}
			}
			return m
		}
		tests := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"malformed JSON", `{"alias":`, http.StatusBadRequest, "BAD_JSON"},
			{"no alias", body("alias", nil), http.StatusBadRequest, "NO_ID"},
			{"unknown alias", body("alias", "nope"), http.StatusUnprocessableEntity, "UNKNOWN_ALIAS"},
			{"wrong key", body("key", "adv-kez"), http.StatusForbidden, "FORBIDDEN"},
			{"no lead", body("lead_id", nil), http.StatusBadRequest, "NO_ID"},
			{"lead_id not a number", body("lead_id", "x1"), http.StatusUnprocessableEntity, "VALIDATION"},
			{"a lead that does not exist", body("lead_id", 9999), http.StatusNotFound, "NOT_FOUND"},
			{"another campaign's lead", body("lead_id", foreign), http.StatusNotFound, "NOT_FOUND"},
			{"unknown ext", body("lead_id", nil, "ext", "nope"), http.StatusNotFound, "NOT_FOUND"},
			{"no status", body("order_status", nil), http.StatusUnprocessableEntity, "VALIDATION"},
			{"a label not in the map", body("order_status", "approved"), http.StatusUnprocessableEntity, "VALIDATION"},
			{"a status name not in the map", body("order_status", "cancel"), http.StatusUnprocessableEntity, "VALIDATION"},
			{"a number that is no status", body("order_status", "13"), http.StatusUnprocessableEntity, "VALIDATION"},
			{"a negative number", body("order_status", "-1"), http.StatusUnprocessableEntity, "VALIDATION"},
			{"a status with a newline", body("order_status", "accepted\nX-Injected: 1"), http.StatusUnprocessableEntity, "VALIDATION"},
			{"an unknown reason", body("reason", "bored"), http.StatusUnprocessableEntity, "VALIDATION"},
			{"a comment as an object", body("comment", map[string]any{"a": 1}), http.StatusUnprocessableEntity, "VALIDATION"},
			{"a comment over 64 KiB", body("comment", strings.Repeat("x", 70000)), http.StatusUnprocessableEntity, "VALIDATION"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, b.sendJSON(http.MethodPost, "/api/v1/status", tt.body, false), tt.status, tt.code)
			})
		}
		if l := b.lead(id); l.Status != lead.New || l.Comment != "" {
			t.Errorf("a refused update was written: %s %q", l.Status, l.Comment)
		}
		if l := b.lead(foreign); l.Status != lead.New {
			t.Errorf("another campaign's lead changed: %s", l.Status)
		}
	})
}

// The chain of seed 000: the CRM's webhook changes the status, and the
// integration's postback mode tells the tracker.
func TestWebhookChangesStatusAndFiresPostback(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		tracker := newFakeServer(t, respondWith(http.StatusOK, "ok"))
		integ := b.integration(map[string]any{
			"name": "salesrender", "enabled": true, "offers": []int{1},
			"secrets":    map[string]any{"hook": "h00k"},
			"status_map": map[string]any{"3": "packaging", "4": "cancel"},
			"hook": `if request.headers["X-Signature"] ~= secrets.hook then error("bad signature") end
local b = json.decode(result)
return {lead_id = b.order.external, status = b.status_id, comment = b.comment}`,
			"postback": map[string]any{"enabled": true, "method": "GET", "url": tracker.URL + "/pb?clickid={click_id}&status={status}&lead_id={lead_id}",
				"statuses": []string{"packaging"}},
			"postback_labels": map[string]any{"approve": "accepted", "cancel": "rejected"},
		})
		b.campaign(catalog.Campaign{Alias: "cpa_uk", Offer: 1, Integration: integ})
		id := b.trustedIntake(map[string]any{"alias": "cpa_uk", "phone": "447123456789", "click_id": "abc123xyz", "ext": "84921"})
		hook := fmt.Sprintf(`{"order":{"external":%d},"status_id":3,"comment":"Client confirmed"}`, id)
		r := httptestRequest(http.MethodPost, fmt.Sprintf("/api/v1/hooks/%d", integ), hook, map[string]string{"X-Signature": "h00k"})
		m := expect(t, b.serve(r), http.StatusOK, "")
		if m["lead_id"] != float64(id) {
			t.Errorf("hook answer = %v", m)
		}
		if l := b.lead(id); l.Status != lead.Packaging || l.Comment != "Client confirmed" {
			t.Fatalf("after the hook: %s %q", l.Status, l.Comment)
		}
		counts, err := b.d.Sweep(t.Context(), "postback")
		if err != nil {
			t.Fatal(err)
		}
		reqs := tracker.requests()
		if len(reqs) != 1 || counts["SUCCESS"] != 1 {
			t.Fatalf("tracker got %d requests, outcomes %v", len(reqs), counts)
		}
		if q := reqs[0].URL.Query(); q.Get("clickid") != "abc123xyz" || q.Get("status") != "accepted" || q.Get("lead_id") != "84921" {
			t.Errorf("postback query = %v", q)
		}
		unsigned := httptestRequest(http.MethodPost, fmt.Sprintf("/api/v1/hooks/%d", integ), hook, nil)
		m = expect(t, b.serve(unsigned), http.StatusUnprocessableEntity, "SCRIPT_ERROR")
		if !strings.Contains(m["error"].(string), "bad signature") || m["line"] != float64(1) {
			t.Errorf("script error answer = %v", m)
		}
	})
}

func TestWebhookRefusals(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		integ := b.integration(map[string]any{
			"name": "crm", "enabled": true, "offers": []int{1}, "status_map": map[string]any{"3": "packaging"},
			"hook": "local b = json.decode(result)\nreturn {lead_id = b.id, ext = b.ext, status = b.status}",
		})
		bare := b.integration(map[string]any{"name": "bare", "enabled": true})
		odd := b.integration(map[string]any{"name": "odd", "enabled": true, "hook": `return "thanks"`})
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1, Integration: integ})
		b.campaign(catalog.Campaign{Alias: "other", Offer: 1, Integration: bare})
		id := b.intake(map[string]any{"alias": "cpa"})
		foreign := b.intake(map[string]any{"alias": "other"})
		path := fmt.Sprintf("/api/v1/hooks/%d", integ)
		tests := []struct {
			name, path, body string
			status           int
			code             string
		}{
			{"unknown integration", "/api/v1/hooks/999", `{}`, http.StatusNotFound, "NOT_FOUND"},
			{"integration without a hook", fmt.Sprintf("/api/v1/hooks/%d", bare), `{}`, http.StatusNotFound, "NOT_FOUND"},
			{"body the script cannot read", path, `not json`, http.StatusUnprocessableEntity, "SCRIPT_ERROR"},
			{"a script that returns no table", fmt.Sprintf("/api/v1/hooks/%d", odd), `{}`, http.StatusUnprocessableEntity, "SCRIPT_ERROR"},
			{"no lead named", path, `{"status":"3"}`, http.StatusUnprocessableEntity, "NO_ID"},
			{"a lead of another integration", path, fmt.Sprintf(`{"id":%d,"status":"3"}`, foreign), http.StatusNotFound, "NOT_FOUND"},
			{"an unknown ext", path, `{"ext":"nope","status":"3"}`, http.StatusNotFound, "NOT_FOUND"},
			{"a status not in the map", path, fmt.Sprintf(`{"id":%d,"status":"approved"}`, id), http.StatusUnprocessableEntity, "VALIDATION"},
			{"an ext too long", path, fmt.Sprintf(`{"id":%d,"status":"3","ext":"%0200d"}`, id, 0), http.StatusUnprocessableEntity, "VALIDATION"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, b.sendJSON(http.MethodPost, tt.path, tt.body, false), tt.status, tt.code)
			})
		}
		if l := b.lead(id); l.Status != lead.New || l.Ext != "" {
			t.Errorf("a refused hook was applied: %s %q", l.Status, l.Ext)
		}
	})
}
