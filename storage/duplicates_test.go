package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func phoneCheck(phone string) *storage.DuplicateCheck {
	return &storage.DuplicateCheck{Offer: 1, Within: 30 * 24 * time.Hour,
		Keys: []storage.DuplicateKey{{Kind: "phone", Value: phone}}}
}

// Of 20 leads with one phone stored at once through two stores on one
// database, exactly one is not a duplicate, and every other names it.
func TestDuplicatesOneWinsAcrossStores(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			dsn := b.DSN(t)
			stores := storagetest.Processes(t, dsn, 2)
			const n = 20
			leads := make([]*lead.Lead, n)
			of := make([]int64, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				leads[i] = &lead.Lead{Name: fmt.Sprintf("lead %d", i)}
				wg.Go(func() {
					row := &storage.LogEntry{Mode: "intake", Outcome: "SUCCESS"}
					q := []storage.Delivery{{Mode: "postback", IntegrationID: 1}}
					of[i], errs[i] = stores[i%2].CreateLeadChecked(context.Background(), leads[i], row, q, phoneCheck("447700900123"))
				})
			}
			wg.Wait()
			var winner int64
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("lead %d: %v", i, errs[i])
				}
				if of[i] == 0 {
					if winner != 0 {
						t.Fatalf("leads %d and %d both not duplicates", winner, leads[i].ID)
					}
					winner = leads[i].ID
				}
			}
			if winner == 0 {
				t.Fatal("every lead is a duplicate")
			}
			ctx := context.Background()
			for i := range n {
				got, err := stores[0].GetLead(ctx, leads[i].ID)
				if err != nil {
					t.Fatal(err)
				}
				if leads[i].ID == winner {
					if got.Status != lead.New {
						t.Errorf("winner %d has status %v", winner, got.Status)
					}
					continue
				}
				if of[i] != winner || got.Status != lead.Cancel || got.Reason != lead.ReasonDuplicate {
					t.Errorf("lead %d: duplicate of %d, status %v reason %v; want of %d, cancel/7", got.ID, of[i], got.Status, got.Reason, winner)
				}
				rows, err := stores[0].ListLog(ctx, storage.LogFilter{LeadID: got.ID, Outcome: "REJECTED"})
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("duplicate of lead %d", winner); len(rows) != 1 || rows[0].Message != want {
					t.Errorf("lead %d: REJECTED rows %+v, want one saying %q", got.ID, rows, want)
				}
			}
			var queued []int64
			if err := storage.DB(stores[0]).Model(&storage.Delivery{}).Pluck("lead_id", &queued).Error; err != nil {
				t.Fatal(err)
			}
			if len(queued) != 1 || queued[0] != winner {
				t.Errorf("deliveries queued for leads %v, want only for %d", queued, winner)
			}
		})
	}
}

// The rules of one check, one lead after the other.
func TestDuplicatesRules(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	check := func(offer int64, days int, keys ...string) *storage.DuplicateCheck {
		c := &storage.DuplicateCheck{Offer: offer, Within: time.Duration(days) * day}
		for i := 0; i < len(keys); i += 2 {
			c.Keys = append(c.Keys, storage.DuplicateKey{Kind: keys[i], Value: keys[i+1]})
		}
		return c
	}
	tests := []struct {
		name string
		// first is stored, then aged by age; second's answer is checked.
		first, second *storage.DuplicateCheck
		age           time.Duration
		wantDuplicate bool
	}{
		{"same phone", check(1, 30, "phone", "1"), check(1, 30, "phone", "1"), 0, true},
		{"other phone", check(1, 30, "phone", "1"), check(1, 30, "phone", "2"), 0, false},
		{"other offer", check(1, 30, "phone", "1"), check(2, 30, "phone", "1"), 0, false},
		{"older than days", check(1, 30, "phone", "1"), check(1, 30, "phone", "1"), 31 * day, false},
		{"within days", check(1, 30, "phone", "1"), check(1, 30, "phone", "1"), 29 * day, true},
		{"one of two keys", check(1, 30, "phone", "1", "email", "a@x"), check(1, 30, "phone", "2", "email", "a@x"), 0, true},
		{"long value", check(1, 30, "email", string(make([]byte, 300))), check(1, 30, "email", string(make([]byte, 300))), 0, true},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for _, tt := range tests {
			if err := s.Exec(ctx, "DELETE FROM duplicate_keys"); err != nil {
				t.Fatal(err)
			}
			first := &lead.Lead{}
			if _, err := s.CreateLeadChecked(ctx, first, nil, nil, tt.first); err != nil {
				t.Fatal(err)
			}
			if err := storage.DB(s).Exec("UPDATE duplicate_keys SET at = at - ?", tt.age.Milliseconds()).Error; err != nil {
				t.Fatal(err)
			}
			second := &lead.Lead{}
			of, err := s.CreateLeadChecked(ctx, second, nil, nil, tt.second)
			if err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			if tt.wantDuplicate {
				want = first.ID
			}
			if of != want {
				t.Errorf("%s: duplicate of %d, want %d", tt.name, of, want)
			}
		}
	})
}

