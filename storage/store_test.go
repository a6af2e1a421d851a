package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func TestOpenRejectsBadDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dsn  string
		want string
	}{
		{"postgres://x", "starts with sqlite: or mysql://"},
		{"sqlite:", "needs a file path"},
		{"mysql://root@127.0.0.1:3306", "names no database"},
		{"mysql://root:hunter2@127.0.0.1:1/x", "reaching the mysql database"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			t.Parallel()
			_, err := storage.Open(context.Background(), tt.dsn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open(%q) = %v, want an error containing %q", tt.dsn, err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		l := &lead.Lead{Name: "Ann", Phone: "447123456789", Country: "gb"}
		if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("SchemaVersion = %d, %v", v, err)
		}
		got, err := s.GetLead(ctx, l.ID)
		if err != nil || got.Name != "Ann" {
			t.Fatalf("lead after re-migrate: %+v, %v", got, err)
		}
	})
}

func TestLeadRoundTrip(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		in := &lead.Lead{
			Name: "Иван", Last: "Петров", Phone: "79001234567", Country: "ru",
			OfferID: 1, Price: 49.5, Items: lead.Items{17: {Qty: 1, Price: 49, Cost: 12.5}},
			Meta:  map[string]string{"pass": "s3cret", "note": "漢字"},
			Files: map[string]lead.File{"doc": {Name: "a.pdf", ContentType: "application/pdf", Data: []byte{0, 1, 2}}},
		}
		if err := s.CreateLeadWith(ctx, in, nil, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetLead(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != lead.New {
			t.Errorf("status = %v, want new", got.Status)
		}
		if diff := cmp.Diff(in.Items, got.Items); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(in.Meta, got.Meta); diff != "" {
			t.Errorf("meta (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(in.Files, got.Files); diff != "" {
			t.Errorf("files (-want +got):\n%s", diff)
		}
		if got.Name != "Иван" || got.Price != 49.5 {
			t.Errorf("got %q %v", got.Name, got.Price)
		}
		if _, err := s.GetLead(ctx, in.ID+1000); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("missing lead: %v, want ErrNotFound", err)
		}
	})
}

func TestListLeadsFiltersAndPages(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for i := 0; i < 5; i++ {
			l := &lead.Lead{Status: lead.New, IntegrationID: int64(i%2 + 1)}
			if i == 4 {
				l.Status, l.Reason = lead.Cancel, lead.ReasonDuplicate
			}
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(ls []lead.Lead) []int64 {
			var out []int64
			for _, l := range ls {
				out = append(out, l.ID)
			}
			return out
		}
		all, err := s.ListLeads(ctx, storage.LeadFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{5, 4, 3, 2, 1}, ids(all)); diff != "" {
			t.Errorf("all (-want +got):\n%s", diff)
		}
		page, _ := s.ListLeads(ctx, storage.LeadFilter{After: 4, Limit: 2})
		if diff := cmp.Diff([]int64{3, 2}, ids(page)); diff != "" {
			t.Errorf("page (-want +got):\n%s", diff)
		}
		byInt, _ := s.ListLeads(ctx, storage.LeadFilter{Integration: 2})
		if diff := cmp.Diff([]int64{4, 2}, ids(byInt)); diff != "" {
			t.Errorf("integration 2 (-want +got):\n%s", diff)
		}
		cancelled, _ := s.ListLeads(ctx, storage.LeadFilter{Status: lead.Cancel, Reason: lead.ReasonDuplicate})
		if diff := cmp.Diff([]int64{5}, ids(cancelled)); diff != "" {
			t.Errorf("cancelled (-want +got):\n%s", diff)
		}
		counts, err := s.CountLeadsByStatus(ctx)
		if err != nil || counts[lead.New] != 4 || counts[lead.Cancel] != 1 {
			t.Errorf("counts = %v, %v", counts, err)
		}
	})
}

func TestCatalogCRUD(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		offer := &catalog.Offer{ID: 42, Name: "Slim", Params: catalog.Params{"sku": "A"},
			GeoParams: map[string]catalog.Params{"gb": {"price": "49"}}}
		if err := storage.PutObject(ctx, s, offer); err != nil {
			t.Fatal(err)
		}
		offer.Name = "Slim+"
		if err := storage.PutObject(ctx, s, offer); err != nil {
			t.Fatalf("replace: %v", err)
		}
		got, err := storage.GetObject[catalog.Offer](ctx, s, 42)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(offer, got); diff != "" {
			t.Errorf("offer (-want +got):\n%s", diff)
		}
		auto := &catalog.Goal{Name: "lead"}
		if err := storage.PutObject(ctx, s, auto); err != nil || auto.ID == 0 {
			t.Fatalf("auto id: %d, %v", auto.ID, err)
		}
		c1 := &catalog.Campaign{Alias: "cpa_uk"}
		if err := storage.PutObject(ctx, s, c1); err != nil {
			t.Fatal(err)
		}
		if err := storage.PutObject(ctx, s, &catalog.Campaign{Alias: "cpa_uk"}); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("duplicate alias: %v, want ErrDuplicate", err)
		}
		byAlias, err := s.CampaignByAlias(ctx, "cpa_uk")
		if err != nil || byAlias.ID != c1.ID {
			t.Errorf("CampaignByAlias = %+v, %v", byAlias, err)
		}
		if err := storage.DeleteObject[catalog.Offer](ctx, s, 42); err != nil {
			t.Fatal(err)
		}
		if err := storage.DeleteObject[catalog.Offer](ctx, s, 42); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("second delete: %v, want ErrNotFound", err)
		}
	})
}

