// Command leadbench is leadrelay's load harness. It fills a MySQL/MariaDB
// database with new leads, starts a fake CRM on a loopback port (latency,
// errors, timeouts, resets, 429s, slow bodies and requests stored but never
// answered, as asked), runs real
// `leadrelay serve` processes on the database until every lead is
// delivered or failed, and reports the rate, the time to drain, intake to
// delivery latency, sends per lead, duplicates, lost leads and each
// process's peak RSS. It can SIGKILL or SIGTERM a process mid-drain and
// start it again, or run on a MariaDB of its own and SIGKILL that
// mid-drain and start it again. A bare HTTP loop against the same CRM,
// with the processes' client settings and concurrency, gives the rate to
// compare with.
//
// The last line printed is machine-readable:
//
//	leads_per_s=… ratio=… duplicates=… lost=… rss_mb=…
//
// It exits 1 when a guarantee broke: a lead lost or never ended, or
// duplicates beyond a killed process's workers (none after a SIGTERM or a
// database kill).
//
// With -intake D it runs the intake scenario instead, on MySQL/MariaDB or
// SQLite: -publishers landing pages post form and JSON leads through the
// processes for D, each waiting for its answer over a keep-alive connection
// of its own (api/publisher), and then as long to a bare gin handler that
// decodes the same bodies and answers 201. It reports leads/s, p50 and p99
// latency, 5xx, refused and unanswered requests, and ends with
//
//	intake_per_s=… ratio=… p99_ms=… errors=…
//
// exiting 1 when a lead answered 201 is not stored, when none was, or when
// any post was answered otherwise.
//
// Run it from the repository's root (it builds ./cmd/leadrelay); the
// Makefile's load-* targets are the scenarios.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/leadrelay/leadrelay/storage/localmariadb"
)

func main() {
	c, err := parseConfig(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "leadbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.Intake > 0 {
		os.Exit(intakeMain(ctx, c))
	}
	r, err := run(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leadbench:", err)
		os.Exit(1)
	}
	problems := r.problems(c)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "leadbench: FAILED:", p)
	}
	r.print(os.Stdout, c)
	if len(problems) > 0 {
		os.Exit(1)
	}
}

// intakeMain runs the intake scenario and returns the exit code.
func intakeMain(ctx context.Context, c Config) int {
	r, err := runIntake(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leadbench:", err)
		return 1
	}
	problems := r.problems()
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "leadbench: FAILED:", p)
	}
	r.print(os.Stdout, c)
	if len(problems) > 0 {
		return 1
	}
	return 0
}

// run is one load run, from an empty database to the report.
func run(ctx context.Context, c Config) (*report, error) {
	var server *localmariadb.Server
	if c.DBKill {
		dir, err := os.MkdirTemp("", "leadbench-mariadb-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		fmt.Printf("starting a MariaDB of the run's own in %s\n", dir)
		if server, err = localmariadb.Install(ctx, dir); err != nil {
			return nil, err
		}
		defer server.Kill()
		if c.DSN, err = onServer(c.DSN, server); err != nil {
			return nil, err
		}
	}
	db, err := createDatabase(ctx, c.DSN)
	if err != nil {
		return nil, err
	}
	db.server = server
	defer db.close(c.Keep)
	markAt := 0
	switch {
	case c.Kill || c.Term:
		markAt = max(1, int(c.KillAt*float64(c.Leads)))
	case c.DBKill:
		markAt = max(1, int(c.DBKillAt*float64(c.Leads)))
	}
	crm, err := startCRM(c.CRM, markAt)
	if err != nil {
		return nil, err
	}
	defer crm.close()
	integration, err := db.addIntegration(ctx, c, crm.url)
	if err != nil {
		return nil, err
	}
	fmt.Printf("filling %d leads\n", c.Leads)
	created, err := db.fill(ctx, integration, c.Leads)
	if err != nil {
		return nil, err
	}
	r := &report{leads: c.Leads, killed: c.Kill, dbKilled: c.DBKill}
	if err := sendAll(ctx, c, db, crm, r); err != nil {
		return nil, err
	}
	if err := r.tally(ctx, crm, db, created); err != nil {
		return nil, err
	}
	if c.Bare > 0 {
		fmt.Printf("bare HTTP loop: %d requests\n", c.Bare)
		r.bare = bareRate(crm.url, c, c.Bare)
	}
	return r, nil
}

// sendAll runs the processes until the drain (or RunFor), then stops them.
// A process's log stays in its temporary folder when the run fails.
func sendAll(ctx context.Context, c Config, db *database, crm *crm, r *report) error {
	f, err := newFleet(ctx, c)
	if err != nil {
		return err
	}
	fmt.Printf("starting %d leadrelay serve processes (logs in %s)\n", c.Procs, f.dir)
	if err := f.startAll(); err != nil {
		_, _ = f.stop()
		return err
	}
	profiled := make(chan error, 1)
	if c.Pprof != "" {
		go func() { profiled <- f.profile(c.Pprof, 15*time.Second) }()
	} else {
		profiled <- nil
	}
	err = errors.Join(watch(ctx, c, db, crm, f, r), <-profiled)
	rss, stopErr := f.stop()
	r.rssMB, r.cpu = rss, f.cpu
	err = errors.Join(err, stopErr)
	if err == nil {
		_ = os.RemoveAll(f.dir)
	}
	return err
}

// Polling: the CRM's count is read often; the database, which says whether
// any lead is still pending, only once the CRM has every lead or every few
// seconds, so the polling costs the database little.
const (
	pollEvery   = 200 * time.Millisecond
	pendingSlow = 2 * time.Second
)

// watch waits until no lead is pending, or RunFor has passed, killing and
// restarting process 0 when the CRM has accepted KillAt of the leads.
func watch(ctx context.Context, c Config, db *database, crm *crm, f *fleet, r *report) error {
	started := time.Now()
	limit := cmp.Or(c.RunFor, c.Deadline)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var lastPending time.Time
	mark := crm.mark
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-mark:
			mark = nil
			if err := kill(ctx, c, db, f, r); err != nil {
				return err
			}
		case <-tick.C:
		}
		if msg := f.exited(); msg != "" {
			return errors.New(msg)
		}
		accepted, first := crm.progress()
		if time.Since(started) > limit {
			return overtime(ctx, c, db, first, r)
		}
		if first.IsZero() || (accepted < c.Leads && time.Since(lastPending) < pendingSlow) {
			continue
		}
		lastPending = time.Now()
		if waiting, err := db.anyPending(ctx); err != nil || !waiting {
			r.drain = time.Since(first)
			return err
		}
	}
}

