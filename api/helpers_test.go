package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

const adminToken = "admin-token-for-tests"

// bundle is what an API test works with: the real store and dispatcher
// behind the HTTP handler.
type bundle struct {
	t     *testing.T
	store *storage.Store
	d     *dispatcher.Dispatcher
	h     http.Handler
}

func setup(t *testing.T, s *storage.Store) *bundle {
	t.Helper()
	return setupWith(t, s, adminToken)
}

func setupWith(t *testing.T, s *storage.Store, token string) *bundle {
	t.Helper()
	reg := prometheus.NewRegistry()
	d, err := dispatcher.New(dispatcher.Config{
		Store:         s,
		Engine:        scripting.NewEngine(scripting.Config{Timeout: time.Second}),
		Tokens:        macros.NewTokens([]byte("test secret")),
		Registerer:    reg,
		FlushInterval: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	srv, err := api.New(api.Options{Store: s, Dispatcher: d, AdminToken: token, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{t: t, store: s, d: d, h: srv.Handler()}
}

// answer is a recorded response.
type answer struct {
	code int
	body []byte
	hdr  http.Header
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %s", a.code, a.body)
	}
	return m
}

func (a answer) String() string { return http.StatusText(a.code) + " " + string(a.body) }

// do sends one request; admin adds the admin bearer token.
func (b *bundle) do(method, path, contentType string, body io.Reader, admin bool) answer {
	b.t.Helper()
	r := httptest.NewRequest(method, path, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if admin {
		r.Header.Set("Authorization", "Bearer "+adminToken)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, r)
	return answer{code: rec.Code, body: rec.Body.Bytes(), hdr: rec.Header()}
}

func (b *bundle) sendJSON(method, path string, v any, admin bool) answer {
	b.t.Helper()
	var body io.Reader
	if s, ok := v.(string); ok {
		body = strings.NewReader(s)
	} else if v != nil {
		raw, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	return b.do(method, path, "application/json", body, admin)
}

func (b *bundle) postForm(path string, vals url.Values) answer {
	b.t.Helper()
	return b.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(vals.Encode()), false)
}

// multipartBody builds a multipart form with fields and one file.
func multipartBody(t *testing.T, fields map[string]string, fileField, fileName string, data []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		fw, err := w.CreateFormFile(fileField, fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), &buf
}

// expect checks an answer's status and, for an error, its code.
func expect(t *testing.T, a answer, status int, code string) map[string]any {
	t.Helper()
	if a.code != status {
		t.Fatalf("status %d, want %d: %s", a.code, status, a.body)
	}
	m := a.json(t)
	if code != "" && (m["status"] != "error" || m["code"] != code || m["error"] == "") {
		t.Fatalf("want an error with code %s, got %s", code, a.body)
	}
	return m
}

// leadCount counts the stored leads.
func (b *bundle) leadCount() int {
	b.t.Helper()
	leads, err := b.store.ListLeads(context.Background(), storage.LeadFilter{Limit: 1000})
	if err != nil {
		b.t.Fatal(err)
	}
	return len(leads)
}

func (b *bundle) lead(id int64) *lead.Lead {
	b.t.Helper()
	l, err := b.store.GetLead(context.Background(), id)
	if err != nil {
		b.t.Fatalf("lead %d: %v", id, err)
	}
	return l
}

// campaign stores a campaign.
func (b *bundle) campaign(c catalog.Campaign) *catalog.Campaign {
	b.t.Helper()
	if err := storage.PutObject(context.Background(), b.store, &c); err != nil {
		b.t.Fatal(err)
	}
	return &c
}

// integration stores an integration document through the admin API and
// returns its id.
func (b *bundle) integration(doc map[string]any) int64 {
	b.t.Helper()
	a := b.sendJSON(http.MethodPost, "/api/v1/admin/integrations", doc, true)
	m := expect(b.t, a, http.StatusCreated, "")
	return int64(m["id"].(float64))
}

// intake posts a lead as JSON and returns its id.
func (b *bundle) intake(v map[string]any) int64 {
	b.t.Helper()
	m := expect(b.t, b.sendJSON(http.MethodPost, "/api/v1/leads", v, false), http.StatusCreated, "")
	return int64(m["lead_id"].(float64))
}

// trustedIntake posts a lead as JSON with the admin token, whose ext,
// status, reason and commissions are taken, and returns its id.
func (b *bundle) trustedIntake(v map[string]any) int64 {
	b.t.Helper()
	m := expect(b.t, b.sendJSON(http.MethodPost, "/api/v1/leads", v, true), http.StatusCreated, "")
	return int64(m["lead_id"].(float64))
}

func (b *bundle) token(id int64) string { return b.d.Tokens().Encode(id) }

// fakeServer records requests and answers with respond.
type fakeServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

func newFakeServer(t *testing.T, respond http.HandlerFunc) *fakeServer {
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, r.Clone(context.Background()))
		f.body = append(f.body, string(b))
		f.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

func (f *fakeServer) bodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.body...)
}

func respondWith(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// httptestRequestUnknownLength is a request whose body length is not
// declared, as a chunked upload's is not.
func httptestRequestUnknownLength(method, path string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, path, io.NopCloser(body))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	return r
}

func (b *bundle) serve(r *http.Request) answer {
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, r)
	return answer{code: rec.Code, body: rec.Body.Bytes(), hdr: rec.Header()}
}

func httptestRequest(method, path, body string, headers map[string]string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// roundTrip is v as JSON decoding gives it back.
func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func idText(v any) string { return strconv.FormatInt(int64(v.(float64)), 10) }
