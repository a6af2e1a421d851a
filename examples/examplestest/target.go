package examplestest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Request is a request as the target got it. Header holds the headers the
// integration sent: the HTTP client's own (User-Agent, Accept-Encoding,
// Content-Length) and the dispatcher's Idempotency-Key are left out (Take
// checks the key is there).
type Request struct {
	Method string
	Path   string
	Query  string // raw, as sent
	Header map[string]string
	Body   string
}

// Reply is what the target answers.
type Reply struct {
	Code   int
	Header map[string]string
	Body   string
	// Hang keeps the request and never answers: the sender times out after
	// it wrote the request, an uncertain send.
	Hang bool
}

// OK is a 200 answer with a body.
func OK(body string) Reply { return Reply{Code: http.StatusOK, Body: body} }

// Target is a fake target system on a loopback port: it records every
// request and answers with the function set by Reply (200 with an empty body
// until then).
type Target struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []Request
	keys     []string
	reply    func(Request) Reply
}

// transportHeaders are the headers the HTTP client adds by itself.
var transportHeaders = []string{"User-Agent", "Accept-Encoding", "Content-Length"}

// idempotencyHeader is the header the dispatcher adds to every request.
const idempotencyHeader = "Idempotency-Key"

// NewTarget starts a target, closed when t ends.
func NewTarget(t testing.TB) *Target {
	tg := &Target{reply: func(Request) Reply { return OK("") }}
	tg.srv = httptest.NewServer(http.HandlerFunc(tg.serve))
	t.Cleanup(tg.srv.Close)
	return tg
}

func (tg *Target) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: map[string]string{}, Body: string(body)}
	for name, values := range r.Header {
		req.Header[name] = strings.Join(values, ", ")
	}
	key := req.Header[idempotencyHeader]
	for _, name := range append(transportHeaders, idempotencyHeader) {
		delete(req.Header, name)
	}
	tg.mu.Lock()
	tg.requests = append(tg.requests, req)
	tg.keys = append(tg.keys, key)
	reply := tg.reply
	tg.mu.Unlock()
	rep := reply(req)
	if rep.Hang {
		<-r.Context().Done()
		return
	}
	for name, value := range rep.Header {
		w.Header().Set(name, value)
	}
	w.WriteHeader(rep.Code)
	_, _ = io.WriteString(w, rep.Body)
}

// URL is the target's base URL, http://127.0.0.1:port.
func (tg *Target) URL() string { return tg.srv.URL }

// Reply sets how the target answers from now on.
func (tg *Target) Reply(fn func(Request) Reply) {
	tg.mu.Lock()
	tg.reply = fn
	tg.mu.Unlock()
}

// Always makes the target answer every request with rep.
func (tg *Target) Always(rep Reply) { tg.Reply(func(Request) Reply { return rep }) }

// Take returns the requests received since the last Take, oldest first,
// and fails t for any that came without the dispatcher's Idempotency-Key.
func (tg *Target) Take(t testing.TB) []Request {
	t.Helper()
	tg.mu.Lock()
	reqs, keys := tg.requests, tg.keys
	tg.requests, tg.keys = nil, nil
	tg.mu.Unlock()
	for i, key := range keys {
		if !strings.HasPrefix(key, "lr-") {
			t.Errorf("request %d (%s %s) has %s %q, want the dispatcher's lr-…", i, reqs[i].Method, reqs[i].Path, idempotencyHeader, key)
		}
	}
	return reqs
}

// TakeOne returns the one request received since the last Take, and fails t
// when there was not exactly one.
func (tg *Target) TakeOne(t testing.TB) Request {
	t.Helper()
	reqs := tg.Take(t)
	if len(reqs) != 1 {
		t.Fatalf("the target got %d requests, want 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}

// Headers is a header set for a Request, built from "Name", "value" pairs.
func Headers(pairs ...string) map[string]string {
	h := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		h[http.CanonicalHeaderKey(pairs[i])] = pairs[i+1]
	}
	return h
}
