package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// deliveries reads every delivery row, lowest id first.
func deliveries(t *testing.T, s *storage.Store) []storage.Delivery {
	t.Helper()
	var out []storage.Delivery
	if err := storage.DB(s).Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// addDeliveries stores delivery rows as they are.
func addDeliveries(t *testing.T, s *storage.Store, rows ...storage.Delivery) []storage.Delivery {
	t.Helper()
	if err := storage.DB(s).Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestMarkChanged: order data is written, the changes delivery goes a
// version up and is due again (unless a claim holds it), and the log row is
// written, all at once.
func TestMarkChanged(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ids := addLeads(t, s, &lead.Lead{IntegrationID: 7, City: "York", Ext: "E1"}, &lead.Lead{City: "Hull"})
		t0 := time.UnixMilli(1_700_000_000_000).UTC()
		mark := func(id, integration int64, cols map[string]any, at time.Time) {
			t.Helper()
			row := &storage.LogEntry{Time: at, LeadID: id, Mode: "changes", Outcome: "SUCCESS", Message: "changed"}
			if err := s.MarkChanged(ctx, id, integration, cols, at, row); err != nil {
				t.Fatal(err)
			}
		}
		mark(ids[0], 7, map[string]any{"city": "Leeds"}, t0)
		got := deliveries(t, s)
		if len(got) != 1 {
			t.Fatalf("deliveries = %+v, want one", got)
		}
		d := got[0]
		if d.LeadID != ids[0] || d.IntegrationID != 7 || d.Mode != "changes" || d.State != storage.DeliveryPending ||
			d.Version != 1 || d.NextAt != t0.UnixMilli() {
			t.Errorf("first change: %+v", d)
		}
		if l, _ := s.GetLead(ctx, ids[0]); l.City != "Leeds" {
			t.Errorf("city = %q, want Leeds", l.City)
		}

		// Sent and done, with attempts counted: a new change makes it due again.
		if err := s.Exec(ctx, "UPDATE deliveries SET state = 1, attempts = 3, next_at = 0"); err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(time.Minute)
		mark(ids[0], 7, nil, t1)
		d = deliveries(t, s)[0]
		if d.State != storage.DeliveryPending || d.Version != 2 || d.Attempts != 0 || d.NextAt != t1.UnixMilli() {
			t.Errorf("after a second change: state %v version %d attempts %d next_at %d", d.State, d.Version, d.Attempts, d.NextAt)
		}

		// A claim holds it: its lease is kept, so the send in flight ends first.
		if err := s.Exec(ctx, "UPDATE deliveries SET claim_token = 'tok', next_at = 99"); err != nil {
			t.Fatal(err)
		}
		mark(ids[0], 7, map[string]any{"city": "Bath"}, t1.Add(time.Minute))
		d = deliveries(t, s)[0]
		if d.Version != 3 || d.NextAt != 99 || d.ClaimToken != "tok" {
			t.Errorf("a change while claimed: version %d next_at %d token %q; want 3, the lease kept", d.Version, d.NextAt, d.ClaimToken)
		}

		// No integration: the data and the log row, no delivery.
		mark(ids[1], 0, map[string]any{"city": "Ely"}, t0)
		if n := len(deliveries(t, s)); n != 1 {
			t.Errorf("%d deliveries after a change with no integration, want 1", n)
		}
		if l, _ := s.GetLead(ctx, ids[1]); l.City != "Ely" {
			t.Errorf("city = %q, want Ely", l.City)
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{Outcome: "SUCCESS"})
		if err != nil || len(rows) != 4 {
			t.Errorf("log rows = %d, %v; want one a change", len(rows), err)
		}

		// A missing lead: nothing is written.
		err = s.MarkChanged(ctx, 999, 7, map[string]any{"city": "X"}, t0, &storage.LogEntry{LeadID: 999, Mode: "changes"})
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a missing lead: %v, want ErrNotFound", err)
		}
		if n := len(deliveries(t, s)); n != 1 {
			t.Errorf("%d deliveries after a change of a missing lead, want 1", n)
		}
		if rows, _ := s.ListLog(ctx, storage.LogFilter{LeadID: 999}); len(rows) != 0 {
			t.Errorf("a log row for a missing lead: %+v", rows)
		}
	})
}

