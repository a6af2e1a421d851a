package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func crmDoc(url string) map[string]any {
	return map[string]any{
		"name": "salesrender-uk", "enabled": true, "offers": []int{1}, "countries": []string{"gb"},
		"secrets":    map[string]any{"token": "tok-123", "company": "77"},
		"status_map": map[string]any{"3": "packaging"},
		"new": map[string]any{"enabled": true, "url": url + "/companies/{secret:company}/CRM", "format": "json",
			"headers": "Authorization: {secret:token}", "fields": "phone {phone}\nname {name}",
			"post": "local r = json.decode(result)\nlog('id', r.id)\nreturn r.id"},
	}
}

func TestIntegrationCRUDKeepsSecrets(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		created := expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/integrations", crmDoc("https://crm.example"), true), http.StatusCreated, "")
		id := int64(created["id"].(float64))
		secrets := created["secrets"].(map[string]any)
		if secrets["token"] != "***" || secrets["company"] != "***" || strings.Contains(fmt.Sprint(created), "tok-123") {
			t.Fatalf("the answer shows a secret: %v", created)
		}
		path := fmt.Sprintf("/api/v1/admin/integrations/%d", id)
		got := expect(t, b.do(http.MethodGet, path, "", nil, true), http.StatusOK, "")
		if got["secrets"].(map[string]any)["token"] != "***" || got["name"] != "salesrender-uk" {
			t.Errorf("GET = %v", got)
		}
		list := expect(t, b.do(http.MethodGet, "/api/v1/admin/integrations", "", nil, true), http.StatusOK, "")
		if strings.Contains(fmt.Sprint(list), "tok-123") || len(list["integrations"].([]any)) != 1 {
			t.Errorf("list = %v", list)
		}
		got["name"] = "renamed"
		got["secrets"].(map[string]any)["company"] = "88"
		expect(t, b.sendJSON(http.MethodPut, path, got, true), http.StatusOK, "")
		rec, err := s.GetIntegration(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rec.Document, `"token":"tok-123"`) || !strings.Contains(rec.Document, `"company":"88"`) || rec.Name != "renamed" {
			t.Errorf("stored after a PUT with ***: %s", rec.Document)
		}
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/integrations", got, true), http.StatusConflict, "CONFLICT")
		if a := b.do(http.MethodDelete, path, "", nil, true); a.code != http.StatusNoContent {
			t.Errorf("DELETE = %s", a)
		}
		expect(t, b.do(http.MethodGet, path, "", nil, true), http.StatusNotFound, "NOT_FOUND")
	})
}

