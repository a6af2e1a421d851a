package scripting

import (
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxDateFormat caps the format of os.date, whose output grows with it.
const maxDateFormat = 256

// refused names what Lua 5.1 has and the sandbox leaves out, by library
// ("" for globals). Reading one of them fails the run with a message that
// says so, rather than with "attempt to call a nil value" further on.
var refused = map[string][]string{
	"": {"collectgarbage", "coroutine", "debug", "dofile", "getfenv", "io", "load", "loadfile",
		"loadstring", "module", "newproxy", "package", "require", "setfenv"},
	"os":     {"difftime", "execute", "exit", "getenv", "remove", "rename", "setlocale", "tmpname"},
	"string": {"dump"},
}

// refuse raises the error for reading name of library lib when it is a
// refused one, and does nothing otherwise.
func refuse(L *lua.LState, lib, name string) {
	if !slices.Contains(refused[lib], name) {
		return
	}
	if lib != "" {
		name = lib + "." + name
	}
	L.RaiseError("%s is not available in scripts", name)
}

// baseFuncs is the base library the sandbox keeps, and the leadrelay
// functions that are globals. Left out: load, loadstring, loadfile, dofile,
// require, module, getfenv, setfenv, collectgarbage, newproxy and the debug
// helper _printregs. print writes to the run's log, like log.
func (v *vm) baseFuncs(std *lua.LTable) []field {
	base := func(name string) lua.LGFunction { return std.RawGetString(name).(*lua.LFunction).GFunction }
	setmetatable := base("setmetatable")
	funcs := pick(std, "assert", "error", "ipairs", "pcall", "rawequal", "select", "tonumber",
		"tostring", "type", "unpack", "xpcall", "_VERSION")
	decode, encode := v.L.NewFunction(v.jsonDecode), v.L.NewFunction(v.jsonEncode)
	next := v.L.NewFunction(materializing(base("next")))
	return append(funcs,
		field{"next", next},
		v.fn("pairs", func(L *lua.LState) int { // gives the next that fills o
			L.Push(next)
			L.Push(L.CheckTable(1))
			L.Push(lua.LNil)
			return 3
		}),
		v.fn("rawget", materializing(base("rawget"))),
		v.fn("rawset", materializing(v.rawSet(base("rawset")))),
		v.fn("getmetatable", materializing(base("getmetatable"))),
		v.fn("setmetatable", materializing(func(L *lua.LState) int {
			L.CheckTable(1) // strings, numbers…: their metatables are the state's, not the run's
			return setmetatable(L)
		})),
		v.fn("print", v.logLine),
		v.fn("log", v.logLine),
		field{"xxdec", decode},
		field{"xxenc", encode},
		v.fn(concatName, v.concat),
		v.fn(setIndexName, v.setIndex),
		v.fn(tableKeyName, v.tableKey),
		v.fn("macro", v.macro),
		v.fn("url_encode", v.urlEncode),
		v.fn("base64_encode", v.base64Encode),
		v.fn("base64_decode", v.base64Decode),
		v.fn("md5", v.md5),
		v.fn("sha1", v.sha1),
		v.fn("sha256", v.sha256),
		v.fn("hmac_sha256", v.hmacSHA256),
	)
}

// libraries is the library tables, by name: string, table and math of Lua
// 5.1 with the functions that build strings or match patterns replaced by
// bounded ones; os.time, os.date and os.clock; and json, lead and cpa.
func (v *vm) libraries(std *lua.LTable) map[string][]field {
	str := std.RawGetString("string").(*lua.LTable)
	tab := std.RawGetString("table").(*lua.LTable)
	os := std.RawGetString("os").(*lua.LTable)
	v.format = str.RawGetString("format").(*lua.LFunction).GFunction
	date := os.RawGetString("date").(*lua.LFunction).GFunction

	stringLib := append(pick(str, "byte", "len", "sub"),
		v.fn("char", v.charged(str.RawGetString("char").(*lua.LFunction).GFunction)),
		v.fn("lower", v.charged(str.RawGetString("lower").(*lua.LFunction).GFunction)),
		v.fn("upper", v.charged(str.RawGetString("upper").(*lua.LFunction).GFunction)),
		v.fn("reverse", v.charged(str.RawGetString("reverse").(*lua.LFunction).GFunction)),
		v.fn("rep", v.strRep),
		v.fn("format", v.strFormat),
		v.fn("find", v.strFind),
		v.fn("match", v.strMatch),
		v.fn("gmatch", v.strGmatch),
		v.fn("gsub", v.strGsub),
	)
	return map[string][]field{
		"string": stringLib,
		"table": append(pick(tab, "getn", "maxn", "remove", "sort"),
			v.fn("insert", v.tableInsert(tab.RawGetString("insert").(*lua.LFunction).GFunction)),
			v.fn("concat", v.tableConcat)),
		"math": all(std.RawGetString("math").(*lua.LTable)),
		"os": append(pick(os, "time", "clock"), v.fn("date", func(L *lua.LState) int {
			if len(L.OptString(1, "")) > maxDateFormat {
				L.RaiseError("os.date: format longer than %d bytes", maxDateFormat)
			}
			return date(L)
		})),
		"json": {{"decode", v.L.NewFunction(v.jsonDecode)}, {"encode", v.L.NewFunction(v.jsonEncode)}},
		"lead": {v.fn("edit", v.leadEdit)},
		"cpa":  {v.fn("get", v.cpaGet)},
	}
}

// fn makes a named Lua function of f.
func (v *vm) fn(name string, f lua.LGFunction) field {
	return field{name, v.L.NewFunction(f)}
}

// globals makes the environment of one run: the state's environment table,
// refilled with _G and the data of the run's Env and nothing else (see
// slot), falling back on the shared base (and, for data not read yet, on
// lazyGlobal).
func (v *vm) globals(r *run) *lua.LTable {
	g := v.env.begin(v.L, 8)
	v.env.set("_G", g)
	v.setData(r, &v.env)
	v.prebuildGlobals(r)
	return v.env.end()
}

// charged wraps a library function that returns a new string, so the
// meter accounts for it.
func (v *vm) charged(f lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		n := f(L)
		if s, ok := L.Get(-1).(lua.LString); ok && n > 0 {
			v.charge(L, len(s))
		}
		return n
	}
}

