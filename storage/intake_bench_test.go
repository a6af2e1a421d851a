package storage_test

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// intakeCallers is how many callers store leads at once in
// BenchmarkCreateLeadWith, as the intake's 64 clients do.
const intakeCallers = 64

// BenchmarkCreateLeadWith stores leads as the intake does, with their log
// row, from 64 callers at once, so that group commit gathers them, and
// reports leads/s and this process's CPU time per lead.
func BenchmarkCreateLeadWith(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			s := storagetest.Open(b, backend.DSN(b))
			ctx := context.Background()
			var wg sync.WaitGroup
			work := make(chan struct{})
			cpu0, start := cpuTime(), time.Now()
			b.ResetTimer()
			for range intakeCallers {
				wg.Go(func() {
					for range work {
						l, row := intakeLead()
						if err := s.CreateLeadWith(ctx, l, row, nil); err != nil {
							b.Error(err)
						}
					}
				})
			}
			for range b.N {
				work <- struct{}{}
			}
			close(work)
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "leads/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/lead")
		})
	}
}

// intakeLead is a lead as a landing page sends one, and its arrival's log row.
func intakeLead() (*lead.Lead, *storage.LogEntry) {
	l := &lead.Lead{OfferID: 1, Name: "John Doe", Phone: "447123456789", Country: "gb", IP: "203.0.113.7",
		UA: "Mozilla/5.0 (Linux; Android 14)", ClickID: "abc123xyz", Sub1: "adset_29384", Sub2: "creative_118",
		UtmSource: "facebook", Price: 49, Campaign: "bench", IntegrationID: 1,
		Meta: map[string]string{"landing_variant": "b"}}
	return l, &storage.LogEntry{Mode: "intake", Outcome: "RECEIVED", Message: "new lead"}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
