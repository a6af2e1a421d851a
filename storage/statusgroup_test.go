package storage_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// change is one concurrent ChangeStatus call and its answer.
type change struct {
	leadID  int64
	comment string
	err     error
}

// changeAll changes each lead's status at once, each from its own
// goroutine: to Processing, with a comment naming the change, a postback
// and a log row.
func changeAll(s *storage.Store, ids []int64) []*change {
	out := make([]*change, len(ids))
	for i, id := range ids {
		out[i] = &change{leadID: id, comment: fmt.Sprintf("change %d", i)}
	}
	atOnce(len(ids), func(i int) {
		c := out[i]
		c.err = s.ChangeStatus(context.Background(), c.leadID, map[string]any{"status": lead.Processing, "comment": c.comment},
			[]storage.Delivery{{LeadID: c.leadID, IntegrationID: 7, Mode: "postback", Key: "processing", Status: lead.Processing, Version: 1}},
			&storage.LogEntry{LeadID: c.leadID, Mode: "status", Outcome: "SUCCESS", Message: c.comment})
	})
	return out
}

// TestChangeStatusGroupsABurst holds the leads table while a burst of
// status changes waits, two of them for leads that do not exist: the burst
// takes a few transactions, each change is written once with its postback
// and its log row, and the two missing leads fail alone.
func TestChangeStatusGroupsABurst(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		const n = 300
		leads := make([]*lead.Lead, n)
		for i := range leads {
			leads[i] = &lead.Lead{Name: "Ann", IntegrationID: 7}
		}
		ids := append(addLeads(t, s, leads...), 1_000_001, 1_000_002)
		release := holdLeadWrites(t, s)
		done := make(chan []*change)
		go func() { done <- changeAll(s, ids) }()
		for {
			if pending, _ := storage.StatusQueue(s); pending == len(ids) {
				break
			}
			runtime.Gosched()
		}
		release()
		changes := <-done
		_, groups := storage.StatusQueue(s)
		if most := int64(storage.GroupsAtOnce(s) + (len(ids)+storage.MaxGroup-1)/storage.MaxGroup); groups > most {
			t.Errorf("%d changes took %d transactions, want at most %d", len(ids), groups, most)
		}
		for _, c := range changes {
			switch {
			case c.leadID > 1_000_000:
				if !errors.Is(c.err, storage.ErrNotFound) {
					t.Errorf("lead %d, which does not exist: %v, want ErrNotFound", c.leadID, c.err)
				}
				continue
			case c.err != nil:
				t.Errorf("lead %d: %v", c.leadID, c.err)
				continue
			}
			if l, err := s.GetLead(ctx, c.leadID); err != nil || l.Status != lead.Processing || l.Comment != c.comment {
				t.Errorf("lead %d after %q: %+v, %v", c.leadID, c.comment, l, err)
			}
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{Limit: 2 * n})
		if err != nil {
			t.Fatal(err)
		}
		logged := map[int64][]string{}
		for _, r := range rows {
			logged[r.LeadID] = append(logged[r.LeadID], r.Message)
		}
		postbacks := map[int64]int{}
		for _, d := range deliveries(t, s) {
			postbacks[d.LeadID]++
		}
		for _, c := range changes[:n] {
			if got := logged[c.leadID]; len(got) != 1 || got[0] != c.comment || postbacks[c.leadID] != 1 {
				t.Errorf("lead %d: log rows %q and %d postbacks, want [%q] and 1", c.leadID, got, postbacks[c.leadID], c.comment)
			}
		}
		if len(rows) != n || len(postbacks) != n {
			t.Errorf("%d log rows and postbacks of %d leads, want %d of each", len(rows), len(postbacks), n)
		}
	})
}

// TestChangeStatusFailsAGroupTheDatabaseCannotTake holds the leads table
// locked while a burst of changes waits on a MySQL session that gives up
// on a lock after a second: every change is answered with the error, and
// no status, postback or log row is written.
func TestChangeStatusFailsAGroupTheDatabaseCannotTake(t *testing.T) {
	t.Parallel()
	s, impatient, ok := impatientMySQL(t)
	if !ok {
		return
	}
	ctx := context.Background()
	ids := addLeads(t, s, &lead.Lead{Name: "Ann"}, &lead.Lead{Name: "Bob"}, &lead.Lead{Name: "Cy"})
	release := holdLeadWrites(t, s)
	many := make([]int64, 0, 150)
	for i := range cap(many) {
		many = append(many, ids[i%len(ids)])
	}
	changes := changeAll(impatient, many)
	release()
	for _, c := range changes {
		if c.err == nil || !strings.Contains(c.err.Error(), "Lock wait timeout") {
			t.Fatalf("lead %d: %v; want the lock wait's error", c.leadID, c.err)
		}
	}
	for _, id := range ids {
		if l, err := s.GetLead(ctx, id); err != nil || l.Status != lead.New || l.Comment != "" {
			t.Errorf("lead %d: %+v, %v; want it as it was", id, l, err)
		}
	}
	rows, err := s.ListLog(ctx, storage.LogFilter{})
	if err != nil || len(rows) != 0 || len(deliveries(t, s)) != 0 {
		t.Errorf("%d log rows (%v) and %d deliveries written, want none", len(rows), err, len(deliveries(t, s)))
	}
}

// TestChangeStatusGroupsDoNotDeadlock changes a few leads many times at
// once, in a shuffled order, while two groups commit at once on MySQL: a
// group that locked its leads in the order the changes came could wait on
// the other group's locks while it waits on its own, and the database
// would fail one of them. Every change must be written.
func TestChangeStatusGroupsDoNotDeadlock(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		leads := make([]*lead.Lead, 12)
		for i := range leads {
			leads[i] = &lead.Lead{Name: "Ann"}
		}
		ids := addLeads(t, s, leads...)
		rng := rand.New(rand.NewPCG(1, 2))
		for round := range 20 {
			many := make([]int64, 0, 240)
			for i := range cap(many) {
				many = append(many, ids[i%len(ids)])
			}
			rng.Shuffle(len(many), func(i, j int) { many[i], many[j] = many[j], many[i] })
			for _, c := range changeAll(s, many) {
				if c.err != nil {
					t.Fatalf("round %d, lead %d: %v", round, c.leadID, c.err)
				}
			}
		}
	})
}
