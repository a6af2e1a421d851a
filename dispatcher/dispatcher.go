package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/macros"
)

// Sentinel errors.
var (
	// ErrUnknownMode is returned for a mode name that is not one of the five.
	ErrUnknownMode = errors.New("unknown mode")
	// ErrNoIntegration is returned when a lead has no integration to act on.
	ErrNoIntegration = errors.New("the lead has no integration")
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
	metrics  *metrics
	pauses   *pauses
	claimMu  sync.Mutex
	// lastSweep is this process's last finished sweep.
	lastSweep atomic.Pointer[SweepRecord]
}

// SweepRecord tells of a finished sweep: of which mode ("" for all), when
// it started by the dispatcher's clock, and how long it took.
type SweepRecord struct {
	Mode    string
	Started time.Time
	Took    time.Duration
}

// LastSweep is this process's last finished sweep; false before the first.
func (d *Dispatcher) LastSweep() (SweepRecord, bool) {
	r := d.lastSweep.Load()
	if r == nil {
		return SweepRecord{}, false
	}
	return *r, true
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
		metrics:  m,
		pauses:   p,
	}
	d.writer = newWriter(cfg.Store, cfg.Logger, cfg.FlushInterval, cfg.FlushRows, cfg.Flushers)
	go d.writer.run()
	return d, nil
}

// Close writes every outcome still queued and stops the writer. Call it once
// the sweeps are over (after Run returns).
func (d *Dispatcher) Close() { d.writer.close() }

// Tokens turns lead ids into {eid} tokens and back.
func (d *Dispatcher) Tokens() *macros.Tokens { return d.cfg.Tokens }

// Run sweeps on the schedule and purges old log rows until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	s, err := NewScheduler(d.cfg.Schedule, d.cfg.Clock, d.cfg.Logger, func() { d.tick(ctx) })
	if err != nil {
		return err
	}
	s.Run(ctx)
	return nil
}

// tick is one scheduled run: every mode's sweep, then the log purge.
func (d *Dispatcher) tick(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	counts, err := d.Sweep(ctx, "")
	if err != nil {
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

func checkMode(mode string) error {
	for _, m := range integrations.Modes() {
		if m == mode {
			return nil
		}
	}
	return fmt.Errorf("%w %q (modes: new, changes, approved, sync, postback)", ErrUnknownMode, mode)
}
