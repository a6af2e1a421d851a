package scripting

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Limits of compilation.
const (
	maxSourceBytes = 1 << 20
	maxCached      = 1024 // compiled scripts kept; past it an arbitrary one goes
)

// Engine compiles and runs scripts. It keeps each compiled script (by name
// and source) so that a script is compiled once per version of an
// integration, and a pool of Lua states so that a run does not pay for
// opening the library. It is safe for concurrent use.
type Engine struct {
	cfg Config
	vms sync.Pool // *vm
	// places holds a token for each run in progress: at most
	// Config.BudgetBytes / Config.MaxMemoryBytes (see Config.BudgetBytes).
	places chan struct{}

	mu    sync.Mutex
	cache map[string]*Script // by name + "\x00" + source
}

// NewEngine returns an Engine with the limits of cfg (zero fields take their
// defaults).
func NewEngine(cfg Config) *Engine {
	if !internalsFound() {
		panic("scripting: this version of gopher-lua lacks the internals the memory meter reads (see TestGopherLuaInternals)")
	}
	cfg = cfg.WithDefaults()
	e := &Engine{cfg: cfg, cache: make(map[string]*Script), places: make(chan struct{}, cfg.concurrentRuns())}
	e.vms.New = func() any { return newVM(e.cfg) }
	return e
}

// Timeout is how long one run may take: the time limit every run has.
func (e *Engine) Timeout() time.Duration { return e.cfg.Timeout }

// Script is a compiled script, ready to run any number of times, from any
// number of goroutines.
type Script struct {
	name  string
	proto *lua.FunctionProto
	// uses is the data globals (by index in lazyGlobals) runs of the script
	// have read, built before its next runs start.
	uses atomic.Uint32
}

// Name is the name the script was compiled under, as errors show it.
func (s *Script) Name() string { return s.name }

// Compile compiles source under name (such as "integration 7 new.post"),
// or returns the Script compiled earlier from the same name and source. A
// source that is empty or only white space is no script: (nil, nil). A
// syntax error is an *Error with its line.
func (e *Engine) Compile(name, source string) (*Script, error) {
	if strings.TrimSpace(source) == "" {
		return nil, nil
	}
	key := name + "\x00" + source
	e.mu.Lock()
	s := e.cache[key]
	e.mu.Unlock()
	if s != nil {
		return s, nil
	}
	proto, err := compile(name, source)
	if err != nil {
		return nil, err
	}
	s = &Script{name: name, proto: proto}
	e.mu.Lock()
	if len(e.cache) >= maxCached {
		for k := range e.cache {
			delete(e.cache, k)
			break
		}
	}
	e.cache[key] = s
	e.mu.Unlock()
	return s, nil
}

func compile(name, source string) (proto *lua.FunctionProto, err error) {
	if len(source) > maxSourceBytes {
		return nil, &Error{Script: name, Message: fmt.Sprintf("script longer than %s", byteSize(maxSourceBytes))}
	}
	defer func() {
		if r := recover(); r != nil {
			proto, err = nil, &Error{Script: name, Message: fmt.Sprintf("cannot compile: %v", r)}
		}
	}()
	chunk, err := parse.Parse(strings.NewReader(source), name)
	if err != nil {
		return nil, syntaxError(name, source, err)
	}
	chunk = rewrite(chunk)
	proto, err = lua.Compile(chunk, name)
	if err != nil {
		if ce, ok := err.(*lua.CompileError); ok {
			return nil, &Error{Script: name, Line: ce.Line, Message: ce.Message}
		}
		return nil, &Error{Script: name, Message: err.Error()}
	}
	// A chunk is a vararg function, and gopher-lua (with CompatVarArg) gives
	// every call of one an arg table, three maps' worth of allocations. The
	// main chunk has no local named arg and is called without arguments, so
	// the table would go unused.
	proto.IsVarArg &^= lua.VarArgNeedsArg
	return proto, nil
}

// syntaxError reads a parse error as Lua would word it: "unexpected symbol
// near 'x'"; an error at the end of the source is on its last line.
func syntaxError(name, source string, err error) *Error {
	pe, ok := err.(*parse.Error)
	if !ok {
		return &Error{Script: name, Message: err.Error()}
	}
	if pe.Pos.Line == parse.EOF {
		return &Error{Script: name, Line: strings.Count(strings.TrimRight(source, "\n"), "\n") + 1, Message: pe.Message + " near <eof>"}
	}
	return &Error{Script: name, Line: pe.Pos.Line, Message: fmt.Sprintf("%s near '%s'", pe.Message, pe.Token)}
}

// Run runs s with the globals of env, within the engine's limits and ctx.
// A nil s is no script: an empty Result. A nil env is an empty one.
//
// When env.Request is set, a successful run writes back into it what the
// script left in url, method, headers and post (see readRequest); a failed
// run leaves it alone.
//
// A run takes a place in the engine's memory budget (Config.BudgetBytes)
// for as long as it runs; when none is free it waits for one, and fails
// when ctx ends first.
//
// Any failure (a runtime error, the time limit, the memory or stack limit,
// a refused function, a return value that is not data, no place in the
// budget) is an *Error. The Result is returned with it, holding the log
// lines written before the failure and nothing else.
func (e *Engine) Run(ctx context.Context, s *Script, env *Env) (*Result, error) {
	if s == nil {
		return &Result{}, nil
	}
	if env == nil {
		env = &Env{}
	}
	select {
	case e.places <- struct{}{}:
	default:
		select {
		case e.places <- struct{}{}:
		case <-ctx.Done():
			return &Result{}, &Error{Script: s.name, Message: fmt.Sprintf("no room in the script memory budget of %s: %v", byteSize(e.cfg.BudgetBytes), context.Cause(ctx))}
		}
	}
	defer func() { <-e.places }()
	v := e.vms.Get().(*vm)
	res, err := v.exec(ctx, s, env)
	if err != nil {
		return res, err // v is dropped: a state that failed is not reused
	}
	v.release()
	e.vms.Put(v)
	return res, nil
}
