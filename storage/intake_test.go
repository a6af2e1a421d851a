package storage_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"
	sqlite "modernc.org/sqlite"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// refuseLeads makes the database refuse every lead named "refused", as it
// refuses a row it cannot take.
func refuseLeads(t *testing.T, s *storage.Store) {
	t.Helper()
	trigger := "CREATE TRIGGER refuse_lead BEFORE INSERT ON leads FOR EACH ROW " +
		"IF NEW.name = 'refused' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'lead refused'; END IF"
	if s.Dialect() == storage.SQLite {
		trigger = "CREATE TRIGGER refuse_lead BEFORE INSERT ON leads WHEN NEW.name = 'refused' " +
			"BEGIN SELECT RAISE(ABORT, 'lead refused'); END"
	}
	if err := s.Exec(context.Background(), trigger); err != nil {
		t.Fatal(err)
	}
}

// intake is one concurrent CreateLeadWith call and its answer.
type intake struct {
	lead *lead.Lead
	row  *storage.LogEntry
	err  error
}

// createAll stores n leads at once, each from its own goroutine; every
// hundredth is named "refused".
func createAll(s *storage.Store, n int) []*intake {
	out := make([]*intake, n)
	for i := range out {
		name := fmt.Sprintf("lead %d", i)
		if i%100 == 99 {
			name = "refused"
		}
		out[i] = &intake{lead: &lead.Lead{Name: name}, row: &storage.LogEntry{Mode: "intake", Outcome: "SUCCESS", Message: name}}
	}
	atOnce(n, func(i int) { out[i].err = s.CreateLeadWith(context.Background(), out[i].lead, out[i].row, nil) })
	return out
}

// atOnce runs f(i) for each i below n, each in a goroutine of its own, and
// waits for them all.
func atOnce(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

func TestCreateLeadWithStoresEachOfManyConcurrentLeadsOnce(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		refuseLeads(t, s)
		intakes := createAll(s, 1000)
		leads, err := s.ListLeads(ctx, storage.LeadFilter{Limit: 2000})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{Limit: 2000})
		if err != nil {
			t.Fatal(err)
		}
		stored := map[int64]string{}
		for _, l := range leads {
			stored[l.ID] = l.Name
		}
		logged := map[int64][]string{}
		for _, r := range rows {
			logged[r.LeadID] = append(logged[r.LeadID], r.Message)
		}
		refused := 0
		for _, in := range intakes {
			if in.lead.Name == "refused" {
				refused++
				if in.err == nil || in.lead.ID != 0 {
					t.Errorf("a refused lead: err %v, id %d; want an error and no id", in.err, in.lead.ID)
				}
				continue
			}
			if in.err != nil {
				t.Errorf("%s: %v", in.lead.Name, in.err)
				continue
			}
			if got := stored[in.lead.ID]; got != in.lead.Name {
				t.Errorf("lead %d is %q, want %q", in.lead.ID, got, in.lead.Name)
			}
			if got := logged[in.lead.ID]; len(got) != 1 || got[0] != in.lead.Name || in.row.LeadID != in.lead.ID {
				t.Errorf("log rows of lead %d (%s): %q", in.lead.ID, in.lead.Name, got)
			}
		}
		if want := len(intakes) - refused; len(leads) != want || len(rows) != want {
			t.Errorf("%d leads and %d log rows stored, want %d of each", len(leads), len(rows), want)
		}
	})
}

func TestCreateLeadWithGathersLeadsWhileACommitIsInFlight(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		refuseLeads(t, s)
		release := holdLeadWrites(t, s)
		const n = 300
		done := make(chan []*intake)
		go func() { done <- createAll(s, n) }()
		for {
			pending, _ := storage.IntakeQueue(s)
			if pending == n {
				break
			}
			runtime.Gosched()
		}
		release()
		for _, in := range <-done {
			if (in.err == nil) == (in.lead.Name == "refused") {
				t.Errorf("%s: %v", in.lead.Name, in.err)
			}
		}
		_, groups := storage.IntakeQueue(s)
		if most := int64(storage.GroupsAtOnce(s) + (n+storage.MaxGroup-1)/storage.MaxGroup); groups > most {
			t.Errorf("%d leads took %d transactions, want at most %d", n, groups, most)
		}
		if err := s.CreateLeadWith(ctx, &lead.Lead{Name: "alone"}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if _, after := storage.IntakeQueue(s); after != groups+1 {
			t.Errorf("a lone lead took %d transactions, want 1", after-groups)
		}
	})
}

// TestCreateLeadWithFailsAGroupTheDatabaseCannotTake holds the leads table
// locked while a burst waits on a MySQL session that gives up on a lock
// after a second: every lead is answered with the error and none is stored.
func TestCreateLeadWithFailsAGroupTheDatabaseCannotTake(t *testing.T) {
	t.Parallel()
	s, impatient, ok := impatientMySQL(t)
	if !ok {
		return
	}
	release := holdLeadWrites(t, s)
	intakes := createAll(impatient, 200)
	release()
	for _, in := range intakes {
		if in.err == nil || !strings.Contains(in.err.Error(), "Lock wait timeout") || in.lead.ID != 0 {
			t.Fatalf("%s: id %d, err %v; want the lock wait's error and no id", in.lead.Name, in.lead.ID, in.err)
		}
	}
	if leads, err := s.ListLeads(context.Background(), storage.LeadFilter{}); err != nil || len(leads) != 0 {
		t.Errorf("%d leads stored (%v), want none", len(leads), err)
	}
}

// impatientMySQL opens a store on a new MySQL database, and a second store
// on it whose sessions give up on a lock after a second; ok is false when
// the tests have no MySQL.
func impatientMySQL(t *testing.T) (s, impatient *storage.Store, ok bool) {
	t.Helper()
	for _, b := range storagetest.Backends() {
		if b.Name != "mysql" {
			continue
		}
		dsn := b.DSN(t)
		s := storagetest.Open(t, dsn)
		impatient, err := storage.Open(context.Background(), dsn+"?lock_wait_timeout=1")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = impatient.Close() })
		return s, impatient, true
	}
	return nil, nil, false
}

// holdLeadWrites holds the leads table (see storage.HoldLeadWrites) until
// the returned func is called.
func holdLeadWrites(t *testing.T, s *storage.Store) (release func()) {
	t.Helper()
	release, err := storage.HoldLeadWrites(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return release
}

func TestCreateLeadWithRefusesALeadWithAnID(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		err := s.CreateLeadWith(context.Background(), &lead.Lead{ID: 7, Name: "old"}, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "lead 7") {
			t.Errorf("err = %v, want one naming lead 7", err)
		}
		if leads, err := s.ListLeads(context.Background(), storage.LeadFilter{}); err != nil || len(leads) != 0 {
			t.Errorf("leads = %v, %v; want none", leads, err)
		}
	})
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"a broken connection", fmt.Errorf("storing leads: %w", driver.ErrBadConn), true},
		{"a refused dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"a server gone", mysqldriver.ErrInvalidConn, true},
		{"too many connections", &mysqldriver.MySQLError{Number: 1040}, true},
		{"a read-only server", &mysqldriver.MySQLError{Number: 1290}, true},
		{"a row too long", &mysqldriver.MySQLError{Number: 1406}, false},
		{"a trigger's refusal", &mysqldriver.MySQLError{Number: 1644}, false},
		{"a time limit", context.DeadlineExceeded, true},
		{"a plain error", errors.New("lead refused"), false},
		{"a SQLite error", &sqlite.Error{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := storage.Unavailable(tc.err); got != tc.want {
				t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
