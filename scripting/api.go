package scripting

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Limits of the leadrelay functions.
const (
	// jsonSlowCost is what json.decode charges for each byte of text it
	// reads the slow way, into Go values first (see jsonDecode).
	jsonSlowCost  = 48
	maxLogLines   = 500
	maxLogBytes   = 64 << 10
	maxMacroInput = 64 << 10
)

// runLog holds the lines of log(...) and print(...), up to maxLogLines
// lines and maxLogBytes bytes; what comes after is counted, not kept.
type runLog struct {
	lines   []string
	bytes   int
	dropped int
}

func (l *runLog) full() bool {
	return len(l.lines) >= maxLogLines || l.bytes >= maxLogBytes
}

func (l *runLog) add(line string) {
	if l.full() {
		l.dropped++
		return
	}
	if room := maxLogBytes - l.bytes; len(line) > room {
		for room > 0 && !utf8.RuneStart(line[room]) {
			room--
		}
		line = line[:room] + "…"
	}
	l.lines = append(l.lines, line)
	l.bytes += len(line)
}

// result is the lines kept, and a last line saying how many were dropped.
func (l *runLog) result() []string {
	if l.dropped > 0 {
		return append(l.lines, fmt.Sprintf("(%d more log lines dropped)", l.dropped))
	}
	return l.lines
}

// logLine is log(...) and print(...): the arguments, as tostring writes
// them, joined by tabs. The line is built no longer than the room the log
// has left and a byte (so that add sees it cut): each argument is cut
// before it is joined.
func (v *vm) logLine(L *lua.LState) int {
	if v.cur.log.full() {
		v.cur.log.dropped++
		return 0
	}
	room := maxLogBytes - v.cur.log.bytes + 1
	var b strings.Builder
	for i := 1; i <= L.GetTop() && b.Len() < room; i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		s := L.ToStringMeta(L.Get(i)).String()
		b.WriteString(s[:min(len(s), room-b.Len())])
	}
	v.cur.log.add(b.String())
	return 0
}

// macro is macro(s): s with the lead's macros expanded, or s as it is when
// the caller gave no expander.
func (v *vm) macro(L *lua.LState) int {
	s := L.CheckString(1)
	if len(s) > maxMacroInput {
		L.RaiseError("macro: text longer than %s", byteSize(maxMacroInput))
	}
	if expand := v.cur.env.Macro; expand != nil {
		s = expand(s)
	}
	v.checkSize(L, "macro", len(s))
	v.charge(L, len(s))
	L.Push(lua.LString(s))
	return 1
}

// urlEncode is url_encode(s), as url.QueryEscape writes it, its size
// checked and charged before it is built.
func (v *vm) urlEncode(L *lua.LState) int {
	s := L.CheckString(1)
	size := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' && c != '~' && c != ' ' {
			size += 2 // %XX
		}
	}
	v.checkSize(L, "url_encode", size)
	v.charge(L, size)
	L.Push(lua.LString(url.QueryEscape(s)))
	return 1
}

func (v *vm) base64Encode(L *lua.LState) int {
	s := L.CheckString(1)
	size := base64.StdEncoding.EncodedLen(len(s))
	v.checkSize(L, "base64_encode", size)
	v.charge(L, size+len(s)) // and the copy of s the encoder reads
	L.Push(lua.LString(base64.StdEncoding.EncodeToString([]byte(s))))
	return 1
}

// base64Decode is base64_decode(s): it takes the standard and the URL
// alphabet, with or without padding, and ignores spaces and line breaks.
// Text that is not base64 gives nil and a message.
func (v *vm) base64Decode(L *lua.LState) int {
	v.charge(L, 2*len(L.CheckString(1))) // the text without spaces, and what it decodes to
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, L.CheckString(1))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return v.pushString(L, "base64_decode", string(b))
		}
	}
	L.Push(lua.LNil)
	L.Push(lua.LString("base64_decode: not base64"))
	return 2
}

