// Package examplestest runs the example integrations of examples/ the way
// an installation runs them: the example's import files are read as
// leadrelay import reads them (scripts from their "@file.lua"), their URLs
// pointed at a fake Target, and imported through bundle.Import into a fresh
// database; leads then come in through the real HTTP API, and a real
// dispatcher on a fake clock sends them when a test calls Sweep.
//
// A test in an example's folder reads:
//
//	examplestest.Run(t, []string{"retrack.json"}, func(t *testing.T, h *examplestest.Harness) {
//		h.Target.Always(examplestest.OK(`{"data":{"uuid":"u-1"}}`))
//		id := h.NewLead(map[string]any{"alias": "retrack_se", "click_id": "c-1"})
//		h.Sweep("new")
//		req := h.Target.TakeOne(t) // the exact request
//		…
//	})
package examplestest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/examples"
	"github.com/leadrelay/leadrelay/integrations/bundle"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// AdminToken is the admin API token of every harness.
const AdminToken = "examples-admin-token"

// Start is where every harness's clock stands at first: Monday 5 January
// 2026, 09:00 UTC.
var Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Harness is an installation with an example imported: the database, the
// dispatcher on a fake clock, the HTTP API in front of them, and the fake
// target the example's requests go to.
type Harness struct {
	Store      *storage.Store
	Dispatcher *dispatcher.Dispatcher
	Clock      *clock.Fake
	Target     *Target
	// Bundle is what was imported, its URLs pointed at Target.
	Bundle *bundle.Bundle

	t       *testing.T
	handler http.Handler
}

// Run runs fn on every storage backend (SQLite, and MariaDB/MySQL when
// LEADRELAY_TEST_MYSQL_DSN is set), each with a harness that imported files,
// import files of the test's folder.
func Run(t *testing.T, files []string, fn func(t *testing.T, h *Harness)) {
	t.Helper()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		fn(t, New(t, s, files...))
	})
}

