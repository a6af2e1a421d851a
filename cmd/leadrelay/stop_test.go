package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// heldCRM is a CRM that holds every request until released, and counts how
// often each lead arrives.
type heldCRM struct {
	*httptest.Server
	mu       sync.Mutex
	sends    map[string]int
	held     int
	holding  int // requests held before full is closed
	full     chan struct{}
	released chan struct{}
}

func newHeldCRM(t *testing.T, holding int) *heldCRM {
	c := &heldCRM{sends: map[string]int{}, holding: holding, full: make(chan struct{}), released: make(chan struct{})}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f struct {
			ID string `json:"id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&f)
		c.mu.Lock()
		c.sends[f.ID]++
		if c.held++; c.held == c.holding {
			close(c.full)
		}
		c.mu.Unlock()
		<-c.released
		_, _ = w.Write([]byte(`{"id":"` + f.ID + `"}`))
	}))
	t.Cleanup(c.Close)
	t.Cleanup(c.release)
	return c
}

func (c *heldCRM) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.released:
	default:
		close(c.released)
	}
}

// counts returns how many requests came and the most any lead got.
func (c *heldCRM) counts() (requests, most int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.sends {
		requests += n
		most = max(most, n)
	}
	return requests, most
}

// child is a leadrelay process of the test's own build.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	// logged holds, for each text watched for, a channel closed when a line
	// of the process's log holds it.
	logged map[string]chan struct{}
	// shown are the texts the log has shown.
	shown map[string]bool
	log   strings.Builder
	logMu sync.Mutex
}

// buildLeadrelay builds this command into a temporary folder.
func buildLeadrelay(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "leadrelay")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building leadrelay: %v\n%s", err, out)
	}
	return bin
}

// startChild runs bin with args and env, watching its log for the texts.
func startChild(t *testing.T, bin string, env, watch []string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, args...), done: make(chan struct{}), logged: map[string]chan struct{}{}, shown: map[string]bool{}}
	for _, text := range watch {
		c.logged[text] = make(chan struct{})
	}
	c.cmd.Env = append(os.Environ(), env...)
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.done)
		c.scan(stderr)
		_ = c.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

func (c *child) scan(r io.Reader) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		c.logMu.Lock()
		c.log.WriteString(s.Text() + "\n")
		for text, ch := range c.logged {
			if strings.Contains(s.Text(), text) {
				close(ch)
				delete(c.logged, text)
				c.shown[text] = true
			}
		}
		c.logMu.Unlock()
	}
}

// seen waits until the log has shown text, or the process has ended.
func (c *child) seen(t *testing.T, text string) {
	t.Helper()
	c.logMu.Lock()
	ch, shown := c.logged[text], c.shown[text]
	c.logMu.Unlock()
	if shown {
		return
	}
	select {
	case <-ch:
	case <-c.done:
		t.Fatalf("leadrelay ended (%v) before its log showed %q:\n%s", c.cmd.ProcessState, text, c.output())
	}
}

func (c *child) output() string {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	return c.log.String()
}

// stopFixture is a database with n new leads for one integration whose CRM
// holds its requests, at most concurrency at once.
type stopFixture struct {
	dsn   string
	store *storage.Store
	crm   *heldCRM
	env   []string
}

func newStopFixture(t *testing.T, backend storagetest.Backend, n, concurrency int) *stopFixture {
	t.Helper()
	f := &stopFixture{dsn: backend.DSN(t), crm: newHeldCRM(t, concurrency)}
	f.store = storagetest.Open(t, f.dsn)
	doc, _ := json.Marshal(map[string]any{"name": "crm", "enabled": true, "concurrency": concurrency,
		"new": map[string]any{"enabled": true, "url": f.crm.URL, "format": "json", "fields": "id {id}", "timeout": "10s",
			"post": `local r = json.decode(result) return r.id`}})
	rec := &storage.IntegrationRecord{Name: "crm", Enabled: true, Document: string(doc)}
	ctx := context.Background()
	if err := f.store.SaveIntegration(ctx, rec); err != nil {
		t.Fatal(err)
	}
	leads := make([]lead.Lead, n)
	for i := range leads {
		leads[i] = lead.Lead{Name: "Ann", Phone: "447123456789", Country: "gb", OfferID: 1, IntegrationID: rec.ID,
			NextAt: time.Now().Add(-time.Second).UnixMilli()}
	}
	if err := f.store.CreateLeads(ctx, leads); err != nil {
		t.Fatal(err)
	}
	f.env = []string{"LEADRELAY_DSN=" + f.dsn, "LEADRELAY_SECRET=stop test", "LEADRELAY_ADMIN_TOKEN=t0ken",
		"LEADRELAY_WORKERS=" + strconv.Itoa(concurrency), "LEADRELAY_SCHEDULE=0 0 1 1 *"}
	return f
}

// leads says how many leads are in processing and how many are still new,
// unclaimed and due.
func (f *stopFixture) leads(t *testing.T) (processing, due int) {
	t.Helper()
	all, err := f.store.ListLeads(context.Background(), storage.LeadFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	for _, l := range all {
		switch {
		case l.Status == lead.Processing && l.ClaimToken == "":
			processing++
		case l.Status == lead.New && l.ClaimToken == "" && l.NextAt <= now:
			due++
		}
	}
	return processing, due
}

// adminSweep asks a serve process for a sweep; the answer does not matter.
func adminSweep(addr string) {
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/admin/sweep", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer t0ken")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// TestSIGTERMDuringASweep: a SIGTERM in the middle of a sweep, run by
// `leadrelay sweep` or asked of `leadrelay serve` through the admin API,
// stops the claiming, hands back the leads not started, lets the sends in
// flight end and writes their outcomes before the process exits 0; a
// sweep afterwards sends the rest, and no lead goes out twice.
func TestSIGTERMDuringASweep(t *testing.T) {
	t.Parallel()
	bin := buildLeadrelay(t)
	const n, concurrency = 20, 4
	for _, backend := range storagetest.Backends() {
		for _, how := range []string{"sweep", "admin sweep"} {
			t.Run(backend.Name+"/"+how, func(t *testing.T) {
				t.Parallel()
				f := newStopFixture(t, backend, n, concurrency)
				var c *child
				stopped := "a second signal ends at once"
				if how == "sweep" {
					c = startChild(t, bin, f.env, []string{stopped}, "sweep")
				} else {
					addr := freeAddr(t)
					stopped = "leadrelay stopping"
					c = startChild(t, bin, append(f.env, "LEADRELAY_ADDR="+addr), []string{"leadrelay serving", stopped}, "serve")
					c.seen(t, "leadrelay serving")
					go adminSweep(addr)
				}
				<-f.crm.full
				if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				c.seen(t, stopped)
				f.crm.release()
				<-c.done
				if !c.cmd.ProcessState.Success() {
					t.Fatalf("leadrelay %s ended with %v after SIGTERM; its log:\n%s", how, c.cmd.ProcessState, c.output())
				}
				if requests, _ := f.crm.counts(); requests != concurrency {
					t.Errorf("requests = %d, want the %d in flight at the stop: the sweep went on claiming", requests, concurrency)
				}
				if processing, due := f.leads(t); processing != concurrency || due != n-concurrency {
					t.Errorf("after the stop: %d processing, %d new and due; want %d and %d", processing, due, concurrency, n-concurrency)
				}
				again := startChild(t, bin, f.env, nil, "sweep")
				<-again.done
				if !again.cmd.ProcessState.Success() {
					t.Fatalf("the next sweep ended with %v; its log:\n%s", again.cmd.ProcessState, again.output())
				}
				if requests, most := f.crm.counts(); requests != n || most != 1 {
					t.Errorf("requests = %d, most to one lead %d; want %d, each lead once", requests, most, n)
				}
				if processing, _ := f.leads(t); processing != n {
					t.Errorf("%d of %d leads in processing", processing, n)
				}
			})
		}
	}
	t.Run("second signal", func(t *testing.T) {
		t.Parallel()
		f := newStopFixture(t, storagetest.Backends()[0], n, concurrency)
		c := startChild(t, bin, f.env, []string{"a second signal ends at once"}, "sweep")
		<-f.crm.full
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		c.seen(t, "a second signal ends at once")
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		<-c.done // while the CRM still holds its requests
		var status syscall.WaitStatus
		if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
			status = ws
		}
		if !status.Signaled() || status.Signal() != syscall.SIGTERM {
			t.Errorf("after a second SIGTERM leadrelay sweep ended with %v, want killed by the signal", c.cmd.ProcessState)
		}
	})
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
