package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// leadServer answers the publisher's posts as the intake would, keeping
// what each carried; it closes the connection after every closeEvery-th
// answer (0: never).
type leadServer struct {
	*httptest.Server
	mu         sync.Mutex
	leads      []map[string]string
	conns      atomic.Int64
	answered   atomic.Int64
	closeEvery int64
}

func newLeadServer(t *testing.T, closeEvery int64) *leadServer {
	s := &leadServer{closeEvery: closeEvery}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *leadServer) serve(w http.ResponseWriter, r *http.Request) {
	lead := map[string]string{}
	switch r.Header.Get("Content-Type") {
	case "application/json":
		if err := json.NewDecoder(r.Body).Decode(&lead); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for k := range r.PostForm {
			lead[k] = r.PostForm.Get(k)
		}
	default:
		http.Error(w, "no Content-Type", http.StatusUnsupportedMediaType)
		return
	}
	s.mu.Lock()
	s.leads = append(s.leads, lead)
	s.mu.Unlock()
	if n := s.answered.Add(1); s.closeEvery > 0 && n%s.closeEvery == 0 {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(`{"status":"success","lead_id":1}`))
}

func TestPublisherPostsEachLeadWhole(t *testing.T) {
	t.Parallel()
	for _, form := range []bool{true, false} {
		s := newLeadServer(t, 0)
		p := newPublisher(s.URL, form)
		for i := int64(1); i <= 3; i++ {
			code, err := p.post(i * 100001)
			if err != nil || code != http.StatusCreated {
				t.Fatalf("form=%v: post %d answered %d, %v", form, i, code, err)
			}
		}
		p.close()
		want := map[string]string{"alias": intakeCampaign, "name": "Load Test 300003", "phone": "447700900003",
			"email": "load300003@example.com", "country": "gb", "click_id": "clk300003", "sub1": "adset_29384",
			"utm_source": "facebook", "landing_variant": "b"}
		if got := s.leads[2]; len(got) != len(want) {
			t.Errorf("form=%v: the server read %v, want %v", form, got, want)
		} else {
			for k, v := range want {
				if got[k] != v {
					t.Errorf("form=%v: %s = %q, want %q", form, k, got[k], v)
				}
			}
		}
		if n := s.conns.Load(); n != 1 {
			t.Errorf("form=%v: 3 posts took %d connections, want 1 kept alive", form, n)
		}
	}
}

func TestPublisherRedialsAfterAClose(t *testing.T) {
	t.Parallel()
	s := newLeadServer(t, 2)
	p := newPublisher(s.URL, true)
	defer p.close()
	for i := range int64(6) {
		if code, err := p.post(i); err != nil || code != http.StatusCreated {
			t.Fatalf("post %d answered %d, %v", i, code, err)
		}
	}
	if n := s.conns.Load(); n != 3 {
		t.Errorf("6 posts with a close after every second took %d connections, want 3", n)
	}
}

func TestPublisherReportsAnUnreachableServer(t *testing.T) {
	t.Parallel()
	s := newLeadServer(t, 0)
	url := s.URL
	s.Close()
	p := newPublisher(url, false)
	if code, err := p.post(1); err == nil {
		t.Fatalf("a post to a closed server answered %d and no error", code)
	}
	if p.conn != nil {
		t.Error("the failed connection is kept for the next post")
	}
}
