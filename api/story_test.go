package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

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
