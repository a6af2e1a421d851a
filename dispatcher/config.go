package dispatcher

import (
	"cmp"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
)

// Config wires a Dispatcher. Store, Engine and Tokens are required.
type Config struct {
	Store *storage.Store
	// Engine runs the scripts; its time limit sizes the claim leases.
	Engine *scripting.Engine
	// Tokens turns lead ids into {eid} tokens and back.
	Tokens *macros.Tokens
	// Clock is the time source. Default: the real clock.
	Clock clock.Clock
	// Logger receives the dispatcher's own log lines. Default: discarded.
	Logger *slog.Logger
	// Registerer receives the delivery metrics. Default: none registered.
	Registerer prometheus.Registerer
	// Client sends the requests. Default: integrations.NewClient sized to Workers.
	Client *integrations.Client
	// Schedule is the sweep schedule in cron syntax. Default "* * * * *".
	Schedule string
	// Workers bounds the deliveries in flight in this process. Default 64.
	Workers int
	// LeaseMargin is added to a claim's lease beyond the request and script
	// time limits. Default 15s.
	LeaseMargin time.Duration
	// LogDays is how long log rows are kept. Default 30.
	LogDays int
	// IMailDomain is the domain of {imail}. Default example.com.
	IMailDomain string
	// FlushRows is the most outcomes one batch writes. Default 200.
	FlushRows int
	// Flushers is how many batches of outcomes may be written at once.
	// Default 1: a worker waits for its outcome's commit, so the outcomes
	// that gather during one commit are the next batch, and a second
	// flusher only halves the batches (more transactions for each lead).
	Flushers int
	// WriteTimeout bounds one try to write a batch of outcomes. Default 30s.
	WriteTimeout time.Duration
	// OutageLimit is how long a batch of outcomes the database refuses is
	// tried again before it is given up on (and its rows are sent again
	// once their claims expire). Default 10m.
	OutageLimit time.Duration
	// CatalogTTL is how long offers, sites, goals, affiliates and campaigns are
	// cached. Default 5s.
	CatalogTTL time.Duration
	// AlertURL receives a POST when a mode is paused after failures or
	// resumed (SPEC §9). Default: no alerts.
	AlertURL string
}

// Defaults.
const (
	DefaultSchedule     = "* * * * *"
	DefaultWorkers      = 64
	DefaultLeaseMargin  = 15 * time.Second
	DefaultLogDays      = 30
	DefaultFlushRows    = 200
	DefaultFlushers     = 1
	DefaultCatalogTTL   = 5 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultOutageLimit  = 10 * time.Minute
)

// WithDefaults fills unset fields.
func (c Config) WithDefaults() Config {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Schedule = cmp.Or(c.Schedule, DefaultSchedule)
	c.Workers = cmp.Or(c.Workers, DefaultWorkers)
	c.LeaseMargin = cmp.Or(c.LeaseMargin, DefaultLeaseMargin)
	c.LogDays = cmp.Or(c.LogDays, DefaultLogDays)
	c.FlushRows = cmp.Or(c.FlushRows, DefaultFlushRows)
	c.Flushers = cmp.Or(c.Flushers, DefaultFlushers)
	c.CatalogTTL = cmp.Or(c.CatalogTTL, DefaultCatalogTTL)
	c.WriteTimeout = cmp.Or(c.WriteTimeout, DefaultWriteTimeout)
	c.OutageLimit = cmp.Or(c.OutageLimit, DefaultOutageLimit)
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("dispatcher: Config.Store is required"))
	}
	if c.Engine == nil {
		errs = append(errs, errors.New("dispatcher: Config.Engine is required"))
	}
	if c.Tokens == nil {
		errs = append(errs, errors.New("dispatcher: Config.Tokens is required"))
	}
	if c.Workers < 1 {
		errs = append(errs, errors.New("dispatcher: Config.Workers must be 1 or more"))
	}
	if c.Flushers < 1 {
		errs = append(errs, errors.New("dispatcher: Config.Flushers must be 1 or more"))
	}
	return errors.Join(errs...)
}
