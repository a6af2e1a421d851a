package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestFailedLeadLeavesAMark: a lead that fails after its attempts is a log
// row, a count by integration and mode, and a gauge of the failed leads.
func TestFailedLeadLeavesAMark(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		crm := newFakeServer(t, respondWith(503, "busy"))
		id := b.integration(map[string]any{"name": "crm", "enabled": true, "offers": []int{1}, "retry": map[string]any{"max_attempts": 1},
			"new": map[string]any{"enabled": true, "url": crm.URL, "format": "json", "fields": "phone {phone}"}})
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1})
		leadID := b.intake(map[string]any{"alias": "cpa", "phone": "447123456789"})
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "new"}, true), http.StatusOK, "")
		rows, err := s.ListLog(context.Background(), storage.LogFilter{LeadID: leadID})
		if err != nil {
			t.Fatal(err)
		}
		want := "failed after 1 attempt: the answer's code 503 is not 2xx (no processing code reads it)"
		if last := rows[len(rows)-1]; last.Message != want || last.Mode != "new" || last.IntegrationID != id {
			t.Errorf("last row = %s %d %q, want new %d %q", last.Mode, last.IntegrationID, last.Message, id, want)
		}
		a := b.do(http.MethodGet, "/metrics", "", nil, false)
		for _, want := range []string{
			`leadrelay_leads_failed_total{integration="` + idText(float64(id)) + `",mode="new"} 1`,
			"leadrelay_leads_failed 1",
		} {
			if !strings.Contains(string(a.body), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}

// lastRow is the newest log row.
func lastRow(t *testing.T, s *storage.Store) storage.LogEntry {
	t.Helper()
	rows, err := s.ListLog(context.Background(), storage.LogFilter{NewestFirst: true, Limit: 1})
	if err != nil || len(rows) == 0 {
		t.Fatalf("the log: %v %v", rows, err)
	}
	return rows[0]
}

// TestRefusedCallsAreLogged: every refused status update or webhook that
// names a lead, a campaign or an integration is a log row saying why.
func TestRefusedCallsAreLogged(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b, integ := statusBundle(t, s)
		b.sendJSON(http.MethodPut, "/api/v1/admin/integrations/"+idText(float64(integ)), map[string]any{"name": "sr", "enabled": true, "offers": []int{1},
			"status_map": statusMap, "hook": "local b = json.decode(result)\nreturn {lead_id = b.id, ext = b.ext, status = b.status}"}, true)
		other := b.integration(map[string]any{"name": "other", "enabled": true})
		b.campaign(catalog.Campaign{Alias: "status_other", Integration: other})
		id := b.intake(map[string]any{"alias": "cpa_uk", "phone": "1"})
		hook := "/api/v1/hooks/" + idText(float64(integ))
		in := " is not in integration " + idText(float64(integ)) + "'s status_map, nor a status id"
		tests := []struct {
			name, path string
			body       any
			status     int
			row        storage.LogEntry
		}{
			{"unknown label", "/api/v1/status", map[string]any{"alias": "status_change_uk", "key": "adv-key", "lead_id": id, "order_status": "bogus"},
				http.StatusUnprocessableEntity, storage.LogEntry{LeadID: id, IntegrationID: integ, Mode: "status", Outcome: "REJECTED", Message: `order_status: "bogus"` + in}},
			{"lead id not digits", "/api/v1/status", map[string]any{"alias": "status_change_uk", "key": "adv-key", "lead_id": "abc", "order_status": "accepted"},
				http.StatusUnprocessableEntity, storage.LogEntry{Mode: "status", Outcome: "NO_ID", Message: `campaign status_change_uk: lead_id: "abc" is not a lead id`}},
			{"alias of another integration", "/api/v1/status", map[string]any{"alias": "status_other", "lead_id": id, "order_status": "accepted"},
				http.StatusNotFound, storage.LogEntry{LeadID: id, IntegrationID: integ, Mode: "status", Outcome: "REJECTED",
					Message: "campaign status_other is integration " + idText(float64(other)) + "'s, and lead " + idText(float64(id)) + " is integration " + idText(float64(integ)) + "'s"}},
			{"hook status not in the map", hook, map[string]any{"id": id, "status": "weird"},
				http.StatusUnprocessableEntity, storage.LogEntry{LeadID: id, IntegrationID: integ, Mode: "hook", Outcome: "REJECTED", Message: `status (from the hook script): "weird"` + in}},
			{"hook for an unknown ext", hook, map[string]any{"ext": "nope", "status": "accepted"},
				http.StatusNotFound, storage.LogEntry{IntegrationID: integ, Mode: "hook", Outcome: "NO_ID", Message: `integration ` + idText(float64(integ)) + ` has no lead 0 (ext "nope")`}},
			{"hook for an unknown integration", "/api/v1/hooks/999", map[string]any{"id": id},
				http.StatusNotFound, storage.LogEntry{IntegrationID: 999, Mode: "hook", Outcome: "NO_ID", Message: "integration 999 does not exist"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := expect(t, b.sendJSON(http.MethodPost, tt.path, tt.body, false), tt.status, "")
				row := lastRow(t, s)
				got := storage.LogEntry{LeadID: row.LeadID, IntegrationID: row.IntegrationID, Mode: row.Mode, Outcome: row.Outcome, Message: row.Message}
				if got != tt.row {
					t.Errorf("row = %+v, want %+v", got, tt.row)
				}
				if row.Request == "" {
					t.Error("the row does not keep the request")
				}
				if !strings.HasSuffix(tt.row.Message, m["error"].(string)) {
					t.Errorf("answer %q, row %q", m["error"], tt.row.Message)
				}
			})
		}
	})
}

