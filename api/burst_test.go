package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestIntakeBurst posts 1,000 leads at once, as JSON and as forms, one in a
// hundred with a name too long for its column: each good lead is stored
// once with its arrival's log row, and each bad one is refused alone.
func TestIntakeBurst(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "burst", Offer: 1})
		const n = 1000
		answers := make([]answer, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i] = b.postBurstLead(i) })
		}
		wg.Wait()
		leads, err := s.ListLeads(context.Background(), storage.LeadFilter{Limit: 2 * n})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.ListLog(context.Background(), storage.LogFilter{Limit: 2 * n})
		if err != nil {
			t.Fatal(err)
		}
		names := map[int64][]string{}
		for _, l := range leads {
			names[l.ID] = append(names[l.ID], l.Name)
		}
		arrivals := map[int64]int{}
		for _, r := range rows {
			if r.Mode == "intake" && r.LeadID != 0 {
				arrivals[r.LeadID]++
			}
		}
		good := 0
		for i, a := range answers {
			if burstLeadIsBad(i) {
				if a.code != http.StatusUnprocessableEntity && a.code != http.StatusBadRequest {
					t.Errorf("bad lead %d: %s, want a 4xx", i, a)
				}
				continue
			}
			good++
			if a.code != http.StatusCreated {
				t.Errorf("lead %d: %s", i, a)
				continue
			}
			var m struct {
				LeadID int64 `json:"lead_id"`
			}
			if err := json.Unmarshal(a.body, &m); err != nil {
				t.Fatal(err)
			}
			if got := names[m.LeadID]; len(got) != 1 || got[0] != burstName(i) {
				t.Errorf("lead %d stored as %q, want %q once", m.LeadID, got, burstName(i))
			}
			if arrivals[m.LeadID] != 1 {
				t.Errorf("lead %d has %d arrival log rows, want 1", m.LeadID, arrivals[m.LeadID])
			}
		}
		if len(leads) != good || len(arrivals) != good {
			t.Errorf("%d leads and %d with an arrival stored, want %d", len(leads), len(arrivals), good)
		}
	})
}

func burstLeadIsBad(i int) bool { return i%100 == 42 }

func burstName(i int) string {
	if burstLeadIsBad(i) {
		return strings.Repeat("n", 256)
	}
	return fmt.Sprintf("Burst %d", i)
}

// postBurstLead posts lead i, as JSON when i is even and as a form when odd.
func (b *bundle) postBurstLead(i int) answer {
	vals := url.Values{"alias": {"burst"}, "name": {burstName(i)}, "phone": {fmt.Sprintf("+44 7700 9%05d", i)}}
	if i%2 == 1 {
		return b.do(http.MethodPost, "/api/v1/leads", "application/x-www-form-urlencoded", strings.NewReader(vals.Encode()), false)
	}
	body, _ := json.Marshal(map[string]string{"alias": "burst", "name": vals.Get("name"), "phone": vals.Get("phone")})
	return b.do(http.MethodPost, "/api/v1/leads", "application/json", strings.NewReader(string(body)), false)
}