// TestChangeStatus: the status, the postbacks and the log row; a postback
// queued already is left as it is.
func TestChangeStatus(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		id := addLeads(t, s, &lead.Lead{IntegrationID: 7})[0]
		pb := func(key string, status lead.Status, nextAt int64) storage.Delivery {
			return storage.Delivery{LeadID: id, IntegrationID: 7, Mode: "postback", Key: key, Status: status, NextAt: nextAt, Version: 1}
		}
		row := func(msg string) *storage.LogEntry {
			return &storage.LogEntry{LeadID: id, Mode: "status", Outcome: "SUCCESS", Message: msg}
		}
		if err := s.ChangeStatus(ctx, id, map[string]any{"status": lead.Processing}, []storage.Delivery{pb("processing", lead.Processing, 1)}, row("to processing")); err != nil {
			t.Fatal(err)
		}
		if err := s.ChangeStatus(ctx, id, map[string]any{"status": lead.Cancel, "reason": 3},
			[]storage.Delivery{pb("processing", lead.Processing, 2), pb("cancel", lead.Cancel, 3)}, row("to cancel")); err != nil {
			t.Fatal(err)
		}
		if err := s.ChangeStatus(ctx, id, map[string]any{"comment": "no postback"}, nil, row("comment")); err != nil {
			t.Fatal(err)
		}
		l, err := s.GetLead(ctx, id)
		if err != nil || l.Status != lead.Cancel || l.Reason != 3 || l.Comment != "no postback" {
			t.Fatalf("lead = %+v, %v", l, err)
		}
		type queued struct {
			Key    string
			Status lead.Status
			NextAt int64
		}
		var got []queued
		for _, d := range deliveries(t, s) {
			got = append(got, queued{d.Key, d.Status, d.NextAt})
		}
		want := []queued{{"processing", lead.Processing, 1}, {"cancel", lead.Cancel, 3}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("postbacks (-want +got):\n%s", diff)
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{LeadID: id})
		if err != nil || len(rows) != 3 || rows[2].Message != "comment" || rows[0].Time.IsZero() {
			t.Errorf("log = %+v, %v; want three rows, stamped", rows, err)
		}
		err = s.ChangeStatus(ctx, 999, map[string]any{"status": lead.Paid}, []storage.Delivery{{LeadID: 999, Mode: "postback"}}, row("missing"))
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a missing lead: %v, want ErrNotFound", err)
		}
		if n := len(deliveries(t, s)); n != 2 {
			t.Errorf("%d deliveries after a missing lead's change, want 2", n)
		}
	})
}

// TestChangedLeads: a lead is changed while its changes delivery is
// pending, claimed or not; done, failed or other modes do not count.
func TestChangedLeads(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if got, err := s.ChangedLeads(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("of no ids = %v, %v", got, err)
		}
		addDeliveries(t, s,
			storage.Delivery{LeadID: 1, IntegrationID: 7, Mode: "changes", State: storage.DeliveryPending},
			storage.Delivery{LeadID: 2, IntegrationID: 7, Mode: "changes", State: storage.DeliveryDone},
			storage.Delivery{LeadID: 3, IntegrationID: 7, Mode: "changes", State: storage.DeliveryFailed},
			storage.Delivery{LeadID: 4, IntegrationID: 7, Mode: "postback", State: storage.DeliveryPending},
			storage.Delivery{LeadID: 5, IntegrationID: 7, Mode: "changes", State: storage.DeliveryPending, ClaimToken: "tok"},
			storage.Delivery{LeadID: 6, IntegrationID: 7, Mode: "changes", State: storage.DeliveryPending},
			storage.Delivery{LeadID: 6, IntegrationID: 8, Mode: "changes", State: storage.DeliveryPending},
		)
		got, err := s.ChangedLeads(ctx, []int64{1, 2, 3, 4, 5, 6, 99})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[int64]bool{1: true, 5: true, 6: true}, got); diff != "" {
			t.Errorf("changed (-want +got):\n%s", diff)
		}
		if got, err := s.ChangedLeads(ctx, []int64{2, 3}); err != nil || len(got) != 0 {
			t.Errorf("of leads with nothing pending = %v, %v", got, err)
		}
	})
}

