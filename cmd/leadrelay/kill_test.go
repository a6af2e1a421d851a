package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestKillDuringBurst SIGKILLs a real serve process while publishers post
// leads to it: after a restart, every lead that was answered 201 is in the
// database with its arrival's log row.
func TestKillDuringBurst(t *testing.T) {
	t.Parallel()
	killDuringBurst(t, func(*testing.T, *storage.Store) poster { return postLead },
		func(t *testing.T, s *storage.Store, id int64) {
			ctx := context.Background()
			if _, err := s.GetLead(ctx, id); err != nil {
				t.Errorf("lead %d was answered 201 and is not stored: %v", id, err)
			}
			if rows, err := s.ListLog(ctx, storage.LogFilter{LeadID: id}); err != nil || len(rows) != 1 {
				t.Errorf("lead %d was answered 201 and has log rows %v, %v; want its arrival", id, rows, err)
			}
		})
}

// poster makes the i-th post of publisher g and returns the id of the lead
// it stored or changed, once answered with success.
type poster func(client *http.Client, base string, g, i int) (int64, error)

// killDuringBurst runs a burst through a serve process SIGKILLed midway,
// on each database: a new database with the campaign "burst", which
// prepare fills and whose poster it returns; serve, posted to by the
// publishers until 200 posts were answered and it is killed; serve once
// more, started and stopped; then check of every lead a post was answered
// for.
func killDuringBurst(t *testing.T, prepare func(*testing.T, *storage.Store) poster, check func(*testing.T, *storage.Store, int64)) {
	bin := buildLeadrelay(t)
	for _, backend := range storagetest.Backends() {
		t.Run(backend.Name, func(t *testing.T) {
			t.Parallel()
			dsn := backend.DSN(t)
			s := storagetest.Open(t, dsn)
			if err := storage.PutObject(context.Background(), s, &catalog.Campaign{Alias: "burst", Offer: 1}); err != nil {
				t.Fatal(err)
			}
			post := prepare(t, s)
			if backend.Name == "sqlite" {
				_ = s.Close() // a SQLite file takes one process: serve's
			}
			acked := burstUntilKilled(startServe(t, bin, dsn), 200, post)
			startServe(t, bin, dsn).stop(t)
			if backend.Name == "sqlite" {
				s = storagetest.Open(t, dsn)
			}
			for _, id := range acked {
				check(t, s, id)
			}
			if len(acked) < 200 {
				t.Errorf("%d posts answered before the kill, want 200 or more", len(acked))
			}
		})
	}
}

// served is a running leadrelay serve.
type served struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

// startServe starts leadrelay serve on dsn and returns once it listens.
func startServe(t *testing.T, bin, dsn string) *served {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "LEADRELAY_DSN="+dsn, "LEADRELAY_ADDR=127.0.0.1:0", "LEADRELAY_SECRET=kill-test")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &served{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done })
	lines := bufio.NewScanner(stderr)
	var log strings.Builder
	for p.base == "" && lines.Scan() {
		line := lines.Text()
		log.WriteString(line + "\n")
		if _, after, ok := strings.Cut(line, `msg="leadrelay serving" addr=`); ok {
			p.base = "http://" + strings.Fields(after)[0]
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(p.done)
	}()
	if p.base == "" {
		t.Fatalf("leadrelay serve did not start:\n%s", log.String())
	}
	return p
}

// stop ends the process as an operator would.
func (p *served) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	<-p.done
}

// TestKillDuringStatusBurst SIGKILLs a real serve process while a CRM
// posts status updates to it, each for a lead of its own: after a restart,
// every change that was answered 200 is in the database with its log row.
func TestKillDuringStatusBurst(t *testing.T) {
	t.Parallel()
	killDuringBurst(t, func(t *testing.T, s *storage.Store) poster {
		ids := make([]int64, publishers*leadsEach)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				l := &lead.Lead{Name: fmt.Sprintf("lead %d", i), Campaign: "burst", OfferID: 1}
				if err := s.CreateLeadWith(context.Background(), l, nil, nil); err != nil {
					t.Error(err)
				}
				ids[i] = l.ID
			})
		}
		wg.Wait()
		return func(client *http.Client, base string, g, i int) (int64, error) {
			if i >= leadsEach {
				return 0, errors.New("no lead left")
			}
			return postStatus(client, base, ids[g*leadsEach+i])
		}
	}, func(t *testing.T, s *storage.Store, id int64) {
		ctx := context.Background()
		l, err := s.GetLead(ctx, id)
		if err != nil || l.Status != lead.Processing || l.Comment != statusComment(id) {
			t.Errorf("lead %d's change was answered 200 and the lead is %+v, %v", id, l, err)
			return
		}
		if rows, err := s.ListLog(ctx, storage.LogFilter{LeadID: id}); err != nil || len(rows) != 1 || rows[0].Mode != "status" {
			t.Errorf("lead %d's change was answered 200 and its log rows are %v, %v; want the change's", id, rows, err)
		}
	})
}

// A burst is publishers clients at once; in the status burst each changes
// leadsEach leads of its own, one after the other.
const (
	publishers = 32
	leadsEach  = 40
)

func statusComment(id int64) string { return fmt.Sprintf("confirmed %d", id) }

// postStatus moves lead id to processing with a comment of its own, and
// returns id once answered 200.
func postStatus(client *http.Client, base string, id int64) (int64, error) {
	body, _ := json.Marshal(map[string]any{"alias": "burst", "lead_id": id, "order_status": "2", "comment": statusComment(id)})
	resp, err := client.Post(base+"/api/v1/status", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return id, nil
}

// burstUntilKilled posts from the publishers, post(client, base, g, i) the
// i-th post of publisher g, SIGKILLs the process once killAfter were
// answered, and returns the ids each answered post gave.
func burstUntilKilled(p *served, killAfter int, post poster) []int64 {
	var mu sync.Mutex
	var acked []int64
	var kill sync.Once
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	for g := range publishers {
		wg.Go(func() {
			for i := 0; ; i++ {
				id, err := post(client, p.base, g, i)
				if err != nil {
					return
				}
				mu.Lock()
				acked = append(acked, id)
				n := len(acked)
				mu.Unlock()
				if n >= killAfter {
					kill.Do(func() { _ = p.cmd.Process.Kill() })
				}
			}
		})
	}
	wg.Wait()
	<-p.done
	return acked
}

// postLead posts lead i of publisher g and returns its id once answered 201.
func postLead(client *http.Client, base string, g, i int) (int64, error) {
	vals := url.Values{"alias": {"burst"}, "name": {fmt.Sprintf("Publisher %d lead %d", g, i)}, "phone": {"447700900123"}}
	var resp *http.Response
	var err error
	if g%2 == 0 {
		resp, err = client.PostForm(base+"/api/v1/leads", vals)
	} else {
		body, _ := json.Marshal(map[string]string{"alias": "burst", "name": vals.Get("name"), "phone": vals.Get("phone")})
		resp, err = client.Post(base+"/api/v1/leads", "application/json", strings.NewReader(string(body)))
	}
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var m struct {
		LeadID int64 `json:"lead_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return m.LeadID, nil
}
