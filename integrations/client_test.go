package integrations

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/integrations/wire"
)

func get(t *testing.T, url string) *http.Request {
	t.Helper()
	hreq, _, err := NewHTTPRequest(context.Background(), &wire.Request{Method: "GET", URL: url}, FormatQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	return hreq
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	followed := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cabinet" {
			followed <- struct{}{}
			return
		}
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		http.Redirect(w, r, "/cabinet?token=xyz", http.StatusFound)
	}))
	defer srv.Close()
	resp, truncated, err := NewClient(ClientOptions{}).Do(context.Background(), get(t, srv.URL+"/login"), time.Second)
	if err != nil || truncated {
		t.Fatal(err, truncated)
	}
	if resp.Code != http.StatusFound || resp.Headers["Location"] != "/cabinet?token=xyz" {
		t.Errorf("response %d, Location %q: want 302 and the Location", resp.Code, resp.Headers["Location"])
	}
	if resp.Headers["Set-Cookie"] != "a=1, b=2" {
		t.Errorf("repeated header: %q", resp.Headers["Set-Cookie"])
	}
	select {
	case <-followed:
		t.Error("the redirect was followed")
	default:
	}
}

func TestClientCapsTheBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		size      int
		truncated bool
	}{
		{MaxResponseBody, false},
		{MaxResponseBody + 1, true},
		{3 * MaxResponseBody, true},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(strings.Repeat("x", tt.size)))
		}))
		resp, truncated, err := NewClient(ClientOptions{}).Do(context.Background(), get(t, srv.URL), 5*time.Second)
		srv.Close()
		if err != nil {
			t.Fatalf("a 500 is a response, not an error: %v", err)
		}
		if resp.Code != 500 || truncated != tt.truncated || len(resp.Body) != min(tt.size, MaxResponseBody) {
			t.Errorf("%d bytes: code %d, truncated %v, read %d", tt.size, resp.Code, truncated, len(resp.Body))
		}
	}
}

func TestClientTimeoutIsTransportFailure(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	hreq := get(t, srv.URL+"/slow?token=s3cret")
	_, _, err := NewClient(ClientOptions{}).Do(context.Background(), hreq, 50*time.Millisecond)
	if !errors.Is(err, ErrTransport) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v, want ErrTransport and DeadlineExceeded", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error repeats the URL: %v", err)
	}
}

func TestClientConnectionRefusedIsTransportFailure(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, _, err = NewClient(ClientOptions{}).Do(context.Background(), get(t, "http://"+addr+"/"), time.Second)
	if !errors.Is(err, ErrTransport) {
		t.Errorf("connection refused: %v, want ErrTransport", err)
	}
}

func TestClientCancelledContext(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := NewClient(ClientOptions{}).Do(ctx, get(t, srv.URL), time.Second)
	if !errors.Is(err, ErrTransport) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		code   int
		header string
		wait   time.Duration
		ok     bool
	}{
		{429, "120", 2 * time.Minute, true},
		{429, " 0 ", 0, true},
		{429, "Thu, 01 Jan 2026 12:05:00 GMT", 5 * time.Minute, true},
		{429, "Thu, 01 Jan 2026 11:00:00 GMT", 0, true},
		{429, "99999999999999999", time.Duration(1<<63 - 1).Truncate(time.Second), true},
		{429, "-5", 0, false},
		{429, "soon", 0, false},
		{429, "", 0, false},
		{503, "120", 0, false},
		{200, "120", 0, false},
	}
	for _, tt := range tests {
		resp := &wire.Response{Code: tt.code, Headers: map[string]string{}}
		if tt.header != "" {
			resp.Headers["retry-after"] = tt.header
		}
		wait, ok := RetryAfter(resp, now)
		if ok != tt.ok || wait != tt.wait {
			t.Errorf("%d Retry-After %q: %v, %v; want %v, %v", tt.code, tt.header, wait, ok, tt.wait, tt.ok)
		}
	}
	if _, ok := RetryAfter(nil, now); ok {
		t.Error("RetryAfter(nil) is ok")
	}
}
