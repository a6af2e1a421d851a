package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestTakeCapSlotsEdges: one call at a time, what each call takes and
// what the periods count after it.
func TestTakeCapSlotsEdges(t *testing.T) {
	t.Parallel()
	day := storage.CapPeriod{Key: "d2026-03-01", Limit: 5}
	hour := storage.CapPeriod{Key: "h2026-03-01T10", Limit: 2}
	closed := storage.CapPeriod{Key: "d2026-03-02", Limit: 0}
	type step struct {
		take    bool // else give back
		periods []storage.CapPeriod
		n       int
		want    int // what a take took
	}
	tests := []struct {
		name  string
		steps []step
		used  map[string]int
	}{
		{"no periods: uncapped", []step{{true, nil, 7, 7}}, map[string]int{}},
		{"nothing wanted", []step{{true, []storage.CapPeriod{day}, 0, 0}}, map[string]int{}},
		{"a cap of 0", []step{{true, []storage.CapPeriod{closed}, 3, 0}}, map[string]int{closed.Key: 0}},
		{"up to the cap", []step{{true, []storage.CapPeriod{day}, 3, 3}, {true, []storage.CapPeriod{day}, 3, 2}, {true, []storage.CapPeriod{day}, 1, 0}},
			map[string]int{day.Key: 5}},
		{"the fewest left of all periods", []step{{true, []storage.CapPeriod{day, hour}, 4, 2}}, map[string]int{day.Key: 2, hour.Key: 2}},
		{"given back", []step{{true, []storage.CapPeriod{day, hour}, 2, 2}, {false, []storage.CapPeriod{day, hour}, 1, 0},
			{true, []storage.CapPeriod{day, hour}, 2, 1}}, map[string]int{day.Key: 2, hour.Key: 2}},
		{"never below 0", []step{{true, []storage.CapPeriod{day}, 1, 1}, {false, []storage.CapPeriod{day}, 5, 0}}, map[string]int{day.Key: 0}},
		{"giving back nothing", []step{{true, []storage.CapPeriod{day}, 2, 2}, {false, []storage.CapPeriod{day}, 0, 0},
			{false, []storage.CapPeriod{day}, -3, 0}}, map[string]int{day.Key: 2}},
		{"giving back to a period never taken", []step{{false, []storage.CapPeriod{hour}, 1, 0}}, map[string]int{}},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for i, tt := range tests {
			integration := int64(i + 1)
			for j, st := range tt.steps {
				if !st.take {
					if err := s.GiveBackCapSlots(ctx, integration, st.periods, st.n); err != nil {
						t.Fatalf("%s, step %d: %v", tt.name, j, err)
					}
					continue
				}
				took, err := s.TakeCapSlots(ctx, integration, st.periods, st.n)
				if err != nil {
					t.Fatalf("%s, step %d: %v", tt.name, j, err)
				}
				if took != st.want {
					t.Errorf("%s, step %d: took %d, want %d", tt.name, j, took, st.want)
				}
			}
			used, err := s.CapUsed(ctx, integration, []storage.CapPeriod{day, hour, closed})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.used, used); diff != "" {
				t.Errorf("%s: used (-want +got):\n%s", tt.name, diff)
			}
		}
		if used, err := s.CapUsed(ctx, 1, nil); err != nil || len(used) != 0 {
			t.Errorf("CapUsed of no periods = %v, %v", used, err)
		}
	})
}

// TestMovableNewLeadsPages: an integration's new leads that may still
// move, lowest id first, paged by after and limit.
func TestMovableNewLeadsPages(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Now()
		due := now.Add(-time.Minute).UnixMilli()
		ids := addLeads(t, s,
			&lead.Lead{IntegrationID: 1, NextAt: due},
			&lead.Lead{IntegrationID: 2, NextAt: due},
			&lead.Lead{IntegrationID: 1, NextAt: due, Failed: true},
			&lead.Lead{IntegrationID: 1, NextAt: due, Status: lead.Cancel},
			&lead.Lead{IntegrationID: 1, NextAt: due},
			&lead.Lead{IntegrationID: 1, NextAt: due},
			&lead.Lead{IntegrationID: 1, NextAt: due},
		)
		// A log row of another mode leaves a lead movable; one of new does not.
		if err := s.AppendLog(ctx,
			&storage.LogEntry{LeadID: ids[5], IntegrationID: 1, Mode: "intake", Outcome: "SUCCESS"},
			&storage.LogEntry{LeadID: ids[6], IntegrationID: 1, Mode: "new", Outcome: "HTTP_FAIL"},
		); err != nil {
			t.Fatal(err)
		}
		movable := []int64{ids[0], ids[4], ids[5]}
		tests := []struct {
			after int64
			limit int
			want  []int64
		}{
			{0, 10, movable},
			{0, 2, movable[:2]},
			{ids[0], 1, movable[1:2]},
			{ids[4], 10, movable[2:]},
			{ids[5], 10, []int64{}},
		}
		for _, tt := range tests {
			got, err := s.MovableNewLeads(ctx, 1, now.UnixMilli(), tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, leadIDs(got)); diff != "" {
				t.Errorf("after %d limit %d (-want +got):\n%s", tt.after, tt.limit, diff)
			}
		}
		if got, err := s.MovableNewLeads(ctx, 1, due-1, 0, 10); err != nil || len(got) != 0 {
			t.Errorf("before they are due = %v, %v; want none", leadIDs(got), err)
		}
	})
}