// New builds a harness on store and imports files, import files of the
// test's folder, with their URLs pointed at the harness's target.
func New(t *testing.T, store *storage.Store, files ...string) *Harness {
	t.Helper()
	fake := clock.NewFake(Start)
	d, err := dispatcher.New(dispatcher.Config{
		Store:  store,
		Engine: scripting.NewEngine(scripting.Config{Timeout: time.Second}),
		Tokens: macros.NewTokens([]byte("examples secret")),
		Clock:  fake,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	srv, err := api.New(api.Options{Store: store, Dispatcher: d, AdminToken: AdminToken, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	h := &Harness{Store: store, Dispatcher: d, Clock: fake, Target: NewTarget(t), t: t, handler: srv.Handler()}
	h.Bundle = h.importFiles(files)
	return h
}

// importFiles reads the files, points them at the target and imports them.
func (h *Harness) importFiles(files []string) *bundle.Bundle {
	h.t.Helper()
	all := &bundle.Bundle{}
	for _, name := range files {
		b, err := bundle.ReadFile(os.DirFS("."), name)
		if err != nil {
			h.t.Fatal(err)
		}
		all.Append(b)
	}
	examples.PointAt(all, h.Target.URL())
	if _, err := bundle.Import(context.Background(), h.Store, api.ImportChecker(h.Dispatcher), all); err != nil {
		h.t.Fatalf("importing %v: %v", files, err)
	}
	return all
}

// Answer is an answer of leadrelay's HTTP API.
type Answer struct {
	Code int
	// Body is the JSON object answered; nil when the answer is not one.
	Body map[string]any
	Raw  string
}

// Call sends a request to leadrelay's HTTP API; body (if not nil) goes as
// JSON, and admin adds the admin token.
func (h *Harness) Call(method, path string, body any, admin bool) Answer {
	h.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			h.t.Fatal(err)
		}
	}
	r := httptest.NewRequest(method, path, bytes.NewReader(raw))
	r.Header.Set("Content-Type", "application/json")
	if admin {
		r.Header.Set("Authorization", "Bearer "+AdminToken)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, r)
	a := Answer{Code: rec.Code, Raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &a.Body)
	return a
}

// intakeAnswer is the answer of POST /api/v1/leads.
type intakeAnswer struct {
	LeadID int64                  `json:"lead_id"`
	Sync   *dispatcher.SyncResult `json:"sync"`
}

// post takes a lead in through POST /api/v1/leads, which must answer 201.
func (h *Harness) post(fields map[string]any, admin bool) intakeAnswer {
	h.t.Helper()
	a := h.Call(http.MethodPost, "/api/v1/leads", fields, admin)
	if a.Code != http.StatusCreated {
		h.t.Fatalf("POST /api/v1/leads %v: %d %s", fields, a.Code, a.Raw)
	}
	var out intakeAnswer
	if err := json.Unmarshal([]byte(a.Raw), &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// NewLead takes a lead in through POST /api/v1/leads, as a publisher sends
// it (with a campaign alias), and returns its id.
func (h *Harness) NewLead(fields map[string]any) int64 {
	h.t.Helper()
	return h.post(fields, false).LeadID
}

// AdminLead takes a lead in as an admin may, without a campaign (the
// fields name its offer), and returns its id.
func (h *Harness) AdminLead(fields map[string]any) int64 {
	h.t.Helper()
	return h.post(fields, true).LeadID
}

// SyncLead takes a lead in with sync=1, as a landing page that waits for
// the synchronous send, and returns its id and what the page is told.
func (h *Harness) SyncLead(fields map[string]any) (int64, dispatcher.SyncResult) {
	h.t.Helper()
	with := map[string]any{"sync": 1}
	for k, v := range fields {
		with[k] = v
	}
	a := h.post(with, false)
	if a.Sync == nil {
		h.t.Fatalf("POST /api/v1/leads with sync=1 answered no sync result")
	}
	return a.LeadID, *a.Sync
}

// SetStatus moves a lead to status as the call centre does, with
// PATCH /api/v1/admin/leads/{id}, which must answer 200.
func (h *Harness) SetStatus(id int64, status string) {
	h.t.Helper()
	a := h.Call(http.MethodPatch, "/api/v1/admin/leads/"+strconv.FormatInt(id, 10), map[string]any{"status": status}, true)
	if a.Code != http.StatusOK {
		h.t.Fatalf("PATCH status %s: %d %s", status, a.Code, a.Raw)
	}
}

// Token is the lead token ({eid}) of a lead, for the public endpoints.
func (h *Harness) Token(id int64) string { return h.Dispatcher.Tokens().Encode(id) }

// Sweep runs one sweep of mode ("" for all) at the clock's time and returns
// the outcomes by name.
func (h *Harness) Sweep(mode string) map[string]int {
	h.t.Helper()
	counts, err := h.Dispatcher.Sweep(context.Background(), mode)
	if err != nil {
		h.t.Fatalf("sweep %q: %v", mode, err)
	}
	return counts
}

// NextMinute moves the clock a minute on, when a retried lead falls due.
func (h *Harness) NextMinute() { h.Clock.Advance(time.Minute) }

// Lead loads a lead as it is stored.
func (h *Harness) Lead(id int64) *lead.Lead {
	h.t.Helper()
	l, err := h.Store.GetLead(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return l
}

// Attempts returns a lead's attempts in a mode, oldest first: the log rows
// of its sends (rows of arrivals, status changes and changed marks left out).
func (h *Harness) Attempts(id int64, mode string) []storage.LogEntry {
	h.t.Helper()
	rows, err := h.Store.ListLog(context.Background(), storage.LogFilter{LeadID: id})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []storage.LogEntry
	for _, r := range rows {
		if r.Mode == mode && r.Attempt > 0 {
			out = append(out, r)
		}
	}
	return out
}

// LastAttempt is a lead's latest attempt in a mode; it fails the test when
// there is none.
func (h *Harness) LastAttempt(id int64, mode string) storage.LogEntry {
	h.t.Helper()
	rows := h.Attempts(id, mode)
	if len(rows) == 0 {
		h.t.Fatalf("lead %d has no %s attempt", id, mode)
	}
	return rows[len(rows)-1]
}