func (v *vm) md5(L *lua.LState) int    { return v.digest(L, md5.New()) }
func (v *vm) sha1(L *lua.LState) int   { return v.digest(L, sha1.New()) }
func (v *vm) sha256(L *lua.LState) int { return v.digest(L, sha256.New()) }

// hmacSHA256 is hmac_sha256(key, s), in hex. The state keeps the MAC of
// the last key, as scripts sign every request with the same secret.
func (v *vm) hmacSHA256(L *lua.LState) int {
	key, s := L.CheckString(1), L.CheckString(2)
	if v.mac == nil || v.macKey != key {
		v.mac, v.macKey = hmac.New(sha256.New, []byte(key)), key
	}
	v.mac.Reset()
	io.WriteString(v.mac, s)
	var sum [sha256.Size]byte
	L.Push(lua.LString(hex.EncodeToString(v.mac.Sum(sum[:0]))))
	return 1
}

// digest pushes the hash of the first argument, in lower-case hex.
func (v *vm) digest(L *lua.LState, h hash.Hash) int {
	io.WriteString(h, L.CheckString(1))
	L.Push(lua.LString(hex.EncodeToString(h.Sum(nil))))
	return 1
}

func (v *vm) pushString(L *lua.LState, fn, s string) int {
	v.checkSize(L, fn, len(s))
	v.charge(L, len(s))
	L.Push(lua.LString(s))
	return 1
}

// jsonDecode is json.decode(s) and xxdec(s). JSON that does not parse gives
// nil and a message (so `json.decode(result) or {}` reads an HTML error page
// as empty) rather than failing the run. Integers stay exact: up to 2^53 as
// numbers, beyond as their text. null becomes nil.
//
// What it builds is charged as it reads (see jsonToLua). Text nested too
// deeply for jsonToLua is read by decodeJSON into Go values first, which
// is charged jsonSlowCost times its length before it starts; text that is
// not JSON builds nothing there.
func (v *vm) jsonDecode(L *lua.LState) int {
	s := L.CheckString(1)
	m := &v.cur.meter
	read := jsonToLua(L, m, s)
	value, cost := read.value, read.cost
	if !read.ok {
		if read.tooDeep {
			cost = jsonSlowCost * len(s)
			if err := m.hold(cost); err != nil {
				m.release(cost)
				L.RaiseError("%s", err.Error())
			}
			defer m.release(cost)
		}
		data, err := decodeJSON(strings.NewReader(s))
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString("json.decode: " + err.Error()))
			return 2
		}
		value = goToLua(L, data)
	}
	v.charge(L, cost)
	L.Push(value)
	return 1
}

// decodeJSON reads one JSON value, numbers as json.Number, and nothing after it.
func decodeJSON(r io.Reader) (any, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no JSON value")
		}
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	return data, nil
}

// jsonEncode is json.encode(v) and xxenc(v): tables whose keys are 1..n
// become arrays (the empty table []), other tables objects with their keys
// sorted; whole numbers are written without exponent.
func (v *vm) jsonEncode(L *lua.LState) int {
	data, err := luaToGo(L.CheckAny(1), "json.encode: value")
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	b, err := appendJSON(nil, data, v.cfg.MaxStringBytes)
	if errors.Is(err, errTooLarge) {
		v.checkSize(L, "json.encode", len(b))
	}
	if err != nil {
		L.RaiseError("json.encode: %s", err.Error())
	}
	v.charge(L, cap(b))
	L.Push(lua.LString(unsafe.String(unsafe.SliceData(b), len(b)))) // b is not written again: no copy
	return 1
}

// leadEdit is lead.edit(id, t): it sets exto (or ext), comment and meta of
// the lead in hand, applied with the outcome of the run. id must be that
// lead's id, as a number or as text; each call adds to the previous ones.
func (v *vm) leadEdit(L *lua.LState) int {
	if !sameID(L.CheckAny(1), v.cur.env.LeadID) {
		L.RaiseError("lead.edit: %s is not the id of this lead (%d)", L.Get(1).String(), v.cur.env.LeadID)
	}
	t := L.CheckTable(2)
	edit := v.cur.edit
	if edit == nil {
		edit = &LeadEdit{}
	}
	if t.RawGetString("exto") != lua.LNil && t.RawGetString("ext") != lua.LNil {
		L.RaiseError("lead.edit: give exto or ext, not both")
	}
	var err error
	eachEntry(t, func(k, val lua.LValue) bool {
		err = setEdit(edit, k, val)
		return err == nil
	})
	if err != nil {
		L.RaiseError("lead.edit: %s", err.Error())
	}
	v.cur.edit = edit
	L.Push(lua.LTrue)
	return 1
}

