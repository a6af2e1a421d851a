package dispatcher_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// benchLeads and benchConcurrency size BenchmarkSweepNew: one sweep of this
// many new leads to one integration with this concurrency.
const (
	benchLeads       = 20000
	benchConcurrency = 64
)

// The scripts of a typical CRM integration: pre shapes the body and signs
// it, post reads the CRM's JSON answer and keeps its id.
const (
	benchPre = `
post.phone = "+" .. o.phone
post.country = string.upper(o.order_country)
post.order_id = o.order_id
headers["X-Signature"] = hmac_sha256(secrets.token, o.order_id .. o.phone)
`
	benchPost = `
local r = json.decode(result)
if r and r.status == "ok" then return r.id end
return false
`
)

// BenchmarkSweepNew sends 20,000 new leads with a pre and a post script to a
// loopback CRM that answers at once, in one sweep, on each database, and
// reports leads/s, and the CPU time this process spent per lead (scripts,
// client, database driver and the loopback CRM together: wall time on a
// shared machine varies, CPU time much less). In the same run a bare loop sends as many requests with
// the same client and concurrency, no database and no scripts; ratio is the
// sweep's rate over the bare loop's.
func BenchmarkSweepNew(b *testing.B) {
	crm := httptest.NewServer(http.HandlerFunc(answerAtOnce))
	b.Cleanup(crm.Close)
	for _, backend := range storagetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			client := integrations.NewClient(integrations.ClientOptions{Concurrency: benchConcurrency})
			s, d := benchDispatcher(b, backend.DSN(b), client)
			id := benchIntegration(b, s, crm.URL)
			var elapsed, cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fillLeads(b, s, id, benchLeads, time.Now())
				b.StartTimer()
				cpu0 := cpuTime()
				elapsed += sweepAll(b, d)
				cpu += cpuTime() - cpu0
			}
			swept := float64(benchLeads*b.N) / elapsed.Seconds()
			b.ReportMetric(float64(cpu.Microseconds())/float64(benchLeads*b.N), "cpu-µs/lead")
			bare := bareRate(b, client, crm.URL, benchLeads)
			b.ReportMetric(swept, "leads/s")
			b.ReportMetric(bare, "bare-req/s")
			b.ReportMetric(swept/bare, "ratio")
		})
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// answerAtOnce is the loopback CRM: it takes the order and answers with an id.
func answerAtOnce(w http.ResponseWriter, r *http.Request) {
	var f struct {
		OrderID int64 `json:"order_id"`
	}
	_ = json.NewDecoder(r.Body).Decode(&f)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok","id":"c` + strconv.FormatInt(f.OrderID, 10) + `"}`))
}

func benchDispatcher(b *testing.B, dsn string, client *integrations.Client) (*storage.Store, *dispatcher.Dispatcher) {
	b.Helper()
	s := storagetest.Open(b, dsn)
	d, err := dispatcher.New(dispatcher.Config{
		Store: s, Engine: scripting.NewEngine(scripting.Config{}), Tokens: macros.NewTokens([]byte("bench")),
		Client: client, Workers: benchConcurrency,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(d.Close)
	return s, d
}

func benchIntegration(b *testing.B, s *storage.Store, url string) int64 {
	b.Helper()
	doc, _ := json.Marshal(map[string]any{
		"name": "bench", "enabled": true, "concurrency": benchConcurrency,
		"secrets": map[string]string{"token": "s3cret"},
		"new": map[string]any{"enabled": true, "url": url, "format": "json",
			"fields": "name {name}\nphone {phone}\nclick {click_id}", "pre": benchPre, "post": benchPost},
	})
	rec := &storage.IntegrationRecord{Name: "bench", Enabled: true, Document: string(doc)}
	if err := s.SaveIntegration(context.Background(), rec); err != nil {
		b.Fatal(err)
	}
	return rec.ID
}

// sweepAll runs one sweep of new and checks that every lead went out.
func sweepAll(b *testing.B, d *dispatcher.Dispatcher) time.Duration {
	start := time.Now()
	counts, err := d.Sweep(context.Background(), "new")
	took := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	if counts[dispatcher.OutcomeSuccess] != benchLeads {
		b.Fatalf("outcomes %v, want %d successes", counts, benchLeads)
	}
	return took
}

// bareRate sends n requests of a lead's size with client from
// benchConcurrency goroutines and returns requests/s.
func bareRate(b *testing.B, client *integrations.Client, url string, n int) float64 {
	b.Helper()
	body := `{"name":"Load","phone":"447123456789","click":"","country":"GB","order_id":1}`
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range benchConcurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				bareSend(b, client, url, body)
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

func bareSend(b *testing.B, client *integrations.Client, url, body string) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		b.Error(err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, _, err := client.Do(context.Background(), req, 0)
	if err != nil || resp.Code != http.StatusOK {
		b.Errorf("bare send: %v", err)
	}
}
