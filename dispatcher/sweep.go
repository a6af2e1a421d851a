package dispatcher

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// sweptModes are the modes a sweep runs, in order; sync is never swept.
var sweptModes = []mode.Mode{mode.New, mode.Changes, mode.Approved, mode.Postback}

// sweepRun is one sweep's shared state.
type sweepRun struct {
	// now is the sweep's cut-off: rows due at or before it are taken, so a
	// row retried during the sweep waits for the next one. A scheduled sweep
	// takes the time it was due at; one asked for, the time it was asked.
	now    time.Time
	mu     sync.Mutex
	counts map[string]int
}

func (r *sweepRun) count(outcome string) {
	r.mu.Lock()
	r.counts[outcome]++
	r.mu.Unlock()
}

// Sweep runs one sweep of a mode ("" for all) now, and returns when every
// outcome is written, with counts by outcome. When ctx ends or Stop is
// called, it stops claiming, hands back the rows it has not started, and
// returns once the sends in flight have ended and their outcomes are
// written.
func (d *Dispatcher) Sweep(ctx context.Context, mode string) (map[string]int, error) {
	return d.sweep(ctx, mode, d.cfg.Clock.Now())
}

// sweep is a sweep whose cut-off is the given time.
func (d *Dispatcher) sweep(ctx context.Context, name string, cutoff time.Time) (map[string]int, error) {
	modes, err := modesToSweep(name)
	if err != nil {
		return nil, err
	}
	if !d.begin() {
		return nil, ErrStopping
	}
	defer d.end()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(d.stopping, cancel)()
	if err := d.registry.refresh(ctx); err != nil {
		return nil, fmt.Errorf("loading integrations: %w", err)
	}
	started := time.Now()
	run := &sweepRun{now: cutoff, counts: map[string]int{}}
	paused, err := d.cfg.Store.Paused(ctx, run.now.UnixMilli())
	if err != nil {
		return nil, err
	}
	probes, err := d.sweepPauses(ctx, run.now.UnixMilli(), paused)
	if err != nil {
		return nil, err
	}
	if err := d.refreshControl(ctx, paused, run.now); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var errs []error
	fail := func(err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			errMu.Lock()
			errs = append(errs, err)
			errMu.Unlock()
		}
	}
	drain := func(src drainSource) { fail(d.drain(ctx, run, src)) }
	for _, m := range modes {
		if err := d.prepare(ctx, m, run); err != nil {
			fail(err)
			cancel()
			break
		}
		for _, c := range d.registry.withMode(m) {
			if _, ok := paused[storage.PauseKey{Integration: c.Doc.ID, Mode: string(m)}]; ok {
				continue
			}
			if m == mode.New && !d.open(c, run.now) {
				continue
			}
			probe := probes[storage.PauseKey{Integration: c.Doc.ID, Mode: string(m)}]
			wg.Go(func() { drain(drainSource{integ: c, mode: m, probe: probe}) })
		}
		if m == mode.Postback {
			wg.Go(func() { drain(drainSource{mode: m}) })
		}
	}
	wg.Wait()
	took := time.Since(started)
	d.metrics.sweepDone(name, took)
	d.recordSweep(ctx, name, run.now, took)
	return run.counts, errors.Join(errs...)
}

// recordSweep keeps the sweep as the last of its mode for the dashboard of
// every process; a sweep that a stop cut short is kept too. Failing to keep
// it is logged, and the sweep's outcomes stand.
func (d *Dispatcher) recordSweep(ctx context.Context, name string, started time.Time, took time.Duration) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordSweepTimeout)
	defer cancel()
	if err := d.cfg.Store.RecordSweep(ctx, name, started, took); err != nil {
		d.cfg.Logger.Error("recording the sweep", "mode", name, "err", err)
	}
}

// recordSweepTimeout bounds the write of a sweep's record.
const recordSweepTimeout = 5 * time.Second

