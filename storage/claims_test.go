package storage_test

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func TestClaimNewLeadsReadsWhatGormStored(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Now()
		full := &lead.Lead{
			IntegrationID: 7, Reason: 3, Comment: "call after 6", OfferID: 1, SiteID: 2, SpaceID: 3, GoalID: 4, WM: 5,
			Agent: 6, Name: "Иван", Last: "Петров", Email: "i@example.com", Phone: "79001234567", PhoneCC: "7",
			Country: "ru", Mobile: true, Bad: true, Delivery: 2, Discount: 0.5, Count: 3, Currency: "RUB",
			Price: 49.5, Base: 40, DelPr: 5, More: 1.25, Items: lead.Items{17: {Qty: 1, Price: 49, Cost: 12.5}},
			ClickID: "clk", Sub1: "s1", UtmSource: "src", ExtS: "x", CWM: 1.5, CPayC: "USD", Campaign: "camp",
			Attempts: 2, LastMessage: "timeout", NextAt: now.Add(-time.Second).UnixMilli(),
			Meta:  map[string]string{"pass": "s3cret", "note": "漢字"},
			Files: map[string]lead.File{"doc": {Name: "a.pdf", ContentType: "application/pdf", Data: []byte{0, 1, 2}}},
		}
		bare := &lead.Lead{IntegrationID: 7, NextAt: now.Add(-time.Second).UnixMilli()}
		for _, l := range []*lead.Lead{full, bare} {
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		claim := storage.Claim{Integration: 7, Mode: "new", Now: now.UnixMilli(), LeaseUntil: now.Add(time.Minute).UnixMilli(),
			Token: "tok", Limit: 10}
		got, err := s.ClaimNewLeads(ctx, claim)
		if err != nil {
			t.Fatal(err)
		}
		var want []lead.Lead
		for _, l := range []*lead.Lead{full, bare} {
			stored, err := s.GetLead(ctx, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, *stored)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("claimed leads differ from the stored ones (-want +got):\n%s", diff)
		}
	})
}

func TestClaimNewLeadsTakesDueLeadsOldestFirst(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Now().UnixMilli()
		add := func(integration, nextAt int64, failed bool, status lead.Status) int64 {
			l := &lead.Lead{IntegrationID: integration, NextAt: nextAt, Failed: failed, Status: status}
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
			return l.ID
		}
		second := add(7, now-1000, false, lead.New)
		first := add(7, now-2000, false, lead.New)
		third := add(7, now-500, false, lead.New)
		add(7, now+60000, false, lead.New)   // not due
		add(7, now-3000, true, lead.New)     // failed
		add(8, now-3000, false, lead.New)    // another integration
		add(7, now-3000, false, lead.Cancel) // not new
		claim := func(token string, limit int) []int64 {
			leads, err := s.ClaimNewLeads(ctx, storage.Claim{Integration: 7, Mode: "new", Now: now,
				LeaseUntil: now + 60000, Token: token, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, l := range leads {
				if l.ClaimToken != token || l.NextAt != now+60000 {
					t.Errorf("lead %d: token %q next_at %d, want the claim's", l.ID, l.ClaimToken, l.NextAt)
				}
				ids = append(ids, l.ID)
			}
			return ids
		}
		if diff := cmp.Diff([]int64{first, second}, claim("a", 2)); diff != "" {
			t.Errorf("first claim (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int64{third}, claim("b", 2)); diff != "" {
			t.Errorf("second claim (-want +got):\n%s", diff)
		}
		if got := claim("c", 2); len(got) != 0 {
			t.Errorf("third claim took %v, want nothing", got)
		}
		stored, err := s.GetLead(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if stored.ClaimToken != "a" || stored.NextAt != now+60000 {
			t.Errorf("stored lead %d: token %q next_at %d, want a and the lease", first, stored.ClaimToken, stored.NextAt)
		}
	})
}

func TestWriteOutcomesWritesLogRowsAndGuardsByToken(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		var ids []int64
		for range 2 {
			l := &lead.Lead{IntegrationID: 7, NextAt: now.UnixMilli()}
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, l.ID)
		}
		if _, err := s.ClaimNewLeads(ctx, storage.Claim{Integration: 7, Mode: "new", Now: now.UnixMilli(),
			LeaseUntil: now.Add(time.Minute).UnixMilli(), Token: "mine", Limit: 10}); err != nil {
			t.Fatal(err)
		}
		var rows []*storage.LogEntry
		for i := range 3 {
			rows = append(rows, &storage.LogEntry{Time: now, LeadID: ids[0], IntegrationID: 7, Mode: "new",
				Attempt: i + 1, Outcome: "SUCCESS", Request: `{"url":"https://crm.example/?a=1&b=2"}`,
				Response: "漢字", DurationMS: 12, Return: "c1", Message: "it's fine", ScriptLog: `["line"]`})
		}
		done := storage.LeadProcessing{Ext: "c1"}
		counts, err := s.WriteOutcomes(ctx, storage.Outcomes{
			Leads: []storage.LeadOutcome{{ID: ids[0], Token: "mine", Result: done}, {ID: ids[1], Token: "theirs", Result: done}},
			Log:   rows,
		})
		if err != nil {
			t.Fatal(err)
		}
		if counts.Leads != 1 {
			t.Errorf("wrote %d leads, want 1: the other carries another token", counts.Leads)
		}
		got, err := s.ListLog(ctx, storage.LogFilter{LeadID: ids[0]})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]storage.LogEntry, len(rows))
		for i, r := range rows {
			want[i] = *r
			want[i].ID = got[i].ID
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("log rows (-want +got):\n%s", diff)
		}
		// The times compare with the purge's as gorm's own rows do.
		for _, c := range []struct {
			before time.Time
			want   int64
		}{{now.Add(-time.Hour), 0}, {now.Add(time.Hour), 3}} {
			if n, err := s.PurgeLog(ctx, c.before); err != nil || n != c.want {
				t.Errorf("purging before %v: %d rows, %v; want %d", c.before, n, err, c.want)
			}
		}
		for i, id := range ids {
			l, err := s.GetLead(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if wantStatus := []lead.Status{lead.Processing, lead.New}[i]; l.Status != wantStatus {
				t.Errorf("lead %d: status %v, want %v", id, l.Status, wantStatus)
			}
		}
	})
}

