package scripting

import (
	"math"

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
