package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// duplicateOffer stores offer 1, which refuses a repeat of phone or email
// within 30 days, and a campaign "dup" for it.
func duplicateOffer(t *testing.T, s *storage.Store) {
	t.Helper()
	ctx := context.Background()
	offer := &catalog.Offer{ID: 1, Name: "o", Duplicates: &catalog.Duplicates{Days: 30, By: []string{"phone", "email"}}}
	if err := storage.PutObject(ctx, s, offer); err != nil {
		t.Fatal(err)
	}
	if err := storage.PutObject(ctx, s, &catalog.Campaign{Alias: "dup", Offer: 1}); err != nil {
		t.Fatal(err)
	}
}

// 20 leads of one phone, written differently, posted at once through two
// servers on one database: exactly one is not a duplicate, and every other
// answers 201 naming it and is stored cancel/7.
func TestIntakeDuplicatesAcrossServers(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			dsn := b.DSN(t)
			stores := storagetest.Processes(t, dsn, 2)
			servers := []*bundle{setup(t, stores[0]), setup(t, stores[1])}
			duplicateOffer(t, servers[0].store)
			phones := []string{"+44 7123 456789", "07123456789", "447123456789", "(0)7123-456-789"}
			const n = 20
			answers := make([]answer, n)
			var wg sync.WaitGroup
			for i := range n {
				body := fmt.Sprintf(`{"alias":"dup","name":"n%d","phone":%q,"country":"gb"}`, i, phones[i%len(phones)])
				wg.Go(func() {
					answers[i] = servers[i%2].do(http.MethodPost, "/api/v1/leads", "application/json", strings.NewReader(body), false)
				})
			}
			wg.Wait()
			var winner int64
			dupOf := map[int64]int64{}
			for _, a := range answers {
				m := expect(t, a, http.StatusCreated, "")
				id := int64(m["lead_id"].(float64))
				of, _ := m["duplicate_of"].(float64)
				if of == 0 {
					if winner != 0 {
						t.Fatalf("leads %d and %d are both not duplicates", winner, id)
					}
					winner = id
				}
				dupOf[id] = int64(of)
			}
			if winner == 0 {
				t.Fatal("every lead is a duplicate")
			}
			for id, of := range dupOf {
				l := servers[0].lead(id)
				if id == winner {
					if l.Status != lead.New {
						t.Errorf("lead %d: status %v, want new", id, l.Status)
					}
					continue
				}
				if of != winner || l.Status != lead.Cancel || l.Reason != lead.ReasonDuplicate {
					t.Errorf("lead %d: duplicate_of %d, %v/%d; want %d, cancel/7", id, of, l.Status, l.Reason, winner)
				}
			}
		})
	}
}

// Each rule of a lead against an earlier one of offer 1.
func TestIntakeDuplicateRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		first, second string
		wantDuplicate bool
	}{
		{"the same phone written otherwise", `"phone":"+44 7123 456789","country":"gb"`, `"phone":"07123 456789","country":"gb"`, true},
		{"another phone", `"phone":"+44 7123 456781","country":"gb"`, `"phone":"+44 7123 456782","country":"gb"`, false},
		{"the same email in other case", `"email":"Ann@Example.com"`, `"email":"ann@example.COM"`, true},
		{"the same ip, not compared", `"ip":"10.0.0.1"`, `"ip":"10.0.0.1"`, false},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		duplicateOffer(t, s)
		for i, tt := range tests {
			first := expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", fmt.Sprintf(`{"alias":"dup","name":"a%d",%s}`, i, tt.first), false), http.StatusCreated, "")
			second := expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", fmt.Sprintf(`{"alias":"dup","name":"b%d",%s}`, i, tt.second), false), http.StatusCreated, "")
			if first["duplicate_of"] != nil {
				t.Fatalf("%s: the first lead is a duplicate: %v", tt.name, first)
			}
			got, _ := second["duplicate_of"].(float64)
			want := 0.0
			if tt.wantDuplicate {
				want = first["lead_id"].(float64)
			}
			if got != want {
				t.Errorf("%s: duplicate_of %v, want %v", tt.name, got, want)
			}
		}
	})
}

// A sync send of a duplicate is cancelled and sends nothing.
func TestIntakeDuplicateSync(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newFakeServer(t, respondWith(http.StatusOK, `{"id":5}`))
		integ := b.integration(map[string]any{"name": "crm", "enabled": true, "offers": []int{1},
			"sync": map[string]any{"enabled": true, "url": target.URL, "format": "json", "fields": "phone {phone}"}})
		duplicateOffer(t, s)
		if err := storage.PutObject(context.Background(), s, &catalog.Campaign{Alias: "dupsync", Offer: 1, Integration: integ}); err != nil {
			t.Fatal(err)
		}
		body := `{"alias":"dupsync","phone":"+44 7123 456789","country":"gb"}`
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads?sync=1", body, false), http.StatusCreated, "")
		m := expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads?sync=1", body, false), http.StatusCreated, "")
		sync, _ := m["sync"].(map[string]any)
		if m["duplicate_of"] == nil || sync["result"] != "cancelled" {
			t.Errorf("answer %v, want a duplicate_of and a cancelled sync", m)
		}
		if got := len(target.requests()); got != 1 {
			t.Errorf("%d sync requests, want 1", got)
		}
	})
}

// An offer's duplicates are refused with 422 naming the key when wrong.
func TestOfferDuplicatesValidation(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		for _, tt := range []struct{ body, want string }{
			{`{"name":"o","duplicates":{"days":0,"by":["phone"]}}`, "duplicates.days"},
			{`{"name":"o","duplicates":{"days":-3,"by":["phone"]}}`, "duplicates.days"},
			{`{"name":"o","duplicates":{"days":30,"by":[]}}`, "duplicates.by"},
			{`{"name":"o","duplicates":{"days":30,"by":["name"]}}`, "duplicates.by"},
		} {
			m := expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/offers", tt.body, true), http.StatusUnprocessableEntity, "VALIDATION")
			if msg, _ := m["error"].(string); len(msg) < len(tt.want) || msg[:len(tt.want)] != tt.want {
				t.Errorf("%s: error %q does not name %s", tt.body, msg, tt.want)
			}
		}
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/offers", `{"name":"o","duplicates":{"days":30,"by":["phone","email","ip"]}}`, true), http.StatusCreated, "")
	})
}
