package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// Config is one load run. Every field is a flag of the same name.
type Config struct {
	// DSN names the MySQL/MariaDB database the run owns: it is dropped and
	// created at the start and dropped at the end (unless Keep). The intake
	// scenario runs on SQLite too (sqlite:PATH, a file it removes first).
	// Default mysql://root@127.0.0.1:3306/leadbench.
	DSN string
	// Leads is how many new leads are filled before the processes start.
	// Default 20,000.
	Leads int
	// Procs is how many leadrelay serve processes share the work. Default 1.
	Procs int
	// Concurrency is the integration's concurrency and each process's
	// LEADRELAY_WORKERS. Default 64.
	Concurrency int
	// Scripts gives the integration a pre and a post script. Default true.
	Scripts bool
	// Timeout is the integration's request timeout. Default 2s.
	Timeout time.Duration
	// MaxAttempts is the integration's retry.max_attempts. Default 3.
	MaxAttempts int
	// OnUncertain is the integration's on_uncertain; check also gives it a
	// check mode that asks the CRM's lookup endpoint. Default: unset.
	OnUncertain string
	// CRM is how the fake CRM behaves.
	CRM Behaviour
	// Kill SIGKILLs process 0 once KillAt of the leads are delivered, and
	// starts it again a second later.
	Kill bool
	// Term SIGTERMs process 0 once KillAt of the leads are delivered, waits
	// for it to exit (its sends in flight end and their outcomes are
	// written) and starts it again: no lead may go out twice.
	Term   bool
	KillAt float64
	// RunFor, when set, stops the run after this long instead of waiting
	// for the drain (peak RSS with a backlog).
	RunFor time.Duration
	// Deadline is how long the drain may take before the run fails.
	// Default 10m.
	Deadline time.Duration
	// Bare is how many requests the bare HTTP loop sends; 0 skips it.
	// Default: Leads, at most 20,000.
	Bare int
	// Bin is the leadrelay binary; empty builds ./cmd/leadrelay.
	Bin string
	// Pprof, when set, is a folder for a CPU profile of process 0 taken
	// during the drain and a heap profile at its end.
	Pprof string
	// Keep leaves the database in place afterwards.
	Keep bool
	// Intake, when set, runs the intake scenario instead of the drain:
	// Publishers post new leads through the processes for this long, and
	// then as long to a bare gin handler.
	Intake time.Duration
	// Publishers is how many landing pages post at once in the intake
	// scenario, each waiting for its answer. Default 64.
	Publishers int
}

// Behaviour is what the fake CRM does with a request. The shares are drawn
// independently per request and must add up to at most 1; the rest answer
// 200 with an id.
type Behaviour struct {
	// Latency delays every answer.
	Latency time.Duration
	// Errors answer 500, 502 or 503.
	Errors float64
	// Timeouts hang until the client gives up.
	Timeouts float64
	// Resets close the connection with a TCP reset, no answer.
	Resets float64
	// Throttles answer 429 with Retry-After: 1.
	Throttles float64
	// Slow answer 200 with a body that trickles in over SlowBody.
	Slow     float64
	SlowBody time.Duration
	// HangAfterRead: the CRM reads and stores the lead, then never answers.
	HangAfterRead float64
	// Dedupe answers a lead the CRM has stored already {"status":
	// "duplicate"}, which the post script reads as a cancel for reason 7,
	// instead of storing it a second time.
	Dedupe bool
}

const maxBare = 20000

