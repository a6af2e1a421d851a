package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

// person adds a user with an API token and returns the token.
func (b *bundle) person(name string, role user.Role) string {
	b.t.Helper()
	ctx := context.Background()
	u := &storage.User{Name: name, Role: role, PasswordHash: "unused"}
	if err := b.store.CreateUser(ctx, u); err != nil {
		b.t.Fatal(err)
	}
	token := user.NewSecret()
	if err := b.store.AddToken(ctx, u.ID, storage.HashToken(token)); err != nil {
		b.t.Fatal(err)
	}
	return token
}

// as sends a JSON request with a bearer token.
func (b *bundle) as(token, method, path string, body any) answer {
	b.t.Helper()
	raw := ""
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		raw = string(j)
	}
	return b.serve(httptestRequest(method, path, raw, map[string]string{"Authorization": "Bearer " + token}))
}

func TestRoles(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		sam := b.person("sam", user.Support)
		ada := b.person("ada", user.Admin)
		id := b.integration(crmDoc("https://crm.example"))
		b.campaign(catalog.Campaign{Alias: "cpa", Integration: id, Key: "k-secret"})
		leadID := b.intake(map[string]any{"alias": "cpa", "key": "k-secret", "phone": "447123456789"})
		integ := fmt.Sprintf("/api/v1/admin/integrations/%d", id)
		tests := []struct {
			name   string
			method string
			path   string
			body   any
			ada    int
			sam    int
		}{
			{"read an integration", http.MethodGet, integ, nil, 200, 200},
			{"save an integration", http.MethodPut, integ, crmDoc("https://crm.example"), 200, 403},
			{"create an offer", http.MethodPost, "/api/v1/admin/offers", map[string]any{"name": "o"}, 201, 403},
			{"edit a lead", http.MethodPatch, fmt.Sprintf("/api/v1/admin/leads/%d", leadID), map[string]any{"comment": "called"}, 200, 200},
			{"re-queue", http.MethodPost, "/api/v1/admin/leads/requeue", map[string]any{"ids": []int64{leadID}}, 200, 200},
			{"sweep", http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "postback"}, 200, 200},
			{"dry run with a response", http.MethodPost, integ + "/test", map[string]any{"lead_id": leadID, "response": map[string]any{"code": 200, "body": `{"id":1}`}}, 200, 200},
			{"dry run that sends", http.MethodPost, integ + "/test", map[string]any{"lead_id": leadID, "send": true}, 200, 403},
			{"delete an integration", http.MethodDelete, integ, nil, 204, 403},
		}
		for _, tt := range tests {
			a := b.as(sam, tt.method, tt.path, tt.body)
			if a.code != tt.sam {
				t.Errorf("support: %s = %s, want %d", tt.name, a, tt.sam)
			}
			if a.code == http.StatusForbidden && !strings.Contains(string(a.body), "sam is support, and support may not") {
				t.Errorf("support: %s: the 403 does not say why: %s", tt.name, a.body)
			}
			if tt.name == "dry run that sends" {
				continue
			}
			if a := b.as(ada, tt.method, tt.path, tt.body); a.code != tt.ada {
				t.Errorf("admin: %s = %s, want %d", tt.name, a, tt.ada)
			}
		}
		if a := b.as("not-a-token", http.MethodGet, "/api/v1/admin/offers", nil); a.code != http.StatusUnauthorized {
			t.Errorf("a token of nobody = %s", a)
		}
	})
}

func TestSupportSeesSecretsAsStars(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		sam := b.person("sam", user.Support)
		b.campaign(catalog.Campaign{Alias: "cpa", Key: "k-secret"})
		for _, path := range []string{"/api/v1/admin/campaigns", "/api/v1/admin/campaigns/cpa"} {
			if a := b.as(sam, http.MethodGet, path, nil); a.code != 200 || strings.Contains(string(a.body), "k-secret") || !strings.Contains(string(a.body), `"key":"***"`) {
				t.Errorf("support: GET %s = %s", path, a)
			}
			if a := b.as(adminToken, http.MethodGet, path, nil); !strings.Contains(string(a.body), "k-secret") {
				t.Errorf("admin: GET %s = %s", path, a)
			}
		}
	})
}

