package storage_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func TestTakeCapSlotsNeverPassesTheCap(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		periods := []storage.CapPeriod{{Key: "d2026-03-29", Limit: 100}, {Key: "h2026-03-29T10+0200", Limit: 1000}}
		var took atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 10 {
					n, err := s.TakeCapSlots(ctx, 3, periods, 3)
					if err != nil {
						t.Error(err)
						return
					}
					took.Add(int64(n))
				}
			})
		}
		wg.Wait()
		if took.Load() != 100 {
			t.Fatalf("took %d slots, want exactly 100", took.Load())
		}
		if err := s.GiveBackCapSlots(ctx, 3, periods, 4); err != nil {
			t.Fatal(err)
		}
		n, err := s.TakeCapSlots(ctx, 3, periods, 10)
		if err != nil || n != 4 {
			t.Fatalf("after 4 given back, took %d (%v), want 4", n, err)
		}
		used, err := s.CapUsed(ctx, 3, periods)
		if err != nil || used["d2026-03-29"] != 100 || used["h2026-03-29T10+0200"] != 100 {
			t.Fatalf("CapUsed = %v (%v), want 100 in both", used, err)
		}
		other, err := s.TakeCapSlots(ctx, 4, periods, 2)
		if err != nil || other != 2 {
			t.Fatalf("another integration took %d (%v), want 2", other, err)
		}
	})
}

func TestMoveLeadOnlyWhileNoRequestWasMade(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Now()
		due := now.Add(-time.Second).UnixMilli()
		fresh := &lead.Lead{IntegrationID: 1, NextAt: due}
		tried := &lead.Lead{IntegrationID: 1, NextAt: due, Attempts: 1}
		synced := &lead.Lead{IntegrationID: 1, NextAt: due}
		claimed := &lead.Lead{IntegrationID: 1, NextAt: now.Add(time.Minute).UnixMilli()}
		for _, l := range []*lead.Lead{fresh, tried, synced, claimed} {
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AppendLog(ctx, &storage.LogEntry{Time: now, LeadID: synced.ID, IntegrationID: 1, Mode: "sync", Outcome: "ERROR"}); err != nil {
			t.Fatal(err)
		}
		movable, err := s.MovableNewLeads(ctx, 1, now.UnixMilli(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(movable) != 1 || movable[0].ID != fresh.ID {
			t.Fatalf("movable = %v, want only lead %d", movable, fresh.ID)
		}
		row := &storage.LogEntry{Time: now, LeadID: fresh.ID, IntegrationID: 2, Mode: "route", Outcome: "SUCCESS", Message: "moved"}
		for _, tt := range []struct {
			id   int64
			want bool
		}{{fresh.ID, true}, {fresh.ID, false}, {tried.ID, false}, {claimed.ID, false}} {
			moved, err := s.MoveLead(ctx, tt.id, 1, 2, now.UnixMilli(), row)
			if err != nil || moved != tt.want {
				t.Errorf("MoveLead(%d) = %v, %v; want %v", tt.id, moved, err, tt.want)
			}
			row = &storage.LogEntry{Time: now, LeadID: tt.id, IntegrationID: 2, Mode: "route", Outcome: "SUCCESS"}
		}
		got, err := s.GetLead(ctx, fresh.ID)
		if err != nil || got.IntegrationID != 2 {
			t.Fatalf("moved lead has integration %d (%v), want 2", got.IntegrationID, err)
		}
		logged, err := s.ListLog(ctx, storage.LogFilter{LeadID: fresh.ID})
		if err != nil || len(logged) != 1 {
			t.Fatalf("log of the moved lead = %v (%v), want one row", logged, err)
		}
	})
}
