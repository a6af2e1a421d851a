package publisher

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// server answers 201 to every post and keeps what each carried; it closes
// the connection after every closeEvery-th answer (0: never).
type server struct {
	*httptest.Server
	mu         sync.Mutex
	posts      []string
	conns      atomic.Int64
	answered   atomic.Int64
	closeEvery int64
}

func newServer(t *testing.T, closeEvery int64) *server {
	s := &server{closeEvery: closeEvery}
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

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.posts = append(s.posts, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type")+" "+string(body))
	s.mu.Unlock()
	if n := s.answered.Add(1); s.closeEvery > 0 && n%s.closeEvery == 0 {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(`{"status":"success","lead_id":1}`))
}

func TestPostKeepsTheConnection(t *testing.T) {
	t.Parallel()
	s := newServer(t, 0)
	c := New(s.URL)
	defer c.Close()
	bodies := []string{`{"name":"a"}`, "name=b&phone=%2B44", ""}
	for _, body := range bodies {
		if code, err := c.Post("/api/v1/leads", "application/json", []byte(body)); err != nil || code != http.StatusCreated {
			t.Fatalf("post of %q answered %d, %v", body, code, err)
		}
	}
	for i, body := range bodies {
		if want := "POST /api/v1/leads application/json " + body; s.posts[i] != want {
			t.Errorf("the server read %q, want %q", s.posts[i], want)
		}
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("3 posts took %d connections, want 1 kept alive", n)
	}
}

func TestPostRedialsAfterAClose(t *testing.T) {
	t.Parallel()
	s := newServer(t, 2)
	c := New(s.URL)
	defer c.Close()
	for i := range 6 {
		if code, err := c.Post("/", "text/plain", []byte("x")); err != nil || code != http.StatusCreated {
			t.Fatalf("post %d answered %d, %v", i, code, err)
		}
	}
	if n := s.conns.Load(); n != 3 {
		t.Errorf("6 posts with a close after every second took %d connections, want 3", n)
	}
}

func TestPostReportsAnUnreachableServer(t *testing.T) {
	t.Parallel()
	s := newServer(t, 0)
	url := s.URL
	s.Close()
	c := New(url)
	if code, err := c.Post("/", "text/plain", nil); err == nil {
		t.Fatalf("a post to a closed server answered %d and no error", code)
	}
	if c.conn != nil {
		t.Error("the failed connection is kept for the next post")
	}
}