func setEdit(edit *LeadEdit, k, val lua.LValue) error {
	key := lua.LVAsString(k)
	switch key {
	case "exto", "ext", "comment":
		if val.Type() != lua.LTString && val.Type() != lua.LTNumber {
			return fmt.Errorf("%s must be a string or a number, not a %s", key, val.Type())
		}
		s := lua.LVAsString(val)
		if n, ok := val.(lua.LNumber); ok {
			s = formatNumber(float64(n))
		}
		if key == "comment" {
			edit.Comment = &s
		} else {
			edit.Ext = &s
		}
	case "meta":
		tb, ok := val.(*lua.LTable)
		if !ok {
			return fmt.Errorf("meta must be a table, not a %s", val.Type())
		}
		data, err := luaToGo(tb, "meta")
		if err != nil {
			return err
		}
		if edit.Meta == nil {
			edit.Meta = map[string]string{}
		}
		switch data := data.(type) {
		case map[string]any:
			for name, e := range data {
				edit.Meta[name] = FormatValue(e)
			}
		case []any: // keys 1..n
			for i, e := range data {
				edit.Meta[strconv.Itoa(i+1)] = FormatValue(e)
			}
		}
	default:
		return fmt.Errorf("unknown field %q (exto, ext, comment or meta)", key)
	}
	return nil
}

// sameID reports whether v, a number or numeric text, is id.
func sameID(v lua.LValue, id int64) bool {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v) == float64(id)
	case lua.LString:
		n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
		return err == nil && n == id
	}
	return false
}

// cpaGet is cpa.get("vpar", offer_id, name): the product parameter name of
// the offer, as a table product id → value. Numeric product ids are number
// keys, and the table also answers to their text ("17" as 17), since ids
// read from o.order_items with json.decode are text.
func (v *vm) cpaGet(L *lua.LState) int {
	if kind := L.CheckString(1); kind != "vpar" {
		L.RaiseError("cpa.get: unknown table %q (only \"vpar\")", kind)
	}
	offer, ok := toID(L.CheckAny(2))
	if !ok {
		L.RaiseError("cpa.get: offer id must be a whole number, not %s", L.Get(2).String())
	}
	name := L.CheckString(3)
	var params map[string]string
	if get := v.cur.env.ProductParams; get != nil {
		params = get(offer, name)
	}
	tb := L.CreateTable(0, len(params))
	for id, value := range params {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n <= maxExactInteger && n >= -maxExactInteger {
			v.chargeSlots(L, tb, lua.LNumber(n))
			tb.RawSet(lua.LNumber(n), lua.LString(value))
		} else {
			tb.RawSetString(id, lua.LString(value))
		}
	}
	tb.Metatable = v.idKeys
	L.Push(tb)
	return 1
}

// toID reads a whole number given as a number or as text.
func toID(v lua.LValue) (int64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		f := float64(v)
		return int64(f), f == float64(int64(f))
	case lua.LString:
		n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// newIDKeys makes the metatable of cpa.get's tables: a missing key that is
// numeric text is looked up as a number. It is protected (__metatable), so
// a script can neither read nor replace it.
func (v *vm) newIDKeys() *lua.LTable {
	mt := v.L.CreateTable(0, 2)
	mt.RawSetString("__index", v.L.NewFunction(func(L *lua.LState) int {
		tb := L.CheckTable(1)
		if s, ok := L.Get(2).(lua.LString); ok {
			if n, err := strconv.ParseInt(string(s), 10, 64); err == nil {
				L.Push(tb.RawGet(lua.LNumber(n)))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	return mt
}
