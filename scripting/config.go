package scripting

import "time"

// Defaults of Config, used wherever a field is zero (or negative).
const (
	DefaultTimeout         = 2 * time.Second
	DefaultCallStackSize   = 200
	DefaultRegistryMaxSize = 256 * 1024
	DefaultMaxStringBytes  = 4 << 20
	DefaultMaxMemoryBytes  = 32 << 20
	DefaultBudgetBytes     = 1 << 30
)

// Config sets the limits of an Engine. The zero value is ready to use: each
// field left at zero takes its default.
type Config struct {
	// Timeout is how long one run may take. Default DefaultTimeout (2s);
	// cmd reads LEADRELAY_SCRIPT_TIMEOUT into it.
	Timeout time.Duration
	// CallStackSize is how deeply a run may nest function calls before it
	// fails with a stack overflow. Default DefaultCallStackSize (200).
	CallStackSize int
	// RegistryMaxSize is how many values the Lua stack of one state may hold
	// (locals, arguments, results of unpack or string.byte). Default
	// DefaultRegistryMaxSize (256Ki slots).
	RegistryMaxSize int
	// MaxStringBytes caps one string built by the library: string.rep,
	// string.format, string.gsub, table.concat, json.encode and the like.
	// Default DefaultMaxStringBytes (4 MiB).
	MaxStringBytes int
	// MaxMemoryBytes caps what a run may hold in tables, strings and
	// functions, as estimated by walking everything the script can reach.
	// The estimate is approximate (gopher-lua keeps no account of memory),
	// so keep a margin. Default DefaultMaxMemoryBytes (32 MiB); cmd reads
	// LEADRELAY_SCRIPT_MEMORY into it.
	MaxMemoryBytes int
	// BudgetBytes caps what all the runs of the Engine may hold together:
	// each run reserves MaxMemoryBytes of it while it runs, so at most
	// BudgetBytes / MaxMemoryBytes runs (and at least one) run at once, and
	// the others wait for a place, as long as their context lets them.
	// Default DefaultBudgetBytes (1 GiB); cmd reads LEADRELAY_SCRIPT_BUDGET
	// into it.
	BudgetBytes int
}

// WithDefaults returns c with every zero or negative field set to its default.
func (c Config) WithDefaults() Config {
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	c.CallStackSize = orDefault(c.CallStackSize, DefaultCallStackSize)
	c.RegistryMaxSize = orDefault(c.RegistryMaxSize, DefaultRegistryMaxSize)
	c.MaxStringBytes = orDefault(c.MaxStringBytes, DefaultMaxStringBytes)
	c.MaxMemoryBytes = orDefault(c.MaxMemoryBytes, DefaultMaxMemoryBytes)
	c.BudgetBytes = orDefault(c.BudgetBytes, DefaultBudgetBytes)
	return c
}

// orDefault is cmp.Or for limits: a limit of zero or less means "not set".
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// concurrentRuns is how many runs fit in the budget at once: at least one.
func (c Config) concurrentRuns() int {
	return max(1, c.BudgetBytes/c.MaxMemoryBytes)
}
