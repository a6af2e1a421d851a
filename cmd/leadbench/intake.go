package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/api/publisher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
)

// intakeCampaign is the campaign the publishers post to.
const intakeCampaign = "load"

// intakeReport is what the intake scenario measured.
type intakeReport struct {
	leadrelay, bare posted
	// stored counts the leads in the database at the end.
	stored int64
	rssMB  float64
	cpu    time.Duration
}

// posted is what one round of publishing saw.
type posted struct {
	created      int // answered 201
	serverErrors int // answered 5xx
	refused      int // answered anything else
	failed       int // no answer: a connection refused, reset or timed out
	elapsed      time.Duration
	p50, p99     time.Duration
}

func (p posted) rate() float64 { return float64(p.created) / max(p.elapsed.Seconds(), 1e-9) }

func (p posted) errors() int { return p.serverErrors + p.refused + p.failed }

// runIntake is the intake scenario: publishers post form and JSON leads
// through the processes for c.Intake, then to a bare gin handler that
// decodes the same bodies and answers 201, for as long.
func runIntake(ctx context.Context, c Config) (*intakeReport, error) {
	db, err := openDatabase(ctx, c.DSN)
	if err != nil {
		return nil, err
	}
	defer db.close(c.Keep)
	if err := storage.PutObject(ctx, db.store, &catalog.Campaign{Alias: intakeCampaign, Offer: 1}); err != nil {
		return nil, err
	}
	r := &intakeReport{}
	if err := db.yield(); err != nil {
		return nil, err
	}
	if err := publishThroughFleet(ctx, c, r); err != nil {
		return nil, err
	}
	if err := db.reclaim(ctx); err != nil {
		return nil, err
	}
	counts, err := db.store.CountLeadsByStatus(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range counts {
		r.stored += n
	}
	bareURL, stop, err := startBare()
	if err != nil {
		return nil, err
	}
	defer stop()
	fmt.Printf("bare gin handler: %d publishers for %s\n", c.Publishers, c.Intake)
	r.bare = publish(ctx, []string{bareURL}, c.Publishers, c.Intake)
	return r, nil
}

// openDatabase creates the run's database on either backend.
func openDatabase(ctx context.Context, dsn string) (*database, error) {
	if strings.HasPrefix(dsn, "sqlite:") {
		return createSQLite(ctx, dsn)
	}
	return createDatabase(ctx, dsn)
}

// publishThroughFleet starts the processes, publishes to them and stops them.
func publishThroughFleet(ctx context.Context, c Config, r *intakeReport) error {
	f, err := newFleet(ctx, c)
	if err != nil {
		return err
	}
	fmt.Printf("starting %d leadrelay serve processes (logs in %s)\n", c.Procs, f.dir)
	if err := f.startAll(); err != nil {
		_, _ = f.stop()
		return err
	}
	urls, err := f.ready()
	if err != nil {
		_, _ = f.stop()
		return err
	}
	profiled := make(chan error, 1)
	if c.Pprof != "" {
		go func() { profiled <- f.profile(c.Pprof, c.Intake*3/4) }()
	} else {
		profiled <- nil
	}
	fmt.Printf("leadrelay: %d publishers for %s\n", c.Publishers, c.Intake)
	r.leadrelay = publish(ctx, urls, c.Publishers, c.Intake)
	err = <-profiled
	rss, stopErr := f.stop()
	r.rssMB, r.cpu = rss, f.cpu
	if err = errors.Join(err, stopErr); err == nil {
		_ = os.RemoveAll(f.dir)
	}
	return err
}

// publish runs n publishers against urls, publisher i posting to
// urls[i%len(urls)], each as a landing page does: one lead, its answer,
// the next. Even publishers post forms, odd ones JSON.
func publish(ctx context.Context, urls []string, n int, d time.Duration) posted {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var out posted
	var latencies []time.Duration
	var seq atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var mine posted
			var lat []time.Duration
			p := publisher.New(urls[i%len(urls)])
			for ctx.Err() == nil {
				t0 := time.Now()
				body, contentType := leadBody(seq.Add(1), i%2 == 0)
				code, err := p.Post("/api/v1/leads", contentType, body)
				tally(&mine, code, err)
				if code == http.StatusCreated {
					lat = append(lat, time.Since(t0))
				}
			}
			p.Close()
			mu.Lock()
			defer mu.Unlock()
			out.created += mine.created
			out.serverErrors += mine.serverErrors
			out.refused += mine.refused
			out.failed += mine.failed
			latencies = append(latencies, lat...)
		})
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	out.p50, out.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	return out
}