// A duplicate found by its second value gives its first back: the next lead
// with that first value is not a duplicate of it.
func TestDuplicatesGiveBackTakenValues(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		keys := func(phone, email string) *storage.DuplicateCheck {
			return &storage.DuplicateCheck{Offer: 1, Within: time.Hour,
				Keys: []storage.DuplicateKey{{Kind: "phone", Value: phone}, {Kind: "email", Value: email}}}
		}
		for i, tc := range []struct {
			check *storage.DuplicateCheck
			dup   bool
		}{{keys("1", "a"), false}, {keys("2", "a"), true}, {keys("2", "b"), false}} {
			of, err := s.CreateLeadChecked(ctx, &lead.Lead{}, nil, nil, tc.check)
			if err != nil {
				t.Fatal(err)
			}
			if (of != 0) != tc.dup {
				t.Errorf("lead %d: duplicate of %d, want duplicate %v", i, of, tc.dup)
			}
		}
	})
}

// TestMigrationEightUpgrades: a database from before duplicate checks and
// pauses after failures (no duplicate_keys, no offers.duplicates, pauses with
// only until_ms) gets them from migration 8, and keeps its 429 pauses.
func TestMigrationEightUpgrades(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.PauseUntil(ctx, 1, "new", 5000); err != nil {
			t.Fatal(err)
		}
		db := storage.DB(s)
		if err := db.Migrator().DropTable("duplicate_keys"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrator().DropColumn(&catalog.Offer{}, "Duplicates"); err != nil {
			t.Fatal(err)
		}
		for _, col := range []string{"Failures", "Since", "ProbeAt", "Message"} {
			if err := db.Migrator().DropColumn(&storage.Pause{}, col); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Exec("DELETE FROM schema_migrations WHERE version = 8").Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrating a database from before migration 8: %v", err)
		}
		paused, err := s.Paused(ctx, 1000)
		if err != nil || paused[storage.PauseKey{Integration: 1, Mode: "new"}] != 5000 {
			t.Fatalf("the 429 pause after the upgrade: %v, %v", paused, err)
		}
		if _, err := s.AttemptFailed(ctx, storage.PauseKey{Integration: 1, Mode: "new"}, 1, 1000, "502"); err != nil {
			t.Fatal(err)
		}
		offer := &catalog.Offer{Name: "o", Duplicates: &catalog.Duplicates{Days: 1, By: []string{"phone"}}}
		if err := storage.PutObject(ctx, s, offer); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateLeadChecked(ctx, &lead.Lead{}, nil, nil, phoneCheck("1")); err != nil {
			t.Fatal(err)
		}
	})
}

// TestDuplicatesBurstOfRepeatsAllStored stores a burst of leads through
// one store, their phones repeating in a shuffled order, while groups
// commit at once: two groups can each hold a phone the other wants next,
// a deadlock the database ends by failing one. Every lead must be stored,
// and of each phone exactly one lead is not a duplicate.
func TestDuplicatesBurstOfRepeatsAllStored(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		const n, phones = 400, 8
		rng := rand.New(rand.NewPCG(3, 4))
		order := rng.Perm(n)
		leads := make([]*lead.Lead, n)
		of := make([]int64, n)
		errs := make([]error, n)
		for i := range n {
			leads[i] = &lead.Lead{Name: fmt.Sprintf("lead %d", i)}
		}
		atOnce(n, func(i int) {
			k := order[i]
			row := &storage.LogEntry{Mode: "intake", Outcome: "SUCCESS"}
			of[k], errs[k] = s.CreateLeadChecked(context.Background(), leads[k], row, nil, phoneCheck(fmt.Sprintf("4477009%05d", k%phones)))
		})
		winners := map[int]int{}
		for k := range n {
			if errs[k] != nil {
				t.Fatalf("lead %d: %v", k, errs[k])
			}
			if of[k] == 0 {
				winners[k%phones]++
			}
		}
		for p := range phones {
			if winners[p] != 1 {
				t.Errorf("phone %d: %d leads not duplicates, want 1", p, winners[p])
			}
		}
	})
}
