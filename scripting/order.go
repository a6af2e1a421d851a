package scripting

import lua "github.com/yuin/gopher-lua"

// orderTable is the global o for this run: the row's fields by name.
//
// Building a table of the 70-odd fields of a lead is most of what reading o
// costs, so a state keeps the table its last run was given and fills it
// again: fields the new row lacks are cleared, the others overwritten. The
// table is only reused when the last run left nothing of its own in it (no
// key outside the fields seen, no array entry, no metatable); else, and
// when the fields seen grow past what rows hold, a fresh table is made. No
// run can keep a reference to it: nothing a run sets outlives the run.
func (v *vm) orderTable(row map[string]any) *lua.LTable {
	if v.order == nil || len(v.orderKeys) > 2*len(row)+64 || !v.orderIsClean() {
		v.order = v.L.CreateTable(0, len(row))
		v.orderKeys = make(map[string]bool, len(row))
	}
	for k := range v.orderKeys {
		if _, ok := row[k]; !ok {
			v.order.RawSetString(k, lua.LNil)
		}
	}
	for k, value := range row {
		v.order.RawSetString(k, goToLua(v.L, value))
		v.orderKeys[k] = true
	}
	return v.order
}

// orderIsClean reports whether the order table holds only fields of rows.
func (v *vm) orderIsClean() bool {
	if v.order.Metatable != lua.LNil {
		return false
	}
	clean := true
	v.order.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); !ok || !v.orderKeys[string(s)] {
			clean = false
		}
	})
	return clean
}
