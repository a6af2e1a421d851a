package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

// addUsers stores users by name, each with the given role.
func addUsers(t *testing.T, s *storage.Store, role user.Role, names ...string) []*storage.User {
	t.Helper()
	out := make([]*storage.User, len(names))
	for i, name := range names {
		out[i] = &storage.User{Name: name, Role: role, PasswordHash: "hash of " + name}
		if err := s.CreateUser(context.Background(), out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestListAndCountUsers(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("CountUsers of none = %d, %v", n, err)
		}
		if list, err := s.ListUsers(ctx); err != nil || len(list) != 0 {
			t.Fatalf("ListUsers of none = %v, %v", list, err)
		}
		addUsers(t, s, user.Support, "zoe", "ann")
		addUsers(t, s, user.Admin, "mia")
		list, err := s.ListUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			Name, Hash string
			Role       user.Role
		}
		var got []row
		for _, u := range list {
			if u.ID == 0 || u.CreatedAt.IsZero() {
				t.Errorf("user %s: id %d created %v", u.Name, u.ID, u.CreatedAt)
			}
			got = append(got, row{u.Name, u.PasswordHash, u.Role})
		}
		want := []row{{"ann", "hash of ann", user.Support}, {"mia", "hash of mia", user.Admin}, {"zoe", "hash of zoe", user.Support}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListUsers, by name (-want +got):\n%s", diff)
		}
		if n, err := s.CountUsers(ctx); err != nil || n != 3 {
			t.Errorf("CountUsers = %d, %v; want 3", n, err)
		}
		if err := s.RemoveUser(ctx, "mia"); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountUsers(ctx); err != nil || n != 2 {
			t.Errorf("CountUsers after a removal = %d, %v; want 2", n, err)
		}
	})
}

// TestCreateUserOneNameAcrossStores: of processes creating one name at
// once, exactly one does, and the rest are told it exists.
func TestCreateUserOneNameAcrossStores(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			stores := storagetest.Processes(t, b.DSN(t), 2)
			const n = 12
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					errs[i] = stores[i%2].CreateUser(context.Background(), &storage.User{Name: "ann", Role: user.Admin, PasswordHash: "h"})
				})
			}
			wg.Wait()
			created := 0
			for _, err := range errs {
				switch {
				case err == nil:
					created++
				case !errors.Is(err, storage.ErrExists):
					t.Errorf("CreateUser: %v, want nil or ErrExists", err)
				}
			}
			if created != 1 {
				t.Errorf("%d stores created ann, want 1", created)
			}
			if count, err := stores[0].CountUsers(context.Background()); err != nil || count != 1 {
				t.Errorf("CountUsers = %d, %v; want 1", count, err)
			}
		})
	}
}

func TestUserByName(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ann := addUsers(t, s, user.Support, "ann")[0]
		got, err := s.UserByName(ctx, "ann")
		if err != nil || got.ID != ann.ID || got.Role != user.Support || got.PasswordHash != "hash of ann" {
			t.Errorf("UserByName(ann) = %+v, %v", got, err)
		}
		for _, name := range []string{"bob", "", "an"} {
			if _, err := s.UserByName(ctx, name); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("UserByName(%q) = %v, want ErrNotFound", name, err)
			}
		}
	})
}

// TestTokensBelongToTheirUser: a revoke or a removal ends one user's
// tokens and sessions, not another's.
func TestTokensBelongToTheirUser(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		users := addUsers(t, s, user.Support, "ann", "bob")
		ann, bob := users[0], users[1]
		now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
		for _, u := range users {
			for i := range 2 {
				if err := s.AddToken(ctx, u.ID, storage.HashToken(fmt.Sprintf("%s-%d", u.Name, i))); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.CreateSession(ctx, &storage.Session{Hash: "s-" + u.Name, UserID: u.ID, CSRF: "c", LastSeen: now}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.RevokeTokens(ctx, ann.ID); err != nil || n != 2 {
			t.Errorf("RevokeTokens(ann) = %d, %v; want 2", n, err)
		}
		if n, err := s.RevokeTokens(ctx, ann.ID); err != nil || n != 0 {
			t.Errorf("RevokeTokens(ann) again = %d, %v; want 0", n, err)
		}
		if u, err := s.UserByToken(ctx, storage.HashToken("bob-1")); err != nil || u.ID != bob.ID {
			t.Errorf("bob's token after ann's revoke: %+v, %v", u, err)
		}
		if _, u, err := s.TouchSession(ctx, "s-ann", now.Add(-time.Hour), now); err != nil || u.ID != ann.ID {
			t.Errorf("a revoke ended ann's session: %v, %v", u, err)
		}
		if err := s.RemoveUser(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByToken(ctx, storage.HashToken("bob-0")); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a removed user's token: %v, want ErrNotFound", err)
		}
		if _, _, err := s.TouchSession(ctx, "s-bob", now.Add(-time.Hour), now); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a removed user's session: %v, want ErrNotFound", err)
		}
		if _, u, err := s.TouchSession(ctx, "s-ann", now.Add(-time.Hour), now); err != nil || u.ID != ann.ID {
			t.Errorf("ann's session after bob's removal: %v, %v", u, err)
		}
		if _, err := s.UserByToken(ctx, "not a hash"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("an unknown token: %v, want ErrNotFound", err)
		}
	})
}

