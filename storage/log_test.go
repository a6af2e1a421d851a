package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestAppendLog: rows keep every field, a row with no time is stamped now,
// and no rows is no error.
func TestAppendLog(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.AppendLog(ctx); err != nil {
			t.Errorf("no rows: %v", err)
		}
		at := time.Date(2026, 3, 1, 10, 0, 0, 123_000_000, time.UTC)
		full := &storage.LogEntry{Time: at, LeadID: 3, IntegrationID: 7, Mode: "new", Attempt: 2, Outcome: "HTTP_FAIL",
			Request: `{"method":"POST"}`, Response: `{"code":0}`, DurationMS: 30000, Return: "nil", Message: "timeout",
			ScriptLog: `["a"]`, By: "ann", Uncertain: true}
		stamped := &storage.LogEntry{LeadID: 3, Mode: "status", Outcome: "SUCCESS"}
		before := time.Now().UTC().Add(-time.Second)
		if err := s.AppendLog(ctx, full, stamped); err != nil {
			t.Fatal(err)
		}
		after := time.Now().UTC().Add(time.Second)
		got, err := s.ListLog(ctx, storage.LogFilter{LeadID: 3})
		if err != nil || len(got) != 2 {
			t.Fatalf("ListLog = %+v, %v; want two rows", got, err)
		}
		want := *full
		want.ID = got[0].ID
		if diff := cmp.Diff(want, got[0]); diff != "" {
			t.Errorf("the full row (-want +got):\n%s", diff)
		}
		// MySQL keeps milliseconds.
		if stored := got[1].Time; stored.Before(before) || stored.After(after) || stored.Sub(stamped.Time).Abs() >= time.Millisecond {
			t.Errorf("the stamped row's time %v, the caller's %v; want between %v and %v", stored, stamped.Time, before, after)
		}
	})
}

// TestListLogFiltersAndPages: by lead, integration and outcome, oldest
// first paged upwards by After, newest first paged downwards.
func TestListLogFiltersAndPages(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		rows := []*storage.LogEntry{
			{LeadID: 1, IntegrationID: 7, Outcome: "SUCCESS"},
			{LeadID: 1, IntegrationID: 7, Outcome: "ERROR"},
			{LeadID: 2, IntegrationID: 8, Outcome: "SUCCESS"},
			{LeadID: 2, IntegrationID: 7, Outcome: "SUCCESS"},
			{LeadID: 3, IntegrationID: 8, Outcome: "HTTP_FAIL"},
		}
		if err := s.AppendLog(ctx, rows...); err != nil {
			t.Fatal(err)
		}
		all, err := s.ListLog(ctx, storage.LogFilter{})
		if err != nil || len(all) != len(rows) {
			t.Fatalf("ListLog = %d rows, %v", len(all), err)
		}
		id := func(i int) int64 { return all[i].ID }
		tests := []struct {
			name string
			f    storage.LogFilter
			want []int64
		}{
			{"all, oldest first", storage.LogFilter{}, []int64{id(0), id(1), id(2), id(3), id(4)}},
			{"newest first", storage.LogFilter{NewestFirst: true}, []int64{id(4), id(3), id(2), id(1), id(0)}},
			{"lead", storage.LogFilter{LeadID: 2}, []int64{id(2), id(3)}},
			{"integration", storage.LogFilter{Integration: 7}, []int64{id(0), id(1), id(3)}},
			{"outcome", storage.LogFilter{Outcome: "SUCCESS"}, []int64{id(0), id(2), id(3)}},
			{"all three", storage.LogFilter{LeadID: 2, Integration: 7, Outcome: "SUCCESS"}, []int64{id(3)}},
			{"after, upwards", storage.LogFilter{After: id(1), Limit: 2}, []int64{id(2), id(3)}},
			{"after the last", storage.LogFilter{After: id(4)}, []int64{}},
			{"after, downwards", storage.LogFilter{After: id(3), Limit: 2, NewestFirst: true}, []int64{id(2), id(1)}},
			{"after the first, downwards", storage.LogFilter{After: id(0), NewestFirst: true}, []int64{}},
			{"limit", storage.LogFilter{Limit: 1, NewestFirst: true}, []int64{id(4)}},
			{"an outcome nobody has", storage.LogFilter{Outcome: "PAUSED"}, []int64{}},
		}
		for _, tt := range tests {
			got, err := s.ListLog(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

// TestListLogLimits: no limit lists 100, and no limit lists more than 1000.
func TestListLogLimits(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		rows := make([]*storage.LogEntry, 1001)
		for i := range rows {
			rows[i] = &storage.LogEntry{LeadID: int64(i)}
		}
		if err := s.AppendLog(ctx, rows...); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ limit, want int }{{0, 100}, {-5, 100}, {1000, 1000}, {1001, 1000}} {
			got, err := s.ListLog(ctx, storage.LogFilter{Limit: tt.limit})
			if err != nil || len(got) != tt.want {
				t.Errorf("limit %d: %d rows, %v; want %d", tt.limit, len(got), err, tt.want)
			}
		}
	})
}

// TestPurgeLogKeepsTheBoundary: rows older than the time go, a row at it
// stays.
func TestPurgeLogKeepsTheBoundary(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		cut := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		if n, err := s.PurgeLog(ctx, cut); err != nil || n != 0 {
			t.Fatalf("purging an empty log = %d, %v", n, err)
		}
		for _, at := range []time.Time{cut.Add(-time.Millisecond), cut, cut.Add(time.Millisecond)} {
			if err := s.AppendLog(ctx, &storage.LogEntry{Time: at, Message: at.String()}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.PurgeLog(ctx, cut.In(time.FixedZone("east", 5*3600))); err != nil || n != 1 {
			t.Errorf("PurgeLog = %d, %v; want 1", n, err)
		}
		left, err := s.ListLog(ctx, storage.LogFilter{})
		if err != nil || len(left) != 2 || !left[0].Time.Equal(cut) {
			t.Errorf("left = %+v, %v; want the rows at and after %v", left, err, cut)
		}
	})
}
