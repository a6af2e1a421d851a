package scripting

import lua "github.com/yuin/gopher-lua"

// concat is a .. b in scripts: strings and numbers are joined as Lua joins
// them, within Config.MaxStringBytes and charged to the run's memory; other
// values go to their __concat metamethod, as in Lua.
func (v *vm) concat(L *lua.LState) int {
	lhs, rhs := L.Get(1), L.Get(2)
	if !lua.LVCanConvToString(lhs) || !lua.LVCanConvToString(rhs) {
		op := L.GetMetaField(lhs, "__concat")
		if op == lua.LNil {
			op = L.GetMetaField(rhs, "__concat")
		}
		if op == lua.LNil {
			L.RaiseError("cannot perform concat operation between %s and %s", lhs.Type(), rhs.Type())
		}
		L.Push(op)
		L.Push(lhs)
		L.Push(rhs)
		L.Call(2, 1)
		return 1
	}
	a, b := lua.LVAsString(lhs), lua.LVAsString(rhs)
	n := len(a) + len(b)
	v.checkSize(L, "..", n)
	v.charge(L, n)
	L.Push(lua.LString(a + b))
	return 1
}