// TestAdvertiserStatusAlias: a campaign that names the lead's integration is
// the advertiser's own status alias (seed 000's status_change_uk).
func TestAdvertiserStatusAlias(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b, _ := statusBundle(t, s)
		id := b.intake(map[string]any{"alias": "cpa_uk", "phone": "1"})
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/status", map[string]any{"alias": "status_change_uk", "key": "adv-key",
			"lead_id": id, "order_status": "accepted"}, false), http.StatusOK, "")
		if l := b.lead(id); l.Status.String() != "packaging" {
			t.Errorf("status = %s, want packaging", l.Status)
		}
	})
}

// TestNotFoundNamesWhat: a 404 names what does not exist.
func TestNotFoundNamesWhat(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		tests := []struct {
			method, path string
			body         any
			want         string
		}{
			{http.MethodPost, "/api/v1/admin/integrations/12/test", map[string]any{"mode": "new", "lead_id": 1}, "integration 12 does not exist"},
			{http.MethodGet, "/api/v1/admin/integrations/12", nil, "integration 12 does not exist"},
			{http.MethodGet, "/api/v1/admin/offers/7", nil, "offer 7 does not exist"},
			{http.MethodGet, "/api/v1/admin/leads/5", nil, "lead 5 does not exist"},
		}
		for _, tt := range tests {
			m := expect(t, b.sendJSON(tt.method, tt.path, tt.body, true), http.StatusNotFound, "NOT_FOUND")
			if m["error"] != tt.want {
				t.Errorf("%s %s: %q, want %q", tt.method, tt.path, m["error"], tt.want)
			}
		}
	})
}

// TestUnknownFiltersAreRefused: a list endpoint refuses a filter it does not
// have, and the log an outcome that does not exist, naming them.
func TestUnknownFiltersAreRefused(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		tests := []struct{ path, want string }{
			{"/api/v1/admin/leads?phone=123", "phone: not a filter of this list"},
			{"/api/v1/admin/log?outcome=BOGUS", `outcome: "BOGUS" is not an outcome`},
			{"/api/v1/admin/log?lead=1", "lead: not a filter of this list"},
			{"/api/v1/admin/offers?name=x", "name: not a filter of this list"},
			{"/api/v1/admin/integrations?enabled=true", "enabled: not a filter of this list"},
		}
		for _, tt := range tests {
			m := expect(t, b.do(http.MethodGet, tt.path, "", nil, true), http.StatusUnprocessableEntity, "VALIDATION")
			if !strings.HasPrefix(m["error"].(string), tt.want) {
				t.Errorf("%s: %q, want %q", tt.path, m["error"], tt.want)
			}
		}
		expect(t, b.do(http.MethodGet, "/api/v1/admin/leads?status=new&limit=5", "", nil, true), http.StatusOK, "")
	})
}

