package dispatcher_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// counter is a CRM that counts how often each lead arrives.
type counter struct {
	mu    sync.Mutex
	sends map[string]int
	hook  func()
}

func (c *counter) handler(w http.ResponseWriter, _ *http.Request, body string) {
	var f struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal([]byte(body), &f)
	c.mu.Lock()
	c.sends[f.ID]++
	hook := c.hook
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	_, _ = w.Write([]byte(`{"id":"` + f.ID + `"}`))
}

// check says whether every one of n leads was sent exactly once.
func (c *counter) check(t *testing.T, s *storage.Store, n int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	dups := 0
	for _, k := range c.sends {
		if k > 1 {
			dups++
		}
	}
	if len(c.sends) != n || dups != 0 {
		t.Errorf("distinct leads sent = %d of %d, sent more than once = %d", len(c.sends), n, dups)
	}
	counts, err := s.CountLeadsByStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[lead.Processing] != int64(n) {
		t.Errorf("leads by status = %v, want all %d processing", counts, n)
	}
}

func fillLeads(t testing.TB, s *storage.Store, integrationID int64, n int, now time.Time) {
	t.Helper()
	leads := make([]lead.Lead, n)
	for i := range leads {
		leads[i] = lead.Lead{Name: "Load", Phone: "447123456789", Country: "gb", OfferID: 1,
			IntegrationID: integrationID, NextAt: now.UnixMilli()}
	}
	if err := s.CreateLeads(context.Background(), leads); err != nil {
		t.Fatal(err)
	}
}

// newDispatcher opens its own connection pool on dsn, as another process would.
func newDispatcher(t *testing.T, dsn string, fake *clock.Fake) (*dispatcher.Dispatcher, *storage.Store) {
	t.Helper()
	s := storagetest.Open(t, dsn)
	return dispatcherOn(t, s, fake), s
}

