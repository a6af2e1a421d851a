package dispatcher

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/leadrelay/leadrelay/dispatcher/clock"
)

// Scheduler runs a job on a cron schedule, in UTC. It keeps robfig/cron's
// types out of our API, takes its time from a Clock so tests move it by hand,
// and wraps each run with cron's Recover (a panic is logged, the schedule
// goes on). A run that overruns into the next scheduled time is not joined
// by a second one: that time is skipped, as cron's SkipIfStillRunning does.
//
// Each run is told the time it was scheduled for, not the time it started:
// a sweep takes that time as its cut-off, so a row it makes due a minute
// later falls due exactly at the next minute's run.
type Scheduler struct {
	schedule cron.Schedule
	clock    clock.Clock
	logger   cronLogger
	job      func(due time.Time)
	// busy holds a token while a run is going.
	busy chan struct{}
}

// NewScheduler parses a standard five-field cron spec ("* * * * *"); job is
// called with each run's scheduled time.
func NewScheduler(spec string, clk clock.Clock, logger *slog.Logger, job func(due time.Time)) (*Scheduler, error) {
	schedule, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("parsing schedule %q: %w", spec, err)
	}
	return &Scheduler{schedule: schedule, clock: clk, logger: cronLogger{logger}, job: job, busy: make(chan struct{}, 1)}, nil
}

// Run starts the job at each scheduled time until ctx ends, and returns when
// the runs it started have ended, so that whatever the job uses may be
// closed after it. Each run starts in its own goroutine, so a slow run does
// not shift the schedule.
func (s *Scheduler) Run(ctx context.Context) {
	var running sync.WaitGroup
	defer running.Wait()
	for {
		now := s.clock.Now()
		next := s.schedule.Next(now)
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(next.Sub(now)):
		}
		select {
		case s.busy <- struct{}{}:
			running.Go(func() {
				defer func() { <-s.busy }()
				cron.NewChain(cron.Recover(s.logger)).Then(cron.FuncJob(func() { s.job(next) })).Run()
			})
		default:
			s.logger.Info("skip", "due", next)
		}
	}
}

// cronLogger lets robfig/cron's wrappers log through slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Info("scheduler: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("scheduler: "+msg, append(kv, "err", err)...)
}

// minute is the retry delay of SPEC §3: a sending error is due again a
// minute after the cut-off of the sweep that tried it, so it goes out in the
// next minute's sweep.
const minute = time.Minute
