package dispatcher_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// crm is a fake target: it records every request and answers with respond.
type crm struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	respond  func(w http.ResponseWriter, r *http.Request, body string)
}

type recorded struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

func newCRM(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, body string)) *crm {
	c := &crm{respond: respond}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.requests = append(c.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		respond := c.respond
		c.mu.Unlock()
		respond(w, r, string(b))
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *crm) got() []recorded {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]recorded(nil), c.requests...)
}

func answer(code int, body string) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// bundle is what a dispatcher test works with.
type bundle struct {
	store *storage.Store
	d     *dispatcher.Dispatcher
	clock *clock.Fake
}

func setup(t *testing.T, s *storage.Store) *bundle {
	t.Helper()
	fake := clock.NewFake(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	d, err := dispatcher.New(dispatcher.Config{
		Store:  s,
		Engine: scripting.NewEngine(scripting.Config{Timeout: time.Second}),
		Tokens: macros.NewTokens([]byte("test secret")),
		Clock:  fake,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return &bundle{store: s, d: d, clock: fake}
}

// integration stores an integration document and returns its id.
func (b *bundle) integration(t *testing.T, doc map[string]any) int64 {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	rec := &storage.IntegrationRecord{Name: "test", Enabled: true, Document: string(raw)}
	if id, ok := doc["id"].(int); ok {
		rec.ID = int64(id)
	}
	if err := b.store.SaveIntegration(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	b.d.Invalidate(rec.ID)
	return rec.ID
}

// newLead takes a lead in through the dispatcher, as the API does.
func (b *bundle) newLead(t *testing.T, l *lead.Lead) *lead.Lead {
	t.Helper()
	if l.Phone == "" {
		l.Phone = "447123456789"
	}
	if l.Country == "" {
		l.Country = "gb"
	}
	if l.OfferID == 0 {
		l.OfferID = 1
	}
	if _, err := b.d.Intake(context.Background(), dispatcher.Intake{Lead: l}); err != nil {
		t.Fatal(err)
	}
	return l
}

func (b *bundle) sweep(t *testing.T, mode string) map[string]int {
	t.Helper()
	counts, err := b.d.Sweep(context.Background(), mode)
	if err != nil {
		t.Fatalf("sweep %s: %v", mode, err)
	}
	return counts
}

func (b *bundle) lead(t *testing.T, id int64) *lead.Lead {
	t.Helper()
	l, err := b.store.GetLead(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (b *bundle) log(t *testing.T, id int64) []storage.LogEntry {
	t.Helper()
	rows, err := b.store.ListLog(context.Background(), storage.LogFilter{LeadID: id})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// lastAttempt is the newest log row of a lead that records a delivery mode.
func (b *bundle) lastAttempt(t *testing.T, id int64, mode string) storage.LogEntry {
	t.Helper()
	rows := b.log(t, id)
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Mode == mode {
			return rows[i]
		}
	}
	t.Fatalf("lead %d has no %s log row: %+v", id, mode, rows)
	return storage.LogEntry{}
}

// newMode is a new-mode section sending JSON to the fake CRM.
func newMode(url, post string) map[string]any {
	return map[string]any{"enabled": true, "url": url, "format": "json",
		"fields": "phone {phone}\nname {name}", "post": post}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
