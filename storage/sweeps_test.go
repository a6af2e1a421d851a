package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func TestLastSweepIsSharedByProcesses(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			procs := storagetest.Processes(t, b.DSN(t), 2)
			if _, err := procs[1].LastSweep(ctx); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("LastSweep before any sweep: %v, want ErrNotFound", err)
			}
			t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			steps := []struct {
				proc    int
				mode    string
				started time.Time
				took    time.Duration
			}{
				{0, "", t0, 1500 * time.Millisecond},
				{1, "new", t0.Add(time.Minute), 250 * time.Millisecond},
				{0, "", t0.Add(2 * time.Minute), 3 * time.Second},
			}
			for _, st := range steps {
				if err := procs[st.proc].RecordSweep(ctx, st.mode, st.started, st.took); err != nil {
					t.Fatal(err)
				}
				for i, p := range procs {
					got, err := p.LastSweep(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if got.Mode != st.mode || !got.StartedAt().Equal(st.started) || got.Took() != st.took {
						t.Errorf("process %d reads %+v after process %d's sweep of %q at %s (%s)", i, got, st.proc, st.mode, st.started, st.took)
					}
				}
			}
		})
	}
}

func TestSigninFailuresAreSharedByProcesses(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			procs := storagetest.Processes(t, b.DSN(t), 2)
			const minute = int64(60_000)
			now := int64(1_000_000_000)
			for i := range 3 {
				if err := procs[i%2].AddSigninFailures(ctx, []string{"name ann", "address 10.0.0.1"}, now+int64(i), now-minute); err != nil {
					t.Fatal(err)
				}
			}
			if err := procs[0].AddSigninFailures(ctx, []string{"name bob", "address 10.0.0.1"}, now+10, now-minute); err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				keys  []string
				since int64
				want  int64
			}{
				{[]string{"name ann"}, now - minute, 3},
				{[]string{"name bob"}, now - minute, 1},
				{[]string{"name ann", "address 10.0.0.1"}, now - minute, 4},
				{[]string{"name cid", "address 10.0.0.2"}, now - minute, 0},
				{[]string{"name ann"}, now + 2, 1},
				{[]string{"address 10.0.0.1"}, now + 11, 0},
			}
			for _, tt := range tests {
				for i, p := range procs {
					got, err := p.MostSigninFailures(ctx, tt.keys, tt.since)
					if err != nil {
						t.Fatal(err)
					}
					if got != tt.want {
						t.Errorf("process %d: MostSigninFailures(%q, since %d) = %d, want %d", i, tt.keys, tt.since, got, tt.want)
					}
				}
			}
			later := now + 2*minute
			if err := procs[1].AddSigninFailures(ctx, []string{"name dee"}, later, later-minute); err != nil {
				t.Fatal(err)
			}
			if got, err := procs[0].MostSigninFailures(ctx, []string{"name ann", "address 10.0.0.1"}, 0); err != nil || got != 0 {
				t.Errorf("failures older than the window after a later failure: %d, %v; want them forgotten", got, err)
			}
		})
	}
}