// dispatcherOn is a dispatcher on an open store.
func dispatcherOn(t *testing.T, s *storage.Store, fake *clock.Fake) *dispatcher.Dispatcher {
	t.Helper()
	d, err := dispatcher.New(dispatcher.Config{
		Store: s, Engine: scripting.NewEngine(scripting.Config{}), Tokens: macros.NewTokens([]byte("k")),
		Clock: fake, Workers: 16,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

var countedMode = map[string]any{"enabled": true, "format": "json", "fields": "id {id}",
	"post": `local r = json.decode(result) return r.id`}

func countingIntegration(t *testing.T, s *storage.Store, url string) int64 {
	t.Helper()
	mode := map[string]any{}
	for k, v := range countedMode {
		mode[k] = v
	}
	mode["url"] = url
	doc, _ := json.Marshal(map[string]any{"name": "crm", "enabled": true, "concurrency": 8, "new": mode})
	rec := &storage.IntegrationRecord{Name: "crm", Enabled: true, Document: string(doc)}
	if err := s.SaveIntegration(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

// TestThreeDispatchersSendEachLeadOnce: three dispatchers, each with its own
// connection pool, sweep 5,000 leads on MySQL at once.
func TestThreeDispatchersSendEachLeadOnce(t *testing.T) {
	t.Parallel()
	var mysql *storagetest.Backend
	for _, b := range storagetest.Backends() {
		if b.Name == "mysql" {
			mysql = &b
		}
	}
	if mysql == nil {
		t.Skip("several processes need MySQL: set " + storagetest.EnvMySQL)
	}
	const n = 5000
	dsn := mysql.DSN(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake := clock.NewFake(time.Now())
	c := &counter{sends: map[string]int{}}
	target := newCRM(t, c.handler)
	var ds []*dispatcher.Dispatcher
	var first *storage.Store
	for i := 0; i < 3; i++ {
		d, s := newDispatcher(t, dsn, fake)
		ds = append(ds, d)
		if first == nil {
			first = s
		}
	}
	id := countingIntegration(t, first, target.URL)
	fillLeads(t, first, id, n, fake.Now())
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() {
			if _, err := d.Sweep(ctx, "new"); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
	}
	wg.Wait()
	c.check(t, first, n)
}

// TestStoppedSweepLosesNothing: a sweep whose context is cancelled after its
// sends began finishes the sends in flight and hands back the rest, and a
// process that died holding claims leaves them to expire: another dispatcher
// sends every lead, none twice.
func TestStoppedSweepLosesNothing(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			const n = 300
			dsn := b.DSN(t)
			fake := clock.NewFake(time.Now())
			c := &counter{sends: map[string]int{}}
			target := newCRM(t, c.handler)
			ctx1, stop := context.WithCancel(context.Background())
			d1, s := newDispatcher(t, dsn, fake)
			id := countingIntegration(t, s, target.URL)
			fillLeads(t, s, id, n, fake.Now())
			var once sync.Once
			c.hook = func() { once.Do(stop) } // stop as soon as the first send lands
			_, _ = d1.Sweep(ctx1, "new")
			c.mu.Lock()
			c.hook = nil
			c.mu.Unlock()
			// A "killed" process: it claims leads and never writes back.
			if _, err := s.ClaimNewLeads(context.Background(), storage.Claim{Integration: id, Mode: "new",
				Now: fake.Now().UnixMilli(), LeaseUntil: fake.Now().Add(time.Minute).UnixMilli(), Token: "dead", Limit: 50}); err != nil {
				t.Fatal(err)
			}
			ctx2, cancel2 := context.WithCancel(context.Background())
			defer cancel2()
			// The next process: on MySQL with a pool of its own; a SQLite
			// file takes one process, so there it shares the store.
			var d2 *dispatcher.Dispatcher
			if b.Name == "sqlite" {
				d2 = dispatcherOn(t, s, fake)
			} else {
				d2, _ = newDispatcher(t, dsn, fake)
			}
			for minute := 0; minute < 4; minute++ {
				fake.Advance(time.Minute)
				if _, err := d2.Sweep(ctx2, "new"); err != nil {
					t.Fatal(err)
				}
			}
			c.mu.Lock()
			twice := 0
			for _, k := range c.sends {
				if k > 1 {
					twice++
				}
			}
			sent := len(c.sends)
			c.mu.Unlock()
			if sent != n {
				t.Errorf("leads sent = %d of %d", sent, n)
			}
			if twice != 0 {
				t.Errorf("%d leads were sent twice: sends in flight at the stop must finish, not start again", twice)
			}
			counts, _ := s.CountLeadsByStatus(context.Background())
			if counts[lead.Processing] != n {
				t.Errorf("leads by status = %v", counts)
			}
		})
	}
}

// TestThreeDispatchersSendEachDeliveryOnce: three dispatchers (each with its
// own connection pool on MySQL, as three processes) sweep the changes,
// approved and postback queues of the same leads at once. Each delivery goes
// out exactly once.
func TestThreeDispatchersSendEachDeliveryOnce(t *testing.T) {
	t.Parallel()
	const n = 200
	modes := []string{"changes", "approved", "postback"}
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			fake := clock.NewFake(time.Now())
			var mu sync.Mutex
			sends := map[string]int{}
			target := newCRM(t, func(w http.ResponseWriter, r *http.Request, _ string) {
				mu.Lock()
				sends[r.URL.Path+" "+r.URL.Query().Get("lead")]++
				mu.Unlock()
				_, _ = w.Write([]byte("OK"))
			})
			stores := storagetest.Processes(t, b.DSN(t), 3)
			var ds []*dispatcher.Dispatcher
			for _, s := range stores {
				ds = append(ds, dispatcherOn(t, s, fake))
			}
			doc := map[string]any{"name": "crm", "enabled": true, "concurrency": 8}
			for _, m := range modes {
				doc[m] = map[string]any{"enabled": true, "method": "GET", "format": "query", "url": target.URL + "/" + m + "?lead={id}"}
			}
			doc["approved"].(map[string]any)["from_status"] = "packaging"
			raw, _ := json.Marshal(doc)
			rec := &storage.IntegrationRecord{Name: "crm", Enabled: true, Document: string(raw)}
			if err := stores[0].SaveIntegration(ctx, rec); err != nil {
				t.Fatal(err)
			}
			leads := make([]lead.Lead, n)
			for i := range leads {
				leads[i] = lead.Lead{Name: "Load", Status: lead.Packaging, Ext: "x" + itoa(int64(i)), IntegrationID: rec.ID, NextAt: fake.Now().UnixMilli()}
			}
			if err := stores[0].CreateLeads(ctx, leads); err != nil {
				t.Fatal(err)
			}
			var queued []storage.Delivery
			for _, l := range leads {
				queued = append(queued,
					storage.Delivery{LeadID: l.ID, IntegrationID: rec.ID, Mode: "changes", NextAt: fake.Now().UnixMilli(), Version: 1},
					storage.Delivery{LeadID: l.ID, IntegrationID: rec.ID, Mode: "postback", Key: "packaging", Status: lead.Packaging,
						NextAt: fake.Now().UnixMilli(), Version: 1})
			}
			if _, err := stores[0].WriteOutcomes(ctx, storage.Outcomes{Enqueue: queued}); err != nil {
				t.Fatal(err)
			}
			for _, m := range modes {
				var wg sync.WaitGroup
				for _, d := range ds {
					wg.Go(func() {
						if _, err := d.Sweep(ctx, m); err != nil {
							t.Errorf("%s sweep: %v", m, err)
						}
					})
				}
				wg.Wait()
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range modes {
				for _, l := range leads {
					if got := sends["/"+m+" "+itoa(l.ID)]; got != 1 {
						t.Errorf("%s of lead %d sent %d times, want once", m, l.ID, got)
					}
				}
			}
			if len(sends) != len(modes)*n {
				t.Errorf("%d distinct sends, want %d", len(sends), len(modes)*n)
			}
			depth, err := stores[0].QueueDepth(ctx, fake.Now().Add(time.Hour).UnixMilli())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range modes {
				if depth[m] != 0 {
					t.Errorf("%d %s deliveries still queued, want none", depth[m], m)
				}
			}
		})
	}
}
