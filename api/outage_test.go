package api_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/localmariadb"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestDatabaseOutageAnswers503: while the database is down the intake, a
// status update and /readyz answer 503 (with UNAVAILABLE and a
// Retry-After), and once it is back the same server takes leads again.
func TestDatabaseOutageAnswers503(t *testing.T) {
	t.Parallel()
	srv := localmariadb.ForTest(t)
	ctx := context.Background()
	if err := srv.Exec(ctx, "CREATE DATABASE leadrelay CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	b := setup(t, storagetest.Open(t, srv.DSN("leadrelay")))
	b.campaign(catalog.Campaign{Alias: "cpa_uk_wl", Offer: 1})
	newLead := map[string]any{"alias": "cpa_uk_wl", "name": "Ann", "phone": "447123456789", "country": "gb"}
	id := b.intake(newLead)
	expect(t, b.do(http.MethodGet, "/readyz", "", nil, false), http.StatusOK, "")

	srv.Kill()
	for _, tc := range []struct {
		name string
		send func() answer
	}{
		{"POST /api/v1/leads", func() answer { return b.sendJSON(http.MethodPost, "/api/v1/leads", newLead, false) }},
		{"POST /api.php", func() answer {
			return b.postForm("/api.php", url.Values{"action": {"receive"}, "alias": {"cpa_uk_wl"}, "name": {"Ann"}, "phone": {"447123456789"}})
		}},
		{"POST /api/v1/status", func() answer {
			return b.sendJSON(http.MethodPost, "/api/v1/status", map[string]any{"alias": "cpa_uk_wl", "lead_id": id, "order_status": "2"}, false)
		}},
	} {
		a := tc.send()
		if a.code != http.StatusServiceUnavailable || a.json(t)["code"] != api.CodeUnavailable || a.hdr.Get("Retry-After") == "" {
			t.Errorf("%s with the database down = %s (Retry-After %q), want 503 %s with a Retry-After",
				tc.name, a, a.hdr.Get("Retry-After"), api.CodeUnavailable)
		}
	}
	if a := b.do(http.MethodGet, "/readyz", "", nil, false); a.code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down = %s, want 503", a)
	}

	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b.intake(newLead)
	expect(t, b.do(http.MethodGet, "/readyz", "", nil, false), http.StatusOK, "")
}

// TestSQLiteFileDeletedAnswers503: once the SQLite file is deleted under the
// server, the intake answers 503 UNAVAILABLE instead of taking leads into a
// file the next start will not see, and /readyz answers 503.
func TestSQLiteFileDeletedAnswers503(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "leadrelay.db")
	b := setup(t, storagetest.Open(t, "sqlite:"+path))
	b.campaign(catalog.Campaign{Alias: "cpa_uk_wl", Offer: 1})
	newLead := map[string]any{"alias": "cpa_uk_wl", "name": "Ann", "phone": "447123456789", "country": "gb"}
	b.intake(newLead)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	a := b.sendJSON(http.MethodPost, "/api/v1/leads", newLead, false)
	if a.code != http.StatusServiceUnavailable || a.json(t)["code"] != api.CodeUnavailable || a.hdr.Get("Retry-After") == "" {
		t.Errorf("POST /api/v1/leads with the file deleted = %s, want 503 %s with a Retry-After", a, api.CodeUnavailable)
	}
	if a := b.do(http.MethodGet, "/readyz", "", nil, false); a.code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the file deleted = %s, want 503", a)
	}
}

// TestSweepWhileStopping: a sweep asked of a process that is stopping is
// refused with 503 UNAVAILABLE and a Retry-After, as a client retries it
// elsewhere, not with a 500.
func TestSweepWhileStopping(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.d.Stop()
		a := b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "new"}, true)
		if a.code != http.StatusServiceUnavailable || a.json(t)["code"] != api.CodeUnavailable || a.hdr.Get("Retry-After") == "" {
			t.Errorf("a sweep while stopping = %s (Retry-After %q), want 503 %s with a Retry-After", a, a.hdr.Get("Retry-After"), api.CodeUnavailable)
		}
	})
}