func tally(p *posted, code int, err error) {
	switch {
	case err != nil:
		p.failed++
	case code == http.StatusCreated:
		p.created++
	case code >= 500:
		p.serverErrors++
	default:
		p.refused++
	}
}

// startBare serves a gin handler that decodes a lead's body as the intake
// does, form or JSON, and answers 201 with a new id: the rate with no
// database and no leadrelay.
func startBare() (string, func(), error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	var next atomic.Int64
	e.POST("/api/v1/leads", func(c *gin.Context) {
		var lead map[string]any
		if c.ContentType() == gin.MIMEJSON {
			if err := json.NewDecoder(c.Request.Body).Decode(&lead); err != nil {
				c.JSON(http.StatusBadRequest, gin.H{"status": "error", "error": err.Error()})
				return
			}
		} else if err := c.Request.ParseForm(); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"status": "error", "error": err.Error()})
			return
		}
		c.JSON(http.StatusCreated, gin.H{"status": "success", "lead_id": next.Add(1)})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// ratio is leadrelay's intake rate over the bare handler's.
func (r *intakeReport) ratio() float64 {
	if r.bare.created == 0 {
		return 0
	}
	return r.leadrelay.rate() / r.bare.rate()
}

// print writes the summary; its last line is the machine-readable one.
func (r *intakeReport) print(w io.Writer, c Config) {
	l := r.leadrelay
	fmt.Fprintf(w, "intake for %s, %d publishers, %d processes, %s\n", c.Intake, c.Publishers, c.Procs, storage.RedactDSN(c.DSN))
	fmt.Fprintf(w, "leadrelay: %d leads answered 201 (%d stored), %.0f leads/s, p50 %s, p99 %s\n",
		l.created, r.stored, l.rate(), l.p50.Round(time.Microsecond), l.p99.Round(time.Microsecond))
	fmt.Fprintf(w, "leadrelay: 5xx %d, refused %d, no answer %d\n", l.serverErrors, l.refused, l.failed)
	fmt.Fprintf(w, "bare gin handler: %.0f requests/s, p50 %s, p99 %s, ratio %.3f\n",
		r.bare.rate(), r.bare.p50.Round(time.Microsecond), r.bare.p99.Round(time.Microsecond), r.ratio())
	fmt.Fprintf(w, "leadrelay CPU %s, %.0f us a lead; peak RSS of a process %.1f MB\n",
		r.cpu.Round(time.Millisecond), float64(r.cpu.Microseconds())/float64(max(1, l.created)), r.rssMB)
	fmt.Fprintf(w, "intake_per_s=%.0f ratio=%.3f p99_ms=%.1f errors=%d\n",
		l.rate(), r.ratio(), float64(l.p99.Microseconds())/1000, l.errors())
}

// problems lists the broken guarantees: a lead answered 201 and not
// stored, a run that stored nothing, and any answer but 201, as the
// publishers' leads are all valid and the database stays up.
func (r *intakeReport) problems() []string {
	l := r.leadrelay
	var out []string
	if r.stored < int64(l.created) {
		out = append(out, fmt.Sprintf("%d leads were answered 201 and only %d are stored", l.created, r.stored))
	}
	if l.created == 0 {
		out = append(out, "no lead was answered 201")
	}
	if l.errors() > 0 {
		out = append(out, fmt.Sprintf("%d posts were not answered 201: 5xx %d, refused %d, no answer %d",
			l.errors(), l.serverErrors, l.refused, l.failed))
	}
	return out
}