func TestIntegrationVersions(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		rec := &storage.IntegrationRecord{Name: "crm", Enabled: true, Document: `{"name":"crm"}`}
		if err := s.SaveIntegration(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if rec.Version != 1 {
			t.Fatalf("version after create = %d", rec.Version)
		}
		rec.Document = `{"name":"crm2"}`
		if err := s.SaveIntegration(ctx, rec); err != nil {
			t.Fatal(err)
		}
		versions, err := s.IntegrationVersions(ctx)
		if err != nil || versions[rec.ID] != 2 {
			t.Fatalf("versions = %v, %v", versions, err)
		}
		withID := &storage.IntegrationRecord{ID: 77, Name: "carried", Document: "{}"}
		if err := s.SaveIntegration(ctx, withID); err != nil || withID.Version != 1 {
			t.Fatalf("create with id: %v, version %d", err, withID.Version)
		}
		list, _ := s.ListIntegrations(ctx)
		if len(list) != 2 || list[0].ID != rec.ID || list[1].ID != 77 {
			t.Errorf("list = %+v", list)
		}
	})
}

func TestLogAppendListPurge(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		old := time.Now().Add(-40 * 24 * time.Hour)
		rows := []*storage.LogEntry{
			{Time: old, LeadID: 1, Mode: "new", Outcome: "ERROR"},
			{LeadID: 1, Mode: "new", Outcome: "SUCCESS"},
			{LeadID: 2, Mode: "new", Outcome: "SUCCESS"},
		}
		if err := s.AppendLog(ctx, rows...); err != nil {
			t.Fatal(err)
		}
		forLead, _ := s.ListLog(ctx, storage.LogFilter{LeadID: 1})
		if len(forLead) != 2 || forLead[0].Outcome != "ERROR" {
			t.Errorf("lead 1 log = %+v", forLead)
		}
		n, err := s.PurgeLog(ctx, time.Now().Add(-30*24*time.Hour))
		if err != nil || n != 1 {
			t.Errorf("purged %d, %v; want 1", n, err)
		}
		left, _ := s.ListLog(ctx, storage.LogFilter{Outcome: "SUCCESS", NewestFirst: true})
		if len(left) != 2 || left[0].LeadID != 2 {
			t.Errorf("left = %+v", left)
		}
	})
}

func TestSettingIsGeneratedOnce(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		first, err := s.Setting(ctx, "secret", func() string { return "one" })
		if err != nil || first != "one" {
			t.Fatalf("first = %q, %v", first, err)
		}
		second, err := s.Setting(ctx, "secret", func() string { return "two" })
		if err != nil || second != "one" {
			t.Fatalf("second = %q, %v; want the stored one", second, err)
		}
	})
}

// TestBatchedInserts: leads and log rows past what one statement takes
// (13 leads and 83 log rows on SQLite, 300 and 500 on MySQL) are all stored.
func TestBatchedInserts(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		leads := make([]lead.Lead, 701)
		for i := range leads {
			leads[i] = lead.Lead{Name: "lead", Phone: "447700900123", OfferID: int64(i)}
		}
		if err := s.CreateLeads(ctx, leads); err != nil {
			t.Fatal(err)
		}
		stored, err := s.ListLeads(ctx, storage.LeadFilter{Limit: 1000})
		if err != nil || len(stored) != len(leads) {
			t.Fatalf("stored %d leads, %v; want %d", len(stored), err, len(leads))
		}
		rows := make([]*storage.LogEntry, 901)
		for i := range rows {
			rows[i] = &storage.LogEntry{Time: time.Now(), LeadID: int64(i), Mode: "new", Outcome: "SUCCESS"}
		}
		if _, err := s.WriteOutcomes(ctx, storage.Outcomes{Log: rows[:700]}); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendLog(ctx, rows[700:]...); err != nil {
			t.Fatal(err)
		}
		logged, err := s.ListLog(ctx, storage.LogFilter{Limit: 1000})
		if err != nil || len(logged) != len(rows) {
			t.Fatalf("logged %d rows, %v; want %d", len(logged), err, len(rows))
		}
		for i, r := range logged {
			if r.LeadID != int64(i) {
				t.Fatalf("log row %d is for lead %d", i, r.LeadID)
			}
		}
	})
}

// TestMigrationAddsUncertain: a database from before the uncertain marks
// gets them, and a requeue clears them.
func TestMigrationAddsUncertain(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if err := s.ForgetUncertain(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		l := &lead.Lead{Name: "Ann", Uncertain: true, CheckDue: true, Failed: true}
		if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendLog(ctx, &storage.LogEntry{LeadID: l.ID, Mode: "new", Outcome: "HTTP_FAIL", Uncertain: true}); err != nil {
			t.Fatal(err)
		}
		yes := true
		listed, err := s.ListLeads(ctx, storage.LeadFilter{Uncertain: &yes})
		if err != nil || len(listed) != 1 || !listed[0].Uncertain || !listed[0].CheckDue {
			t.Fatalf("uncertain leads = %+v, %v", listed, err)
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{LeadID: l.ID})
		if err != nil || len(rows) != 1 || !rows[0].Uncertain {
			t.Fatalf("log = %+v, %v", rows, err)
		}
		if back, err := s.RequeueLeads(ctx, storage.LeadFilter{IDs: []int64{l.ID}}, time.Now()); err != nil || len(back) != 1 {
			t.Fatalf("requeue = %d leads, %v", len(back), err)
		}
		if got, _ := s.GetLead(ctx, l.ID); got.Uncertain || got.CheckDue || got.Failed {
			t.Errorf("after a requeue: uncertain %v check_due %v failed %v", got.Uncertain, got.CheckDue, got.Failed)
		}
	})
}