// parseConfig reads the flags.
func parseConfig(args []string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("leadbench", flag.ContinueOnError)
	fs.StringVar(&c.DSN, "dsn", "mysql://root@127.0.0.1:3306/leadbench", "database the run creates and drops")
	fs.IntVar(&c.Leads, "leads", 20000, "new leads to fill")
	fs.IntVar(&c.Procs, "procs", 1, "leadrelay serve processes")
	fs.IntVar(&c.Concurrency, "concurrency", 64, "integration concurrency and LEADRELAY_WORKERS")
	fs.BoolVar(&c.Scripts, "scripts", true, "give the integration pre and post scripts")
	fs.DurationVar(&c.Timeout, "timeout", 2*time.Second, "the integration's request timeout")
	fs.IntVar(&c.MaxAttempts, "max-attempts", 3, "the integration's retry.max_attempts")
	fs.DurationVar(&c.CRM.Latency, "latency", 0, "CRM answer delay")
	fs.Float64Var(&c.CRM.Errors, "errors", 0, "share of requests the CRM answers 5xx")
	fs.Float64Var(&c.CRM.Timeouts, "timeouts", 0, "share of requests the CRM leaves hanging")
	fs.Float64Var(&c.CRM.Resets, "resets", 0, "share of connections the CRM resets")
	fs.Float64Var(&c.CRM.Throttles, "throttles", 0, "share of requests the CRM answers 429 Retry-After: 1")
	fs.Float64Var(&c.CRM.Slow, "slow", 0, "share of answers whose body trickles in")
	fs.DurationVar(&c.CRM.SlowBody, "slow-body", 300*time.Millisecond, "how long a slow body takes")
	fs.Float64Var(&c.CRM.HangAfterRead, "hang-after-read", 0, "share of lead requests the CRM stores and never answers")
	fs.BoolVar(&c.CRM.Dedupe, "crm-dedupe", false, "the CRM answers a lead it has stored \"duplicate\" instead of storing it again")
	fs.StringVar(&c.OnUncertain, "on-uncertain", "", "the integration's on_uncertain: retry, check (with a check mode) or hold")
	fs.BoolVar(&c.Kill, "kill", false, "SIGKILL process 0 mid-drain and restart it")
	fs.BoolVar(&c.Term, "term", false, "SIGTERM process 0 mid-drain, wait for it to exit and restart it")
	fs.Float64Var(&c.KillAt, "kill-at", 0.3, "share of leads delivered when the kill (or -term) comes")
	fs.DurationVar(&c.RunFor, "run-for", 0, "stop after this long instead of at the drain")
	fs.DurationVar(&c.Deadline, "deadline", 10*time.Minute, "longest the drain may take")
	fs.IntVar(&c.Bare, "bare", -1, "requests of the bare HTTP loop (default: leads, at most 20000; 0 skips)")
	fs.StringVar(&c.Bin, "bin", "", "leadrelay binary (default: go build ./cmd/leadrelay)")
	fs.StringVar(&c.Pprof, "pprof", "", "folder for process 0's CPU and heap profiles")
	fs.BoolVar(&c.Keep, "keep", false, "keep the database afterwards")
	fs.DurationVar(&c.Intake, "intake", 0, "run the intake scenario for this long instead of the drain")
	fs.IntVar(&c.Publishers, "publishers", 64, "publishers posting at once in the intake scenario")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if c.Bare < 0 {
		c.Bare = min(c.Leads, maxBare)
	}
	return c, c.validate()
}

func (c Config) validate() error {
	var errs []error
	switch {
	case c.Intake > 0 && strings.HasPrefix(c.DSN, "sqlite:"):
		if c.Procs != 1 {
			errs = append(errs, fmt.Errorf("-procs %d: SQLite is for one process", c.Procs))
		}
	case !strings.HasPrefix(c.DSN, "mysql://"):
		errs = append(errs, fmt.Errorf("-dsn %q: the harness runs on MySQL/MariaDB (mysql://user@host:3306/db); the intake scenario on SQLite too (sqlite:PATH)", c.DSN))
	}
	if c.Intake < 0 || c.Publishers < 1 {
		errs = append(errs, errors.New("-intake takes a duration above 0 and -publishers 1 or more"))
	}
	if c.Kill && c.Term {
		errs = append(errs, errors.New("-kill and -term each stop process 0 once: choose one"))
	}
	if c.Leads < 1 || c.Procs < 1 || c.Concurrency < 1 || c.MaxAttempts < 1 {
		errs = append(errs, errors.New("-leads, -procs, -concurrency and -max-attempts take 1 or more"))
	}
	b := c.CRM
	if shares := b.Errors + b.Timeouts + b.Resets + b.Throttles + b.Slow + b.HangAfterRead; shares > 1 || min(b.Errors, b.Timeouts, b.Resets, b.Throttles, b.Slow, b.HangAfterRead) < 0 {
		errs = append(errs, fmt.Errorf("the CRM's shares add up to %.2f: each is 0 to 1, together at most 1", shares))
	}
	switch c.OnUncertain {
	case "", "retry", "check", "hold":
	default:
		errs = append(errs, fmt.Errorf("-on-uncertain %q: retry, check or hold", c.OnUncertain))
	}
	return errors.Join(errs...)
}