// TestTouchSession: a session used within the idle time answers with its
// user and is marked used (at most once a minute); one idle longer is
// ended, as is every other idle one; one of a user who is gone is not
// found.
func TestTouchSession(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ann := addUsers(t, s, user.Admin, "ann")[0]
		t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
		idle := 12 * time.Hour
		for _, sess := range []*storage.Session{
			{Hash: "active", UserID: ann.ID, CSRF: "c1", LastSeen: t0},
			{Hash: "stale", UserID: ann.ID, CSRF: "c2", LastSeen: t0.Add(-24 * time.Hour)},
			{Hash: "orphan", UserID: ann.ID + 100, CSRF: "c3", LastSeen: t0},
		} {
			if err := s.CreateSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
		}
		touch := func(hash string, now time.Time) (*storage.Session, error) {
			sess, u, err := s.TouchSession(ctx, hash, now.Add(-idle), now)
			if err == nil && u.ID != sess.UserID {
				t.Errorf("session %s of user %d came with user %d", hash, sess.UserID, u.ID)
			}
			return sess, err
		}
		tests := []struct {
			name     string
			hash     string
			now      time.Time
			lastSeen time.Time // zero: ErrNotFound
		}{
			{"within a minute: not marked", "active", t0.Add(time.Minute), t0},
			{"later: marked used", "active", t0.Add(2 * time.Minute), t0.Add(2 * time.Minute)},
			{"kept alive by use", "active", t0.Add(2*time.Minute + idle), t0.Add(2*time.Minute + idle)},
			{"a user who is gone", "orphan", t0, time.Time{}},
			{"unknown", "nope", t0, time.Time{}},
			{"idle too long", "active", t0.Add(2*time.Minute + 2*idle + time.Second), time.Time{}},
			{"ended when idle", "active", t0.Add(2*time.Minute + idle), time.Time{}},
		}
		for _, tt := range tests {
			sess, err := touch(tt.hash, tt.now)
			if tt.lastSeen.IsZero() {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("%s: %+v, %v; want ErrNotFound", tt.name, sess, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !sess.LastSeen.Equal(tt.lastSeen) || sess.CSRF != "c1" {
				t.Errorf("%s: last seen %v csrf %q, want %v c1", tt.name, sess.LastSeen, sess.CSRF, tt.lastSeen)
			}
		}
		// The stale session went with the first idle one found.
		if _, _, err := s.TouchSession(ctx, "stale", t0.Add(-48*time.Hour), t0); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("another idle session: %v, want it ended", err)
		}
	})
}

func TestDeleteSession(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ann := addUsers(t, s, user.Admin, "ann")[0]
		now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
		for _, hash := range []string{"a", "b"} {
			if err := s.CreateSession(ctx, &storage.Session{Hash: hash, UserID: ann.ID, CSRF: "c", LastSeen: now}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteSession(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TouchSession(ctx, "a", now.Add(-time.Hour), now); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a deleted session: %v, want ErrNotFound", err)
		}
		if _, _, err := s.TouchSession(ctx, "b", now.Add(-time.Hour), now); err != nil {
			t.Errorf("the other session: %v", err)
		}
		if err := s.DeleteSession(ctx, "a"); err != nil {
			t.Errorf("deleting a session that is gone: %v", err)
		}
		if err := s.CreateSession(ctx, &storage.Session{Hash: "b", UserID: ann.ID, CSRF: "d", LastSeen: now}); err == nil {
			t.Error("a second session with the same hash was stored")
		}
	})
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	} {
		if got := storage.HashToken(tt.in); got != tt.want {
			t.Errorf("HashToken(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
