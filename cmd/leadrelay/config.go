package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
)

// Config is the configuration of SPEC §8. Each field is read from its
// environment variable and may be overridden by the flag of the same name.
type Config struct {
	// DSN is the database: sqlite:PATH or mysql://user:pass@host:3306/db.
	// Default sqlite:leadrelay.db.
	DSN string
	// existing is set for the words that work on a database that exists
	// already: an SQLite file that is not there is an error, not created.
	existing bool
	// Addr is the listen address. Default :8080.
	Addr string
	// AdminToken guards the admin API; without it the admin API answers 503.
	AdminToken string
	// Secret keys lead tokens ({eid}) and generated values. Default: generated
	// once and stored in the database.
	Secret string
	// Schedule is the sweep schedule in cron syntax. Default "* * * * *".
	Schedule string
	// Workers is the number of concurrent deliveries per process. Default 64.
	Workers int
	// ScriptTimeout is the time limit of one script run. Default 2s.
	ScriptTimeout time.Duration
	// ScriptMemory is the memory limit of one script run, in bytes.
	// Default 32 MiB.
	ScriptMemory int
	// ScriptBudget is what all the script runs of the process may hold
	// together, in bytes: runs past ScriptBudget / ScriptMemory at once
	// wait. Default 1 GiB.
	ScriptBudget int
	// LogDays is how long log rows are kept. Default 30.
	LogDays int
	// IMailDomain is the domain of generated e-mail addresses ({imail}).
	// Default example.com.
	IMailDomain string
	// AlertURL receives a POST when a mode is paused or resumed. Default:
	// no alerts.
	AlertURL string
	// LeaseMargin is added to a claim's lease beyond the request and script
	// time limits: how much longer a dead process's claims wait before
	// another process takes them. Default 15s.
	LeaseMargin time.Duration
	// OutageLimit is how long outcomes the database refuses are kept and
	// tried again before they are given up on. Default 10m.
	OutageLimit time.Duration
	// PprofAddr, when set, is where serve answers the Go runtime profiles
	// (/debug/pprof/). Default: none.
	PprofAddr string
}

// Defaults. The delivery settings default to what the packages that use
// them choose.
const (
	DefaultDSN           = "sqlite:leadrelay.db"
	DefaultAddr          = ":8080"
	DefaultSchedule      = dispatcher.DefaultSchedule
	DefaultWorkers       = dispatcher.DefaultWorkers
	DefaultScriptTimeout = scripting.DefaultTimeout
	DefaultScriptMemory  = scripting.DefaultMaxMemoryBytes
	DefaultScriptBudget  = scripting.DefaultBudgetBytes
	DefaultLogDays       = dispatcher.DefaultLogDays
	DefaultIMailDomain   = macros.DefaultIMailDomain
	DefaultLeaseMargin   = dispatcher.DefaultLeaseMargin
	DefaultOutageLimit   = dispatcher.DefaultOutageLimit
)

// WithDefaults fills unset fields with their defaults.
func (c Config) WithDefaults() Config {
	c.DSN = cmp.Or(c.DSN, DefaultDSN)
	c.Addr = cmp.Or(c.Addr, DefaultAddr)
	c.Schedule = cmp.Or(c.Schedule, DefaultSchedule)
	c.Workers = cmp.Or(c.Workers, DefaultWorkers)
	c.ScriptTimeout = cmp.Or(c.ScriptTimeout, DefaultScriptTimeout)
	c.ScriptMemory = cmp.Or(c.ScriptMemory, DefaultScriptMemory)
	c.ScriptBudget = cmp.Or(c.ScriptBudget, DefaultScriptBudget)
	c.LogDays = cmp.Or(c.LogDays, DefaultLogDays)
	c.IMailDomain = cmp.Or(c.IMailDomain, DefaultIMailDomain)
	c.LeaseMargin = cmp.Or(c.LeaseMargin, DefaultLeaseMargin)
	c.OutageLimit = cmp.Or(c.OutageLimit, DefaultOutageLimit)
	return c
}