// TestQueueApproved: every lead in the status, offers and countries of the
// scope is queued once for the integration, and the count says how many.
func TestQueueApproved(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ids := addLeads(t, s,
			&lead.Lead{Status: lead.Packaging, OfferID: 1, Country: "gb"},
			&lead.Lead{Status: lead.Packaging, OfferID: 2, Country: "gb"},
			&lead.Lead{Status: lead.Packaging, OfferID: 1, Country: "de"},
			&lead.Lead{Status: lead.Send, OfferID: 1, Country: "gb"},
			&lead.Lead{Status: lead.New, OfferID: 1, Country: "gb"},
		)
		const now = 1_700_000_000_000
		queue := func(sc storage.ApprovedScope) int64 {
			t.Helper()
			sc.Now = now
			n, err := s.QueueApproved(ctx, sc)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		tests := []struct {
			name  string
			scope storage.ApprovedScope
			want  int64
		}{
			{"offer and country", storage.ApprovedScope{Integration: 7, FromStatus: lead.Packaging, Offers: []int64{1}, Countries: []string{"gb"}}, 1},
			{"again: nothing new", storage.ApprovedScope{Integration: 7, FromStatus: lead.Packaging, Offers: []int64{1}, Countries: []string{"gb"}}, 0},
			{"every offer and country", storage.ApprovedScope{Integration: 7, FromStatus: lead.Packaging}, 2},
			{"another integration", storage.ApprovedScope{Integration: 8, FromStatus: lead.Packaging, Countries: []string{"de"}}, 1},
			{"another status", storage.ApprovedScope{Integration: 8, FromStatus: lead.Send}, 1},
			{"a status nobody is in", storage.ApprovedScope{Integration: 8, FromStatus: lead.Paid}, 0},
		}
		for _, tt := range tests {
			if got := queue(tt.scope); got != tt.want {
				t.Errorf("%s: queued %d, want %d", tt.name, got, tt.want)
			}
		}
		type row struct {
			Lead, Integration int64
			Status            lead.Status
		}
		var got []row
		for _, d := range deliveries(t, s) {
			if d.Mode != "approved" || d.State != storage.DeliveryPending || d.NextAt != now || d.Version != 1 || d.CreatedAt.IsZero() {
				t.Errorf("delivery %+v: want a pending approved send due at %d", d, int64(now))
			}
			got = append(got, row{d.LeadID, d.IntegrationID, d.Status})
		}
		want := []row{{ids[0], 7, lead.Packaging}, {ids[1], 7, lead.Packaging}, {ids[2], 7, lead.Packaging},
			{ids[2], 8, lead.Packaging}, {ids[3], 8, lead.Send}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("queued (-want +got):\n%s", diff)
		}

		// Sent, or failed: never queued again.
		if err := s.Exec(ctx, "UPDATE deliveries SET state = 2 WHERE integration = 8"); err != nil {
			t.Fatal(err)
		}
		if got := queue(storage.ApprovedScope{Integration: 8, FromStatus: lead.Send}); got != 0 {
			t.Errorf("after a failed send: queued %d, want 0", got)
		}
	})
}

// TestRequeueLeads: failed or cancelled leads that match, and that no
// claim holds, go back to new with their marks cleared; the answer has
// them as they were.
func TestRequeueLeads(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ids := addLeads(t, s,
			&lead.Lead{IntegrationID: 7, Failed: true, Attempts: 1440, LastMessage: "502", Uncertain: true, CheckDue: true, OfferID: 3, Country: "gb", Campaign: "c"},
			&lead.Lead{IntegrationID: 7, Status: lead.Cancel, Reason: 6, Attempts: 1},
			&lead.Lead{IntegrationID: 7, Attempts: 2},
			&lead.Lead{IntegrationID: 8, Failed: true},
			&lead.Lead{IntegrationID: 7, Failed: true, ClaimToken: "tok"},
			&lead.Lead{IntegrationID: 7, Status: lead.Processing, Reason: 0},
		)
		now := time.UnixMilli(1_700_000_000_000).UTC()
		got, err := s.RequeueLeads(ctx, storage.LeadFilter{Integration: 7}, now)
		if err != nil {
			t.Fatal(err)
		}
		type was struct {
			ID       int64
			Status   lead.Status
			Reason   lead.Reason
			Attempts int
			Failed   bool
			Offer    int64
			Country  string
			Campaign string
		}
		var gotWas []was
		for _, l := range got {
			gotWas = append(gotWas, was{l.ID, l.Status, l.Reason, l.Attempts, l.Failed, l.OfferID, l.Country, l.Campaign})
		}
		wantWas := []was{{ids[0], lead.New, 0, 1440, true, 3, "gb", "c"}, {ids[1], lead.Cancel, 6, 1, false, 0, "", ""}}
		if diff := cmp.Diff(wantWas, gotWas); diff != "" {
			t.Errorf("requeued, as they were (-want +got):\n%s", diff)
		}
		for _, id := range ids[:2] {
			l, err := s.GetLead(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if l.Status != lead.New || l.Reason != 0 || l.Attempts != 0 || l.Failed || l.Uncertain || l.CheckDue ||
				l.NextAt != now.UnixMilli() || l.LastMessage != "" || !l.UpdatedAt.Equal(now) {
				t.Errorf("lead %d after the requeue: %+v", id, l)
			}
		}
		for _, id := range ids[2:] {
			l, err := s.GetLead(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if l.NextAt == now.UnixMilli() {
				t.Errorf("lead %d (status %v failed %v token %q) was requeued", id, l.Status, l.Failed, l.ClaimToken)
			}
		}
		if again, err := s.RequeueLeads(ctx, storage.LeadFilter{Integration: 7}, now); err != nil || len(again) != 0 {
			t.Errorf("requeueing again = %v, %v; want none", again, err)
		}
	})
}

