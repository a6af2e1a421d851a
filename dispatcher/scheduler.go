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
// and wraps the job with cron's Recover (a panic is logged, the schedule goes
// on) and SkipIfStillRunning (a sweep that overruns its minute is not joined
// by a second one).
type Scheduler struct {
	schedule cron.Schedule
	clock    clock.Clock
	job      cron.Job
}

// NewScheduler parses a standard five-field cron spec ("* * * * *").
func NewScheduler(spec string, clk clock.Clock, logger *slog.Logger, job func()) (*Scheduler, error) {
	schedule, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("parsing schedule %q: %w", spec, err)
	}
	cl := cronLogger{logger}
	wrapped := cron.NewChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)).Then(cron.FuncJob(job))
	return &Scheduler{schedule: schedule, clock: clk, job: wrapped}, nil
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
			running.Go(s.job.Run)
		}
	}
}

// cronLogger lets robfig/cron's wrappers log through slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Info("scheduler: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("scheduler: "+msg, append(kv, "err", err)...)
}

// minute is the retry delay of SPEC §3: a sending error is tried again a
// minute later.
const minute = time.Minute
