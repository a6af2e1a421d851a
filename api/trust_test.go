package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

// TestIntakeTrust (SPEC §6): ext, status, reason and the commissions are
// taken from a request with the admin token or for a trusted campaign; from
// a publisher they go to meta, so the lead is still sent and its cwm is the
// campaign's payout.
func TestIntakeTrust(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"ext": "X-1", "status": "cancel", "reason": "7", "cwm": "999", "cwmr": "5",
		"cwmc": "EUR", "cpay": "40", "cpayr": "41", "cpayc": "USD"}
	tests := []struct {
		name    string
		alias   string
		admin   bool
		user    bool
		apiPHP  bool
		trusted bool
	}{
		{name: "a publisher's JSON", alias: "pub"},
		{name: "a publisher's api.php link", alias: "pub", apiPHP: true},
		{name: "the admin token", alias: "pub", admin: true, trusted: true},
		{name: "a support user's token", alias: "pub", user: true, trusted: true},
		{name: "a trusted campaign", alias: "partner", trusted: true},
		{name: "a trusted campaign's api.php link", alias: "partner", apiPHP: true, trusted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				crm := newFakeServer(t, respondWith(http.StatusOK, `{"id":5}`))
				id := b.integration(map[string]any{"name": "crm", "enabled": true, "offers": []int{1},
					"new": map[string]any{"enabled": true, "url": crm.URL, "fields": "phone {phone}"}})
				b.campaign(catalog.Campaign{Alias: "pub", Offer: 1, Integration: id, Payout: 12.5})
				b.campaign(catalog.Campaign{Alias: "partner", Offer: 1, Integration: id, Payout: 12.5, Trusted: true})
				vals := url.Values{"alias": {tt.alias}, "phone": {"447123456789"}}
				for k, v := range fields {
					vals.Set(k, v)
				}
				var a answer
				switch {
				case tt.apiPHP:
					vals.Set("action", "receive")
					a = b.do(http.MethodGet, "/api.php?"+vals.Encode(), "", nil, tt.admin)
				default:
					body := map[string]any{}
					for k := range vals {
						body[k] = vals.Get(k)
					}
					if tt.user {
						a = b.as(b.person("sam", user.Support), http.MethodPost, "/api/v1/leads", body)
					} else {
						a = b.sendJSON(http.MethodPost, "/api/v1/leads", body, tt.admin)
					}
				}
				if a.code != http.StatusCreated && a.code != http.StatusOK {
					t.Fatalf("intake: %v", a)
				}
				l := b.lead(int64(a.json(t)["lead_id"].(float64)))
				if tt.trusted {
					want := lead.Lead{Ext: "X-1", Status: lead.Cancel, Reason: lead.ReasonDuplicate, CWM: 999, CWMR: 5, CWMC: "EUR", CPay: 40, CPayR: 41, CPayC: "USD"}
					if diff := cmp.Diff(want, trustedFields(l)); diff != "" {
						t.Errorf("trusted fields (-want +got):\n%s", diff)
					}
					return
				}
				want := lead.Lead{Status: lead.New, CWM: 12.5}
				if diff := cmp.Diff(want, trustedFields(l)); diff != "" {
					t.Errorf("a publisher set (-want +got):\n%s", diff)
				}
				for k, v := range fields {
					if l.Meta[k] != v {
						t.Errorf("meta[%q] = %q, want %q", k, l.Meta[k], v)
					}
				}
				expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "new"}, true), http.StatusOK, "")
				if n := len(crm.requests()); n != 1 {
					t.Errorf("the CRM got %d requests, want the lead sent once", n)
				}
			})
		})
	}
}

// trustedFields is what of l a publisher must not set.
func trustedFields(l *lead.Lead) lead.Lead {
	return lead.Lead{Ext: l.Ext, Status: l.Status, Reason: l.Reason, CWM: l.CWM, CWMR: l.CWMR, CWMC: l.CWMC,
		CPay: l.CPay, CPayR: l.CPayR, CPayC: l.CPayC}
}

// TestCampaignPayoutAndTrustedAreChecked: payout is an amount, trusted a
// boolean.
func TestCampaignPayoutAndTrustedAreChecked(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		for _, tt := range []struct {
			body       string
			status     int
			code, text string
		}{
			{`{"alias":"a","payout":-1}`, http.StatusUnprocessableEntity, "VALIDATION", "payout"},
			{`{"alias":"a","payout":"12.5"}`, http.StatusUnprocessableEntity, "VALIDATION", "payout"},
			{`{"alias":"a","trusted":"yes"}`, http.StatusUnprocessableEntity, "VALIDATION", "trusted"},
		} {
			m := expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/campaigns", tt.body, true), tt.status, tt.code)
			if msg, _ := m["error"].(string); !strings.Contains(msg, tt.text) {
				t.Errorf("%s: error %q does not name %s", tt.body, msg, tt.text)
			}
		}
		got := expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/campaigns", `{"alias":"a","payout":12.5,"trusted":true}`, true), http.StatusCreated, "")
		if got["payout"] != 12.5 || got["trusted"] != true {
			t.Errorf("stored campaign %v", got)
		}
	})
}