// TestRequeueLeadsPastOneChunk: more leads than one IN list holds are all
// put back.
func TestRequeueLeadsPastOneChunk(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		leads := make([]lead.Lead, 1001)
		for i := range leads {
			leads[i].Failed = true
		}
		if err := s.CreateLeads(ctx, leads); err != nil {
			t.Fatal(err)
		}
		got, err := s.RequeueLeads(ctx, storage.LeadFilter{}, time.Now())
		if err != nil || len(got) != len(leads) {
			t.Fatalf("requeued %d, %v; want %d", len(got), err, len(leads))
		}
		if n, err := s.CountFailedLeads(ctx); err != nil || n != 0 {
			t.Errorf("%d failed leads left (%v), want none", n, err)
		}
	})
}

// TestRequeueDeliveries: the failed deliveries of one mode, of the leads
// that match, go back to pending; the answer has them as they were.
func TestRequeueDeliveries(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ids := addLeads(t, s, &lead.Lead{IntegrationID: 7}, &lead.Lead{IntegrationID: 8})
		rows := addDeliveries(t, s,
			storage.Delivery{LeadID: ids[0], IntegrationID: 7, Mode: "postback", Key: "a", State: storage.DeliveryFailed, Attempts: 1440, NextAt: 5},
			storage.Delivery{LeadID: ids[0], IntegrationID: 7, Mode: "postback", Key: "b", State: storage.DeliveryDone, Attempts: 1, NextAt: 5},
			storage.Delivery{LeadID: ids[0], IntegrationID: 7, Mode: "approved", State: storage.DeliveryFailed, Attempts: 9, NextAt: 5},
			storage.Delivery{LeadID: ids[1], IntegrationID: 8, Mode: "postback", State: storage.DeliveryFailed, Attempts: 9, NextAt: 5},
			storage.Delivery{LeadID: ids[0], IntegrationID: 7, Mode: "postback", Key: "c", State: storage.DeliveryPending, Attempts: 3, NextAt: 5},
		)
		now := time.UnixMilli(1_700_000_000_000).UTC()
		got, err := s.RequeueDeliveries(ctx, "postback", storage.LeadFilter{Integration: 7}, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != rows[0].ID || got[0].State != storage.DeliveryFailed || got[0].Attempts != 1440 {
			t.Fatalf("requeued = %+v, want delivery %d as it was", got, rows[0].ID)
		}
		after := deliveries(t, s)
		if d := after[0]; d.State != storage.DeliveryPending || d.Attempts != 0 || d.NextAt != now.UnixMilli() {
			t.Errorf("the requeued delivery: state %v attempts %d next_at %d", d.State, d.Attempts, d.NextAt)
		}
		for i, d := range after[1:] {
			if before := rows[i+1]; d.State != before.State || d.Attempts != before.Attempts || d.NextAt != before.NextAt {
				t.Errorf("delivery %d changed: %+v, was %+v", d.ID, d, before)
			}
		}
		if got, err := s.RequeueDeliveries(ctx, "changes", storage.LeadFilter{}, now); err != nil || len(got) != 0 {
			t.Errorf("a mode with nothing failed = %v, %v", got, err)
		}
		if got, err := s.RequeueDeliveries(ctx, "postback", storage.LeadFilter{IDs: []int64{ids[1]}}, now); err != nil || len(got) != 1 {
			t.Errorf("by id = %v, %v; want lead %d's postback", got, err, ids[1])
		}
	})
}

