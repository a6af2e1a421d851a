package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// addLeads stores leads one by one and returns their ids in order.
func addLeads(t *testing.T, s *storage.Store, leads ...*lead.Lead) []int64 {
	t.Helper()
	ids := make([]int64, len(leads))
	for i, l := range leads {
		if err := s.CreateLeadWith(context.Background(), l, nil, nil); err != nil {
			t.Fatal(err)
		}
		ids[i] = l.ID
	}
	return ids
}

func leadIDs(leads []lead.Lead) []int64 {
	ids := []int64{}
	for _, l := range leads {
		ids = append(ids, l.ID)
	}
	return ids
}

func TestLeadByExt(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ids := addLeads(t, s,
			&lead.Lead{IntegrationID: 1, Ext: "A-1"},
			&lead.Lead{IntegrationID: 2, Ext: "A-1"},
			&lead.Lead{IntegrationID: 1, Ext: "B-2"},
			&lead.Lead{IntegrationID: 3, Ext: ""},
		)
		tests := []struct {
			name        string
			integration int64
			ext         string
			want        int64 // 0: not found
		}{
			{"at its integration", 1, "A-1", ids[0]},
			{"the same ext at another integration", 2, "A-1", ids[1]},
			{"any integration: the newest", 0, "A-1", ids[1]},
			{"another ext", 1, "B-2", ids[2]},
			{"an ext the integration does not know", 2, "B-2", 0},
			{"an unknown ext", 0, "C-3", 0},
			{"the ext is matched whole", 1, "A-", 0},
		}
		for _, tt := range tests {
			got, err := s.LeadByExt(ctx, tt.integration, tt.ext)
			if tt.want == 0 {
				if !errors.Is(err, storage.ErrNotFound) || got != nil {
					t.Errorf("%s: %v, %v; want ErrNotFound", tt.name, got, err)
				}
				continue
			}
			if err != nil || got.ID != tt.want {
				t.Errorf("%s: %v, %v; want lead %d", tt.name, got, err, tt.want)
			}
		}
	})
}

func TestLeadsByID(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ids := addLeads(t, s, &lead.Lead{Name: "a"}, &lead.Lead{Name: "b"}, &lead.Lead{Name: "c"})
		tests := []struct {
			name string
			ask  []int64
			want map[int64]string
		}{
			{"none asked", nil, map[int64]string{}},
			{"some", []int64{ids[0], ids[2]}, map[int64]string{ids[0]: "a", ids[2]: "c"}},
			{"a missing id is absent", []int64{ids[1], 999}, map[int64]string{ids[1]: "b"}},
			{"an id asked twice", []int64{ids[1], ids[1]}, map[int64]string{ids[1]: "b"}},
		}
		for _, tt := range tests {
			got, err := s.LeadsByID(ctx, tt.ask)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			names := map[int64]string{}
			for id, l := range got {
				if l.ID != id {
					t.Errorf("%s: lead %d is keyed %d", tt.name, l.ID, id)
				}
				names[id] = l.Name
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

// TestUnroutedNewLeads: new, not failed leads with no integration, lowest
// id first, paged by after and limit.
func TestUnroutedNewLeads(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if got, err := s.UnroutedNewLeads(ctx, 0, 10); err != nil || len(got) != 0 {
			t.Fatalf("of no leads = %v, %v", got, err)
		}
		ids := addLeads(t, s,
			&lead.Lead{},
			&lead.Lead{IntegrationID: 4},
			&lead.Lead{},
			&lead.Lead{Failed: true},
			&lead.Lead{Status: lead.Cancel, Reason: 3},
			&lead.Lead{},
			&lead.Lead{NextAt: time.Now().Add(time.Hour).UnixMilli()},
		)
		unrouted := []int64{ids[0], ids[2], ids[5], ids[6]}
		tests := []struct {
			after int64
			limit int
			want  []int64
		}{
			{0, 10, unrouted},
			{0, 2, unrouted[:2]},
			{ids[2], 2, unrouted[2:4]},
			{ids[5], 10, unrouted[3:]},
			{ids[6], 10, []int64{}},
		}
		for _, tt := range tests {
			got, err := s.UnroutedNewLeads(ctx, tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, leadIDs(got)); diff != "" {
				t.Errorf("after %d limit %d (-want +got):\n%s", tt.after, tt.limit, diff)
			}
		}
	})
}

func TestUpdateLead(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ids := addLeads(t, s, &lead.Lead{Name: "Ann", City: "York", Comment: "keep"}, &lead.Lead{Name: "Bob"})
		if err := s.UpdateLead(ctx, ids[0], map[string]any{"city": "Leeds", "status": lead.Cancel, "reason": lead.ReasonDuplicate}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetLead(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if got.City != "Leeds" || got.Status != lead.Cancel || got.Reason != lead.ReasonDuplicate || got.Name != "Ann" || got.Comment != "keep" {
			t.Errorf("updated lead: city %q status %v reason %v name %q comment %q", got.City, got.Status, got.Reason, got.Name, got.Comment)
		}
		if other, err := s.GetLead(ctx, ids[1]); err != nil || other.Name != "Bob" || other.Status != lead.New {
			t.Errorf("the other lead: %+v, %v", other, err)
		}
		// A write that leaves the row as it was still finds the lead.
		if err := s.UpdateLead(ctx, ids[0], map[string]any{"city": "Leeds"}); err != nil {
			t.Errorf("writing the same value again: %v", err)
		}
		err = s.UpdateLead(ctx, 999, map[string]any{"city": "Leeds"})
		if !errors.Is(err, storage.ErrNotFound) || err.Error() != "lead 999 does not exist" {
			t.Errorf("updating a missing lead: %v, want ErrNotFound naming lead 999", err)
		}
	})
}

func TestCountLeadsByStatus(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if got, err := s.CountLeadsByStatus(ctx); err != nil || len(got) != 0 {
			t.Fatalf("of no leads = %v, %v", got, err)
		}
		addLeads(t, s, &lead.Lead{}, &lead.Lead{Status: lead.Processing}, &lead.Lead{Status: lead.Processing},
			&lead.Lead{Status: lead.Paid}, &lead.Lead{Failed: true})
		got, err := s.CountLeadsByStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[lead.Status]int64{lead.New: 2, lead.Processing: 2, lead.Paid: 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
	})
}

