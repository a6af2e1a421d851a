package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestStatusWritesAreOneTransaction: a status change and a change of order
// data are written with their postbacks and their log row or not at all.
func TestStatusWritesAreOneTransaction(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	tests := []struct {
		name  string
		write func(s *storage.Store, id int64) error
	}{
		{"ChangeStatus", func(s *storage.Store, id int64) error {
			return s.ChangeStatus(context.Background(), id, map[string]any{"status": lead.Cancel, "reason": 3, "updated_at": now},
				[]storage.Delivery{{LeadID: id, IntegrationID: 7, Mode: "postback", Key: "cancel", Status: lead.Cancel, NextAt: now.UnixMilli(), Version: 1}},
				&storage.LogEntry{Time: now, LeadID: id, Mode: "status", Outcome: "SUCCESS", Message: "status new → cancel"})
		}},
		{"MarkChanged", func(s *storage.Store, id int64) error {
			return s.MarkChanged(context.Background(), id, 7, map[string]any{"city": "Leeds", "updated_at": now}, now,
				&storage.LogEntry{Time: now, LeadID: id, Mode: "changes", Outcome: "SUCCESS", Message: "order data changed: 1 fields"})
		}},
	}
	for _, b := range storagetest.Backends() {
		for _, tt := range tests {
			t.Run(b.Name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				dsn := b.DSN(t)
				s := storagetest.Open(t, dsn)
				ctx := context.Background()
				l := lead.Lead{Name: "Ann", Phone: "447123456789", Country: "gb", City: "York", IntegrationID: 7, Ext: "CRM-1"}
				if err := s.CreateLeads(ctx, []lead.Lead{l}); err != nil {
					t.Fatal(err)
				}
				leads, err := s.ListLeads(ctx, storage.LeadFilter{})
				if err != nil || len(leads) != 1 {
					t.Fatalf("leads = %v, %v", leads, err)
				}
				id := leads[0].ID
				storagetest.RefuseInserts(t, dsn, "log")
				if err := tt.write(s, id); err == nil || !strings.Contains(err.Error(), "insert refused") {
					t.Fatalf("%s with the log refused = %v, want the refusal", tt.name, err)
				}
				got, err := s.GetLead(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != lead.New || got.Reason != 0 || got.City != "York" {
					t.Errorf("lead = status %v reason %d city %q: written without its log row", got.Status, got.Reason, got.City)
				}
				depth, err := s.QueueDepth(ctx, now.Add(time.Hour).UnixMilli())
				if err != nil {
					t.Fatal(err)
				}
				if depth["postback"] != 0 || depth["changes"] != 0 {
					t.Errorf("deliveries queued without the log row: %v", depth)
				}
			})
		}
	}
}
