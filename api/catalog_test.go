package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func TestCatalogCRUD(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    string
		given   map[string]any // POST with an id
		auto    map[string]any // POST without one
		changed map[string]any // PUT
	}{
		{"offers",
			map[string]any{"id": 1, "name": "Slim", "params": map[string]any{"sku": "A"}, "geo_params": map[string]any{"gb": map[string]any{"price": "49"}}, "product_params": map[string]any{"17": map[string]any{"sku": "A-17"}}},
			map[string]any{"name": "Fit"},
			map[string]any{"name": "Slim+", "params": map[string]any{"sku": "B"}, "geo_params": nil, "product_params": nil}},
		{"sites",
			map[string]any{"id": 3, "name": "LP", "url": "https://lp.example/", "kind": "landing", "params": map[string]any{"a": "b"}},
			map[string]any{"name": "Pre", "url": "https://pre.example/", "kind": "prelanding", "params": nil},
			map[string]any{"name": "LP2", "url": "https://lp2.example/", "kind": "landing", "params": nil}},
		{"goals",
			map[string]any{"id": 1, "name": "lead", "params": map[string]any{"g": "1"}},
			map[string]any{"name": "sale", "params": nil},
			map[string]any{"name": "lead2", "params": nil}},
		{"affiliates",
			map[string]any{"id": 12, "name": "Publisher", "email": "p@example.com"},
			map[string]any{"name": "Agent", "email": ""},
			map[string]any{"name": "Publisher 2", "email": "p2@example.com"}},
		{"campaigns",
			map[string]any{"id": 5, "alias": "cpa_uk_wl", "offer": 1, "wm": 12, "site": 3, "integration": 7, "key": "",
				"postback_url": "https://tracker/pb?clickid={click_id}&status={status}", "postback_statuses": []any{"accepted", "rejected"},
				"postback_labels": map[string]any{"wait": "pending", "approve": "accepted"}, "payout": 12.5, "trusted": false},
			map[string]any{"alias": "cpa_de", "offer": 0, "wm": 0, "site": 0, "integration": 0, "key": "k", "postback_url": "", "postback_statuses": nil, "postback_labels": nil, "payout": 0, "trusted": false},
			map[string]any{"alias": "cpa_uk_wl2", "offer": 2, "wm": 12, "site": 3, "integration": 7, "key": "", "postback_url": "", "postback_statuses": nil, "postback_labels": nil, "payout": 0, "trusted": true}},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		for _, tt := range tests {
			t.Run(tt.kind, func(t *testing.T) {
				base := "/api/v1/admin/" + tt.kind
				got := expect(t, b.sendJSON(http.MethodPost, base, tt.given, true), http.StatusCreated, "")
				if diff := cmp.Diff(roundTrip(t, tt.given), got); diff != "" {
					t.Errorf("POST with an id (-want +got):\n%s", diff)
				}
				expect(t, b.sendJSON(http.MethodPost, base, tt.given, true), http.StatusConflict, "CONFLICT")
				auto := expect(t, b.sendJSON(http.MethodPost, base, tt.auto, true), http.StatusCreated, "")
				if auto["id"].(float64) <= got["id"].(float64) {
					t.Errorf("new id %v after %v", auto["id"], got["id"])
				}
				path := base + "/" + idText(got["id"])
				put := expect(t, b.sendJSON(http.MethodPut, path, tt.changed, true), http.StatusOK, "")
				want := roundTrip(t, tt.changed)
				want["id"] = got["id"]
				if diff := cmp.Diff(want, put); diff != "" {
					t.Errorf("PUT (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(put, expect(t, b.do(http.MethodGet, path, "", nil, true), http.StatusOK, "")); diff != "" {
					t.Errorf("GET after PUT (-want +got):\n%s", diff)
				}
				list := expect(t, b.do(http.MethodGet, base+"?limit=1", "", nil, true), http.StatusOK, "")
				if items := list[tt.kind].([]any); len(items) != 1 {
					t.Errorf("list with limit 1 = %d items", len(items))
				}
				if a := b.do(http.MethodDelete, path, "", nil, true); a.code != http.StatusNoContent {
					t.Errorf("DELETE = %s", a)
				}
				expect(t, b.do(http.MethodGet, path, "", nil, true), http.StatusNotFound, "NOT_FOUND")
				expect(t, b.do(http.MethodDelete, path, "", nil, true), http.StatusNotFound, "NOT_FOUND")
			})
		}
	})
}

