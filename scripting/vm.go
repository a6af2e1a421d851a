package scripting

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// Registry sizing of a state: it starts small and grows in large steps up
// to Config.RegistryMaxSize.
const (
	registryStartSize = 4096
	registryGrowStep  = 1 << 15
)

// vm is one Lua state and the sandbox's library built on it, reused run
// after run. A run never sees the state's own globals. It gets an
// environment table (see globals), refilled for it, that holds its data
// and whatever it sets, and falls back, through a protected metatable, on
// base: the functions and library tables every run shares. Scripts can
// read base but not reach it to change it, and each library table in base
// is an empty proxy in front of the real one, checked after every run (see
// release): so nothing a script sets or replaces outlives its run.
type vm struct {
	L       *lua.LState
	cfg     Config
	base    *lua.LTable // the functions and library proxies
	envMeta *lua.LTable // {__index = base}, protected
	libs    []library
	cur     *run // the run in progress, read by the library functions
	state   run  // what cur points to during a run
	// format is gopher-lua's string.format, called once strFormat has
	// checked the call.
	format lua.LGFunction
	// mac is the HMAC-SHA256 of macKey, kept for the next hmac_sha256 call
	// with the same key.
	mac    hash.Hash
	macKey string
	// rowMeta is the metatable of o while it is not filled (see lazyRow).
	rowMeta *lua.LTable
	// idKeys is the metatable of the tables cpa.get returns.
	idKeys *lua.LTable
	// shared holds the tables every run of the state sees but none can
	// change (base and the metatables and functions behind it), which the
	// meter leaves out of a run's memory.
	shared map[*lua.LTable]bool
	// The tables a run is given, refilled run after run (see slot): the
	// environment, the data globals (by index in lazyGlobals), the items of
	// items, response.headers, and the request's headers and post.
	env                            slot
	lazy                           []slot
	items                          []*slot
	responseHeaders, headers, post slot
}

// field is one named entry of the environment or of a library table.
type field struct {
	name  string
	value lua.LValue
}

// library is a global table of functions such as string or json: proxy is
// the table in base, empty, and meta its protected metatable whose __index
// is the table of functions.
type library struct {
	name  string
	meta  *lua.LTable
	proxy *lua.LTable
}

// run is the state of one run: what the library functions report into.
type run struct {
	script *Script
	env    *Env
	meter  meter
	built  uint32  // the lazyGlobals built so far, by index
	row    lazyRow // o, while it is not filled
	log    runLog
	edit   *LeadEdit
	// multi lists the request's header and field names that occur more than
	// once, so their arrays become separate fields again (see slot.fillFields).
	multiHeaders, multiFields []string
}

func newVM(cfg Config) *vm {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:     true,
		CallStackSize:    cfg.CallStackSize,
		RegistrySize:     min(registryStartSize, cfg.RegistryMaxSize),
		RegistryMaxSize:  cfg.RegistryMaxSize,
		RegistryGrowStep: registryGrowStep,
	})
	v := &vm{L: L, cfg: cfg, base: L.NewTable(), lazy: make([]slot, len(lazyGlobals))}
	v.envMeta = protected(L, v.base)
	v.env.meta = v.envMeta
	lazy := L.CreateTable(0, 1)
	lazy.RawSetString("__index", L.NewFunction(v.lazyGlobal))
	v.base.Metatable = lazy
	v.idKeys = v.newIDKeys()
	v.rowMeta = v.newRowMeta()
	v.shared = map[*lua.LTable]bool{v.base: true, v.envMeta: true, lazy: true, v.idKeys: true, v.rowMeta: true}
	std := openStandard(L)
	for _, f := range v.baseFuncs(std) {
		v.base.RawSetString(f.name, f.value)
	}
	for name, fields := range v.libraries(std) {
		funcs := L.CreateTable(0, len(fields))
		for _, f := range fields {
			funcs.RawSetString(f.name, f.value)
		}
		if _, ok := refused[name]; ok {
			refusing := v.refusing(name)
			funcs.Metatable = refusing
			v.shared[refusing] = true
		}
		lib := library{name: name, meta: protected(L, funcs)}
		v.shared[funcs], v.shared[lib.meta] = true, true
		if name == "string" {
			L.SetMetatable(lua.LString(""), lib.meta)
		}
		v.libs = append(v.libs, lib)
	}
	v.release()
	return v
}

// refusing returns the metatable of a library's functions that makes
// reading a refused name an error.
func (v *vm) refusing(lib string) *lua.LTable {
	mt := v.L.CreateTable(0, 1)
	mt.RawSetString("__index", v.L.NewFunction(func(L *lua.LState) int {
		refuse(L, lib, lua.LVAsString(L.Get(2)))
		L.Push(lua.LNil)
		return 1
	}))
	return mt
}

