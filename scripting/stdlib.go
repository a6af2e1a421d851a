package scripting

import (
	"slices"
	"strings"
	"unicode/utf8"

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
	lib := func(name string) lua.LGFunction { return str.RawGetString(name).(*lua.LFunction).GFunction }
	v.format = lib("format")
	date := os.RawGetString("date").(*lua.LFunction).GFunction

	stringLib := append(pick(str, "byte", "len", "sub"),
		v.fn("char", v.sized("string.char", lib("char"), (*lua.LState).GetTop)),
		v.fn("lower", v.sized("string.lower", lib("lower"), caseSize)),
		v.fn("upper", v.sized("string.upper", lib("upper"), caseSize)),
		v.fn("reverse", v.sized("string.reverse", lib("reverse"), func(L *lua.LState) int { return len(L.CheckString(1)) })),
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

// sized wraps a library function that returns a new string, at most
// size(L) bytes long: the size is checked against MaxStringBytes and
// charged to the run before the function builds the string.
func (v *vm) sized(name string, f lua.LGFunction, size func(L *lua.LState) int) lua.LGFunction {
	return func(L *lua.LState) int {
		n := size(L)
		v.checkSize(L, name, n)
		v.charge(L, n)
		return f(L)
	}
}

// caseSize bounds string.upper and string.lower: ASCII keeps its length,
// and other text at most triples it (a byte that is not UTF-8 becomes
// U+FFFD).
func caseSize(L *lua.LState) int {
	s := L.CheckString(1)
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return 3 * len(s)
		}
	}
	return len(s)
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
// result, charging it to the run, before gopher-lua's string.format writes
// it. An argument that is neither a number nor a string is formatted as
// its tostring without metamethods ("table: 0x…", "nil", "true"), which is
// what %s printed of it; fmt would print a table's insides for any other
// verb.
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
		switch value := L.Get(arg).(type) {
		case lua.LNumber:
			size += numberFormatBytes(format[i])
		case lua.LString:
			size += stringFormatBytes(format[i], len(value))
		default:
			text := value.String()
			L.Replace(arg, lua.LString(text))
			size += stringFormatBytes(format[i], len(text))
		}
		size += 2 * maxFormatWidth // width and precision
	}
	v.checkSize(L, "string.format", size)
	v.charge(L, size)
	return v.format(L)
}

// maxFormatWidth is the largest width or precision a conversion may have.
const maxFormatWidth = 99

// numberFormatBytes bounds what conversion c writes of a number, beyond
// its width and precision: %f of 1e308 is 309 digits.
func numberFormatBytes(c byte) int {
	if c == 'f' {
		return 330
	}
	return 32
}

// stringFormatBytes bounds what conversion c writes of a string of n bytes
// beyond its width and precision. gopher-lua hands strings to fmt, so %x
// writes each byte as two hex digits (five with the flags "# "), %q may
// escape each byte as four (\x00), and any other conversion writes the
// string whole, inside fmt's "%!d(string=…)" when not a number.
func stringFormatBytes(c byte, n int) int {
	switch c {
	case 'x', 'X':
		return 5*n + 2
	case 'q':
		return 4*n + 2
	}
	return n + 32
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

// tableConcat is table.concat of Lua 5.1: it measures the result, refuses
// it past MaxStringBytes and charges it to the run before it builds it.
func (v *vm) tableConcat(L *lua.LState) int {
	tb := L.CheckTable(1)
	sep := L.OptString(2, "")
	first := L.OptInt(3, 1)
	last := L.OptInt(4, tb.Len())
	size := 0
	for i := first; i <= last; i++ {
		e := tb.RawGetInt(i)
		if e.Type() != lua.LTString && e.Type() != lua.LTNumber {
			L.RaiseError("invalid value (at index %d) in table for 'concat'", i)
		}
		size += len(lua.LVAsString(e))
		if i < last {
			size += len(sep)
		}
		v.checkSize(L, "table.concat", size)
	}
	v.charge(L, size)
	var b strings.Builder
	b.Grow(size)
	for i := first; i <= last; i++ {
		b.WriteString(lua.LVAsString(tb.RawGetInt(i)))
		if i < last {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}