// TestPauseUntilAndPaused: a later 429 pause wins over an earlier one, and
// Paused lists the pauses still in force.
func TestPauseUntilAndPaused(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if got, err := s.Paused(ctx, 0); err != nil || len(got) != 0 {
			t.Fatalf("with no pauses = %v, %v", got, err)
		}
		newKey, pbKey := storage.PauseKey{Integration: 7, Mode: "new"}, storage.PauseKey{Integration: 7, Mode: "postback"}
		for _, p := range []struct {
			key   storage.PauseKey
			until int64
		}{{newKey, 5000}, {newKey, 3000}, {pbKey, 2000}, {pbKey, 4000}} {
			if err := s.PauseUntil(ctx, p.key.Integration, p.key.Mode, p.until); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			now  int64
			want map[storage.PauseKey]int64
		}{
			{1000, map[storage.PauseKey]int64{newKey: 5000, pbKey: 4000}},
			{4000, map[storage.PauseKey]int64{newKey: 5000}},
			{5000, map[storage.PauseKey]int64{}},
		}
		for _, tt := range tests {
			got, err := s.Paused(ctx, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("paused at %d (-want +got):\n%s", tt.now, diff)
			}
		}
		// A pause after failures lasts until a success, and waits for its probe.
		if _, err := s.AttemptFailed(ctx, storage.PauseKey{Integration: 8, Mode: "new"}, 1, 10_000, "502"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Paused(ctx, 1_000_000)
		if want := 10_000 + int64(storage.ProbeEvery); err != nil || len(got) != 1 || got[storage.PauseKey{Integration: 8, Mode: "new"}] != want {
			t.Errorf("paused after failures = %v, %v; want integration 8 new until %d", got, err, want)
		}
	})
}

func TestCountFailedLeads(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if n, err := s.CountFailedLeads(ctx); err != nil || n != 0 {
			t.Fatalf("of no leads = %d, %v", n, err)
		}
		addLeads(t, s, &lead.Lead{Failed: true}, &lead.Lead{Failed: true, Status: lead.Processing}, &lead.Lead{}, &lead.Lead{Status: lead.Cancel})
		if n, err := s.CountFailedLeads(ctx); err != nil || n != 2 {
			t.Errorf("CountFailedLeads = %d, %v; want 2", n, err)
		}
	})
}

// TestQueueDepth: new leads due by now that have not failed, and pending
// deliveries due by now, by mode.
func TestQueueDepth(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if got, err := s.QueueDepth(ctx, 1000); err != nil || !cmp.Equal(map[string]int64{"new": 0}, got) {
			t.Fatalf("of an empty queue = %v, %v; want new 0", got, err)
		}
		addLeads(t, s,
			&lead.Lead{NextAt: 500},
			&lead.Lead{NextAt: 1000},
			&lead.Lead{NextAt: 1001},
			&lead.Lead{NextAt: 500, Failed: true},
			&lead.Lead{NextAt: 500, Status: lead.Processing},
		)
		addDeliveries(t, s,
			storage.Delivery{LeadID: 1, IntegrationID: 7, Mode: "postback", Key: "a", NextAt: 1000},
			storage.Delivery{LeadID: 1, IntegrationID: 7, Mode: "postback", Key: "b", NextAt: 900},
			storage.Delivery{LeadID: 1, IntegrationID: 7, Mode: "postback", Key: "c", NextAt: 1001},
			storage.Delivery{LeadID: 1, IntegrationID: 7, Mode: "postback", Key: "d", NextAt: 1, State: storage.DeliveryDone},
			storage.Delivery{LeadID: 1, IntegrationID: 7, Mode: "changes", NextAt: 1},
			storage.Delivery{LeadID: 1, IntegrationID: 7, Mode: "approved", NextAt: 1, State: storage.DeliveryFailed},
		)
		got, err := s.QueueDepth(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int64{"new": 2, "postback": 2, "changes": 1}, got); diff != "" {
			t.Errorf("depth (-want +got):\n%s", diff)
		}
	})
}
