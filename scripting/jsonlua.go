package scripting

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// maxJSONDepth is how deeply jsonToLua nests; deeper text goes the slow way.
const maxJSONDepth = 1000

// jsonToLua reads s, one JSON value and nothing after it but white space,
// straight into Lua values: the same values goToLua makes of what
// decodeJSON reads, without the Go values in between. ok is false for text
// that is not JSON, and for JSON nested deeper than maxJSONDepth (tooDeep):
// the caller then takes the slow way, which words the error.
//
// What it builds is held against m as it reads (see jsonArrayEntry), and
// released when it returns; cost is the total.
func jsonToLua(L *lua.LState, m *meter, s string) (read jsonRead) {
	r := jsonReader{L: L, meter: m, s: s}
	defer func() { m.release(r.cost) }()
	v, ok := r.value()
	if ok {
		r.skipSpace()
		ok = r.i == len(s)
	}
	return jsonRead{value: v, cost: r.cost, ok: ok, tooDeep: r.tooDeep}
}

// jsonRead is what jsonToLua read.
type jsonRead struct {
	value       lua.LValue
	cost        int
	ok, tooDeep bool
}

// What json.decode's values cost in Go memory, held against the run's
// memory as they are read: the walk's estimate of each (see tableBytes)
// and its place among the entries read so far (twice an entry, as the
// list of them grows by doubling). Each byte of a string that
// is not a slice of the text is held too.
const (
	jsonPlace       = 64
	jsonArrayEntry  = jsonPlace + slotBytes + entryBytes
	jsonObjectEntry = jsonPlace + hashEntryBytes + entryBytes
	jsonTable       = jsonPlace + tableBytes
	jsonObject      = jsonTable + hashBytes
)

// jsonReader is one reading of jsonToLua: the text, the position in it, the
// depth of nesting, and the entries of the arrays and objects being read
// (each is made, at its right size, once it is complete).
type jsonReader struct {
	L       *lua.LState
	meter   *meter
	cost    int // held against meter
	tooDeep bool
	s       string
	i       int
	depth   int
	entries []field
}

func (r *jsonReader) skipSpace() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) value() (lua.LValue, bool) {
	r.skipSpace()
	if r.i >= len(r.s) {
		return nil, false
	}
	switch c := r.s[r.i]; {
	case c == '{':
		return r.nested('}', r.objectEntry)
	case c == '[':
		return r.nested(']', r.arrayEntry)
	case c == '"':
		s, ok := r.string()
		return lua.LString(s), ok
	case c == 't':
		return r.literal("true", lua.LTrue)
	case c == 'f':
		return r.literal("false", lua.LFalse)
	case c == 'n':
		return r.literal("null", lua.LNil)
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	}
	return nil, false
}

func (r *jsonReader) literal(word string, v lua.LValue) (lua.LValue, bool) {
	if len(r.s)-r.i < len(word) || r.s[r.i:r.i+len(word)] != word {
		return nil, false
	}
	r.i += len(word)
	return v, true
}

// nested reads an object or an array, whose entries entry reads, up to the
// closing byte end, and makes its table.
func (r *jsonReader) nested(end byte, entry func() bool) (lua.LValue, bool) {
	if r.depth++; r.depth > maxJSONDepth {
		r.tooDeep = true
		return nil, false
	}
	if end == '}' {
		r.hold(jsonObject)
	} else {
		r.hold(jsonTable)
	}
	r.i++
	first := len(r.entries)
	r.skipSpace()
	if r.i < len(r.s) && r.s[r.i] == end {
		r.i++
	} else if !r.entriesUntil(end, entry) {
		return nil, false
	}
	entries := r.entries[first:]
	var tb *lua.LTable
	if end == ']' {
		tb = r.L.CreateTable(len(entries), 0)
		for _, e := range entries {
			tb.Append(e.value) // as goToLua does: a null is skipped
		}
	} else {
		tb = r.L.CreateTable(0, len(entries))
		for _, e := range entries {
			tb.RawSetString(e.name, e.value)
		}
	}
	clear(entries)
	r.entries = r.entries[:first]
	r.depth--
	return tb, true
}

// entriesUntil reads the entries of an object or array, separated by
// commas, and the closing byte end.
func (r *jsonReader) entriesUntil(end byte, entry func() bool) bool {
	for {
		if !entry() {
			return false
		}
		r.skipSpace()
		if r.i >= len(r.s) {
			return false
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case end:
			r.i++
			return true
		default:
			return false
		}
	}
}

// hold holds n more bytes against the run's memory; past its limit, the
// run fails.
func (r *jsonReader) hold(n int) {
	r.cost += n
	if err := r.meter.hold(n); err != nil {
		r.L.RaiseError("%s", err.Error())
	}
}

func (r *jsonReader) arrayEntry() bool {
	r.hold(jsonArrayEntry)
	v, ok := r.value()
	r.entries = append(r.entries, field{value: v})
	return ok
}

func (r *jsonReader) objectEntry() bool {
	r.skipSpace()
	if r.i >= len(r.s) || r.s[r.i] != '"' {
		return false
	}
	name, ok := r.string()
	if !ok {
		return false
	}
	r.skipSpace()
	if r.i >= len(r.s) || r.s[r.i] != ':' {
		return false
	}
	r.i++
	r.hold(jsonObjectEntry)
	v, ok := r.value()
	r.entries = append(r.entries, field{name, v})
	return ok
}

// string reads a string. Plain text is a slice of s; text with escapes or
// bytes that are not UTF-8 is left to encoding/json, which reads escapes and
// replaces such bytes as decodeJSON does.
func (r *jsonReader) string() (string, bool) {
	start := r.i
	plain := true
	for j := start + 1; j < len(r.s); j++ {
		switch c := r.s[j]; {
		case c == '"':
			r.i = j + 1
			text := r.s[start+1 : j]
			if plain && utf8.ValidString(text) {
				return text, true
			}
			r.hold(2 * (r.i - start)) // the copy Unmarshal reads, and the text it makes
			var out string
			return out, json.Unmarshal([]byte(r.s[start:r.i]), &out) == nil
		case c == '\\':
			plain = false
			j++
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// number reads a number as JSONNumber and goToLua make it: an integer
// exact (as text beyond 2^53 or int64), anything with a fraction or an
// exponent as a float.
func (r *jsonReader) number() (lua.LValue, bool) {
	start := r.i
	if r.s[r.i] == '-' {
		r.i++
	}
	if r.i < len(r.s) && r.s[r.i] == '0' {
		r.i++
	} else if !r.digits() {
		return nil, false
	}
	float := false
	if r.i < len(r.s) && r.s[r.i] == '.' {
		r.i++
		if !r.digits() {
			return nil, false
		}
		float = true
	}
	if r.i < len(r.s) && (r.s[r.i] == 'e' || r.s[r.i] == 'E') {
		r.i++
		if r.i < len(r.s) && (r.s[r.i] == '+' || r.s[r.i] == '-') {
			r.i++
		}
		if !r.digits() {
			return nil, false
		}
		float = true
	}
	text := r.s[start:r.i]
	if float {
		f, _ := strconv.ParseFloat(text, 64) // out of range: ±Inf, as decodeJSON gives
		return luaNumber(f), true
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return intToLua(n), true
	}
	return lua.LString(text), true
}

// digits reads one or more decimal digits.
func (r *jsonReader) digits() bool {
	start := r.i
	for r.i < len(r.s) && r.s[r.i] >= '0' && r.s[r.i] <= '9' {
		r.i++
	}
	return r.i > start
}