// overtime ends a run whose time is up: the end of a RunFor run, or a
// drain past its deadline.
func overtime(ctx context.Context, c Config, db *database, first time.Time, r *report) error {
	if !first.IsZero() {
		r.drain = time.Since(first)
	}
	if c.RunFor > 0 {
		return nil
	}
	n, _ := db.pending(ctx)
	return fmt.Errorf("the drain took longer than -deadline %s: %d leads still pending", c.Deadline, n)
}

// kill is the run's one kill: of process 0 (-kill), its stop (-term), or
// the database's kill (-dbkill).
func kill(ctx context.Context, c Config, db *database, f *fleet, r *report) error {
	switch {
	case c.DBKill:
		return killDatabase(ctx, c, db)
	case c.Term:
		return termAndRestart(ctx, db, f, r)
	}
	return killAndRestart(ctx, db, f, r)
}

// killDatabase SIGKILLs the run's own MariaDB and starts it again
// DBKillFor later; the processes must ride it out.
func killDatabase(ctx context.Context, c Config, db *database) error {
	db.server.Kill()
	fmt.Printf("killed the database (SIGKILL); it comes back in %s\n", c.DBKillFor)
	time.Sleep(c.DBKillFor)
	if err := db.server.Start(ctx); err != nil {
		return err
	}
	fmt.Println("the database is back")
	return nil
}

// onServer is dsn's database on the run's own server.
func onServer(dsn string, server *localmariadb.Server) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("reading -dsn: %w", err)
	}
	return server.DSN(strings.TrimPrefix(u.Path, "/")), nil
}

// termAndRestart SIGTERMs process 0, waits for it to end (it stops
// claiming, hands back what it has not started and writes the outcomes of
// its sends in flight), checks that it exited cleanly and starts it again.
func termAndRestart(_ context.Context, _ *database, f *fleet, r *report) error {
	started := time.Now()
	if err := f.term(0); err != nil {
		return err
	}
	r.termTook = time.Since(started)
	fmt.Printf("stopped leadrelay serve 0 (SIGTERM) in %s\n", r.termTook.Round(time.Millisecond))
	return f.start(0)
}

// killAndRestart SIGKILLs process 0, starts it again a second later, and
// counts the leads still holding a claim token three seconds after the kill
// that was live at the kill.
func killAndRestart(ctx context.Context, db *database, f *fleet, r *report) error {
	f.kill(0)
	killedAt := time.Now()
	tokens, err := db.claimTokens(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("killed leadrelay serve 0 (SIGKILL); %d claims were live\n", len(tokens))
	time.Sleep(time.Second)
	if err := f.start(0); err != nil {
		return err
	}
	time.Sleep(3*time.Second - time.Since(killedAt))
	r.inFlight, err = db.holding(ctx, tokens)
	return err
}
