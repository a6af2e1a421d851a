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

func TestLeadStatusByToken(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa"})
		id := b.intake(map[string]any{"alias": "cpa", "phone": "1"})
		other := b.intake(map[string]any{"alias": "cpa", "phone": "2"})
		m := expect(t, b.do(http.MethodGet, fmt.Sprintf("/api/v1/leads/%d?token=%s", id, b.token(id)), "", nil, false), http.StatusOK, "")
		if m["id"] != float64(id) || m["status"] != "new" || m["status_id"] != float64(1) || m["reason"] != float64(0) || m["ext"] != "" {
			t.Errorf("status answer = %v", m)
		}
		tests := []struct {
			name, path string
			status     int
			code       string
		}{
			{"no token", fmt.Sprintf("/api/v1/leads/%d", id), http.StatusUnauthorized, "UNAUTHORIZED"},
			{"forged token", fmt.Sprintf("/api/v1/leads/%d?token=AAAAAAAAAAAAAAAAAAAAAA", id), http.StatusNotFound, "NOT_FOUND"},
			{"malformed token", fmt.Sprintf("/api/v1/leads/%d?token=%%0D%%0A", id), http.StatusNotFound, "NOT_FOUND"},
			{"another lead's token", fmt.Sprintf("/api/v1/leads/%d?token=%s", id, b.token(other)), http.StatusNotFound, "NOT_FOUND"},
			{"a lead that does not exist", fmt.Sprintf("/api/v1/leads/999?token=%s", b.token(999)), http.StatusNotFound, "NOT_FOUND"},
			{"an id that is not a number", "/api/v1/leads/x?token=" + b.token(id), http.StatusNotFound, "NOT_FOUND"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, b.do(http.MethodGet, tt.path, "", nil, false), tt.status, tt.code)
			})
		}
	})
}

// changesIntegration takes offer 1 and has the changes mode on.
func changesIntegration(url string) map[string]any {
	return map[string]any{
		"name": "crm", "enabled": true, "offers": []int{1},
		"changes": map[string]any{"enabled": true, "url": url, "fields": "city {city}"},
	}
}

func TestChangesFromTheThankYouPage(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		crm := newFakeServer(t, respondWith(http.StatusOK, "ok"))
		integ := b.integration(changesIntegration(crm.URL))
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1, Integration: integ})
		id := b.trustedIntake(map[string]any{"alias": "cpa", "phone": "447123456789", "city": "Leeds", "price": 10, "ext": "CRM-1"})
		path := fmt.Sprintf("/api/v1/leads/%d/changes?token=%s", id, b.token(id))
		m := expect(t, b.sendJSON(http.MethodPost, path, map[string]any{
			"items": map[string]any{"17": []any{2, 49, 12.5}}, "city": "London\n", "price": "98", "gift": "yes", "offer": 5,
		}, false), http.StatusOK, "")
		if m["status"] != "success" || m["lead_id"] != float64(id) {
			t.Errorf("answer = %v", m)
		}
		l := b.lead(id)
		if l.City != "London" || l.Price != 98 || l.Items[17].Qty != 2 || l.Meta["gift"] != "yes" || l.OfferID != 1 || l.Meta["offer"] != "5" {
			t.Errorf("lead after changes = %+v", l)
		}
		view := expect(t, b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/leads/%d", id), "", nil, true), http.StatusOK, "")
		if view["changed"] != true {
			t.Errorf("the lead is not marked changed: %v", view["changed"])
		}
		if _, err := b.d.Sweep(t.Context(), "changes"); err != nil {
			t.Fatal(err)
		}
		if got := crm.bodies(); len(got) != 1 || got[0] != "city=London" {
			t.Errorf("the changes mode sent %q", got)
		}
	})
}

func TestChangesRefusesBadInput(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa"})
		id := b.intake(map[string]any{"alias": "cpa", "city": "Leeds", "count": 1})
		path := fmt.Sprintf("/api/v1/leads/%d/changes?token=%s", id, b.token(id))
		tests := []struct {
			name, path, body string
			status           int
			code             string
		}{
			{"malformed JSON", path, `{"city":`, http.StatusBadRequest, "BAD_JSON"},
			{"nothing to change", path, `{}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"count not a number", path, `{"city":"York","count":"two"}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"items not items", path, `{"items":[1,2]}`, http.StatusUnprocessableEntity, "VALIDATION"},
			{"city too long", path, fmt.Sprintf(`{"city":"%0256d"}`, 0), http.StatusUnprocessableEntity, "VALIDATION"},
			{"no token", fmt.Sprintf("/api/v1/leads/%d/changes", id), `{"city":"York"}`, http.StatusUnauthorized, "UNAUTHORIZED"},
			{"forged token", fmt.Sprintf("/api/v1/leads/%d/changes?token=%s", id, b.token(id+1)), `{"city":"York"}`, http.StatusNotFound, "NOT_FOUND"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, b.sendJSON(http.MethodPost, tt.path, tt.body, false), tt.status, tt.code)
			})
		}
		if l := b.lead(id); l.City != "Leeds" || l.Count != 1 || l.Status != lead.New {
			t.Errorf("a refused change was written: %+v", l)
		}
	})
}

// TestLeadTokenHasOneSpelling: a lead's token with its last character's
// spare bits set otherwise is not the lead's token.
func TestLeadTokenHasOneSpelling(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1})
		id := b.intake(map[string]any{"alias": "cpa", "phone": "447123456789"})
		token := b.token(id)
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, token[len(token)-1])
		for spare := range 16 {
			v := last&^15 | spare
			want := http.StatusNotFound
			if v == last {
				want = http.StatusOK
			}
			spelling := token[:len(token)-1] + alphabet[v:v+1]
			if a := b.do(http.MethodGet, fmt.Sprintf("/api/v1/leads/%d?token=%s", id, spelling), "", nil, false); a.code != want {
				t.Errorf("token %q (canonical %q): %v, want %d", spelling, token, a, want)
			}
		}
	})
}
