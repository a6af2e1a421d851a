package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

// apiObject is a catalog object as the admin API answers it.
func (b *bundle) apiObject(t *testing.T, kind, id string) map[string]any {
	t.Helper()
	code, obj := b.api("/api/v1/admin/" + kind + "/" + id)
	if code != http.StatusOK {
		t.Fatalf("%s %s: %d %v", kind, id, code, obj)
	}
	return obj
}

// Each kind of the catalog is created from its form with every field
// filled in, and saved from its form unchanged it stays the same.
func TestCatalogFormsRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind string
		form url.Values
		want map[string]any
	}{
		{"offers", url.Values{"id": {"17"}, "name": {"Keto <Slim>"},
			"params.name": {"sr_project", "price", ""}, "params.value": {"1", "49 EUR", ""},
			"geo_params.group": {"gb", "de", ""}, "geo_params.name": {"price", "price", ""}, "geo_params.value": {"39", "45", ""},
			"product_params.group": {"17", ""}, "product_params.name": {"sku", ""}, "product_params.value": {"A-17", ""},
			"duplicates.days": {"30"}, "duplicates.by": {"phone", "email"}},
			map[string]any{"id": 17.0, "name": "Keto <Slim>", "params": map[string]any{"sr_project": "1", "price": "49 EUR"},
				"geo_params":     map[string]any{"gb": map[string]any{"price": "39"}, "de": map[string]any{"price": "45"}},
				"product_params": map[string]any{"17": map[string]any{"sku": "A-17"}},
				"duplicates":     map[string]any{"days": 30.0, "by": []any{"phone", "email"}}}},
		{"campaigns", url.Values{"alias": {"cpa_uk_wl"}, "offer": {"1"}, "wm": {"12"}, "site": {"3"}, "integration": {"7"},
			"key": {"k-123"}, "payout": {"12.5"}, "trusted": {"1"},
			"postback_url":         {"https://tracker.example/pb?clickid={click_id}&status={status}"},
			"postback_statuses":    {"accepted, rejected"},
			"postback_labels.name": {"approve", "cancel", ""}, "postback_labels.value": {"accepted", "rejected", ""}},
			map[string]any{"id": 1.0, "alias": "cpa_uk_wl", "offer": 1.0, "wm": 12.0, "site": 3.0, "integration": 7.0, "key": "k-123",
				"payout": 12.5, "trusted": true, "postback_url": "https://tracker.example/pb?clickid={click_id}&status={status}",
				"postback_statuses": []any{"accepted", "rejected"}, "postback_labels": map[string]any{"approve": "accepted", "cancel": "rejected"}}},
		{"sites", url.Values{"name": {"Landing"}, "url": {"https://land.example/"}, "kind": {"prelanding"},
			"params.name": {"theme"}, "params.value": {"dark"}},
			map[string]any{"id": 1.0, "name": "Landing", "url": "https://land.example/", "kind": "prelanding", "params": map[string]any{"theme": "dark"}}},
		{"goals", url.Values{"name": {"Sale"}, "params.name": {"value", ""}, "params.value": {"10", ""}},
			map[string]any{"id": 1.0, "name": "Sale", "params": map[string]any{"value": "10"}}},
		{"affiliates", url.Values{"id": {"12"}, "name": {"Web Master"}, "email": {"wm@example.com"}},
			map[string]any{"id": 12.0, "name": "Web Master", "email": "wm@example.com"}},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		for _, tt := range tests {
			created := br.submit(home, "/admin/catalog/"+tt.kind, tt.form)
			if created.code != http.StatusOK || !strings.Contains(created.body, `id="catalog-form"`) {
				t.Fatalf("%s: creating = %d:\n%s", tt.kind, created.code, created.body)
			}
			id := fmt.Sprint(tt.want["id"])
			got := b.apiObject(t, tt.kind, id)
			for k, v := range tt.want {
				if diff := cmp.Diff(v, got[k]); diff != "" {
					t.Errorf("%s %s: %s (-want +got):\n%s", tt.kind, id, k, diff)
				}
			}
			edit := br.get("/admin/catalog/" + tt.kind + "/" + id)
			saved := br.post("/admin/catalog/"+tt.kind+"/"+id, edit.formValues(t, "catalog-form"))
			if saved.code != http.StatusOK {
				t.Fatalf("%s %s: saving the form unchanged = %d:\n%s", tt.kind, id, saved.code, saved.body)
			}
			if diff := cmp.Diff(got, b.apiObject(t, tt.kind, id)); diff != "" {
				t.Errorf("%s %s: saved from its form unchanged (-before +after):\n%s", tt.kind, id, diff)
			}
		}
	})
}

// Support reads a campaign's form with its key as ***, and may not save it.
func TestCatalogFormForSupport(t *testing.T) {
	t.Parallel()
	b := setup(t, storagetest.Open(t, "sqlite:"+t.TempDir()+"/lr.db"))
	b.person("ann", user.Admin, password)
	b.person("sam", user.Support, password)
	admin := b.browser()
	home := admin.signIn("ann", password)
	admin.submit(home, "/admin/catalog/campaigns", url.Values{"alias": {"keyed"}, "key": {"k-secret"}})
	support := b.browser()
	shome := support.signIn("sam", password)
	p := support.get("/admin/catalog/campaigns/1")
	contains(t, p, `<fieldset class="plain" disabled>`, `id="f-key" value="***"`)
	if strings.Contains(p.body, "k-secret") || strings.Contains(p.body, `id="save"`) {
		t.Errorf("support sees the key or a save button:\n%s", p.body)
	}
	if p := support.submit(shome, "/admin/catalog/campaigns/1", url.Values{"alias": {"keyed"}, "key": {"***"}}); p.code != http.StatusForbidden {
		t.Errorf("support saving a campaign = %d, want 403", p.code)
	}
}