func TestCampaignByAlias(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/campaigns", map[string]any{"alias": "cpa_uk", "offer": 1}, true), http.StatusCreated, "")
		m := expect(t, b.do(http.MethodGet, "/api/v1/admin/campaigns/cpa_uk", "", nil, true), http.StatusOK, "")
		if m["alias"] != "cpa_uk" {
			t.Errorf("by alias = %v", m)
		}
		put := expect(t, b.sendJSON(http.MethodPut, "/api/v1/admin/campaigns/cpa_uk", map[string]any{"alias": "cpa_uk", "offer": 2}, true), http.StatusOK, "")
		if put["offer"] != float64(2) || put["id"] != m["id"] {
			t.Errorf("PUT by alias = %v", put)
		}
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/campaigns", map[string]any{"alias": "cpa_uk"}, true), http.StatusConflict, "CONFLICT")
		if a := b.do(http.MethodDelete, "/api/v1/admin/campaigns/cpa_uk", "", nil, true); a.code != http.StatusNoContent {
			t.Errorf("DELETE by alias = %s", a)
		}
	})
}

func TestCatalogRefusesBadObjects(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		tests := []struct {
			name, path string
			body       any
			status     int
			code       string
		}{
			{"malformed JSON", "/api/v1/admin/offers", `{"name":`, http.StatusBadRequest, "BAD_JSON"},
			{"an unknown key", "/api/v1/admin/offers", `{"nmae":"x"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a wrong type", "/api/v1/admin/offers", `{"name":5}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"params not strings", "/api/v1/admin/offers", `{"params":{"a":1}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a negative id", "/api/v1/admin/goals", `{"id":-1}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a geo that is no country", "/api/v1/admin/offers", `{"geo_params":{"GB":{}}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a product id that is no number", "/api/v1/admin/offers", `{"product_params":{"x":{}}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a name of 256 characters", "/api/v1/admin/affiliates", map[string]any{"name": strings.Repeat("n", 256)}, http.StatusUnprocessableEntity, "VALIDATION"},
			{"params over 64 KiB", "/api/v1/admin/goals", map[string]any{"params": map[string]any{"a": strings.Repeat("x", 70000)}}, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a site kind", "/api/v1/admin/sites", `{"kind":"popup"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a site URL", "/api/v1/admin/sites", `{"url":"javascript:alert(1)"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a campaign without alias", "/api/v1/admin/campaigns", `{"offer":1}`, http.StatusBadRequest, "NO_ID"},
			{"an alias with a space", "/api/v1/admin/campaigns", `{"alias":"a b"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"an alias with a newline", "/api/v1/admin/campaigns", `{"alias":"a\nb"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a numeric alias", "/api/v1/admin/campaigns", `{"alias":"123"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a postback URL", "/api/v1/admin/campaigns", `{"alias":"a","postback_url":"ftp://x"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a postback label", "/api/v1/admin/campaigns", `{"alias":"a","postback_labels":{"won":"accepted"}}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"ids that disagree", "/api/v1/admin/goals/4", `{"id":5}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"a path that is no id", "/api/v1/admin/goals/x", `{}`, http.StatusNotFound, "NOT_FOUND"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				method := http.MethodPost
				if strings.Count(tt.path, "/") > 4 {
					method = http.MethodPut
				}
				expect(t, b.sendJSON(method, tt.path, tt.body, true), tt.status, tt.code)
			})
		}
		for _, kind := range []string{"offers", "sites", "goals", "affiliates", "campaigns"} {
			list := expect(t, b.do(http.MethodGet, "/api/v1/admin/"+kind, "", nil, true), http.StatusOK, "")
			if n := len(list[kind].([]any)); n != 0 {
				t.Errorf("%d %s stored from refused requests", n, kind)
			}
		}
	})
}

// The intake caches campaigns; the admin API's writes reach it at once.
func TestCampaignChangesReachTheIntakeAtOnce(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		lead := map[string]any{"alias": "later", "phone": "1"}
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", lead, false), http.StatusUnprocessableEntity, "UNKNOWN_ALIAS")
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/campaigns", map[string]any{"alias": "later"}, true), http.StatusCreated, "")
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", lead, false), http.StatusCreated, "")
		expect(t, b.sendJSON(http.MethodPut, "/api/v1/admin/campaigns/later", map[string]any{"alias": "later", "key": "k"}, true), http.StatusOK, "")
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", lead, false), http.StatusForbidden, "FORBIDDEN")
		if a := b.do(http.MethodDelete, "/api/v1/admin/campaigns/later", "", nil, true); a.code != http.StatusNoContent {
			t.Fatalf("DELETE = %s", a)
		}
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", lead, false), http.StatusUnprocessableEntity, "UNKNOWN_ALIAS")
	})
}
