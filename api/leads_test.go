package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// leadKeys are the keys of a lead in the API (SPEC §6).
var leadKeys = []string{
	"id", "status", "status_id", "reason", "ext", "integration", "campaign", "attempts", "failed", "changed",
	"comment", "offer", "site", "space", "goal", "wm", "agent", "name", "last", "email", "phone", "phonecc",
	"country", "lang", "ip", "ua", "mobile", "bad", "zip", "area", "city", "street", "house", "delivery",
	"discount", "count", "currency", "price", "base", "delpr", "more", "items", "click", "click_id", "subid",
	"uuid", "sub1", "sub2", "sub3", "sub4", "sub5", "utm_source", "utm_campaign", "utm_content", "utm_term",
	"utm_medium", "exti", "extu", "exts", "cwm", "cwmr", "cwmc", "cpay", "cpayr", "cpayc", "meta",
	"created_at", "updated_at",
}

var logKeys = []string{"id", "time", "lead_id", "integration", "mode", "attempt", "outcome", "request",
	"response", "duration_ms", "return", "message", "script_log"}

func hasKeys(t *testing.T, what string, m map[string]any, keys []string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q: %v", what, k, m)
		}
	}
}

func TestAdminLeadAndItsLog(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		crm := newFakeServer(t, respondWith(http.StatusOK, `{"id":84921}`))
		integ := b.integration(crmDoc(crm.URL))
		b.campaign(catalog.Campaign{Alias: "cpa_uk_wl", Offer: 1, Integration: integ})
		id := b.intake(map[string]any{"alias": "cpa_uk_wl", "phone": "447123456789", "country": "gb", "items": map[string]any{"17": []any{1, 49.0, 12.5}}})
		if _, err := b.d.Sweep(t.Context(), "new"); err != nil {
			t.Fatal(err)
		}
		m := expect(t, b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/leads/%d", id), "", nil, true), http.StatusOK, "")
		hasKeys(t, "the lead", m, leadKeys)
		if m["status"] != "processing" || m["status_id"] != float64(2) || m["ext"] != "84921" || m["campaign"] != "cpa_uk_wl" || m["integration"] != float64(integ) {
			t.Errorf("lead = %v", m)
		}
		if items := fmt.Sprint(m["items"]); items != "map[17:[1 49 12.5]]" {
			t.Errorf("items = %s", items)
		}
		if _, err := time.Parse(time.RFC3339, m["created_at"].(string)); err != nil {
			t.Errorf("created_at: %v", err)
		}
		log := m["log"].([]any)
		if len(log) != 2 {
			t.Fatalf("log = %v", log)
		}
		first, second := log[0].(map[string]any), log[1].(map[string]any)
		hasKeys(t, "a log row", second, logKeys)
		if first["mode"] != "intake" || second["mode"] != "new" || second["outcome"] != "SUCCESS" || second["attempt"] != float64(1) {
			t.Errorf("log rows = %v / %v", first, second)
		}
		req, _ := second["request"].(map[string]any)
		resp, _ := second["response"].(map[string]any)
		if req["method"] != "POST" || resp["code"] != float64(200) || second["return"] != float64(84921) {
			t.Errorf("log row request %v response %v return %v", req, resp, second["return"])
		}
		if scriptLog := fmt.Sprint(second["script_log"]); !strings.Contains(scriptLog, "84921") {
			t.Errorf("script_log = %v", scriptLog)
		}
		if strings.Contains(string(b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/leads/%d", id), "", nil, true).body), "tok-123") {
			t.Error("a secret is in the log")
		}
		logPage := expect(t, b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/log?lead_id=%d&outcome=SUCCESS&integration=%d", id, integ), "", nil, true), http.StatusOK, "")
		rows := logPage["log"].([]any)
		if len(rows) != 2 || rows[0].(map[string]any)["mode"] != "new" {
			t.Errorf("admin log, newest first = %v", rows)
		}
		older := expect(t, b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/log?after=%v&limit=1", rows[0].(map[string]any)["id"]), "", nil, true), http.StatusOK, "")
		if got := older["log"].([]any); len(got) != 1 || got[0].(map[string]any)["mode"] != "intake" {
			t.Errorf("log page after = %v", got)
		}
		expect(t, b.do(http.MethodGet, "/api/v1/admin/log?limit=x", "", nil, true), http.StatusUnprocessableEntity, "VALIDATION")
		expect(t, b.do(http.MethodGet, "/api/v1/admin/leads/999", "", nil, true), http.StatusNotFound, "NOT_FOUND")
	})
}

func TestAdminLeadList(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa", Integration: 4})
		var ids []int64
		for range 4 {
			ids = append(ids, b.intake(map[string]any{"alias": "cpa"}))
		}
		if err := s.UpdateLead(t.Context(), ids[1], map[string]any{"status": lead.Cancel, "reason": lead.ReasonDuplicate, "failed": true}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateLead(t.Context(), ids[2], map[string]any{"uncertain": true, "failed": true}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			query string
			want  []int64
		}{
			{"", []int64{ids[3], ids[2], ids[1], ids[0]}},
			{"limit=2", []int64{ids[3], ids[2]}},
			{fmt.Sprintf("after=%d", ids[2]), []int64{ids[1], ids[0]}},
			{"status=cancel", []int64{ids[1]}},
			{"status=5&reason=duplicate", []int64{ids[1]}},
			{"reason=7", []int64{ids[1]}},
			{"failed=true", []int64{ids[2], ids[1]}},
			{"failed=false&status=new", []int64{ids[3], ids[0]}},
			{"uncertain=true", []int64{ids[2]}},
			{"uncertain=false&status=new", []int64{ids[3], ids[0]}},
			{"integration=4&limit=1", []int64{ids[3]}},
			{"integration=5", nil},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				m := expect(t, b.do(http.MethodGet, "/api/v1/admin/leads?"+tt.query, "", nil, true), http.StatusOK, "")
				var got []int64
				for _, l := range m["leads"].([]any) {
					got = append(got, int64(l.(map[string]any)["id"].(float64)))
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("ids = %v, want %v", got, tt.want)
				}
			})
		}
		first := expect(t, b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/leads/%d", ids[0]), "", nil, true), http.StatusOK, "")
		if first["uncertain"] != false {
			t.Errorf("a lead's uncertain = %v, want false", first["uncertain"])
		}
		for _, bad := range []string{"status=won", "reason=bored", "failed=maybe", "uncertain=perhaps", "integration=x", "after=-1"} {
			expect(t, b.do(http.MethodGet, "/api/v1/admin/leads?"+bad, "", nil, true), http.StatusUnprocessableEntity, "VALIDATION")
		}
	})
}

