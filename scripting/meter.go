package scripting

import (
	"context"
	"errors"
	"time"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Estimated sizes, in bytes, of what a script can hold, measured on
// gopher-lua's layout (see TestAllocationBattery, which holds the estimate
// to the Go heap): a table is a struct, its array part slotBytes a slot
// (nil slots included), and, from its first key outside the array part,
// two maps and a slice of keys (hashBytes, then hashEntryBytes a key it
// has been given, cleared ones included, as gopher-lua keeps them); a
// value in an entry may be boxed (entryBytes); a string is a boxed header
// and its bytes; a function a closure and its upvalues.
const (
	tableBytes     = 96
	hashBytes      = 640
	hashEntryBytes = 160
	entryBytes     = 16
	stringBytes    = 32
	functionBytes  = 96
	upvalueBytes   = 48
	// sharedString is the length from which a string is counted once
	// however many tables hold it.
	sharedString = 1024
)

// When a meter walks the run's memory: first after firstWalk instructions
// (most scripts end before), then after an interval that grows with what
// the run holds (at least checkEvery instructions, and twice the entries
// walked, so walks cost a bounded share of the run) and shrinks when memory
// grew fast since the last walk (so the next walk comes before the limit is
// passed at that pace), but never below a quarter of the entries walked.
const (
	firstWalk  = 256
	checkEvery = 1 << 14
	minWalk    = 64
)

// clockEvery is how many VM instructions pass between two looks at the
// clock (a power of two).
const clockEvery = 1 << 10

// Why a meter stops its run.
var (
	errTimeLimit   = errors.New("time limit exceeded")
	errMemoryLimit = errors.New("memory limit exceeded")
)

// closedDone is the Done channel of a meter whose run must stop.
var closedDone = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// meter is the context a run's LState is given: the caller's context, with
// the run's deadline and memory limit added. gopher-lua asks a state's
// context for Done before every instruction. The meter counts those calls;
// every clockEvery of them it looks at the clock, and every so often it
// walks everything the script can reach (its globals, the values of every
// active call, locals and temporaries, and what they reach) to estimate the
// memory it holds. Past the deadline or over the limit, Done reports the
// run done and Err says why, so the VM raises an error at the next
// instruction; no pcall can swallow it, as every later instruction raises
// again, and a run whose last instruction was such a pcall fails all the
// same (see vm.exec). (A timer-backed context.WithTimeout would do for the
// deadline, at the price of a timer per run.)
//
// Library functions charge what they are about to hand out before they
// build it, so a loop that calls them does not wait for the next walk, and
// hold what they keep while they work; the pattern matcher calls Err as it
// goes. Only the VM goroutine of the run uses a meter.
type meter struct {
	parent   context.Context
	done     <-chan struct{} // the parent's
	deadline time.Time
	L        *lua.LState
	globals  *lua.LTable
	limit    int
	shared   map[*lua.LTable]bool // the state's own tables, not the run's: not walked
	steps    int                  // instructions so far
	nextWalk int                  // the step of the next walk
	lastWalk int                  // the step of the last walk
	lastUsed int                  // the bytes the last walk found
	charged  int                  // bytes handed out by library functions since the last walk
	held     int                  // bytes library functions in progress hold, out of the walk's reach
	err      error
	// line is where the script was when err was first set (0: unknown).
	line int
}

func newMeter(parent context.Context, timeout time.Duration, v *vm, globals *lua.LTable) meter {
	return meter{
		parent: parent, done: parent.Done(), deadline: time.Now().Add(timeout),
		L: v.L, globals: globals, limit: v.cfg.MaxMemoryBytes, shared: v.shared, nextWalk: firstWalk,
	}
}

// Deadline is the run's deadline, or the parent's when that is earlier.
func (m *meter) Deadline() (time.Time, bool) {
	if d, ok := m.parent.Deadline(); ok && d.Before(m.deadline) {
		return d, true
	}
	return m.deadline, true
}

// Value is the parent's.
func (m *meter) Value(key any) any { return m.parent.Value(key) }

// Done is closed once the run must stop: past its deadline, over its memory
// limit, or when the parent is done.
func (m *meter) Done() <-chan struct{} {
	m.steps++
	if m.steps%clockEvery == 0 {
		m.checkClock()
	}
	if m.steps >= m.nextWalk {
		m.check(0)
	}
	if m.err != nil {
		return closedDone
	}
	return m.done
}

// Err says why the run must stop (errTimeLimit, errMemoryLimit or the
// parent's error), or is nil.
func (m *meter) Err() error {
	m.checkClock()
	if m.err != nil {
		return m.err
	}
	return m.parent.Err()
}

func (m *meter) checkClock() {
	if m.err == nil && !time.Now().Before(m.deadline) {
		m.stop(errTimeLimit)
	}
}

// charge accounts for n bytes a library function is about to hand the
// script, walking the run's memory when enough has been handed out since
// the last walk. It returns Err.
func (m *meter) charge(n int) error {
	m.charged += n
	if n > m.limit || m.charged > m.limit/4 || m.lastUsed+m.charged+m.held > m.limit {
		m.check(n)
	}
	return m.Err()
}

// hold accounts for n bytes a library function holds while it works (a
// result it is building, a call it makes in between), which no walk can
// see until release gives them back. It returns the error that stops the
// run, if any; the time limit is left to the next look at the clock.
func (m *meter) hold(n int) error {
	m.held += n
	if m.lastUsed+m.charged+m.held > m.limit {
		m.check(0)
	}
	return m.err
}

// release gives back n bytes of hold.
func (m *meter) release(n int) { m.held -= n }

// stop ends the run with err, noting the line the script is at.
func (m *meter) stop(err error) {
	if m.err != nil {
		return
	}
	m.err = err
	for level := 0; m.line == 0; level++ { // the innermost Lua call: a library function has no line
		dbg, ok := m.L.GetStack(level)
		if !ok {
			return
		}
		if _, e := m.L.GetInfo("l", dbg, lua.LNil); e == nil && dbg.CurrentLine > 0 {
			m.line = dbg.CurrentLine
		}
	}
}

// check walks the run's memory (everything its globals and the values of
// its active calls reach), with pending bytes about to be added and those
// held by library functions, and schedules the next walk.
func (m *meter) check(pending int) {
	w := walker{shared: m.shared, tables: map[*lua.LTable]bool{}, funcs: map[*lua.LFunction]bool{}, strings: map[*byte]bool{}}
	w.add(m.globals)
	for _, v := range liveRegisters(m.L) {
		w.add(v)
	}
	w.drain()
	used := w.bytes + pending
	if used+m.held > m.limit {
		m.stop(errMemoryLimit)
	}

	interval := max(checkEvery, 2*w.entries)
	if grown := used - m.lastUsed; grown > 0 {
		perStep := grown/max(m.steps-m.lastWalk, 1) + 1
		interval = min(interval, max(m.limit-used-m.held, 0)/(2*perStep))
	}
	m.nextWalk = m.steps + max(interval, w.entries/4, minWalk)
	m.lastWalk, m.lastUsed, m.charged = m.steps, used, 0
}

// walker sums the estimated size of everything reachable from the values
// added to it, counting each table, function and large string once.
type walker struct {
	shared  map[*lua.LTable]bool
	todo    []lua.LValue
	tables  map[*lua.LTable]bool
	funcs   map[*lua.LFunction]bool
	strings map[*byte]bool
	bytes   int
	entries int
}

func (w *walker) add(v lua.LValue) {
	switch v := v.(type) {
	case lua.LString:
		w.addString(string(v))
	case *lua.LTable, *lua.LFunction:
		w.todo = append(w.todo, v)
	}
}

func (w *walker) addString(s string) {
	if len(s) >= sharedString {
		p := unsafe.StringData(s)
		if w.strings[p] {
			return
		}
		w.strings[p] = true
	}
	w.bytes += stringBytes + len(s)
}

func (w *walker) drain() {
	for len(w.todo) > 0 {
		v := w.todo[len(w.todo)-1]
		w.todo = w.todo[:len(w.todo)-1]
		switch v := v.(type) {
		case *lua.LTable:
			w.table(v)
		case *lua.LFunction:
			w.function(v)
		}
	}
}

func (w *walker) table(tb *lua.LTable) {
	if w.tables[tb] || w.shared[tb] {
		return
	}
	w.tables[tb] = true
	w.bytes += tableBytes + slotBytes*arrayCap(tb)
	if given := keysGiven(tb); given > 0 {
		w.bytes += hashBytes + hashEntryBytes*given
	}
	eachRawEntry(tb, func(k, v lua.LValue) bool {
		w.entries++
		w.bytes += entryBytes
		w.add(k)
		w.add(v)
		return true
	})
	w.add(tb.Metatable)
}

func (w *walker) function(fn *lua.LFunction) {
	if w.funcs[fn] {
		return
	}
	w.funcs[fn] = true
	w.bytes += functionBytes + upvalueBytes*len(fn.Upvalues)
	for _, uv := range fn.Upvalues {
		w.add(uv.Value())
	}
}
