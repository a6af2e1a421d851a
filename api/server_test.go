package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		for _, path := range []string{"/healthz", "/readyz"} {
			expect(t, b.do(http.MethodGet, path, "", nil, false), http.StatusOK, "")
		}
		_ = s.Close()
		expect(t, b.do(http.MethodGet, "/readyz", "", nil, false), http.StatusServiceUnavailable, "DB_UNREACHABLE")
	})
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1})
		b.intake(map[string]any{"alias": "cpa", "phone": "447123456789"})
		a := b.do(http.MethodGet, "/metrics", "", nil, false)
		if a.code != http.StatusOK {
			t.Fatalf("/metrics = %s", a)
		}
		for _, want := range []string{
			`leadrelay_leads{status="new"} 1`,
			`leadrelay_leads{status="cancel"} 0`,
			`leadrelay_queue_depth{mode="new"} 1`,
			`leadrelay_leads_received_total 1`,
		} {
			if !strings.Contains(string(a.body), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}

func TestAdminAuth(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		off := setupWith(t, s, "")
		m := expect(t, off.do(http.MethodGet, "/api/v1/admin/offers", "", nil, true), http.StatusServiceUnavailable, "ADMIN_DISABLED")
		if !strings.Contains(m["error"].(string), "LEADRELAY_ADMIN_TOKEN") {
			t.Errorf("the 503 does not say what to set: %v", m["error"])
		}
		b := setup(t, s)
		expect(t, b.do(http.MethodGet, "/api/v1/admin/offers", "", nil, false), http.StatusUnauthorized, "UNAUTHORIZED")
		expect(t, b.do(http.MethodGet, "/api/v1/admin/offers", "", nil, true), http.StatusOK, "")
		tests := []struct{ name, header string }{
			{"wrong token", "Bearer " + adminToken + "x"},
			{"prefix of the token", "Bearer " + adminToken[:5]},
			{"basic scheme", "Basic " + adminToken},
			{"no scheme", adminToken},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, "/api/v1/admin/offers", nil)
				req.Header.Set("Authorization", tt.header)
				rec := httptest.NewRecorder()
				b.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("%q: status %d, want 401", tt.header, rec.Code)
				}
			})
		}
	})
}

func TestUnknownRoutesAnswerJSONErrors(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		expect(t, b.do(http.MethodGet, "/api/v1/nothing", "", nil, false), http.StatusNotFound, "NOT_FOUND")
		expect(t, b.do(http.MethodDelete, "/api/v1/leads", "", nil, false), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
		a := b.do(http.MethodOptions, "/api/v1/leads", "", nil, false)
		if a.code != http.StatusNoContent || a.hdr.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("CORS preflight = %d %v", a.code, a.hdr)
		}
	})
}
