package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// crm is the fake CRM on a loopback port. Leads come to /leads, the bare
// loop's requests to /bare; both get the same behaviour, only leads are
// counted. GET /leads/find?id=N is its lookup: {"id":"cN"} for a lead it
// has stored, {} otherwise.
type crm struct {
	b   Behaviour
	url string
	srv *http.Server

	mu       sync.Mutex
	leads    map[int64]*sends
	requests int
	accepted int // distinct leads accepted
	first    time.Time
	// mark is closed when markAt distinct leads have been accepted.
	markAt int
	mark   chan struct{}
}

// sends is what one lead met at the CRM.
type sends struct {
	requests int
	accepted int
	// at is when the CRM first accepted the lead.
	at time.Time
}

// answer is one way of answering a request.
type answer int

const (
	answerOK answer = iota
	answerError
	answerTimeout
	answerReset
	answerThrottle
	answerSlow
	answerHang
	answerDuplicate
)

// startCRM listens on a loopback port and serves until close; mark closes
// once markAt distinct leads are accepted (never when markAt is 0).
func startCRM(b Behaviour, markAt int) (*crm, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the fake CRM: %w", err)
	}
	c := &crm{b: b, url: "http://" + ln.Addr().String(), leads: map[int64]*sends{}, markAt: markAt, mark: make(chan struct{})}
	c.srv = &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

func (c *crm) close() { _ = c.srv.Close() }

// ServeHTTP waits the latency, then answers as the draw says.
func (c *crm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/leads/find" {
		c.find(w, r)
		return
	}
	id, isLead := c.read(r)
	if !sleep(r.Context(), c.b.Latency) {
		return
	}
	a := c.pick()
	if c.b.Dedupe && isLead && c.stored(id) {
		a = answerDuplicate
	}
	switch a {
	case answerHang:
		c.accept(id, isLead)
		<-r.Context().Done()
	case answerDuplicate:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"duplicate"}`)
	case answerError:
		http.Error(w, "the CRM is having a bad day", []int{500, 502, 503}[rand.IntN(3)])
	case answerTimeout:
		<-r.Context().Done()
	case answerReset:
		reset(w)
	case answerThrottle:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case answerSlow:
		c.accept(id, isLead)
		trickle(w, body(id), c.b.SlowBody)
	default:
		c.accept(id, isLead)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body(id))
	}
}

// read counts a lead's request and returns its id; false for the bare loop.
func (c *crm) read(r *http.Request) (int64, bool) {
	var f struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&f)
	if r.URL.Path != "/leads" {
		return 0, false
	}
	id, _ := strconv.ParseInt(f.ID, 10, 64)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first.IsZero() {
		c.first = time.Now()
	}
	c.requests++
	s := c.leads[id]
	if s == nil {
		s = &sends{}
		c.leads[id] = s
	}
	s.requests++
	return id, true
}

// pick draws the answer by the behaviour's shares.
func (c *crm) pick() answer {
	x := rand.Float64()
	for _, s := range []struct {
		a     answer
		share float64
	}{{answerError, c.b.Errors}, {answerTimeout, c.b.Timeouts}, {answerReset, c.b.Resets},
		{answerThrottle, c.b.Throttles}, {answerSlow, c.b.Slow}, {answerHang, c.b.HangAfterRead}} {
		if x < s.share {
			return s.a
		}
		x -= s.share
	}
	return answerOK
}

func (c *crm) accept(id int64, isLead bool) {
	if !isLead {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.leads[id]
	if s.accepted == 0 {
		s.at = time.Now()
		if c.accepted++; c.accepted == c.markAt {
			close(c.mark)
		}
	}
	s.accepted++
}

// stored says whether the CRM has accepted the lead.
func (c *crm) stored(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.leads[id]
	return s != nil && s.accepted > 0
}

// find answers the lookup of a lead by our id.
func (c *crm) find(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	w.Header().Set("Content-Type", "application/json")
	if !c.stored(id) {
		_, _ = io.WriteString(w, `{}`)
		return
	}
	_, _ = w.Write(body(id))
}

// progress is how many distinct leads were accepted, and when the first
// lead request came (zero before it).
func (c *crm) progress() (int, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.accepted, c.first
}

func body(id int64) []byte {
	return []byte(`{"status":"ok","id":"c` + strconv.FormatInt(id, 10) + `"}`)
}

// sleep waits d, or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// reset closes the connection with a TCP reset instead of an answer.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// trickle writes a 200 whose body comes a byte at a time over d.
func trickle(w http.ResponseWriter, b []byte, d time.Duration) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	rc := http.NewResponseController(w)
	step := d / time.Duration(len(b))
	for i := range b {
		if _, err := w.Write(b[i : i+1]); err != nil {
			return
		}
		_ = rc.Flush()
		time.Sleep(step)
	}
}
