package scripting

import (
	"reflect"
	"slices"

	lua "github.com/yuin/gopher-lua"

	"github.com/leadrelay/leadrelay/integrations/wire"
)

// A slot is a table that a state hands to run after run for the same
// purpose (the environment, ofps, an item of items, post, …), refilled
// rather than built anew. In gopher-lua, a table pays several allocations
// for each key it is given for the first time (a boxed copy of the key and
// its place in the iteration order) and none for a key it has held before,
// even one cleared since; building the globals afresh was most of what a
// pooled run cost.
//
// A fill sets every key of the new contents, keeping a value equal to the
// one held, and clears every other key the table holds: the keys of the
// last fill and those a run added. So a run sees exactly what it was given,
// as it would with a new table. A table that holds what a fill cannot clear
// (an array entry, a key that is not a string, a metatable), or that has
// held too many keys, is replaced by a new one.
type slot struct {
	tb *lua.LTable
	// meta is the metatable the table is made with and must keep (nil:
	// none).
	meta *lua.LTable
	// keys are the keys the table may hold, each with the fill that last
	// set it (0 for a key a run added).
	keys map[string]uint64
	fill uint64
	// given is how many keys the table had been given when the last fill
	// ended (see keysGiven).
	given int
}

// begin starts a fill of about n keys and returns the table to fill.
func (s *slot) begin(L *lua.LState, n int) *lua.LTable {
	if s.tb == nil || !s.adopt(2*n+64) {
		s.tb = L.CreateTable(0, n)
		if s.meta != nil {
			s.tb.Metatable = s.meta
		}
		s.keys = make(map[string]uint64, n)
	}
	s.fill++
	return s.tb
}

// adopt records the keys a run added to the table, so that the fill clears
// them. It reports false when the table cannot be refilled: it holds more
// than limit keys, or something a fill cannot clear.
func (s *slot) adopt(limit int) bool {
	if mt := s.tb.Metatable; mt != lua.LNil && mt != s.meta {
		return false
	}
	if given := keysGiven(s.tb); given >= 0 && given == s.given && s.tb.MaxN() == 0 {
		return true // no key added since the last fill, and no array entry
	}
	ok := true
	eachRawEntry(s.tb, func(k, _ lua.LValue) bool {
		key, isString := k.(lua.LString)
		if ok = isString; ok {
			if _, known := s.keys[string(key)]; !known {
				s.keys[string(key)] = 0
			}
		}
		return ok
	})
	return ok && len(s.keys) <= limit
}

// set sets key to value, unless the table holds it already.
func (s *slot) set(key string, value lua.LValue) {
	s.keys[key] = s.fill
	if s.tb.RawGetString(key) != value {
		s.tb.RawSetString(key, value)
	}
}

// setString sets key to the string value; the value the table holds is
// kept when it is the same text, so setting it again allocates nothing.
func (s *slot) setString(key, value string) {
	s.keys[key] = s.fill
	if old, ok := s.tb.RawGetString(key).(lua.LString); ok && string(old) == value {
		return
	}
	s.tb.RawSetString(key, lua.LString(value))
}

// setData sets key to the Lua form of value (see goToLua).
func (s *slot) setData(L *lua.LState, key string, value any) {
	if str, ok := value.(string); ok {
		s.setString(key, str)
		return
	}
	s.set(key, goToLua(L, value))
}

// end finishes the fill: it clears the keys the fill did not set.
func (s *slot) end() *lua.LTable {
	for k, fill := range s.keys {
		if fill != s.fill && s.tb.RawGetString(k) != lua.LNil {
			s.tb.RawSetString(k, lua.LNil)
		}
	}
	s.given = keysGiven(s.tb)
	return s.tb
}

// fillStrings fills the slot with m, as stringTable would build it.
func (s *slot) fillStrings(L *lua.LState, m map[string]string) *lua.LTable {
	s.begin(L, len(m))
	for k, v := range m {
		s.setString(k, v)
	}
	return s.end()
}

// fillFields fills the slot with the table of fields, name → value. A name
// that occurs more than once (a[] in a template) holds the array of its
// values, and is returned in multi so that readFields splits the array
// again.
func (s *slot) fillFields(L *lua.LState, fields []wire.Field) (tb *lua.LTable, multi []string) {
	s.begin(L, len(fields))
	for _, f := range fields {
		value := f.Value
		if value == nil {
			value = ""
		}
		if s.keys[f.Name] != s.fill { // the name's first field
			s.setData(L, f.Name, value)
			continue
		}
		if slices.Contains(multi, f.Name) {
			s.tb.RawGetString(f.Name).(*lua.LTable).Append(goToLua(L, value))
			continue
		}
		list := L.CreateTable(2, 0)
		list.Append(s.tb.RawGetString(f.Name))
		list.Append(goToLua(L, value))
		s.set(f.Name, list)
		multi = append(multi, f.Name)
	}
	return s.end(), multi
}

// tableKeys is the index of LTable's unexported field keys: every key the
// table has been given outside its array part, in the order given, cleared
// ones included. It only grows, and only when a key new to the table is
// set, so a table whose count did not change was given no new key. nil
// when this version of gopher-lua has no such field: slots then look at
// every entry.
var tableKeys = func() []int {
	f, ok := reflect.TypeFor[lua.LTable]().FieldByName("keys")
	if !ok || f.Type.Kind() != reflect.Slice {
		return nil
	}
	return f.Index
}()

// keysGiven is how many keys tb has been given outside its array part, or
// -1 when that cannot be read.
func keysGiven(tb *lua.LTable) int {
	if tableKeys == nil {
		return -1
	}
	return reflect.ValueOf(tb).Elem().FieldByIndex(tableKeys).Len()
}