func TestAdminPatchLead(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		tracker := newFakeServer(t, respondWith(http.StatusOK, "ok"))
		crm := newFakeServer(t, respondWith(http.StatusOK, "ok"))
		doc := changesIntegration(crm.URL)
		doc["postback"] = map[string]any{"enabled": true, "method": "GET", "url": tracker.URL + "/pb?s={status}", "statuses": []string{"cancel"}}
		integ := b.integration(doc)
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1, Integration: integ})
		id := b.trustedIntake(map[string]any{"alias": "cpa", "ext": "X1", "city": "Leeds"})
		path := fmt.Sprintf("/api/v1/admin/leads/%d", id)

		m := expect(t, b.sendJSON(http.MethodPatch, path, map[string]any{"status": "cancel", "reason": 6, "comment": "fake name", "city": "York", "meta": map[string]any{"note": "called"}}, true), http.StatusOK, "")
		if m["status"] != "cancel" || m["reason"] != float64(6) || m["comment"] != "fake name" || m["city"] != "York" || m["changed"] != true {
			t.Errorf("after PATCH = %v", m)
		}
		if m["meta"].(map[string]any)["note"] != "called" {
			t.Errorf("meta = %v", m["meta"])
		}
		counts, err := b.d.Sweep(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(tracker.requests()) != 1 || len(crm.requests()) != 1 {
			t.Errorf("after the sweep (%v): tracker got %d, the CRM's changes %d", counts, len(tracker.requests()), len(crm.requests()))
		}

		m = expect(t, b.sendJSON(http.MethodPatch, path, map[string]any{"comment": "called back"}, true), http.StatusOK, "")
		if m["status"] != "cancel" || m["reason"] != float64(6) || m["comment"] != "called back" {
			t.Errorf("a comment alone changed more: %v", m)
		}
		tests := []struct {
			name string
			body any
			code string
		}{
			{"an unknown field", `{"colour":"red"}`, "VALIDATION"},
			{"integration", `{"integration":2}`, "VALIDATION"},
			{"a bad status", `{"status":"won"}`, "VALIDATION"},
			{"a bad reason", `{"reason":"bored"}`, "VALIDATION"},
			{"a bad order field", `{"status":"new","price":"a lot"}`, "VALIDATION"},
			{"an ext too long", map[string]any{"ext": strings.Repeat("e", 192)}, "VALIDATION"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, b.sendJSON(http.MethodPatch, path, tt.body, true), http.StatusUnprocessableEntity, tt.code)
			})
		}
		if l := b.lead(id); l.Status != lead.Cancel || l.Price != 0 || l.Ext != "X1" {
			t.Errorf("a refused PATCH was written: %+v", l)
		}
		expect(t, b.sendJSON(http.MethodPatch, "/api/v1/admin/leads/999", `{"city":"x"}`, true), http.StatusNotFound, "NOT_FOUND")
	})
}

func TestAdminRequeueAndSweep(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa", Integration: 3})
		var ids []int64
		for range 3 {
			id := b.intake(map[string]any{"alias": "cpa"})
			if err := s.UpdateLead(t.Context(), id, map[string]any{"status": lead.Cancel, "reason": lead.ReasonFakeData}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		m := expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/leads/requeue", map[string]any{"ids": []int64{ids[0]}}, true), http.StatusOK, "")
		if m["requeued"] != float64(1) || b.lead(ids[0]).Status != lead.New || b.lead(ids[0]).Reason != 0 {
			t.Errorf("requeue by id = %v", m)
		}
		m = expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/leads/requeue", map[string]any{"filter": map[string]any{"status": "cancel", "reason": "fake data", "integration": 3, "since": "2020-01-01"}, "mode": "new"}, true), http.StatusOK, "")
		if m["requeued"] != float64(2) {
			t.Errorf("requeue by filter = %v", m)
		}
		for _, bad := range []string{`{}`, `{"ids":[1],"mode":"old"}`, `{"filter":{"status":"won"}}`, `{"filter":{"since":"yesterday"}}`, `{"idz":[1]}`, `{"ids":"1"}`} {
			expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/leads/requeue", bad, true), http.StatusUnprocessableEntity, "VALIDATION")
		}
		sweep := expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", nil, true), http.StatusOK, "")
		if _, ok := sweep["outcomes"].(map[string]any); !ok {
			t.Errorf("sweep = %v", sweep)
		}
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "postback"}, true), http.StatusOK, "")
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "sync"}, true), http.StatusUnprocessableEntity, "VALIDATION")
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", `{"mode":`, true), http.StatusBadRequest, "BAD_JSON")
	})
}
