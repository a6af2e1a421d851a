package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

func TestUsersTokensSessions(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ann := &storage.User{Name: "ann", Role: user.Support, PasswordHash: "h"}
		if err := s.CreateUser(ctx, ann); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, &storage.User{Name: "ann", Role: user.Admin, PasswordHash: "h"}); !errors.Is(err, storage.ErrExists) {
			t.Fatalf("a second ann: %v, want ErrExists", err)
		}
		tok := user.NewSecret()
		if err := s.AddToken(ctx, ann.ID, storage.HashToken(tok)); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByToken(ctx, storage.HashToken(tok))
		if err != nil || got.Name != "ann" || got.Role != user.Support {
			t.Fatalf("UserByToken = %+v, %v", got, err)
		}
		if n, err := s.RevokeTokens(ctx, ann.ID); n != 1 || err != nil {
			t.Fatalf("RevokeTokens = %d, %v", n, err)
		}
		if _, err := s.UserByToken(ctx, storage.HashToken(tok)); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("a revoked token: %v, want ErrNotFound", err)
		}

		now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
		if err := s.CreateSession(ctx, &storage.Session{Hash: "s1", UserID: ann.ID, CSRF: "c", LastSeen: now}); err != nil {
			t.Fatal(err)
		}
		later := now.Add(11 * time.Hour)
		if _, u, err := s.TouchSession(ctx, "s1", later.Add(-12*time.Hour), later); err != nil || u.Name != "ann" {
			t.Fatalf("TouchSession within 12 h = %v, %v", u, err)
		}
		idle := later.Add(12*time.Hour + time.Second)
		if _, _, err := s.TouchSession(ctx, "s1", idle.Add(-12*time.Hour), idle); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("TouchSession after 12 h idle: %v, want ErrNotFound", err)
		}

		if err := s.RemoveUser(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByName(ctx, "ann"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("a removed user: %v", err)
		}
		if err := s.RemoveUser(ctx, "ann"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("removing twice: %v", err)
		}
	})
}

func TestLogBy(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.AppendLog(ctx, &storage.LogEntry{LeadID: 1, Mode: "status", By: "ann"}); err != nil {
			t.Fatal(err)
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{LeadID: 1})
		if err != nil || len(rows) != 1 || rows[0].By != "ann" {
			t.Fatalf("ListLog = %+v, %v", rows, err)
		}
	})
}

func TestDashboardCounts(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		if err := s.AppendLog(ctx,
			&storage.LogEntry{Time: now, IntegrationID: 7, Mode: "new", Outcome: "SUCCESS"},
			&storage.LogEntry{Time: now, IntegrationID: 7, Mode: "new", Outcome: "SUCCESS"},
			&storage.LogEntry{Time: now, IntegrationID: 7, Mode: "new", Outcome: "HTTP_FAIL", Message: "first"},
			&storage.LogEntry{Time: now, IntegrationID: 7, Mode: "new", Outcome: "ERROR", Message: "second"},
			&storage.LogEntry{Time: now.Add(-25 * time.Hour), IntegrationID: 7, Mode: "new", Outcome: "ERROR"},
			&storage.LogEntry{Time: now, IntegrationID: 7, Mode: "status", Outcome: "SUCCESS"},
		); err != nil {
			t.Fatal(err)
		}
		counts, err := s.CountAttempts(ctx, now.Add(-24*time.Hour), []string{"new"})
		if err != nil {
			t.Fatal(err)
		}
		want := []storage.AttemptCount{{7, "new", "ERROR", 1}, {7, "new", "HTTP_FAIL", 1}, {7, "new", "SUCCESS", 2}}
		if fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("CountAttempts = %v, want %v", counts, want)
		}
		last, err := s.LastErrors(ctx, now.Add(-24*time.Hour), []string{"ERROR", "HTTP_FAIL"})
		if err != nil || len(last) != 1 || last[0].Message != "second" {
			t.Errorf("LastErrors = %+v, %v", last, err)
		}
		for i, l := range []*lead.Lead{{IntegrationID: 7}, {IntegrationID: 7}, {IntegrationID: 7}, {IntegrationID: 3}, {IntegrationID: 9}} {
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
			if i != 2 && i != 4 {
				if err := s.UpdateLead(ctx, l.ID, map[string]any{"uncertain": true}); err != nil {
					t.Fatal(err)
				}
			}
		}
		uncertain, err := s.CountUncertain(ctx)
		if want := []storage.UncertainCount{{3, 1}, {7, 2}}; err != nil || fmt.Sprint(uncertain) != fmt.Sprint(want) {
			t.Errorf("CountUncertain = %v, %v, want %v", uncertain, err, want)
		}
	})
}

// TestMigrationFourUpgrades: a database from before users (no user tables,
// no by column in the log) gets them from migration 4, and keeps its log.
func TestMigrationFourUpgrades(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.AppendLog(ctx, &storage.LogEntry{LeadID: 1, Mode: "intake", Message: "kept"}); err != nil {
			t.Fatal(err)
		}
		db := storage.DB(s)
		for _, tbl := range []string{"user_sessions", "user_tokens", "users"} {
			if err := db.Migrator().DropTable(tbl); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrator().DropColumn(&storage.LogEntry{}, "By"); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("DELETE FROM schema_migrations WHERE version = 4").Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrating a database from before users: %v", err)
		}
		if err := s.CreateUser(ctx, &storage.User{Name: "ann", Role: user.Admin, PasswordHash: "h"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendLog(ctx, &storage.LogEntry{LeadID: 1, Mode: "status", By: "ann"}); err != nil {
			t.Fatal(err)
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{LeadID: 1})
		if err != nil || len(rows) != 2 || rows[0].Message != "kept" || rows[1].By != "ann" {
			t.Fatalf("the log after the upgrade: %+v, %v", rows, err)
		}
	})
}
