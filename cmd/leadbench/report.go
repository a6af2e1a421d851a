package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"time"
)

// report is what a run measured.
type report struct {
	leads     int
	delivered int // distinct leads the CRM accepted
	requests  int // lead requests the CRM received
	// duplicates counts acceptances beyond a lead's first.
	duplicates int
	// doubleOrders counts the leads the CRM stored more than once;
	// wrongCancels the leads cancelled as duplicates (reason 7) that the
	// CRM had stored, so were delivered.
	doubleOrders, wrongCancels int

	failed int // leads the database marked failed
	// failedSent are failed leads the CRM had accepted once all the same
	// (a send whose outcome a killed process never wrote).
	failedSent int
	// lost are leads neither accepted by the CRM, nor marked failed, nor
	// still waiting.
	lost int
	// waiting are leads still new and not failed at the end.
	waiting  int
	drain    time.Duration // first request to nothing pending
	rate     float64       // delivered / drain
	p50, p99 time.Duration // intake (created_at) to acceptance
	bare     float64       // requests/s of the bare loop
	rssMB    float64       // highest peak RSS of a process
	cpu      time.Duration // CPU time of every leadrelay process, user and system
	// inFlight is, after a kill, the leads still holding a claim token
	// that was live at the kill three seconds later: the killed process's
	// claims, and any a survivor was still sending.
	inFlight int
	killed   bool
	// termTook is how long process 0 took to exit after its SIGTERM.
	termTook time.Duration
}

// tally fills the report from the CRM's counts and the database.
func (r *report) tally(ctx context.Context, c *crm, db *database, created map[int64]time.Time) error {
	o, err := db.outcome(ctx)
	if err != nil {
		return fmt.Errorf("reading where the leads ended: %w", err)
	}
	failed, err := db.failedIDs(ctx)
	if err != nil {
		return err
	}
	waiting, err := db.waitingIDs(ctx)
	if err != nil {
		return err
	}
	cancelled, err := db.duplicateCancelIDs(ctx)
	if err != nil {
		return err
	}
	r.failed, r.waiting = o.failed, o.waiting
	c.mu.Lock()
	defer c.mu.Unlock()
	r.requests, r.delivered = c.requests, c.accepted
	var latencies []time.Duration
	for id, at := range created {
		s := c.leads[id]
		switch {
		case s != nil && s.accepted > 0:
			r.duplicates += s.accepted - 1
			if s.accepted > 1 {
				r.doubleOrders++
			}
			if cancelled[id] {
				r.wrongCancels++
			}
			latencies = append(latencies, s.at.Sub(at))
			if failed[id] {
				r.failedSent++
			}
		case !failed[id] && !waiting[id]:
			r.lost++
		}
	}
	r.p50, r.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	if r.drain > 0 {
		r.rate = float64(r.delivered) / r.drain.Seconds()
	}
	return nil
}

// percentile is the q-th of the durations (0 when there are none).
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}

// ratio is the delivery rate over the bare loop's.
func (r *report) ratio() float64 {
	if r.bare == 0 {
		return 0
	}
	return r.rate / r.bare
}

// print writes the summary; its last line is the machine-readable one.
func (r *report) print(w io.Writer, c Config) {
	fmt.Fprintf(w, "leads %d, processes %d, concurrency %d, CRM latency %s\n", r.leads, c.Procs, c.Concurrency, c.CRM.Latency)
	fmt.Fprintf(w, "delivered %d, failed %d (%d of them accepted by the CRM once), lost %d, still waiting %d\n",
		r.delivered, r.failed, r.failedSent, r.lost, r.waiting)
	fmt.Fprintf(w, "time to drain %s, %.0f leads/s\n", r.drain.Round(time.Millisecond), r.rate)
	fmt.Fprintf(w, "intake to delivery p50 %s, p99 %s\n", r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond))
	fmt.Fprintf(w, "sends per lead %.3f, duplicates %d\n", float64(r.requests)/float64(max(1, r.leads)), r.duplicates)
	if r.killed {
		fmt.Fprintf(w, "claims left by the killed process (upper bound) %d\n", r.inFlight)
	}
	if r.termTook > 0 {
		fmt.Fprintf(w, "process 0 exited %s after its SIGTERM\n", r.termTook.Round(time.Millisecond))
	}
	if r.bare > 0 {
		fmt.Fprintf(w, "bare HTTP loop %.0f requests/s, ratio %.3f\n", r.bare, r.ratio())
	}
	fmt.Fprintf(w, "leadrelay CPU %s, %.0f us a lead; peak RSS of a process %.1f MB\n",
		r.cpu.Round(time.Millisecond), float64(r.cpu.Microseconds())/float64(max(1, r.delivered)), r.rssMB)
	if c.CRM.HangAfterRead > 0 {
		fmt.Fprintf(w, "on_uncertain %s: leads the CRM stored twice %d, delivered leads cancelled as duplicates %d\n",
			cmp.Or(c.OnUncertain, "retry"), r.doubleOrders, r.wrongCancels)
		fmt.Fprintf(w, "double_orders=%d wrong_cancels=%d\n", r.doubleOrders, r.wrongCancels)
	}
	fmt.Fprintf(w, "leads_per_s=%.0f ratio=%.3f duplicates=%d lost=%d rss_mb=%.1f\n", r.rate, r.ratio(), r.duplicates, r.lost, r.rssMB)
}

// showsDoubles says whether the run is one whose double orders are what it
// shows: a CRM that stores and never answers, and plain retries.
func showsDoubles(c Config) bool {
	return c.CRM.HangAfterRead > 0 && (c.OnUncertain == "" || c.OnUncertain == "retry")
}

// problems lists the broken guarantees: lost leads, leads that never
// ended, duplicates beyond what a kill allows.
func (r *report) problems(c Config) []string {
	var out []string
	if c.RunFor > 0 {
		return nil
	}
	if r.lost > 0 {
		out = append(out, fmt.Sprintf("%d leads were neither delivered nor marked failed", r.lost))
	}
	if r.waiting > 0 {
		out = append(out, fmt.Sprintf("%d leads are still waiting", r.waiting))
	}
	allowed := 0
	if r.killed {
		allowed = r.inFlight
	}
	if r.duplicates > allowed && !showsDoubles(c) {
		out = append(out, fmt.Sprintf("%d duplicates, %d allowed", r.duplicates, allowed))
	}
	if r.wrongCancels > 0 {
		out = append(out, fmt.Sprintf("%d delivered leads cancelled as duplicates", r.wrongCancels))
	}
	return out
}