func modesToSweep(name string) ([]mode.Mode, error) {
	if name == "" {
		return sweptModes, nil
	}
	if err := checkMode(name); err != nil {
		return nil, err
	}
	switch m := mode.Mode(name); m {
	case mode.Sync:
		return nil, fmt.Errorf("%w: sync sends happen when a lead arrives and are not swept", ErrUnknownMode)
	case mode.Check:
		return nil, fmt.Errorf("%w: checks run in the new sweep, in place of a second send after an uncertain one", ErrUnknownMode)
	default:
		return []mode.Mode{m}, nil
	}
}

// prepare does a mode's work before claiming: new leads that found no
// integration when they arrived are routed again, and approved sends are
// queued for leads sitting in an integration's from_status.
func (d *Dispatcher) prepare(ctx context.Context, m mode.Mode, run *sweepRun) error {
	switch m {
	case mode.New:
		if err := d.routeWaiting(ctx); err != nil {
			return err
		}
		return d.overflow(ctx, run.now)
	case mode.Approved:
		for _, c := range d.registry.withMode(m) {
			from, _ := lead.ParseStatus(string(c.Mode(m).Mode.FromStatus))
			_, err := d.cfg.Store.QueueApproved(ctx, storage.ApprovedScope{
				Integration: c.Doc.ID, FromStatus: from, Offers: c.Doc.Offers, Countries: c.Doc.Countries,
				Now: run.now.UnixMilli(),
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// drainSource is what one drain loop sends: an integration's mode, or (integ
// nil, mode postback) the campaign postbacks.
type drainSource struct {
	integ *integrations.Compiled
	mode  mode.Mode
	// probe drains one row only: a paused mode's probe.
	probe bool
}

// drain claims and sends one source's due rows until none are left. It
// claims batches of two rounds of sends, and claims the next batch while the
// second half of the current one starts, so sends do not wait for a claim.
// Its concurrency is the integration's; every send also takes one of the
// process's workers.
func (d *Dispatcher) drain(ctx context.Context, run *sweepRun, src drainSource) error {
	concurrency, timeout := d.sourceLimits(src)
	slots := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	next := d.claimAhead(ctx, run, src, 2*concurrency, timeout)
	for {
		b := <-next
		if b.err != nil || len(b.tasks) == 0 {
			return b.err
		}
		for i, t := range b.tasks {
			if i == len(b.tasks)/2 && !src.probe {
				next = d.claimAhead(ctx, run, src, 2*concurrency, timeout)
			}
			acquired := d.acquire(ctx, slots)
			if !acquired || d.halts(src) {
				if acquired {
					<-slots
					<-d.workers
				}
				d.release(b.tasks[i:], b.token)
				if i >= len(b.tasks)/2 && !src.probe {
					ahead := <-next
					d.release(ahead.tasks, ahead.token)
				}
				return ctx.Err()
			}
			d.senders.Go(&wg, func() {
				defer func() { <-slots; <-d.workers }()
				// A send that has started runs to its end, bounded by its
				// own timeout and script limits: cancelling it could abort
				// a request the target already took, and it would be sent
				// again.
				ctx := context.WithoutCancel(ctx)
				if d.holdClaim(ctx, t, b) {
					d.deliver(ctx, run, t, b.token)
				} else {
					d.giveBack(t.integ, t.slots, 1)
				}
			})
		}
		if src.probe {
			return nil
		}
	}
}

// batch is one claim's tasks, token and lease, or the error that ended
// claiming.
type batch struct {
	tasks []*task
	token string
	lease time.Time
	err   error
}

// claimAhead claims up to limit rows of src in the background; the batch
// arrives on the channel.
func (d *Dispatcher) claimAhead(ctx context.Context, run *sweepRun, src drainSource, limit int, timeout time.Duration) <-chan batch {
	out := make(chan batch, 1)
	if src.probe {
		limit = 1
	}
	lease := d.cfg.Clock.Now().Add(d.lease(timeout, claimRounds))
	claim := storage.Claim{
		Mode: src.mode, Now: run.now.UnixMilli(), Token: newToken(), Limit: limit, LeaseUntil: lease.UnixMilli(),
	}
	if src.integ != nil {
		claim.Integration = src.integ.Doc.ID
	}
	go func() {
		tasks, err := d.claimTasks(ctx, src, claim)
		if len(tasks) > 0 {
			d.cfg.Logger.Debug("claimed", "mode", src.mode, "integration", claim.Integration, "rows", len(tasks))
		}
		out <- batch{tasks: tasks, token: claim.Token, lease: lease, err: err}
	}()
	return out
}

// holdClaim makes sure the claim of a task that has its worker outlasts the
// send it is about to start; false when the task must not be sent. A task
// may wait for a worker far longer than its lease foresaw (other
// integrations' slow sends hold the process's workers), and a lease that
// runs out makes the row due: another claim may take it and send it too. So
// a task whose lease no longer covers a whole send (its request timeout, its
// two scripts and the margin) extends it first, guarded by its token, and is
// dropped unsent when another claim has taken the row meanwhile: that claim
// sends it.
func (d *Dispatcher) holdClaim(ctx context.Context, t *task, b batch) bool {
	need := d.lease(t.cm.Timeout, 1)
	now := d.cfg.Clock.Now()
	if b.lease.Sub(now) >= need {
		return true
	}
	id := t.lead.ID
	if t.delivery != nil {
		id = t.delivery.ID
	}
	held, err := d.cfg.Store.ExtendClaim(ctx, t.mode, id, b.token, now.Add(need).UnixMilli())
	switch {
	case err != nil:
		d.cfg.Logger.Error("not sent: its claim could not be extended; it is sent once the claim runs out", "mode", t.mode, "lead", t.lead.ID, "err", err)
		return false
	case !held:
		d.cfg.Logger.Warn("not sent: its claim ran out while it waited for a worker, and another claim took it", "mode", t.mode, "lead", t.lead.ID)
		return false
	}
	return true
}

// acquire takes a slot of the source and a worker of the process; false when
// ctx ended or Stop was called first. A stop wins over a worker that came
// free at the same moment: once Stop has returned, no send starts.
func (d *Dispatcher) acquire(ctx context.Context, slots chan struct{}) bool {
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	select {
	case d.workers <- struct{}{}:
	case <-ctx.Done():
		<-slots
		return false
	}
	if ctx.Err() != nil || d.stopping.Err() != nil {
		<-d.workers
		<-slots
		return false
	}
	return true
}

// release hands claimed rows that were never started back to the queue, due
// at once, so a stopped sweep does not hold them until their lease ends. The
// rows are submitted together, so they share the writer's batches.
func (d *Dispatcher) release(tasks []*task, token string) {
	now := d.cfg.Clock.Now()
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, t := range tasks {
		d.giveBack(t.integ, t.slots, 1)
		r := result{}
		if t.delivery != nil {
			r.delivery = &storage.DeliveryOutcome{ID: t.delivery.ID, Token: token, Result: storage.DeliveryRetry{Due: now}}
		} else {
			r.lead = &storage.LeadOutcome{ID: t.lead.ID, Token: token, Result: storage.LeadRetry{Due: now}}
		}
		wg.Go(func() { d.writer.submit(r) })
	}
}

func (d *Dispatcher) sourceLimits(src drainSource) (concurrency int, timeout time.Duration) {
	if src.integ == nil {
		return integrations.DefaultConcurrency, integrations.DefaultTimeout
	}
	return src.integ.Concurrency, src.integ.Mode(src.mode).Timeout
}

// claimRounds is how many rounds of sends (each at most a request and its
// two scripts) a swept row's claim must outlast. When a batch is claimed,
// one round is in flight and half a batch (one round) waits to start; the
// batch itself is two rounds, so its last row is done by the end of the
// fourth.
const claimRounds = 4

// lease is how long a claim holds its rows: rounds of sends, and a margin.
func (d *Dispatcher) lease(timeout time.Duration, rounds int) time.Duration {
	return time.Duration(rounds)*(timeout+2*d.cfg.Engine.Timeout()) + d.cfg.LeaseMargin
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
