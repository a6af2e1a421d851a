package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/api/publisher"
	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// benchServer is leadrelay's API on a real listener, on a fresh database.
func benchServer(b *testing.B, dsn string) (*httptest.Server, *storage.Store) {
	b.Helper()
	s := storagetest.Open(b, dsn)
	d, err := dispatcher.New(dispatcher.Config{Store: s, Engine: scripting.NewEngine(scripting.Config{}),
		Tokens: macros.NewTokens([]byte("bench")), Registerer: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(d.Close)
	srv, err := api.New(api.Options{Store: s, Dispatcher: d})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(hs.Close)
	return hs, s
}

var leadBody = []byte(`{"alias":"bench","name":"John Doe","phone":"+44 7123 456789","country":"gb",` +
	`"click_id":"abc123xyz","sub1":"adset_29384","sub2":"creative_118","utm_source":"facebook","price":49,` +
	`"items":{"17":[1,49,12.5]},"landing_variant":"b"}`)

// expectPost sends body over c and fails the benchmark on an answer other
// than want.
func expectPost(b *testing.B, c *publisher.Conn, path string, body []byte, want int) {
	code, err := c.Post(path, "application/json", body)
	switch {
	case err != nil:
		b.Error(err)
	case code != want:
		b.Errorf("%s: status %d, want %d", path, code, want)
	}
}

// postAtOnce posts b.N bodies to path from intakeClients clients at once,
// each over a connection of its own, body(n) the n-th; it fails the
// benchmark on an answer other than want and reports the posts a second
// as unit.
func postAtOnce(b *testing.B, base, path string, want int, unit string, body func(n int64) []byte) {
	var seq atomic.Int64
	b.SetParallelism(max(1, intakeClients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := publisher.New(base)
		defer c.Close()
		for pb.Next() {
			expectPost(b, c, path, body(seq.Add(1)), want)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), unit)
}

// BenchmarkIntake posts leads over HTTP from intakeClients concurrent
// clients and reports leads/s, on each database.
func BenchmarkIntake(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			hs, s := benchServer(b, backend.DSN(b))
			if err := storage.PutObject(context.Background(), s, &catalog.Campaign{Alias: "bench", Offer: 1}); err != nil {
				b.Fatal(err)
			}
			postAtOnce(b, hs.URL, "/api/v1/leads", http.StatusCreated, "leads/s", func(int64) []byte { return leadBody })
		})
	}
}

// BenchmarkIntakeDuplicates is BenchmarkIntake with a phone of its own on
// each lead, with the offer's duplicate check off and on (by phone and
// email, 30 days): what the check costs a lead that is not a duplicate.
func BenchmarkIntakeDuplicates(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		for _, check := range []struct {
			name string
			dup  *catalog.Duplicates
		}{{"off", nil}, {"on", &catalog.Duplicates{Days: 30, By: []string{"phone", "email"}}}} {
			b.Run(backend.Name+"/"+check.name, func(b *testing.B) {
				hs, s := benchServer(b, backend.DSN(b))
				ctx := context.Background()
				if err := storage.PutObject(ctx, s, &catalog.Offer{ID: 1, Name: "bench", Duplicates: check.dup}); err != nil {
					b.Fatal(err)
				}
				if err := storage.PutObject(ctx, s, &catalog.Campaign{Alias: "bench", Offer: 1}); err != nil {
					b.Fatal(err)
				}
				postAtOnce(b, hs.URL, "/api/v1/leads", http.StatusCreated, "leads/s", func(n int64) []byte {
					return fmt.Appendf(nil, `{"alias":"bench","name":"John Doe","phone":"+44 7123 %06d","email":"john%d@example.com","country":"gb",`+
						`"click_id":"abc123xyz","sub1":"adset_29384","utm_source":"facebook","price":49}`, n, n)
				})
			})
		}
	}
}