// Validate says in plain words what is wrong with the configuration.
func (c Config) Validate() error {
	var errs []error
	if _, err := cron.ParseStandard(c.Schedule); err != nil {
		errs = append(errs, fmt.Errorf("LEADRELAY_SCHEDULE %q is not a valid cron schedule: %v", c.Schedule, err))
	}
	if c.Workers < 1 || c.Workers > 10000 {
		errs = append(errs, fmt.Errorf("LEADRELAY_WORKERS is %d: it takes a number from 1 to 10000", c.Workers))
	}
	if c.ScriptTimeout <= 0 || c.ScriptTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("LEADRELAY_SCRIPT_TIMEOUT is %s: it takes a duration from 1ms to 1m", c.ScriptTimeout))
	}
	if c.ScriptMemory < 1<<20 || c.ScriptMemory > 1<<30 {
		errs = append(errs, fmt.Errorf("LEADRELAY_SCRIPT_MEMORY is %d bytes: it takes a size from 1MiB to 1GiB", c.ScriptMemory))
	}
	if c.ScriptBudget < c.ScriptMemory {
		errs = append(errs, fmt.Errorf("LEADRELAY_SCRIPT_BUDGET is %d bytes: it must hold at least one run's LEADRELAY_SCRIPT_MEMORY (%d bytes)", c.ScriptBudget, c.ScriptMemory))
	}
	if c.LeaseMargin < 0 {
		errs = append(errs, fmt.Errorf("LEADRELAY_LEASE_MARGIN is %s: it takes a positive duration such as 15s", c.LeaseMargin))
	}
	if c.OutageLimit < 0 {
		errs = append(errs, fmt.Errorf("LEADRELAY_OUTAGE_LIMIT is %s: it takes a positive duration such as 10m", c.OutageLimit))
	}
	if c.LogDays < 1 {
		errs = append(errs, fmt.Errorf("LEADRELAY_LOG_DAYS is %d: it takes a whole number of days, 1 or more", c.LogDays))
	}
	return errors.Join(errs...)
}

// envSource reads variables; tests swap it.
type envSource func(string) string