func TestAdminAPIWithUsersOnly(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setupWith(t, s, "")
		m := expect(t, b.do(http.MethodGet, "/api/v1/admin/offers", "", nil, false), http.StatusServiceUnavailable, "ADMIN_DISABLED")
		if !strings.Contains(m["error"].(string), "leadrelay user add") {
			t.Errorf("the 503 does not say how to add a person: %v", m["error"])
		}
		ada := b.person("ada", user.Admin)
		expect(t, b.do(http.MethodGet, "/api/v1/admin/offers", "", nil, false), http.StatusUnauthorized, "UNAUTHORIZED")
		expect(t, b.as(ada, http.MethodGet, "/api/v1/admin/offers", nil), http.StatusOK, "")
	})
}

func TestChangesAreLoggedWithBy(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		sam := b.person("sam", user.Support)
		id := b.integration(crmDoc("https://crm.example"))
		b.campaign(catalog.Campaign{Alias: "cpa", Integration: id})
		leadID := b.intake(map[string]any{"alias": "cpa", "phone": "447123456789"})
		if err := s.UpdateLead(t.Context(), leadID, map[string]any{"failed": true}); err != nil {
			t.Fatal(err)
		}
		expect(t, b.as(sam, http.MethodPatch, fmt.Sprintf("/api/v1/admin/leads/%d", leadID), map[string]any{"status": "cancel", "reason": "duplicate"}), http.StatusOK, "")
		expect(t, b.as(sam, http.MethodPatch, fmt.Sprintf("/api/v1/admin/leads/%d", leadID), map[string]any{"city": "Leeds"}), http.StatusOK, "")
		expect(t, b.as(sam, http.MethodPost, "/api/v1/admin/leads/requeue", map[string]any{"ids": []int64{leadID}}), http.StatusOK, "")
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/offers", map[string]any{"name": "o"}, true), http.StatusCreated, "")

		log := expect(t, b.as(sam, http.MethodGet, "/api/v1/admin/log?limit=100", nil), http.StatusOK, "")
		var got []string
		for _, r := range log["log"].([]any) {
			row := r.(map[string]any)
			if by, ok := row["by"]; ok {
				got = append(got, fmt.Sprintf("%v: %v", by, row["message"]))
			}
		}
		for _, want := range []string{
			fmt.Sprintf("admin-token: integration %d saved", id),
			"sam: status new → cancel (admin)",
			"sam: order data changed: 1 fields",
			"sam: status cancel → new (requeue)",
			"admin-token: offer 1 saved",
		} {
			if !strings.Contains(strings.Join(got, "\n"), want) {
				t.Errorf("no log row %q among\n%s", want, strings.Join(got, "\n"))
			}
		}
	})
}

func TestRequeueOfAFailedLeadIsLogged(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		sam := b.person("sam", user.Support)
		b.campaign(catalog.Campaign{Alias: "cpa"})
		leadID := b.intake(map[string]any{"alias": "cpa", "phone": "447123456789"})
		if err := s.UpdateLead(t.Context(), leadID, map[string]any{"failed": true, "status": lead.New}); err != nil {
			t.Fatal(err)
		}
		expect(t, b.as(sam, http.MethodPost, "/api/v1/admin/leads/requeue", map[string]any{"ids": []int64{leadID}}), http.StatusOK, "")
		rows, err := s.ListLog(t.Context(), storage.LogFilter{LeadID: leadID})
		if err != nil {
			t.Fatal(err)
		}
		last := rows[len(rows)-1]
		if !strings.HasPrefix(last.Message, "re-queued") || last.By != "sam" {
			t.Errorf("the requeue's log row = %+v", last)
		}
	})
}
