package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
)

// bareRate sends n lead-sized requests to the CRM's /bare through an
// integrations.Client with the settings of the processes' clients, from as
// many goroutines as the run's total concurrency, and returns requests/s:
// the rate with no database, no scripts and no leadrelay.
func bareRate(crmURL string, c Config, n int) float64 {
	conc := c.Concurrency * c.Procs
	client := integrations.NewClient(integrations.ClientOptions{Concurrency: conc})
	body := `{"id":"0","name":"Load Test 0","phone":"447700900000","email":"load0@example.com","click":"clk0","sub1":"adset_0"}`
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				req, _ := http.NewRequest(http.MethodPost, crmURL+"/bare", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				_, _, _ = client.Do(context.Background(), req, c.Timeout)
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}