// TestClaimNewLeadsSkipsLeadsAnotherClaimHolds holds the oldest due leads
// locked in another transaction, as a claim of another process does while
// it runs: a claim takes the oldest due leads nobody holds, whether some of
// the ids its plain read found are held or all of them are.
func TestClaimNewLeadsSkipsLeadsAnotherClaimHolds(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		if b.Name != "mysql" {
			continue // SQLite runs one writing transaction at a time
		}
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.DSN(t)
			s := storagetest.Open(t, dsn)
			driverDSN, err := storage.MySQLDriverDSN(dsn)
			if err != nil {
				t.Fatal(err)
			}
			other, err := sql.Open("mysql", driverDSN)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = other.Close() })
			now := time.Now().UnixMilli()
			var ids []int64
			for i := range 8 {
				l := &lead.Lead{IntegrationID: 7, NextAt: now - int64(10-i)}
				if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, l.ID)
			}
			hold := func(held ...int64) func() {
				tx, err := other.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range held {
					if _, err := tx.ExecContext(ctx, "SELECT id FROM leads WHERE id = ? FOR UPDATE", id); err != nil {
						t.Fatal(err)
					}
				}
				return func() { _ = tx.Rollback() }
			}
			claim := func(token string) []int64 {
				leads, err := s.ClaimNewLeads(ctx, storage.Claim{Integration: 7, Mode: "new", Now: now,
					LeaseUntil: now + 60000, Token: token, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, l := range leads {
					got = append(got, l.ID)
				}
				return got
			}
			release := hold(ids[0], ids[1], ids[2], ids[3])
			if diff := cmp.Diff([]int64{ids[4], ids[5]}, claim("a")); diff != "" {
				t.Errorf("with every id of the plain read held (-want +got):\n%s", diff)
			}
			release()
			release = hold(ids[1])
			if diff := cmp.Diff([]int64{ids[0], ids[2]}, claim("b")); diff != "" {
				t.Errorf("with one of the oldest held (-want +got):\n%s", diff)
			}
			release()
			if diff := cmp.Diff([]int64{ids[1], ids[3]}, claim("c")); diff != "" {
				t.Errorf("with nothing held (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtendClaimHoldsOnlyTheClaimsOwnRows: a claim's lease moves while the
// row carries its token, and not once another claim has taken the row.
func TestExtendClaimHoldsOnlyTheClaimsOwnRows(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Now()
		if err := s.CreateLeads(ctx, []lead.Lead{{Name: "Ann", Phone: "447123456789", Country: "gb", IntegrationID: 7, NextAt: now.UnixMilli()}}); err != nil {
			t.Fatal(err)
		}
		claim := func(token string, at time.Time) int64 {
			leads, err := s.ClaimNewLeads(ctx, storage.Claim{Integration: 7, Mode: "new", Now: at.UnixMilli(),
				LeaseUntil: at.Add(time.Minute).UnixMilli(), Token: token, Limit: 1})
			if err != nil || len(leads) != 1 {
				t.Fatalf("claim %s = %v, %v", token, leads, err)
			}
			return leads[0].ID
		}
		id := claim("first", now)
		until := now.Add(2 * time.Minute).UnixMilli()
		if held, err := s.ExtendClaim(ctx, "new", id, "first", until); err != nil || !held {
			t.Fatalf("extending its own claim = %v, %v", held, err)
		}
		if got, _ := s.GetLead(ctx, id); got.NextAt != until {
			t.Errorf("next_at = %d, want the extended lease %d", got.NextAt, until)
		}
		claim("second", now.Add(3*time.Minute)) // the lease ran out: taken again
		if held, err := s.ExtendClaim(ctx, "new", id, "first", now.Add(4*time.Minute).UnixMilli()); err != nil || held {
			t.Errorf("extending a claim another one took = %v, %v; want false", held, err)
		}
	})
}

// TestClaimDeliveriesThreeClaimersTakeEachOnce: three claimers, each with
// its own connections on MySQL as three processes would have them, drain the
// changes, approved and postback queues at once, in small claims. Every
// delivery is claimed by exactly one of them.
func TestClaimDeliveriesThreeClaimersTakeEachOnce(t *testing.T) {
	t.Parallel()
	const n = 150
	queues := []struct {
		name                  string
		mode                  string
		integration, campaign int64
	}{
		{"changes", "changes", 7, 0},
		{"approved", "approved", 7, 0},
		{"integration postbacks", "postback", 7, 0},
		{"campaign postbacks", "postback", 0, 3},
	}
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			stores := storagetest.Processes(t, b.DSN(t), 3)
			now := time.Now().UnixMilli()
			leads := make([]lead.Lead, n)
			for i := range leads {
				leads[i] = lead.Lead{IntegrationID: 7, Status: lead.Paid, Ext: "x" + strconv.Itoa(i), NextAt: now}
			}
			if err := stores[0].CreateLeads(ctx, leads); err != nil {
				t.Fatal(err)
			}
			var queued []storage.Delivery
			for _, l := range leads {
				queued = append(queued,
					storage.Delivery{LeadID: l.ID, IntegrationID: 7, Mode: "changes", NextAt: now, Version: 1},
					storage.Delivery{LeadID: l.ID, IntegrationID: 7, Mode: "postback", Key: "paid", Status: lead.Paid, NextAt: now, Version: 1},
					storage.Delivery{LeadID: l.ID, CampaignID: 3, Mode: "postback", Key: "paid", Status: lead.Paid, NextAt: now, Version: 1})
			}
			if _, err := stores[0].WriteOutcomes(ctx, storage.Outcomes{Enqueue: queued}); err != nil {
				t.Fatal(err)
			}
			if got, err := stores[0].QueueApproved(ctx, storage.ApprovedScope{Integration: 7, FromStatus: lead.Paid, Now: now}); err != nil || got != n {
				t.Fatalf("queued %d approved sends, %v; want %d", got, err, n)
			}
			for _, q := range queues {
				claim := storage.Claim{Integration: q.integration, Mode: mode.Mode(q.mode), Now: now, LeaseUntil: now + 60000, Limit: 7}
				taken := claimAll(t, stores, claim)
				if len(taken) != n {
					t.Errorf("%s: %d deliveries claimed, want %d", q.name, len(taken), n)
				}
				for id, by := range taken {
					if len(by) != 1 {
						t.Errorf("%s: delivery %d claimed by %v, want one claimer", q.name, id, by)
					}
				}
			}
		})
	}
}

// claimAll runs a claimer on each store at once, each claiming until it
// finds nothing, then claims what a claimer skipped while another held it,
// and says which claimers took each delivery.
func claimAll(t *testing.T, stores []*storage.Store, c storage.Claim) map[int64][]string {
	t.Helper()
	var mu sync.Mutex
	taken := map[int64][]string{}
	drain := func(s *storage.Store, name string) {
		for i := 0; ; i++ {
			c := c
			c.Token = name + "-" + strconv.Itoa(i)
			rows, err := s.ClaimDeliveries(context.Background(), c)
			if err != nil {
				t.Errorf("claimer %s: %v", name, err)
				return
			}
			if len(rows) == 0 {
				return
			}
			mu.Lock()
			for _, r := range rows {
				if r.Mode != string(c.Mode) || r.IntegrationID != c.Integration || r.ClaimToken != c.Token {
					t.Errorf("claimer %s took delivery %d of mode %s, integration %d, token %q", name, r.ID, r.Mode, r.IntegrationID, r.ClaimToken)
				}
				taken[r.ID] = append(taken[r.ID], name)
			}
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { drain(s, strconv.Itoa(i)) })
	}
	wg.Wait()
	drain(stores[0], "last")
	return taken
}
