package scripting

import (
	"math"
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// smallNumbers holds the Lua numbers 0 to 1023 as values, so that handing
// one to Lua (an array index, a quantity, an HTTP status) allocates
// nothing: putting any other float64 in an LValue allocates.
var smallNumbers = func() (out [1024]lua.LValue) {
	for i := range out {
		out[i] = lua.LNumber(i)
	}
	return out
}()

// luaNumber is f as a Lua number, taken from smallNumbers when it is one.
func luaNumber(f float64) lua.LValue {
	if f >= 0 && f < float64(len(smallNumbers)) && f == math.Trunc(f) && !math.Signbit(f) {
		return smallNumbers[int(f)]
	}
	return lua.LNumber(f)
}

// eachEntry calls fn for every entry of tb, the array part first, in order,
// then the other keys in the order they were first set, and stops early
// when fn returns false. Unlike LTable.ForEach, which puts every key it
// hands over in a new LValue, it allocates nothing for string keys (it
// hands over the table's own) and for array indices below 1024.
//
// A run's o not filled yet is filled first (see materialize); eachRawEntry
// leaves it as it is.
func eachEntry(tb *lua.LTable, fn func(k, v lua.LValue) bool) {
	materialize(tb)
	eachRawEntry(tb, fn)
}

// eachRawEntry is eachEntry without filling o.
func eachRawEntry(tb *lua.LTable, fn func(k, v lua.LValue) bool) {
	n := tb.MaxN()
	for i := 1; i <= n; i++ {
		if v := tb.RawGetInt(i); v != lua.LNil && !fn(luaNumber(float64(i)), v) {
			return
		}
	}
	k := afterArray(n)
	for {
		var v lua.LValue
		if k, v = tb.Next(k); k == lua.LNil || !fn(k, v) {
			return
		}
	}
}

// afterArray is the key from which LTable.Next goes on to the keys outside
// the array part of a table whose last array entry is at n: n itself, or
// nil when there is none (Next must not be given 0, which it reads as a key
// of the hash part).
func afterArray(n int) lua.LValue {
	if n == 0 {
		return lua.LNil
	}
	return luaNumber(float64(n))
}

// slotBytes is the size of one slot of a table's array part (an LValue).
const slotBytes = 16

// The unexported fields of gopher-lua that the meter reads through
// reflect, found once: LTable's array (its array part, whose capacity a
// walk counts, nil slots included) and LState's reg, the registry that
// holds the values of every active call (named locals, temporaries,
// arguments), with its array and top. TestGopherLuaInternals fails when an
// upgrade of gopher-lua renames or retypes them; newVM refuses to run
// without them, as the meter would then miss memory.
var (
	tableArray    = structField(reflect.TypeFor[lua.LTable](), "array", reflect.Slice)
	stateRegistry = structField(reflect.TypeFor[lua.LState](), "reg", reflect.Pointer)
	registryArray []int
	registryTop   []int
)

func init() {
	if stateRegistry == nil {
		return
	}
	reg := reflect.TypeFor[lua.LState]().FieldByIndex(stateRegistry).Type.Elem()
	registryArray = structField(reg, "array", reflect.Slice)
	registryTop = structField(reg, "top", reflect.Int)
}

// structField is the index of the field name of the struct type t when it
// has that kind, or nil.
func structField(t reflect.Type, name string, kind reflect.Kind) []int {
	f, ok := t.FieldByName(name)
	if !ok || f.Type.Kind() != kind {
		return nil
	}
	return f.Index
}

// internalsFound reports whether every field the meter reads was found.
func internalsFound() bool {
	return tableKeys != nil && tableArray != nil && stateRegistry != nil && registryArray != nil && registryTop != nil
}

// arrayCap is the capacity of tb's array part.
func arrayCap(tb *lua.LTable) int {
	return reflect.ValueOf(tb).Elem().FieldByIndex(tableArray).Cap()
}

// arrayLen is the length of tb's array part, trailing nil slots included.
func arrayLen(tb *lua.LTable) int {
	return reflect.ValueOf(tb).Elem().FieldByIndex(tableArray).Len()
}

// liveRegisters is the values the registry of L holds: those of every
// active call, below its top.
func liveRegisters(L *lua.LState) []lua.LValue {
	reg := reflect.ValueOf(L).Elem().FieldByIndex(stateRegistry).Elem()
	array := reg.FieldByIndex(registryArray)
	values := reflect.NewAt(array.Type(), unsafe.Pointer(array.UnsafeAddr())).Elem().Interface().([]lua.LValue)
	return values[:min(int(reg.FieldByIndex(registryTop).Int()), len(values))]
}

// maxMetaLoop bounds the chain of __newindex tables setIndex follows, as
// gopher-lua bounds it.
const maxMetaLoop = 100

// setIndex is t[k] = v in scripts, for the keys the rewriter hands it (see
// rewrite): what Lua does, with the array slots the assignment makes
// gopher-lua fill charged to the run before they are taken. A table that
// holds the key, or has no __newindex, is set; a __newindex table is
// followed; a __newindex function is called, as in Lua.
func (v *vm) setIndex(L *lua.LState) int {
	obj, key, value := L.Get(1), L.Get(2), L.Get(3)
	tb, ok := obj.(*lua.LTable)
	for range maxMetaLoop {
		if !ok || tb.RawGet(key) != lua.LNil {
			break
		}
		next, isTable := L.GetMetaField(tb, "__newindex").(*lua.LTable)
		if !isTable {
			break
		}
		tb = next
	}
	if !ok || tb.RawGet(key) == lua.LNil && L.GetMetaField(tb, "__newindex") != lua.LNil {
		L.SetTable(obj, key, value) // not a table, or a __newindex function: as the VM does it
		return 0
	}
	v.chargeSlots(L, tb, key)
	L.RawSet(tb, key, value)
	return 0
}

// tableKey is a key [k] of a table constructor in scripts (see rewrite):
// k, with the array slots setting it in a new table fills charged to the
// run.
func (v *vm) tableKey(L *lua.LState) int {
	key := L.Get(1)
	if n := arrayIndex(key); n > 0 {
		v.charge(L, 2*slotBytes*n)
	}
	L.Push(key)
	return 1
}

// chargeSlots charges the run for the array slots that setting key in tb
// makes gopher-lua fill (it fills every slot below a number key up to
// lua.MaxArrayIndex), before they are taken: twice their size, as the
// array grows by appending.
func (v *vm) chargeSlots(L *lua.LState, tb *lua.LTable, key lua.LValue) {
	if n := arrayIndex(key); n > arrayCap(tb) {
		v.charge(L, 2*slotBytes*(n-arrayLen(tb)))
	}
}

// arrayIndex is the array slot a key stands for in gopher-lua's tables, or
// 0 when it is kept outside the array part.
func arrayIndex(key lua.LValue) int {
	n, ok := key.(lua.LNumber)
	if !ok || float64(n) != math.Trunc(float64(n)) || n < 1 || n >= lua.LNumber(lua.MaxArrayIndex) {
		return 0
	}
	return int(n)
}

// rawSet is rawset(t, k, v), with the array slots it fills charged first.
func (v *vm) rawSet(rawset lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if tb, ok := L.Get(1).(*lua.LTable); ok {
			v.chargeSlots(L, tb, L.Get(2))
		}
		return rawset(L)
	}
}

// tableInsert is table.insert(t, [pos,] v), with the array slots it fills
// charged first: gopher-lua fills those up to a position past the end.
func (v *vm) tableInsert(insert lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if tb := L.CheckTable(1); L.GetTop() >= 3 {
			v.chargeSlots(L, tb, L.Get(2))
		}
		return insert(L)
	}
}