// protected returns a metatable that looks keys up in index and that
// scripts can neither read nor replace (getmetatable gives false).
func protected(L *lua.LState, index *lua.LTable) *lua.LTable {
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__index", index)
	mt.RawSetString("__metatable", lua.LFalse)
	return mt
}

// release readies the state for its next run: a library proxy the run
// wrote into (string.upper = …) is replaced by a fresh, empty one.
func (v *vm) release() {
	for i := range v.libs {
		lib := &v.libs[i]
		if lib.proxy != nil {
			if k, _ := lib.proxy.Next(lua.LNil); k == lua.LNil {
				continue
			}
		}
		lib.proxy = v.L.CreateTable(0, 0)
		lib.proxy.Metatable = lib.meta
		v.base.RawSetString(lib.name, lib.proxy)
	}
}

// openStandard opens the standard libraries the sandbox takes functions
// from into a scratch global table, and returns it; the state then starts
// over with empty globals, so nothing left out (load, os.execute, …) stays
// reachable.
func openStandard(L *lua.LState) *lua.LTable {
	for _, open := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.OsLibName, lua.OpenOs},
	} {
		L.Push(L.NewFunction(open.fn))
		L.Push(lua.LString(open.name))
		L.Call(1, 0)
	}
	std := L.G.Global
	L.G.Global = L.NewTable()
	L.Env = L.G.Global
	return std
}

// pick returns the named entries of tb, in that order.
func pick(tb *lua.LTable, names ...string) []field {
	out := make([]field, 0, len(names))
	for _, name := range names {
		out = append(out, field{name, tb.RawGetString(name)})
	}
	return out
}

// all returns every entry of tb, sorted by name.
func all(tb *lua.LTable) []field {
	var out []field
	tb.ForEach(func(k, v lua.LValue) {
		out = append(out, field{k.String(), v})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// exec runs s in env on this state.
func (v *vm) exec(ctx context.Context, s *Script, env *Env) (*Result, error) {
	v.state = run{script: s, env: env}
	r := &v.state
	v.cur = r
	L := v.L
	g := v.globals(r)
	r.meter = newMeter(ctx, v.cfg.Timeout, v, g)
	L.SetContext(&r.meter)
	defer func() {
		L.RemoveContext()
		v.cur, v.state = nil, run{}
	}()

	fn := L.NewFunctionFromProto(s.proto)
	fn.Env = g
	L.Push(fn)
	err := L.PCall(0, 1, nil)
	if err == nil && r.meter.err != nil {
		// A limit hit in a protected call that ended the script, as in
		// return xpcall(f, handler): no instruction came after it to fail.
		err = r.meter.err
	}
	if err != nil {
		return &Result{Log: r.log.result()}, v.failure(r, err)
	}
	ret := L.Get(-1)
	L.Pop(1)
	res, err := r.result(g, ret)
	if err != nil {
		return &Result{Log: r.log.result()}, &Error{Script: s.name, Message: err.Error()}
	}
	return res, nil
}

// failure turns what PCall returned into an *Error, naming the limit that
// stopped the run when one did.
func (v *vm) failure(r *run, err error) *Error {
	msg := err.Error()
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) {
		msg = errorText(apiErr.Object)
	}
	e := newError(r.script.name, msg)
	if r.meter.err != nil && r.meter.line > 0 {
		e.Line = r.meter.line // where the limit was hit, not where a pcall around it let the run go on
	}
	switch stop := r.meter.err; {
	case stop == errMemoryLimit:
		e.Message = fmt.Sprintf("memory limit of %s exceeded", byteSize(v.cfg.MaxMemoryBytes))
	case stop == errTimeLimit:
		e.Message = fmt.Sprintf("time limit of %s exceeded", v.cfg.Timeout)
	case r.meter.parent.Err() != nil:
		e.Message = "cancelled: " + context.Cause(r.meter.parent).Error()
	case e.Message == "stack overflow":
		e.Message = fmt.Sprintf("stack overflow (calls nested more than %d deep)", v.cfg.CallStackSize)
	case e.Message == "registry overflow":
		e.Message = fmt.Sprintf("stack overflow (more than %d values on the Lua stack)", v.cfg.RegistryMaxSize)
	}
	return e
}

// errorText is the message of a Lua error value: error("text") gives the
// text, error({…}) the table as JSON.
func errorText(obj lua.LValue) string {
	switch obj := obj.(type) {
	case lua.LString:
		return string(obj)
	case lua.LNumber:
		return formatNumber(float64(obj))
	}
	if data, err := luaToGo(obj, "error"); err == nil && data != nil {
		return FormatValue(data)
	}
	return fmt.Sprintf("(error object is a %s value)", obj.Type())
}

// byteSize writes n bytes for a person: "4 MiB", "512 KiB", "100 bytes".
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
