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
	"github.com/leadrelay/leadrelay/storage/lead"
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

// TestStatusBurst changes 400 leads at once, half by status update and half
// by webhook, and names a lead that does not exist in one call of fifty:
// each change is written once with its log row, and each call for a
// missing lead is refused alone.
func TestStatusBurst(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b, integ := statusBundle(t, s)
		b.sendJSON(http.MethodPut, "/api/v1/admin/integrations/"+idText(float64(integ)), map[string]any{"name": "sr", "enabled": true, "offers": []int{1},
			"status_map": statusMap, "hook": "local b = json.decode(result)\nreturn {lead_id = b.id, status = b.status}"}, true)
		const n = 400
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = b.intake(map[string]any{"alias": "cpa_uk", "phone": fmt.Sprint(i)})
		}
		missing := func(i int) bool { return i%50 == 7 }
		answers := make([]answer, n)
		var wg sync.WaitGroup
		for i := range n {
			id := ids[i]
			if missing(i) {
				id = 1_000_000 + int64(i)
			}
			wg.Go(func() {
				if i%2 == 0 {
					answers[i] = b.sendJSON(http.MethodPost, "/api/v1/status", map[string]any{"alias": "status_change_uk", "key": "adv-key",
						"lead_id": id, "order_status": "accepted", "comment": fmt.Sprintf("burst %d", i)}, false)
				} else {
					answers[i] = b.sendJSON(http.MethodPost, "/api/v1/hooks/"+idText(float64(integ)), map[string]any{"id": id, "status": "rejected"}, false)
				}
			})
		}
		wg.Wait()
		rows, err := s.ListLog(context.Background(), storage.LogFilter{Outcome: "SUCCESS", Limit: 3 * n})
		if err != nil {
			t.Fatal(err)
		}
		changed := map[int64]int{}
		for _, r := range rows {
			if r.Mode == "status" {
				changed[r.LeadID]++
			}
		}
		for i, a := range answers {
			l := b.lead(ids[i])
			if missing(i) {
				if a.code != http.StatusNotFound || l.Status != lead.New || changed[ids[i]] != 0 {
					t.Errorf("call %d for a missing lead: %s; its neighbour lead %d is %s with %d changes", i, a, ids[i], l.Status, changed[ids[i]])
				}
				continue
			}
			want, comment := lead.Packaging, fmt.Sprintf("burst %d", i)
			if i%2 == 1 {
				want, comment = lead.Cancel, ""
			}
			if a.code != http.StatusOK || l.Status != want || l.Comment != comment || changed[ids[i]] != 1 {
				t.Errorf("call %d: %s; lead %d is %s, comment %q, %d change rows; want %s, %q, 1", i, a, ids[i], l.Status, l.Comment, changed[ids[i]], want, comment)
			}
		}
	})
}