// TestListLeadsFilters: each filter of LeadFilter alone, and the limits.
func TestListLeadsFilters(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		ids := addLeads(t, s,
			&lead.Lead{CreatedAt: day.Add(-time.Hour), IntegrationID: 1},
			&lead.Lead{CreatedAt: day, IntegrationID: 1, Failed: true},
			&lead.Lead{CreatedAt: day.Add(time.Hour), IntegrationID: 2, Uncertain: true},
			&lead.Lead{CreatedAt: day.Add(24 * time.Hour), IntegrationID: 2, Status: lead.Cancel, Reason: 3},
		)
		yes, no := true, false
		tests := []struct {
			name string
			f    storage.LeadFilter
			want []int64
		}{
			{"no filter: newest first", storage.LeadFilter{}, []int64{ids[3], ids[2], ids[1], ids[0]}},
			{"failed", storage.LeadFilter{Failed: &yes}, []int64{ids[1]}},
			{"not failed", storage.LeadFilter{Failed: &no}, []int64{ids[3], ids[2], ids[0]}},
			{"uncertain", storage.LeadFilter{Uncertain: &yes}, []int64{ids[2]}},
			{"not uncertain", storage.LeadFilter{Uncertain: &no}, []int64{ids[3], ids[1], ids[0]}},
			{"since: at or after", storage.LeadFilter{Since: day}, []int64{ids[3], ids[2], ids[1]}},
			{"until: before", storage.LeadFilter{Until: day.Add(time.Hour)}, []int64{ids[1], ids[0]}},
			{"since and until", storage.LeadFilter{Since: day, Until: day.Add(24 * time.Hour)}, []int64{ids[2], ids[1]}},
			{"since in another zone", storage.LeadFilter{Since: day.In(time.FixedZone("x", 3*3600))}, []int64{ids[3], ids[2], ids[1]}},
			{"ids", storage.LeadFilter{IDs: []int64{ids[0], ids[3], 999}}, []int64{ids[3], ids[0]}},
			{"reason", storage.LeadFilter{Reason: 3}, []int64{ids[3]}},
			{"status", storage.LeadFilter{Status: lead.New, Integration: 2}, []int64{ids[2]}},
			{"after the last", storage.LeadFilter{After: ids[0]}, []int64{}},
			{"limit", storage.LeadFilter{Limit: 1}, []int64{ids[3]}},
		}
		for _, tt := range tests {
			got, err := s.ListLeads(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if diff := cmp.Diff(tt.want, leadIDs(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

// TestListLeadsLimits: no limit lists 100, and no limit lists more than
// 1000.
func TestListLeadsLimits(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.CreateLeads(ctx, make([]lead.Lead, 1001)); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ limit, want int }{{0, 100}, {-1, 100}, {1000, 1000}, {5000, 1000}} {
			got, err := s.ListLeads(ctx, storage.LeadFilter{Limit: tt.limit})
			if err != nil || len(got) != tt.want {
				t.Errorf("limit %d: %d leads, %v; want %d", tt.limit, len(got), err, tt.want)
			}
		}
	})
}

// TestCreateLeads: leads with no status are new, leads with no NextAt are
// due at once, and what the caller set is kept.
func TestCreateLeads(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.CreateLeads(ctx, nil); err != nil {
			t.Errorf("no leads: %v", err)
		}
		before := time.Now().UnixMilli()
		later := before + 3_600_000
		if err := s.CreateLeads(ctx, []lead.Lead{
			{Name: "plain"},
			{Name: "cancelled", Status: lead.Cancel, Reason: 6, NextAt: later},
		}); err != nil {
			t.Fatal(err)
		}
		after := time.Now().UnixMilli()
		got, err := s.ListLeads(ctx, storage.LeadFilter{})
		if err != nil || len(got) != 2 {
			t.Fatalf("stored %v, %v; want 2 leads", got, err)
		}
		plain, cancelled := got[1], got[0]
		if plain.Name != "plain" || plain.Status != lead.New || plain.NextAt < before || plain.NextAt > after {
			t.Errorf("plain lead: %q status %v next_at %d, want new and due between %d and %d", plain.Name, plain.Status, plain.NextAt, before, after)
		}
		if cancelled.Name != "cancelled" || cancelled.Status != lead.Cancel || cancelled.Reason != 6 || cancelled.NextAt != later {
			t.Errorf("cancelled lead: %q status %v reason %v next_at %d", cancelled.Name, cancelled.Status, cancelled.Reason, cancelled.NextAt)
		}
	})
}