// bindConfig registers the configuration flags on fs, with the environment's
// values as defaults, and returns a function that yields the final Config.
// Only serve has a flag for every setting; the other words have --dsn and
// --secret.
func bindConfig(fs *flag.FlagSet, env envSource, serve bool) func() (Config, error) {
	var c Config
	var parseErrs []error
	intEnv := func(name string) int {
		v := env(name)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			parseErrs = append(parseErrs, fmt.Errorf("%s %q is not a whole number", name, v))
		}
		return n
	}
	durEnv := func(name string) time.Duration {
		v := env(name)
		if v == "" {
			return 0
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			parseErrs = append(parseErrs, fmt.Errorf("%s %q is not a duration such as 2s or 500ms", name, v))
		}
		return d
	}
	sizeEnv := func(name string) int {
		v := env(name)
		if v == "" {
			return 0
		}
		n, err := parseSize(v)
		if err != nil {
			parseErrs = append(parseErrs, fmt.Errorf("%s %q is not a size such as 32MiB or 1GiB", name, v))
		}
		return n
	}
	fs.StringVar(&c.DSN, "dsn", env("LEADRELAY_DSN"), "database: sqlite:PATH or mysql://user:pass@host:3306/db (LEADRELAY_DSN)")
	fs.StringVar(&c.Secret, "secret", env("LEADRELAY_SECRET"), "key for lead tokens (LEADRELAY_SECRET)")
	if !serve {
		// The other words read the rest from the environment alone, so that
		// their -h lists only the flags they use.
		c.Addr, c.AdminToken, c.Schedule, c.IMailDomain, c.PprofAddr = env("LEADRELAY_ADDR"), env("LEADRELAY_ADMIN_TOKEN"),
			env("LEADRELAY_SCHEDULE"), env("LEADRELAY_IMAIL_DOMAIN"), env("LEADRELAY_PPROF_ADDR")
		c.Workers, c.LogDays = intEnv("LEADRELAY_WORKERS"), intEnv("LEADRELAY_LOG_DAYS")
		c.ScriptTimeout, c.LeaseMargin = durEnv("LEADRELAY_SCRIPT_TIMEOUT"), durEnv("LEADRELAY_LEASE_MARGIN")
		c.ScriptMemory, c.ScriptBudget = sizeEnv("LEADRELAY_SCRIPT_MEMORY"), sizeEnv("LEADRELAY_SCRIPT_BUDGET")
		return finalConfig(&c, &parseErrs)
	}
	fs.StringVar(&c.Addr, "addr", env("LEADRELAY_ADDR"), "listen address (LEADRELAY_ADDR)")
	fs.StringVar(&c.AdminToken, "admin-token", env("LEADRELAY_ADMIN_TOKEN"), "admin API token (LEADRELAY_ADMIN_TOKEN)")
	fs.StringVar(&c.Schedule, "schedule", env("LEADRELAY_SCHEDULE"), "sweep schedule, cron syntax (LEADRELAY_SCHEDULE)")
	fs.IntVar(&c.Workers, "workers", intEnv("LEADRELAY_WORKERS"), "concurrent deliveries per process (LEADRELAY_WORKERS)")
	fs.DurationVar(&c.ScriptTimeout, "script-timeout", durEnv("LEADRELAY_SCRIPT_TIMEOUT"), "time limit of one script run (LEADRELAY_SCRIPT_TIMEOUT)")
	fs.Func("script-memory", "memory limit of one script run, e.g. 32MiB (LEADRELAY_SCRIPT_MEMORY)", sizeFlag(&c.ScriptMemory, sizeEnv("LEADRELAY_SCRIPT_MEMORY")))
	fs.Func("script-budget", "memory all script runs may hold together, e.g. 1GiB (LEADRELAY_SCRIPT_BUDGET)", sizeFlag(&c.ScriptBudget, sizeEnv("LEADRELAY_SCRIPT_BUDGET")))
	fs.IntVar(&c.LogDays, "log-days", intEnv("LEADRELAY_LOG_DAYS"), "days the log is kept (LEADRELAY_LOG_DAYS)")
	fs.StringVar(&c.IMailDomain, "imail-domain", env("LEADRELAY_IMAIL_DOMAIN"), "domain of generated e-mail addresses (LEADRELAY_IMAIL_DOMAIN)")
	fs.StringVar(&c.AlertURL, "alert-url", env("LEADRELAY_ALERT_URL"), "URL that gets a POST when a mode is paused or resumed (LEADRELAY_ALERT_URL)")
	fs.DurationVar(&c.LeaseMargin, "lease-margin", durEnv("LEADRELAY_LEASE_MARGIN"), "claim lease beyond the time limits (LEADRELAY_LEASE_MARGIN)")
	fs.DurationVar(&c.OutageLimit, "outage-limit", durEnv("LEADRELAY_OUTAGE_LIMIT"), "how long outcomes the database refuses are tried again (LEADRELAY_OUTAGE_LIMIT)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("LEADRELAY_PPROF_ADDR"), "serve Go runtime profiles here, off when empty (LEADRELAY_PPROF_ADDR)")
	return finalConfig(&c, &parseErrs)
}

// finalConfig yields c, as the flags leave it, with its defaults, once
// parseErrs (the environment's bad values) are known to be none.
func finalConfig(c *Config, parseErrs *[]error) func() (Config, error) {
	return func() (Config, error) {
		if err := errors.Join(*parseErrs...); err != nil {
			return Config{}, err
		}
		final := c.WithDefaults()
		return final, final.Validate()
	}
}

func osEnv(name string) string { return os.Getenv(name) }

// sizeFlag sets *dst to def and returns the flag function that sets it to
// a size given on the command line.
func sizeFlag(dst *int, def int) func(string) error {
	*dst = def
	return func(v string) error {
		n, err := parseSize(v)
		if err != nil {
			return fmt.Errorf("%q is not a size such as 32MiB or 1GiB", v)
		}
		*dst = n
		return nil
	}
}

// parseSize reads a size in bytes: a whole number, alone or followed by
// KiB, MiB or GiB.
func parseSize(v string) (int, error) {
	mult := 1
	for _, unit := range []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if rest, ok := strings.CutSuffix(v, unit.suffix); ok {
			v, mult = strings.TrimSpace(rest), unit.mult
			break
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > math.MaxInt/mult {
		return 0, fmt.Errorf("not a size: %q", v)
	}
	return n * mult, nil
}