func TestIntegrationSaveRefusals(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		with := func(key string, v any) map[string]any {
			doc := crmDoc("https://crm.example")
			doc[key] = v
			return doc
		}
		newMode := func(key string, v any) map[string]any {
			doc := crmDoc("https://crm.example")
			doc["new"].(map[string]any)[key] = v
			return doc
		}
		tests := []struct {
			name   string
			body   any
			status int
			code   string
			field  string
			line   int
		}{
			{"malformed JSON", `{"name":`, http.StatusBadRequest, "BAD_JSON", "", 0},
			{"an unknown key", with("urll", "x"), http.StatusUnprocessableEntity, "VALIDATION", "urll", 0},
			{"a wrong type", with("offers", "1"), http.StatusUnprocessableEntity, "VALIDATION", "offers", 0},
			{"no name", with("name", ""), http.StatusUnprocessableEntity, "VALIDATION", "name", 0},
			{"a name of 256 characters", with("name", strings.Repeat("n", 256)), http.StatusUnprocessableEntity, "VALIDATION", "name", 0},
			{"a bad method", newMode("method", "FETCH"), http.StatusUnprocessableEntity, "VALIDATION", "new.method", 0},
			{"a secret *** with nothing stored", with("secrets", map[string]any{"token": "***"}), http.StatusUnprocessableEntity, "VALIDATION", "secrets.token", 0},
			{"a post script that does not compile", newMode("post", "local x = 1\nreturn x +"), http.StatusUnprocessableEntity, "VALIDATION", "new.post", 2},
			{"on_uncertain check without a check mode", with("on_uncertain", "check"), http.StatusUnprocessableEntity, "VALIDATION", "on_uncertain", 0},
			{"an unknown on_uncertain", with("on_uncertain", "ask"), http.StatusUnprocessableEntity, "VALIDATION", "on_uncertain", 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/integrations", tt.body, true), tt.status, tt.code)
				if tt.field != "" && m["field"] != tt.field {
					t.Errorf("field = %v, want %s (%v)", m["field"], tt.field, m)
				}
				if tt.line != 0 && (m["line"] != float64(tt.line) || m["script"] == "") {
					t.Errorf("script and line = %v %v, want line %d", m["script"], m["line"], tt.line)
				}
			})
		}
		if recs, _ := s.ListIntegrations(t.Context()); len(recs) != 0 {
			t.Errorf("%d integrations stored from refused requests", len(recs))
		}
	})
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		crm := newFakeServer(t, respondWith(http.StatusOK, `{"id":84921}`))
		id := b.integration(crmDoc(crm.URL))
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1, Integration: id})
		leadID := b.intake(map[string]any{"alias": "cpa", "phone": "447123456789", "name": "Ann", "country": "gb"})
		path := fmt.Sprintf("/api/v1/admin/integrations/%d/test", id)

		stub := expect(t, b.sendJSON(http.MethodPost, path, map[string]any{"mode": "new", "lead_id": leadID, "response": map[string]any{"code": 200, "body": `{"id":5}`}}, true), http.StatusOK, "")
		req := stub["request"].(map[string]any)
		if req["method"] != "POST" || !strings.HasSuffix(req["url"].(string), "/companies/***/CRM") || strings.Contains(fmt.Sprint(stub), "tok-123") {
			t.Errorf("request = %v", req)
		}
		if eff := stub["effect"].(map[string]any); eff["status"] != "processing" || eff["ext"] != "5" || stub["return"] != float64(5) {
			t.Errorf("effect = %v, return %v", eff, stub["return"])
		}
		if len(crm.requests()) != 0 {
			t.Error("a dry run with a response sent a request")
		}

		sent := expect(t, b.sendJSON(http.MethodPost, path, map[string]any{"mode": "new", "lead": map[string]any{"phone": "447000000000", "name": "Bo", "status": "new"}, "send": true}, true), http.StatusOK, "")
		if eff := sent["effect"].(map[string]any); eff["ext"] != "84921" {
			t.Errorf("sent effect = %v", eff)
		}
		if got := crm.bodies(); len(got) != 1 || !strings.Contains(got[0], `"name":"Bo"`) {
			t.Errorf("the CRM got %q", got)
		}

		broken := expect(t, b.sendJSON(http.MethodPost, path, map[string]any{"mode": "new", "lead_id": leadID, "response": map[string]any{"code": 200, "body": "not json"}}, true), http.StatusOK, "")
		if e, _ := broken["error"].(map[string]any); e == nil || e["line"] != float64(2) {
			t.Errorf("a failing script is not reported: %v", broken)
		}
		if l := b.lead(leadID); l.Status != lead.New || l.Ext != "" {
			t.Errorf("a dry run wrote to the lead: %s %q", l.Status, l.Ext)
		}
		rows, _ := s.ListLog(t.Context(), storage.LogFilter{LeadID: leadID})
		if len(rows) != 1 {
			t.Errorf("a dry run wrote %d log rows", len(rows)-1)
		}
	})
}

func TestDryRunRefusals(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		id := b.integration(crmDoc("https://crm.example"))
		path := fmt.Sprintf("/api/v1/admin/integrations/%d/test", id)
		tests := []struct {
			name, path string
			body       any
			status     int
			code       string
		}{
			{"malformed JSON", path, `{"mode":`, http.StatusBadRequest, "BAD_JSON"},
			{"an unknown key", path, `{"mode":"new","lead_id":1,"sned":true}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"no lead", path, `{"mode":"new"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"two leads", path, `{"mode":"new","lead_id":1,"lead":{"name":"x"}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"send and a response", path, `{"mode":"new","lead_id":1,"send":true,"response":{"code":200}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a lead with a bad field", path, `{"mode":"new","lead":{"country":"xx"}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a lead with a bad status", path, `{"mode":"new","lead":{"status":"won"}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"an unknown mode", path, `{"mode":"old","lead":{"name":"x"}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a mode the integration lacks", path, `{"mode":"approved","lead":{"name":"x"}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a lead that does not exist", path, `{"mode":"new","lead_id":999}`, http.StatusNotFound, "NOT_FOUND"},
			{"an integration that does not exist", "/api/v1/admin/integrations/999/test", `{"mode":"new","lead_id":1}`, http.StatusNotFound, "NOT_FOUND"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, b.sendJSON(http.MethodPost, tt.path, tt.body, true), tt.status, tt.code)
			})
		}
	})
}
