package scripting

import lua "github.com/yuin/gopher-lua"

// The global o holds the seventy-odd fields of a lead, of which a script
// reads a handful; filling a table with all of them cost more than the
// rest of a typical run. So o starts empty, behind a metatable (rowMeta)
// that reads a field from the row when the script reads it and notes the
// fields the script sets (a field set to nil must stay nil). Whatever looks
// at the table as a whole (pairs, next, rawget, rawset, getmetatable,
// setmetatable, and the conversion to data behind return values, post
// fields and json.encode) first fills it with the fields the script has not
// set and drops the metatable, so that from then on o is a plain table. A
// script cannot tell o from a table filled in advance.

// lazyRow is the state of a run's o while it is not filled: the row, and
// the fields the script has set.
type lazyRow struct {
	table *lua.LTable
	row   Row
	set   map[string]bool
}

// newRowMeta makes the metatable of o, which the state shares among its
// runs. __materialize holds fill for the Go code that converts tables.
func (v *vm) newRowMeta() *lua.LTable {
	mt := v.L.CreateTable(0, 4)
	mt.RawSetString("__index", v.L.NewFunction(v.rowIndex))
	mt.RawSetString("__newindex", v.L.NewFunction(v.rowNewIndex))
	mt.RawSetString("__metatable", lua.LFalse)
	ud := v.L.NewUserData()
	ud.Value = v.fillRow
	mt.RawSetString("__materialize", ud)
	return mt
}

// rowTable makes the run's o for row (nil: no fields).
func (v *vm) rowTable(row Row) *lua.LTable {
	if row == nil {
		row = Fields(nil)
	}
	tb := v.L.CreateTable(0, 0)
	tb.Metatable = v.rowMeta
	v.cur.row = lazyRow{table: tb, row: row}
	return tb
}

// rowIndex is o's __index: a field the script has not set, read from the row.
func (v *vm) rowIndex(L *lua.LState) int {
	r := &v.cur.row
	name, ok := L.Get(2).(lua.LString)
	if !ok || L.Get(1) != r.table || r.set[string(name)] {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(goToLua(L, r.row.Field(string(name))))
	return 1
}

// rowNewIndex is o's __newindex: it sets the field, and notes it as the
// script's.
func (v *vm) rowNewIndex(L *lua.LState) int {
	r := &v.cur.row
	tb := L.CheckTable(1)
	if name, ok := L.Get(2).(lua.LString); ok && tb == r.table {
		if r.set == nil {
			r.set = make(map[string]bool)
		}
		r.set[string(name)] = true
	}
	v.chargeSlots(L, tb, L.Get(2))
	L.RawSet(tb, L.CheckAny(2), L.Get(3))
	return 0
}

// fillRow fills o, if tb is o and not filled yet, with the fields of the
// row the script has not set, and makes it a plain table.
func (v *vm) fillRow(tb *lua.LTable) {
	r := &v.cur.row
	if tb != r.table || tb.Metatable != v.rowMeta {
		return
	}
	r.row.Each(func(name string, value any) {
		if !r.set[name] && tb.RawGetString(name) == lua.LNil {
			tb.RawSetString(name, goToLua(v.L, value))
		}
	})
	tb.Metatable = lua.LNil
	*r = lazyRow{}
}

// materialize fills tb when it is a run's o not filled yet (see fillRow).
// Code that looks at a table's entries calls it first.
func materialize(tb *lua.LTable) {
	mt, ok := tb.Metatable.(*lua.LTable)
	if !ok {
		return
	}
	if ud, ok := mt.RawGetString("__materialize").(*lua.LUserData); ok {
		ud.Value.(func(*lua.LTable))(tb)
	}
}

// materializing wraps a base function whose first argument, when a table,
// must be seen whole (pairs, next, rawget, rawset, getmetatable,
// setmetatable).
func materializing(f lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if tb, ok := L.Get(1).(*lua.LTable); ok {
			materialize(tb)
		}
		return f(L)
	}
}
