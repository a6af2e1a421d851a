package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// syncIntegration is an integration whose sync send posts the phone to a
// fake registration API and returns the "answer" of its JSON reply.
func syncIntegration(url string) map[string]any {
	return map[string]any{
		"name": "registration", "enabled": true, "offers": []int{1},
		"sync": map[string]any{
			"enabled": true, "url": url + "/register", "format": "json", "fields": "phone {phone}",
			"post": "local r = json.decode(result)\nreturn r.answer",
		},
	}
}

// One test per rule of SPEC §3 sync: what the landing page is told and
// where the lead ends up.
func TestSyncSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		reply      string
		want       map[string]any
		wantStatus lead.Status
		wantReason lead.Reason
		wantExt    string
	}{
		{"a URL redirects and leaves the lead new", `{"answer":"https://crm.example/autologin?t=9"}`,
			map[string]any{"result": "redirect", "url": "https://crm.example/autologin?t=9"}, lead.New, 0, ""},
		{"a positive number is the ext", `{"answer":84921}`,
			map[string]any{"result": "accepted", "ext": "84921"}, lead.Processing, 0, "84921"},
		{"id:x is the ext", `{"answer":"id:AB-7"}`,
			map[string]any{"result": "accepted", "ext": "AB-7"}, lead.Processing, 0, "AB-7"},
		{"a negative number cancels with that reason", `{"answer":-7}`,
			map[string]any{"result": "cancelled"}, lead.Cancel, lead.ReasonDuplicate, ""},
		{"other text is shown and deletes the lead", `{"answer":"This phone is registered already"}`,
			map[string]any{"result": "error", "message": "This phone is registered already"}, lead.Deleted, 0, ""},
		{"nil leaves the lead to the classic send", `{"answer":null}`,
			map[string]any{"result": "queued"}, lead.New, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				crm := newFakeServer(t, respondWith(http.StatusOK, tt.reply))
				id := b.integration(syncIntegration(crm.URL))
				b.campaign(catalog.Campaign{Alias: "reg", Offer: 1, Integration: id})
				a := b.sendJSON(http.MethodPost, "/api/v1/leads", map[string]any{"alias": "reg", "phone": "447123456789", "sync": 1}, false)
				m := expect(t, a, http.StatusCreated, "")
				sync, _ := m["sync"].(map[string]any)
				if sync["result"] != tt.want["result"] || sync["url"] != tt.want["url"] || sync["ext"] != tt.want["ext"] {
					t.Errorf("sync = %v, want %v", sync, tt.want)
				}
				if tt.want["message"] != nil && sync["message"] != tt.want["message"] {
					t.Errorf("sync message = %v, want %v", sync["message"], tt.want["message"])
				}
				l := b.lead(int64(m["lead_id"].(float64)))
				if l.Status != tt.wantStatus || l.Reason != tt.wantReason || l.Ext != tt.wantExt {
					t.Errorf("lead: status %s reason %d ext %q; want %s %d %q", l.Status, l.Reason, l.Ext, tt.wantStatus, tt.wantReason, tt.wantExt)
				}
				bodies := crm.bodies()
				if len(bodies) != 1 || !strings.Contains(bodies[0], `"phone":"447123456789"`) {
					t.Errorf("the registration API got %q", bodies)
				}
			})
		})
	}
}

func TestSyncWithoutSyncModeIsQueued(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "plain", Offer: 1})
		m := expect(t, b.do(http.MethodGet, "/api.php?action=receive&alias=plain&phone=1&sync=1", "", nil, false), http.StatusOK, "")
		if sync, _ := m["sync"].(map[string]any); sync["result"] != "queued" {
			t.Errorf("sync = %v", m["sync"])
		}
		if _, ok := m["token"]; ok {
			t.Errorf("api.php answers only status and lead_id (and sync): %v", m)
		}
	})
}