// charge tells the meter that a library function is handing the script n
// new bytes, and fails the run when that passes the memory limit.
func (v *vm) charge(L *lua.LState, n int) {
	if err := v.cur.meter.charge(n); err != nil {
		L.RaiseError("%s", err.Error())
	}
}

// checkSize fails the call of library function fn when a string it builds,
// n bytes long, passes MaxStringBytes.
func (v *vm) checkSize(L *lua.LState, fn string, n int) {
	if n > v.cfg.MaxStringBytes {
		v.tooLarge(L, fn)
	}
}

func (v *vm) tooLarge(L *lua.LState, fn string) {
	L.RaiseError("%s: result larger than the limit of %s", fn, byteSize(v.cfg.MaxStringBytes))
}

// strRep is string.rep, refusing results over MaxStringBytes before it
// builds them.
func (v *vm) strRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if n > v.cfg.MaxStringBytes/len(s) {
		v.tooLarge(L, "string.rep")
	}
	v.charge(L, n*len(s))
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// strFormat checks the format as Lua 5.1 does (known conversions, width and
// precision of two digits at most, an argument for each) and bounds the
// result before gopher-lua's string.format writes it.
func (v *vm) strFormat(L *lua.LState) int {
	format := L.CheckString(1)
	size, arg := len(format), 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		if i++; i < len(format) && format[i] == '%' {
			continue
		}
		i = skipFormatSpec(L, format, i)
		arg++
		if arg > L.GetTop() {
			L.RaiseError("bad argument #%d to 'format' (no value)", arg)
		}
		size += 99
		switch format[i] {
		case 's':
			size += len(lua.LVAsString(L.Get(arg)))
		case 'q':
			size += 2*len(lua.LVAsString(L.Get(arg))) + 2
		}
	}
	v.checkSize(L, "string.format", size)
	v.charge(L, size)
	return v.format(L)
}

// skipFormatSpec checks the conversion spec starting at format[i] (after
// the %) and returns the index of its conversion letter.
func skipFormatSpec(L *lua.LState, format string, i int) int {
	start := i
	for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
		i++
	}
	if i-start > 5 {
		L.RaiseError("invalid format (repeated flags)")
	}
	i = skipDigits(L, format, i)
	if i < len(format) && format[i] == '.' {
		i = skipDigits(L, format, i+1)
	}
	if i >= len(format) || strings.IndexByte("cdiouxXeEfgGqs", format[i]) < 0 {
		L.RaiseError("invalid option '%%%s' to 'format'", format[start:min(i+1, len(format))])
	}
	return i
}

// skipDigits skips the width or precision at format[i]: two digits at most.
func skipDigits(L *lua.LState, format string, i int) int {
	start := i
	for i < len(format) && format[i] >= '0' && format[i] <= '9' {
		i++
	}
	if i-start > 2 {
		L.RaiseError("invalid format (width or precision too long)")
	}
	return i
}

// tableConcat is table.concat of Lua 5.1, bounded by MaxStringBytes.
func (v *vm) tableConcat(L *lua.LState) int {
	tb := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := L.OptInt(3, 1)
	last := L.OptInt(4, tb.Len())
	var b strings.Builder
	for ; i <= last; i++ {
		e := tb.RawGetInt(i)
		if e.Type() != lua.LTString && e.Type() != lua.LTNumber {
			L.RaiseError("invalid value (at index %d) in table for 'concat'", i)
		}
		b.WriteString(lua.LVAsString(e))
		if i < last {
			b.WriteString(sep)
		}
		v.checkSize(L, "table.concat", b.Len())
	}
	v.charge(L, b.Len())
	L.Push(lua.LString(b.String()))
	return 1
}
