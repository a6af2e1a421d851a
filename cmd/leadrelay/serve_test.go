package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// servingHandler hands over the address serve logs once it listens.
type servingHandler struct {
	slog.Handler
	addr chan string
}

func (h servingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h servingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "leadrelay serving" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "addr" {
				h.addr <- a.Value.String()
			}
			return true
		})
	}
	return nil
}

func TestServe(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"LEADRELAY_DSN":         "sqlite:" + filepath.Join(t.TempDir(), "lr.db"),
		"LEADRELAY_ADDR":        "127.0.0.1:0",
		"LEADRELAY_ADMIN_TOKEN": "t0ken",
	}
	h := servingHandler{Handler: slog.DiscardHandler, addr: make(chan string, 1)}
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, env: func(k string) string { return env[k] }, logger: slog.New(h)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- a.main(ctx, []string{"serve"}) }()
	base := "http://" + <-h.addr
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t0ken")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := call(http.MethodPost, "/api/v1/admin/campaigns", `{"alias":"cpa"}`); code != http.StatusCreated {
		t.Errorf("campaign: %d %s", code, body)
	}
	if code, body := call(http.MethodGet, "/api.php?action=receive&alias=cpa&phone=447123456789", ""); body != `{"status":"success","lead_id":1}` {
		t.Errorf("api.php: %d %s", code, body)
	}
	if _, body := call(http.MethodGet, "/metrics", ""); !strings.Contains(body, "leadrelay_leads_received_total 1") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics lacks the dispatcher's or the runtime's series")
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, a.stderr)
	}
}

// logLines hands over the address serve listens on, and closes outlasted
// when serve says requests outlast the HTTP grace.
type logLines struct {
	slog.Handler
	addr      chan string
	outlasted chan struct{}
}

func (h logLines) Enabled(context.Context, slog.Level) bool { return true }

func (h logLines) Handle(ctx context.Context, r slog.Record) error {
	switch {
	case r.Message == "leadrelay serving":
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "addr" {
				h.addr <- a.Value.String()
			}
			return true
		})
	case strings.HasPrefix(r.Message, "requests outlast the HTTP grace"):
		close(h.outlasted)
	}
	return nil
}

// TestServeWaitsForASweepPastTheHTTPGrace: an admin sweep whose sends
// outlast the HTTP grace when serve stops is waited for, its outcomes are
// written, and serve exits 0.
func TestServeWaitsForASweepPastTheHTTPGrace(t *testing.T) {
	t.Parallel()
	const concurrency = 2
	f := newStopFixture(t, storagetest.Backends()[0], 6, concurrency)
	env := map[string]string{"LEADRELAY_ADDR": "127.0.0.1:0"}
	for _, kv := range f.env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	h := logLines{Handler: slog.DiscardHandler, addr: make(chan string, 1), outlasted: make(chan struct{})}
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, env: func(k string) string { return env[k] },
		logger: slog.New(h), httpGrace: time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- a.main(ctx, []string{"serve"}) }()
	go adminSweep(<-h.addr)
	<-f.crm.full
	cancel()
	select {
	case <-h.outlasted:
	case code := <-done:
		t.Fatalf("serve exited %d while its sweep's sends were in flight: %s", code, a.stderr)
	}
	f.crm.release()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, a.stderr)
	}
	if processing, due := f.leads(t); processing != concurrency || due != 6-concurrency {
		t.Errorf("after the stop: %d processing, %d new and due; want %d and %d", processing, due, concurrency, 6-concurrency)
	}
}
