package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/storage"
)

// Sentinel errors.
var (
	// ErrUnknownMode is returned for a mode name that is not one of the five.
	ErrUnknownMode = errors.New("unknown mode")
	// ErrNoIntegration is returned when a lead has no integration to act on.
	ErrNoIntegration = errors.New("the lead has no integration")
	// ErrStopping is returned for a sweep asked for after Stop.
	ErrStopping = errors.New("the dispatcher is stopping: no sweep starts now")
)

// Dispatcher sends leads: the minute sweeps, the synchronous send, status
// changes and their postbacks, requeues and dry runs.
type Dispatcher struct {
	cfg      Config
	registry *registry
	catalog  *catalogCache
	writer   *writer
	client   *integrations.Client
	workers  chan struct{}
	senders  *senders
	metrics  *metrics
	pauses   *pauses
	claimMu  sync.Mutex
	control  *control

	// stopping ends when Stop is called: every sweep stops claiming.
	stopping context.Context
	stop     context.CancelFunc
	// mu orders the start of sweeps and sync sends against Stop, so that
	// none joins running once Wait may have begun.
	mu      sync.Mutex
	stopped bool
	// running counts the sweeps and the sync sends under way.
	running sync.WaitGroup
}

// New builds a Dispatcher and starts its outcome writer; Close stops it.
func New(cfg Config) (*Dispatcher, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	client := cfg.Client
	if client == nil {
		client = integrations.NewClient(integrations.ClientOptions{Concurrency: cfg.Workers})
	}
	p := newPauses()
	m, err := newMetrics(cfg.Registerer, p.gauge)
	if err != nil {
		return nil, err
	}
	d := &Dispatcher{
		cfg:      cfg,
		registry: newRegistry(cfg.Store, cfg.Engine, cfg.Logger),
		catalog:  newCatalogCache(cfg.Store, cfg.Clock, cfg.CatalogTTL),
		client:   client,
		workers:  make(chan struct{}, cfg.Workers),
		senders:  newSenders(idleWorkerFor),
		metrics:  m,
		control:  newControl(),
		pauses:   p,
	}
	d.stopping, d.stop = context.WithCancel(context.Background())
	d.writer = newWriter(cfg.Store, cfg.Logger, cfg.FlushRows, cfg.Flushers, retryPolicy{
		try: cfg.WriteTimeout, giveUp: cfg.OutageLimit, first: 100 * time.Millisecond, most: 5 * time.Second})
	return d, nil
}

// Stop makes every sweep, scheduled or asked for, stop claiming: rows it
// claimed and has not started are handed back, due at once, and the sends in
// flight run to their end, each within its own time limits, and have their
// outcomes written; a sync send under way runs to its end as well. A sweep
// asked for afterwards returns ErrStopping, and a lead that asks for a sync
// send afterwards is stored for the classic send. Wait returns once the
// sweeps and sync sends have ended.
func (d *Dispatcher) Stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	d.stop()
}

// Wait returns once every sweep and sync send under way has ended, its
// outcome written; call it after Stop.
func (d *Dispatcher) Wait() { d.running.Wait() }

// Close stops the sweeps, waits for their sends in flight and the sync
// sends, writes every outcome still queued, stops the writer and ends the
// idle sender goroutines.
func (d *Dispatcher) Close() {
	d.Stop()
	d.running.Wait()
	d.writer.close()
	d.senders.stop()
}

// begin counts a sweep or a sync send in, unless the dispatcher is
// stopping; end counts it out.
func (d *Dispatcher) begin() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return false
	}
	d.running.Add(1)
	return true
}

func (d *Dispatcher) end() { d.running.Done() }

// Tokens turns lead ids into {eid} tokens and back.
func (d *Dispatcher) Tokens() *macros.Tokens { return d.cfg.Tokens }

// Run sweeps on the schedule and purges old log rows until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	s, err := NewScheduler(d.cfg.Schedule, d.cfg.Clock, d.cfg.Logger, func(due time.Time) { d.tick(ctx, due) })
	if err != nil {
		return err
	}
	s.Run(ctx)
	return nil
}

// tick is one scheduled run: every mode's sweep, with the time it was due
// at as its cut-off, then the log purge.
func (d *Dispatcher) tick(ctx context.Context, due time.Time) {
	if ctx.Err() != nil {
		return
	}
	counts, err := d.sweep(ctx, "", due)
	if err != nil && !errors.Is(err, ErrStopping) && !errors.Is(err, context.Canceled) {
		d.cfg.Logger.Error("sweep", "err", err)
	}
	if len(counts) > 0 {
		d.cfg.Logger.Info("sweep done", "outcomes", counts)
	}
	if ctx.Err() != nil {
		return // stopping: the purge waits for the next process
	}
	before := d.cfg.Clock.Now().Add(-time.Duration(d.cfg.LogDays) * 24 * time.Hour)
	if n, err := d.cfg.Store.PurgeLog(ctx, before); err != nil {
		d.cfg.Logger.Error("purging the log", "err", err)
	} else if n > 0 {
		d.cfg.Logger.Info("purged the log", "rows", n, "before", before)
	}
}

// Check validates an integration document and compiles its templates and
// scripts, as saving does. The error unwraps to *integrations.ValidationError
// or *scripting.Error.
func (d *Dispatcher) Check(doc *integrations.Integration) error {
	if err := doc.Validate(); err != nil {
		return err
	}
	if _, err := integrations.Compile(doc, 0, d.cfg.Engine); err != nil {
		return err
	}
	return nil
}

// Invalidate drops an integration from the cache after it was saved or deleted.
func (d *Dispatcher) Invalidate(id int64) { d.registry.invalidate(id) }

// Integration returns the current document of an integration, secrets in clear.
func (d *Dispatcher) Integration(ctx context.Context, id int64) (*integrations.Integration, error) {
	c, err := d.registry.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.Doc, nil
}

// Redactor hides an integration's secrets in what is shown outside the
// admin API; nil (hiding credential headers alone) when the integration is
// gone.
func (d *Dispatcher) Redactor(ctx context.Context, id int64) (*integrations.Redactor, error) {
	c, err := d.registry.get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c.Redactor, nil
}

func checkMode(name string) error {
	if slices.Contains(integrations.Modes(), mode.Mode(name)) {
		return nil
	}
	return fmt.Errorf("%w %q (modes: new, changes, approved, sync, postback, check)", ErrUnknownMode, name)
}