// BenchmarkSyncOverhead measures what a sync send adds to the wait of the
// landing page over the target's own time: each lead is posted with sync=1
// to an integration whose target answers at once, and the target's time
// (measured inside it) is taken off the request's. One request at a time,
// so the latencies are not queueing.
func BenchmarkSyncOverhead(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			hs, s := benchServer(b, backend.DSN(b))
			var targetNanos atomic.Int64
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				t0 := time.Now()
				_, _ = io.Copy(io.Discard, r.Body)
				_, _ = io.WriteString(w, `{"id":84921}`)
				targetNanos.Store(time.Since(t0).Nanoseconds())
			}))
			b.Cleanup(target.Close)
			integ := syncBenchIntegration(b, s, target.URL)
			if err := storage.PutObject(context.Background(), s, &catalog.Campaign{Alias: "bench", Offer: 1, Integration: integ}); err != nil {
				b.Fatal(err)
			}
			c := publisher.New(hs.URL)
			defer c.Close()
			plain := latencies(b, c, "/api/v1/leads", leadBody, nil)
			synced := latencies(b, c, "/api/v1/leads?sync=1", leadBody, &targetNanos)
			for _, p := range []int{50, 99} {
				b.ReportMetric(ms(percentile(plain, p)), fmt.Sprintf("plain-p%d-ms", p))
				b.ReportMetric(ms(percentile(synced, p)), fmt.Sprintf("sync-p%d-ms", p))
				b.ReportMetric(ms(percentile(synced, p)-percentile(plain, p)), fmt.Sprintf("added-p%d-ms", p))
			}
		})
	}
}

func syncBenchIntegration(b *testing.B, s *storage.Store, url string) int64 {
	doc := fmt.Sprintf(`{"name":"bench","enabled":true,"offers":[1],"sync":{"enabled":true,"url":%q,"format":"json",`+
		`"fields":"phone {phone}\nname {name}","post":"local r = json.decode(result)\nreturn r.id"}}`, url)
	rec := &storage.IntegrationRecord{Name: "bench", Enabled: true, Document: doc}
	if err := s.SaveIntegration(context.Background(), rec); err != nil {
		b.Fatal(err)
	}
	return rec.ID
}

// latencies posts b.N leads one after the other and returns each one's
// time, less the target's own when target is given.
func latencies(b *testing.B, c *publisher.Conn, path string, body []byte, target *atomic.Int64) []time.Duration {
	out := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		if target != nil {
			target.Store(0)
		}
		t0 := time.Now()
		expectPost(b, c, path, body, http.StatusCreated)
		d := time.Since(t0)
		if target != nil {
			d -= time.Duration(target.Load())
		}
		out = append(out, d)
	}
	return out
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// intakeClients is how many landing pages post at once in BenchmarkIntake.
const intakeClients = 64

// BenchmarkStatusBurst posts status updates and webhooks from
// intakeClients concurrent clients, each a change of an existing lead's
// status, and reports changes/s on each database: what a CRM's burst of
// postbacks meets, one transaction a change.
func BenchmarkStatusBurst(b *testing.B) {
	const leads = 512
	for _, backend := range storagetest.Backends() {
		for _, route := range []string{"status", "hook"} {
			b.Run(backend.Name+"/"+route, func(b *testing.B) {
				hs, s := benchServer(b, backend.DSN(b))
				ctx := context.Background()
				doc := `{"name":"crm","enabled":true,"offers":[1],"hook":"local b = json.decode(result)\nreturn {lead_id = b.id, status = b.status}"}`
				integ := &storage.IntegrationRecord{Name: "crm", Enabled: true, Document: doc}
				if err := s.SaveIntegration(ctx, integ); err != nil {
					b.Fatal(err)
				}
				if err := storage.PutObject(ctx, s, &catalog.Campaign{Alias: "bench", Offer: 1, Integration: integ.ID}); err != nil {
					b.Fatal(err)
				}
				ids := make([]int64, leads)
				for i := range ids {
					l := &lead.Lead{Name: "Ann", Campaign: "bench", OfferID: 1, IntegrationID: integ.ID, Status: lead.Processing}
					if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
						b.Fatal(err)
					}
					ids[i] = l.ID
				}
				path := "/api/v1/status"
				if route == "hook" {
					path = "/api/v1/hooks/" + strconv.FormatInt(integ.ID, 10)
				}
				postAtOnce(b, hs.URL, path, http.StatusOK, "changes/s", func(n int64) []byte {
					// Processing and Callback in turn: every post changes its lead.
					id, status := ids[n%leads], 2+(n/leads)%2
					return fmt.Appendf(nil, `{"alias":"bench","lead_id":%d,"id":%d,"order_status":"%d","status":"%d"}`, id, id, status, status)
				})
			})
		}
	}
}
