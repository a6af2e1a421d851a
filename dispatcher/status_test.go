package dispatcher_test

import (
	"context"
	"testing"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestChangeStatusTakesTheLeadItIsGiven: a change that carries the lead its
// caller read is logged from that lead, without reading it again; one that
// carries another lead, or none, reads its own.
func TestChangeStatusTakesTheLeadItIsGiven(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		ctx := context.Background()
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		other := b.newLead(t, &lead.Lead{Name: "Bob"})
		seen := *l
		seen.Status = lead.Callback
		for _, tc := range []struct {
			given *lead.Lead
			to    lead.Status
			want  string
		}{
			{&seen, lead.Packaging, "status callback → packaging (test)"},
			{other, lead.Send, "status packaging → send (test)"},
			{nil, lead.Delivery, "status send → delivery (test)"},
		} {
			if err := b.d.ChangeStatus(ctx, dispatcher.StatusChange{LeadID: l.ID, Status: tc.to, Source: "test", Lead: tc.given}); err != nil {
				t.Fatal(err)
			}
			rows, err := s.ListLog(ctx, storage.LogFilter{LeadID: l.ID, NewestFirst: true, Limit: 1})
			if err != nil || len(rows) != 1 || rows[0].Message != tc.want {
				t.Errorf("to %s: log %+v, %v; want %q", tc.to, rows, err, tc.want)
			}
		}
	})
}
