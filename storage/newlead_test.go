package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestCreateLeadWithFillsTheNewID: the log row and the queued deliveries
// are stored with the lead's new id; a lead with no status is new and one
// with no NextAt is due at once.
func TestCreateLeadWithFillsTheNewID(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		addLeads(t, s, &lead.Lead{Name: "first"})
		l := &lead.Lead{Name: "second", IntegrationID: 7}
		row := &storage.LogEntry{Mode: "intake", Outcome: "SUCCESS", Message: "received"}
		queued := []storage.Delivery{
			{IntegrationID: 7, Mode: "postback", Key: "new", Status: lead.New, Version: 1},
			{CampaignID: 3, Mode: "postback", Key: "pending", Status: lead.New, Version: 1},
		}
		before := time.Now().UnixMilli()
		if err := s.CreateLeadWith(ctx, l, row, queued); err != nil {
			t.Fatal(err)
		}
		if l.ID == 0 || row.LeadID != l.ID || queued[0].LeadID != l.ID || queued[1].LeadID != l.ID {
			t.Fatalf("lead %d, its row's lead %d, its deliveries' %d and %d", l.ID, row.LeadID, queued[0].LeadID, queued[1].LeadID)
		}
		got, err := s.GetLead(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "second" || got.Status != lead.New || got.NextAt < before || got.NextAt > time.Now().UnixMilli() {
			t.Errorf("lead = %q status %v next_at %d, want new and due now", got.Name, got.Status, got.NextAt)
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{LeadID: l.ID})
		if err != nil || len(rows) != 1 || rows[0].Message != "received" {
			t.Errorf("log = %+v, %v", rows, err)
		}
		stored := deliveries(t, s)
		if len(stored) != 2 || stored[0].LeadID != l.ID || stored[1].LeadID != l.ID || stored[1].CampaignID != 3 {
			t.Errorf("deliveries = %+v, want both of lead %d", stored, l.ID)
		}
		if err := s.CreateLeadWith(ctx, &lead.Lead{Name: "bare"}, nil, nil); err != nil {
			t.Errorf("a lead with no log row and no deliveries: %v", err)
		}
	})
}

// TestCreateLeadWithAGoneCaller: a caller whose context ended before its
// lead's group began gets the context's error, and its lead is not stored.
func TestCreateLeadWithAGoneCaller(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		l := &lead.Lead{Name: "gone"}
		err := s.CreateLeadWith(ctx, l, &storage.LogEntry{Mode: "intake"}, nil)
		if !errors.Is(err, context.Canceled) || l.ID != 0 {
			t.Errorf("CreateLeadWith with an ended context = %v, id %d; want context.Canceled and no id", err, l.ID)
		}
		if leads, err := s.ListLeads(context.Background(), storage.LeadFilter{}); err != nil || len(leads) != 0 {
			t.Errorf("leads = %v, %v; want none", leadIDs(leads), err)
		}
		if rows, err := s.ListLog(context.Background(), storage.LogFilter{}); err != nil || len(rows) != 0 {
			t.Errorf("log = %+v, %v; want none", rows, err)
		}
	})
}

// TestExtendClaimOfADelivery: a delivery's lease moves while it carries
// the claim's token; mode new names the leads table, any other the
// deliveries.
func TestExtendClaimOfADelivery(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := addDeliveries(t, s, storage.Delivery{LeadID: 1, IntegrationID: 7, Mode: "postback", NextAt: 100, ClaimToken: "tok"})[0]
		tests := []struct {
			name  string
			mode  string
			id    int64
			token string
			want  bool
		}{
			{"its own claim", "postback", d.ID, "tok", true},
			{"another token", "postback", d.ID, "other", false},
			{"no such delivery", "postback", d.ID + 1, "tok", false},
			{"mode new reads the leads", "new", d.ID, "tok", false},
		}
		for i, tt := range tests {
			until := int64(1000 + i)
			held, err := s.ExtendClaim(ctx, tt.mode, tt.id, tt.token, until)
			if err != nil || held != tt.want {
				t.Errorf("%s: ExtendClaim = %v, %v; want %v", tt.name, held, err, tt.want)
			}
		}
		if got := deliveries(t, s)[0]; got.NextAt != 1000 || got.ClaimToken != "tok" {
			t.Errorf("delivery: next_at %d token %q; want the one extension, 1000", got.NextAt, got.ClaimToken)
		}
	})
}
