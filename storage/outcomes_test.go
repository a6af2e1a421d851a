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

// leadState is what an outcome write may change of a lead.
type leadState struct {
	Status              lead.Status
	Reason              lead.Reason
	Ext, Comment        string
	Meta                map[string]string
	Attempts            int
	LastMessage         string
	NextAt              int64
	Failed              bool
	Uncertain, CheckDue bool
	ClaimToken          string
	UpdatedAt           time.Time
}

func stateOf(l *lead.Lead) leadState {
	return leadState{Status: l.Status, Reason: l.Reason, Ext: l.Ext, Comment: l.Comment, Meta: l.Meta,
		Attempts: l.Attempts, LastMessage: l.LastMessage, NextAt: l.NextAt, Failed: l.Failed,
		Uncertain: l.Uncertain, CheckDue: l.CheckDue, ClaimToken: l.ClaimToken, UpdatedAt: l.UpdatedAt.UTC()}
}

func strPtr(s string) *string { return &s }

// TestWriteOutcomesWritesEachLeadResult writes one outcome of every kind in
// one batch, so that the columns some rows set and others do not go through
// the batch's CASEs, and checks each lead's columns: what the outcome says
// changes, everything else stays, and the claim token is cleared.
func TestWriteOutcomesWritesEachLeadResult(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 21, 12, 0, 30, 0, time.UTC)
	due := at.Add(time.Minute)
	cases := []struct {
		name    string
		outcome storage.LeadOutcome
		want    func(*leadState)
	}{
		{"processing with the target's ext",
			storage.LeadOutcome{Result: storage.LeadProcessing{Ext: "c9"}, Attempts: 3, Message: "", At: at},
			func(s *leadState) {
				s.Status, s.Reason, s.Ext, s.Attempts, s.LastMessage, s.UpdatedAt = lead.Processing, 0, "c9", 3, "", at
			}},
		{"processing keeping the edited ext",
			storage.LeadOutcome{Result: storage.LeadProcessing{},
				Edit: storage.LeadEdit{Ext: strPtr("e1"), Comment: strPtr("call back"), Meta: map[string]string{"a": "1", "b": "2"}}},
			func(s *leadState) {
				s.Status, s.Reason, s.Ext, s.Comment, s.Meta = lead.Processing, 0, "e1", "call back", map[string]string{"a": "1", "b": "2"}
			}},
		{"the target's ext wins over the edited one",
			storage.LeadOutcome{Result: storage.LeadProcessing{Ext: "c2"}, Edit: storage.LeadEdit{Ext: strPtr("e1")}},
			func(s *leadState) { s.Status, s.Reason, s.Ext = lead.Processing, 0, "c2" }},
		{"skipped keeps the reason",
			storage.LeadOutcome{Result: storage.LeadSkipped{}, Attempts: 3, Message: "already has ext", At: at},
			func(s *leadState) {
				s.Status, s.Attempts, s.LastMessage, s.UpdatedAt = lead.Processing, 3, "already has ext", at
			}},
		{"skipped with the stub's ext",
			storage.LeadOutcome{Result: storage.LeadSkipped{Ext: "42"}},
			func(s *leadState) { s.Status, s.Ext = lead.Processing, "42" }},
		{"cancelled",
			storage.LeadOutcome{Result: storage.LeadCancelled{Reason: 7}},
			func(s *leadState) { s.Status, s.Reason = lead.Cancel, 7 }},
		{"deleted",
			storage.LeadOutcome{Result: storage.LeadDeleted{}},
			func(s *leadState) { s.Status, s.Reason = lead.Deleted, 0 }},
		{"retry",
			storage.LeadOutcome{Result: storage.LeadRetry{Due: due}, Attempts: 3, Message: "timeout", At: at},
			func(s *leadState) {
				s.NextAt, s.Attempts, s.LastMessage, s.UpdatedAt = due.UnixMilli(), 3, "timeout", at
			}},
		{"retry with the attempts spent",
			storage.LeadOutcome{Result: storage.LeadRetry{Due: due, Failed: true}},
			func(s *leadState) { s.NextAt, s.Failed = due.UnixMilli(), true }},
		{"held, marks set and cleared",
			storage.LeadOutcome{Hold: true, Uncertain: storage.MarkCleared, CheckDue: storage.MarkSet},
			func(s *leadState) { s.Failed, s.Uncertain, s.CheckDue = true, false, true }},
		{"marks kept",
			storage.LeadOutcome{Result: storage.LeadRetry{Due: due}},
			func(s *leadState) { s.NextAt = due.UnixMilli() }},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := at.Add(-time.Hour)
		ids := make([]int64, len(cases))
		for i := range cases {
			l := &lead.Lead{IntegrationID: 7, NextAt: now.UnixMilli(), Reason: 3, Ext: "old", Comment: "first call",
				Meta: map[string]string{"a": "0"}, Attempts: 2, LastMessage: "earlier", Uncertain: true}
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
			ids[i] = l.ID
		}
		claimed, err := s.ClaimNewLeads(ctx, storage.Claim{Integration: 7, Mode: "new", Now: now.UnixMilli(),
			LeaseUntil: now.Add(time.Minute).UnixMilli(), Token: "mine", Limit: len(cases)})
		if err != nil || len(claimed) != len(cases) {
			t.Fatalf("claimed %d leads, %v; want %d", len(claimed), err, len(cases))
		}
		before := map[int64]leadState{}
		var o storage.Outcomes
		for i, c := range cases {
			l, err := s.GetLead(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			before[l.ID] = stateOf(l)
			c.outcome.ID, c.outcome.Token = l.ID, "mine"
			o.Leads = append(o.Leads, c.outcome)
		}
		counts, err := s.WriteOutcomes(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if counts.Leads != int64(len(cases)) {
			t.Errorf("wrote %d leads, want %d", counts.Leads, len(cases))
		}
		for i, c := range cases {
			want := before[ids[i]]
			want.ClaimToken = ""
			c.want(&want)
			l, err := s.GetLead(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, stateOf(l)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		}
	})
}

// TestWriteOutcomesWritesEachDeliveryResult writes one outcome of every kind
// for deliveries in one batch and checks each row's columns.
func TestWriteOutcomesWritesEachDeliveryResult(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 21, 12, 0, 30, 0, time.UTC)
	due := at.Add(time.Minute)
	cases := []struct {
		name string
		// version is the delivery's version when the outcome is written.
		version int64
		outcome storage.DeliveryOutcome
		want    func(*storage.Delivery)
	}{
		{"sent", 1,
			storage.DeliveryOutcome{Result: storage.DeliverySent{Version: 1, Ext: "a1"}, Attempts: 1, Message: "", At: at},
			func(d *storage.Delivery) {
				d.State, d.SentVersion, d.NextAt, d.Ext, d.Attempts, d.LastMessage, d.UpdatedAt =
					storage.DeliveryDone, 1, at.UnixMilli(), "a1", 1, "", at
			}},
		{"sent while a newer change waited", 2,
			storage.DeliveryOutcome{Result: storage.DeliverySent{Version: 1}, Attempts: 1, At: at},
			func(d *storage.Delivery) {
				d.State, d.SentVersion, d.NextAt, d.Attempts, d.LastMessage, d.UpdatedAt =
					storage.DeliveryPending, 1, at.UnixMilli(), 1, "", at
			}},
		{"retry", 1,
			storage.DeliveryOutcome{Result: storage.DeliveryRetry{Due: due}, Attempts: 1, Message: "timeout", At: at},
			func(d *storage.Delivery) {
				d.NextAt, d.Attempts, d.LastMessage, d.UpdatedAt = due.UnixMilli(), 1, "timeout", at
			}},
		{"retry with the attempts spent", 1,
			storage.DeliveryOutcome{Result: storage.DeliveryRetry{Due: due, Failed: true}, Attempts: 1, Message: "timeout", At: at},
			func(d *storage.Delivery) {
				d.State, d.NextAt, d.Attempts, d.LastMessage, d.UpdatedAt = storage.DeliveryFailed, due.UnixMilli(), 1, "timeout", at
			}},
		{"closed", 1,
			storage.DeliveryOutcome{Result: storage.DeliveryClosed{Why: "lead 9 no longer exists"}, At: at},
			func(d *storage.Delivery) {
				d.State, d.LastMessage, d.UpdatedAt = storage.DeliveryFailed, "lead 9 no longer exists", at
			}},
		{"handed back", 1,
			storage.DeliveryOutcome{Result: storage.DeliveryRetry{Due: due}},
			func(d *storage.Delivery) { d.NextAt = due.UnixMilli() }},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := at.Add(-time.Hour)
		var queued []storage.Delivery
		for i, c := range cases {
			queued = append(queued, storage.Delivery{LeadID: int64(i + 1), IntegrationID: 7, Mode: "postback",
				Key: "paid", Status: lead.Paid, NextAt: now.UnixMilli(), Version: c.version, LastMessage: "earlier"})
		}
		if _, err := s.WriteOutcomes(ctx, storage.Outcomes{Enqueue: queued}); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimDeliveries(ctx, storage.Claim{Integration: 7, Mode: "postback", Now: now.UnixMilli(),
			LeaseUntil: now.Add(time.Minute).UnixMilli(), Token: "mine", Limit: len(cases)})
		if err != nil || len(claimed) != len(cases) {
			t.Fatalf("claimed %d deliveries, %v; want %d", len(claimed), err, len(cases))
		}
		// Every row is claimed, lowest id first, as deliveries reads them.
		before := deliveries(t, s)
		var o storage.Outcomes
		for i, c := range cases {
			c.outcome.ID, c.outcome.Token = claimed[i].ID, "mine"
			o.Deliveries = append(o.Deliveries, c.outcome)
		}
		counts, err := s.WriteOutcomes(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if counts.Deliveries != int64(len(cases)) {
			t.Errorf("wrote %d deliveries, want %d", counts.Deliveries, len(cases))
		}
		after := deliveries(t, s)
		for i, c := range cases {
			want := before[i]
			want.ClaimToken = ""
			c.want(&want)
			if diff := cmp.Diff(want, after[i]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		}
	})
}
