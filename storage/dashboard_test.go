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

// TestCountWaitingAndFailed: per integration, the new leads that have not
// failed and the leads that failed, in any status.
func TestCountWaitingAndFailed(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if got, err := s.CountWaitingAndFailed(ctx); err != nil || len(got) != 0 {
			t.Fatalf("of no leads = %v, %v", got, err)
		}
		addLeads(t, s,
			&lead.Lead{IntegrationID: 7},
			&lead.Lead{IntegrationID: 7, NextAt: time.Now().Add(time.Hour).UnixMilli()},
			&lead.Lead{IntegrationID: 7, Failed: true},
			&lead.Lead{IntegrationID: 7, Failed: true, Status: lead.Processing},
			&lead.Lead{IntegrationID: 7, Status: lead.Processing},
			&lead.Lead{IntegrationID: 3, Status: lead.Cancel, Reason: 3},
			&lead.Lead{IntegrationID: 3, Failed: true},
			&lead.Lead{},
		)
		got, err := s.CountWaitingAndFailed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []storage.LeadCount{{Integration: 0, Waiting: 1}, {Integration: 3, Failed: 1}, {Integration: 7, Waiting: 2, Failed: 2}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
	})
}

// TestLastErrorsPerMode: the newest error of each integration's mode
// since the time, of the outcomes asked for.
func TestLastErrorsPerMode(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		at := func(min int) time.Time { return since.Add(time.Duration(min) * time.Minute) }
		if err := s.AppendLog(ctx,
			&storage.LogEntry{Time: at(-1), IntegrationID: 2, Mode: "new", Outcome: "ERROR", Message: "too old"},
			&storage.LogEntry{Time: at(1), IntegrationID: 7, Mode: "new", Outcome: "ERROR", Message: "older"},
			&storage.LogEntry{Time: at(2), IntegrationID: 7, Mode: "new", Outcome: "HTTP_FAIL", Message: "newest new"},
			&storage.LogEntry{Time: at(3), IntegrationID: 7, Mode: "new", Outcome: "SUCCESS", Message: "not an error"},
			&storage.LogEntry{Time: at(1), IntegrationID: 7, Mode: "postback", Outcome: "NO_ID", Message: "postback"},
			&storage.LogEntry{Time: at(1), IntegrationID: 3, Mode: "new", Outcome: "ERROR", Message: "other integration"},
		); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name     string
			outcomes []string
			want     []string
		}{
			{"errors", []string{"ERROR", "HTTP_FAIL", "NO_ID"}, []string{"other integration", "newest new", "postback"}},
			{"one outcome", []string{"ERROR"}, []string{"other integration", "older"}},
			{"none asked", nil, nil},
		}
		for _, tt := range tests {
			rows, err := s.LastErrors(ctx, since, tt.outcomes)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Message)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

// TestCountAttemptsByModes: only the modes asked for, since the time.
func TestCountAttemptsByModes(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		if err := s.AppendLog(ctx,
			&storage.LogEntry{Time: since, IntegrationID: 7, Mode: "new", Outcome: "SUCCESS"},
			&storage.LogEntry{Time: since.Add(-time.Millisecond), IntegrationID: 7, Mode: "new", Outcome: "SUCCESS"},
			&storage.LogEntry{Time: since, IntegrationID: 7, Mode: "postback", Outcome: "SUCCESS"},
			&storage.LogEntry{Time: since, IntegrationID: 2, Mode: "postback", Outcome: "ERROR"},
			&storage.LogEntry{Time: since, IntegrationID: 2, Mode: "intake", Outcome: "SUCCESS"},
		); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			modes []string
			want  []storage.AttemptCount
		}{
			{[]string{"new", "postback"}, []storage.AttemptCount{{2, "postback", "ERROR", 1}, {7, "new", "SUCCESS", 1}, {7, "postback", "SUCCESS", 1}}},
			{[]string{"changes"}, nil},
			{nil, nil},
		}
		for _, tt := range tests {
			got, err := s.CountAttempts(ctx, since, tt.modes)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("modes %v (-want +got):\n%s", tt.modes, diff)
			}
		}
	})
}