// TestSaveWarns: saving what is legal but most likely cannot work answers
// 201 with the warnings, checking {ofp:x} against the integration's offers.
func TestSaveWarns(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/offers", map[string]any{"id": 1, "name": "Slim", "params": map[string]any{"stream": "s-1"}}, true), http.StatusCreated, "")
		m := expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/integrations", map[string]any{"name": "crm", "enabled": true, "offers": []int{1},
			"new": map[string]any{"enabled": true, "url": "https://crm.example/{ofp:stream}", "fields": "name {name}\nphone {phnoe}\nflow {ofp:flow}"}}, true),
			http.StatusCreated, "")
		want := []any{
			map[string]any{"where": "new.fields:2", "message": "{phnoe} is not a macro; did you mean {phone}?"},
			map[string]any{"where": "new.fields:3", "message": `{ofp:flow}: no offer of the integration (offers 1) has the parameter "flow", so it expands to nothing`},
		}
		if diff := cmp.Diff(want, m["warnings"]); diff != "" {
			t.Errorf("warnings (-want +got):\n%s", diff)
		}
	})
}

// TestHookDryRun: a hook dry run runs the hook script on a given webhook and
// says what it would do (lead, status change, postbacks), writing nothing.
func TestHookDryRun(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		integ := b.integration(map[string]any{"name": "crm", "enabled": true, "offers": []int{1}, "status_map": map[string]any{"3": "packaging"},
			"postback": map[string]any{"enabled": true, "url": "https://tracker.example/pb?s={status}", "method": "GET", "statuses": []any{6}},
			"hook":     "log('signed', request.headers['X-Signature'], request.query.shop)\nlocal b = json.decode(result)\nreturn {lead_id = b.id, status = b.status, comment = b.note}"})
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1, Integration: integ})
		id := b.intake(map[string]any{"alias": "cpa", "phone": "447123456789"})
		path := "/api/v1/admin/integrations/" + idText(float64(integ)) + "/test"
		before, err := s.ListLog(context.Background(), storage.LogFilter{})
		if err != nil {
			t.Fatal(err)
		}
		m := expect(t, b.sendJSON(http.MethodPost, path, map[string]any{"mode": "hook",
			"body": `{"id":` + idText(float64(id)) + `,"status":"3","note":"packed"}`, "headers": map[string]any{"x-signature": "abc"}, "query": map[string]any{"shop": "uk"}}, true),
			http.StatusOK, "")
		want := map[string]any{
			"script_log": []any{"signed\tabc\tuk"},
			"return":     map[string]any{"lead_id": float64(id), "status": "3", "comment": "packed"},
			"effect": map[string]any{"lead_id": float64(id), "from": "new", "status": "packaging", "comment": "packed",
				"postbacks": []any{map[string]any{"integration": float64(integ), "status": "packaging"}}},
		}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Errorf("hook dry run (-want +got):\n%s", diff)
		}
		refused := expect(t, b.sendJSON(http.MethodPost, path, map[string]any{"mode": "hook", "body": `{"id":` + idText(float64(id)) + `,"status":"won"}`}, true), http.StatusOK, "")
		if e := refused["effect"].(map[string]any); e["code"] != float64(422) || !strings.Contains(e["refused"].(string), `"won" is not in integration`) {
			t.Errorf("a refused webhook: %v", e)
		}
		failed := expect(t, b.sendJSON(http.MethodPost, path, map[string]any{"mode": "hook", "body": "not json"}, true), http.StatusOK, "")
		if failed["error"] == nil || len(failed["script_log"].([]any)) != 2 {
			t.Errorf("a failing hook script: %v", failed)
		}
		after, err := s.ListLog(context.Background(), storage.LogFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if l := b.lead(id); l.Status.String() != "new" || l.Comment != "" || len(after) != len(before) {
			t.Errorf("the dry run wrote: lead %s %q, %d log rows more", l.Status, l.Comment, len(after)-len(before))
		}
	})
}
