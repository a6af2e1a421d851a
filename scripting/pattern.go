package scripting

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Lua patterns, ported from lstrlib.c of Lua 5.1 so that matching is
// interruptible: gopher-lua's own matcher recurses once per character and
// cannot be stopped, so a pattern like "(.-)x" over a large body would run
// past any time limit. Here every step counts, and every stepsPerCheck steps
// the match asks the run's meter whether the run must stop.
const (
	maxCaptures   = 32
	maxMatchDepth = 200 // nested match calls: one per pattern item at most
	stepsPerCheck = 1 << 12
	specials      = "^$*+?.([%-"
	capUnfinished = -1
	capPosition   = -2
)

type capture struct{ init, len int }

// matchState is one match of pattern pat against src.
type matchState struct {
	L       *lua.LState
	meter   *meter
	src     string
	pat     string
	level   int
	capture [maxCaptures]capture
	depth   int
	steps   int
}

func (v *vm) newMatch(L *lua.LState, src, pat string) *matchState {
	return &matchState{L: L, meter: &v.cur.meter, src: src, pat: pat}
}

// tick counts a step and stops the match when the run must stop.
func (ms *matchState) tick() {
	if ms.steps++; ms.steps%stepsPerCheck == 0 {
		if err := ms.meter.Err(); err != nil {
			ms.L.RaiseError("%s", err.Error())
		}
	}
}

// match returns the end of the match of pat[p:] at src[s:], or -1.
func (ms *matchState) match(s, p int) int {
	if ms.depth++; ms.depth > maxMatchDepth {
		ms.L.RaiseError("pattern too complex")
	}
	e := ms.doMatch(s, p)
	ms.depth--
	return e
}

func (ms *matchState) doMatch(s, p int) int {
	for {
		ms.tick()
		if p == len(ms.pat) {
			return s
		}
		switch ms.pat[p] {
		case '(':
			if p+1 < len(ms.pat) && ms.pat[p+1] == ')' {
				return ms.startCapture(s, p+2, capPosition)
			}
			return ms.startCapture(s, p+1, capUnfinished)
		case ')':
			return ms.endCapture(s, p+1)
		case '$':
			if p+1 == len(ms.pat) {
				if s == len(ms.src) {
					return s
				}
				return -1
			}
		case '%':
			if p+1 < len(ms.pat) {
				switch c := ms.pat[p+1]; {
				case c == 'b':
					if s = ms.matchBalance(s, p+2); s == -1 {
						return -1
					}
					p += 4
					continue
				case c == 'f':
					if p += 2; p >= len(ms.pat) || ms.pat[p] != '[' {
						ms.L.RaiseError("%s", "missing '[' after '%f' in pattern")
					}
					ep := ms.classEnd(p)
					if matchBracketClass(ms.byteAt(s-1), ms.pat, p, ep-1) || !matchBracketClass(ms.byteAt(s), ms.pat, p, ep-1) {
						return -1
					}
					p = ep
					continue
				case isDigit(c):
					if s = ms.matchCapture(s, c); s == -1 {
						return -1
					}
					p += 2
					continue
				}
			}
		}
		ep := ms.classEnd(p)
		m := s < len(ms.src) && singleMatch(ms.src[s], ms.pat, p, ep)
		if ep < len(ms.pat) {
			switch ms.pat[ep] {
			case '?':
				if m {
					if e := ms.match(s+1, ep+1); e != -1 {
						return e
					}
				}
				p = ep + 1
				continue
			case '*':
				return ms.maxExpand(s, p, ep)
			case '+':
				if !m {
					return -1
				}
				return ms.maxExpand(s+1, p, ep)
			case '-':
				return ms.minExpand(s, p, ep)
			}
		}
		if !m {
			return -1
		}
		s++
		p = ep
	}
}

// byteAt is src[i], or 0 outside src (as C's terminating NUL).
func (ms *matchState) byteAt(i int) byte {
	if i < 0 || i >= len(ms.src) {
		return 0
	}
	return ms.src[i]
}

// classEnd returns the end of the single-character class at pat[p].
func (ms *matchState) classEnd(p int) int {
	c := ms.pat[p]
	p++
	switch c {
	case '%':
		if p >= len(ms.pat) {
			ms.L.RaiseError("%s", "malformed pattern (ends with '%')")
		}
		return p + 1
	case '[':
		if p < len(ms.pat) && ms.pat[p] == '^' {
			p++
		}
		for { // the first character is never the closing ']'
			if p >= len(ms.pat) {
				ms.L.RaiseError("malformed pattern (missing ']')")
			}
			c := ms.pat[p]
			p++
			if c == '%' && p < len(ms.pat) {
				p++
			}
			if p < len(ms.pat) && ms.pat[p] == ']' {
				return p + 1
			}
		}
	}
	return p
}

func (ms *matchState) maxExpand(s, p, ep int) int {
	i := 0
	for s+i < len(ms.src) && singleMatch(ms.src[s+i], ms.pat, p, ep) {
		i++
	}
	for ; i >= 0; i-- {
		if e := ms.match(s+i, ep+1); e != -1 {
			return e
		}
	}
	return -1
}

func (ms *matchState) minExpand(s, p, ep int) int {
	for {
		if e := ms.match(s, ep+1); e != -1 {
			return e
		}
		if s >= len(ms.src) || !singleMatch(ms.src[s], ms.pat, p, ep) {
			return -1
		}
		s++
	}
}

func (ms *matchState) startCapture(s, p, what int) int {
	if ms.level >= maxCaptures {
		ms.L.RaiseError("too many captures")
	}
	ms.capture[ms.level] = capture{s, what}
	ms.level++
	e := ms.match(s, p)
	if e == -1 {
		ms.level--
	}
	return e
}

func (ms *matchState) endCapture(s, p int) int {
	l := ms.captureToClose()
	ms.capture[l].len = s - ms.capture[l].init
	e := ms.match(s, p)
	if e == -1 {
		ms.capture[l].len = capUnfinished
	}
	return e
}

func (ms *matchState) captureToClose() int {
	for l := ms.level - 1; l >= 0; l-- {
		if ms.capture[l].len == capUnfinished {
			return l
		}
	}
	ms.L.RaiseError("invalid pattern capture")
	return 0
}

func (ms *matchState) matchBalance(s, p int) int {
	if p+1 >= len(ms.pat) {
		ms.L.RaiseError("unbalanced pattern")
	}
	if s >= len(ms.src) || ms.src[s] != ms.pat[p] {
		return -1
	}
	open, closing, depth := ms.pat[p], ms.pat[p+1], 1
	for s++; s < len(ms.src); s++ {
		if ms.src[s] == closing {
			if depth--; depth == 0 {
				return s + 1
			}
		} else if ms.src[s] == open {
			depth++
		}
	}
	return -1
}

func (ms *matchState) matchCapture(s int, digit byte) int {
	l := ms.checkCapture(digit)
	c := ms.capture[l]
	if c.len < 0 || len(ms.src)-s < c.len || ms.src[s:s+c.len] != ms.src[c.init:c.init+c.len] {
		return -1
	}
	return s + c.len
}

func (ms *matchState) checkCapture(digit byte) int {
	l := int(digit) - '1'
	if l < 0 || l >= ms.level || ms.capture[l].len == capUnfinished {
		ms.L.RaiseError("invalid capture index")
	}
	return l
}

// captureValue is capture i of a match of src[s:e]: the whole match when
// the pattern has no captures and i is 0.
func (ms *matchState) captureValue(i, s, e int) lua.LValue {
	if i >= ms.level {
		if i != 0 {
			ms.L.RaiseError("invalid capture index")
		}
		return lua.LString(ms.src[s:e])
	}
	c := ms.capture[i]
	switch c.len {
	case capUnfinished:
		ms.L.RaiseError("unfinished capture")
	case capPosition:
		return lua.LNumber(c.init + 1)
	}
	return lua.LString(ms.src[c.init : c.init+c.len])
}

// pushCaptures pushes the captures of a match of src[s:e], or the whole
// match when there are none and whole is set, and returns how many.
func (ms *matchState) pushCaptures(s, e int, whole bool) int {
	n := ms.level
	if n == 0 && whole {
		n = 1
	}
	for i := 0; i < n; i++ {
		ms.L.Push(ms.captureValue(i, s, e))
	}
	return n
}

func singleMatch(c byte, pat string, p, ep int) bool {
	switch pat[p] {
	case '.':
		return true
	case '%':
		return matchClass(c, pat[p+1])
	case '[':
		return matchBracketClass(c, pat, p, ep-1)
	}
	return pat[p] == c
}

// matchBracketClass matches c against the set pat[p:ec+1], "[...]".
func matchBracketClass(c byte, pat string, p, ec int) bool {
	sig := true
	if pat[p+1] == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case pat[p] == '%':
			p++
			if matchClass(c, pat[p]) {
				return sig
			}
		case pat[p+1] == '-' && p+2 < ec:
			p += 2
			if pat[p-2] <= c && c <= pat[p] {
				return sig
			}
		case pat[p] == c:
			return sig
		}
	}
	return !sig
}

// matchClass matches c against the class letter cl (%a, %d, …; upper case
// negates), or against cl itself when it is no class, in the C locale.
func matchClass(c, cl byte) bool {
	var res bool
	switch cl | 0x20 {
	case 'a':
		res = isAlpha(c)
	case 'c':
		res = c < 0x20 || c == 0x7f
	case 'd':
		res = isDigit(c)
	case 'l':
		res = 'a' <= c && c <= 'z'
	case 'p':
		res = c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c)
	case 's':
		res = c == ' ' || '\t' <= c && c <= '\r'
	case 'u':
		res = 'A' <= c && c <= 'Z'
	case 'w':
		res = isAlpha(c) || isDigit(c)
	case 'x':
		res = isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f'
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if 'A' <= cl && cl <= 'Z' {
		return !res
	}
	return res
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// posrelat turns a Lua string position (negative: from the end) into a
// position from 1, at least 0.
func posrelat(pos, n int) int {
	if pos < 0 {
		pos += n + 1
	}
	return max(pos, 0)
}

func (v *vm) strFind(L *lua.LState) int  { return v.findAux(L, true) }
func (v *vm) strMatch(L *lua.LState) int { return v.findAux(L, false) }

// findAux is string.find (find) and string.match.
func (v *vm) findAux(L *lua.LState, find bool) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	init := min(posrelat(L.OptInt(3, 1), len(src))-1, len(src))
	init = max(init, 0)
	if find && (lua.LVAsBool(L.Get(4)) || !strings.ContainsAny(pat, specials)) {
		if i := strings.Index(src[init:], pat); i >= 0 {
			L.Push(lua.LNumber(init + i + 1))
			L.Push(lua.LNumber(init + i + len(pat)))
			return 2
		}
		L.Push(lua.LNil)
		return 1
	}
	anchor := strings.HasPrefix(pat, "^")
	ms := v.newMatch(L, src, strings.TrimPrefix(pat, "^"))
	for s := init; ; s++ {
		ms.level = 0
		if e := ms.match(s, 0); e != -1 {
			if find {
				L.Push(lua.LNumber(s + 1))
				L.Push(lua.LNumber(e))
				return ms.pushCaptures(-1, -1, false) + 2
			}
			return ms.pushCaptures(s, e, true)
		}
		if s >= len(src) || anchor {
			break
		}
	}
	L.Push(lua.LNil)
	return 1
}

// strGmatch is string.gmatch: as in Lua 5.1, a leading '^' is an ordinary
// character.
func (v *vm) strGmatch(L *lua.LState) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		ms := v.newMatch(L, src, pat)
		for s := pos; s <= len(src); s++ {
			ms.level = 0
			if e := ms.match(s, 0); e != -1 {
				pos = e
				if e == s {
					pos++
				}
				return ms.pushCaptures(s, e, true)
			}
		}
		return 0
	}))
	return 1
}

// strGsub is string.gsub, building its result in one pass and bounded by
// MaxStringBytes: no write passes it. While a replacement function or an
// __index runs, the result so far is held against the run's memory.
func (v *vm) strGsub(L *lua.LState) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	repl := L.Get(3)
	switch repl.Type() {
	case lua.LTString, lua.LTNumber, lua.LTTable, lua.LTFunction:
	default:
		L.RaiseError("bad argument #3 to 'gsub' (string/function/table expected, got %s)", repl.Type())
	}
	maxN := L.OptInt(4, len(src)+1)
	anchor := strings.HasPrefix(pat, "^")
	ms := v.newMatch(L, src, strings.TrimPrefix(pat, "^"))
	b := &gsubBuilder{L: L, limit: v.cfg.MaxStringBytes}
	s, n := 0, 0
scan:
	for n < maxN {
		ms.level = 0
		e := ms.match(s, 0)
		if e != -1 {
			n++
			ms.addValue(b, s, e, repl)
		}
		switch {
		case e > s:
			s = e
		case s < len(src):
			b.writeByte(src[s])
			s++
		default:
			break scan
		}
		if anchor {
			break
		}
	}
	b.write(src[s:])
	v.charge(L, b.Len())
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(n))
	return 2
}

// gsubBuilder is the result of string.gsub being built: a write that would
// pass limit fails the call before it copies anything.
type gsubBuilder struct {
	strings.Builder
	L     *lua.LState
	limit int
}

func (b *gsubBuilder) write(s string) {
	if b.Len()+len(s) > b.limit {
		b.L.RaiseError("string.gsub: result larger than the limit of %s", byteSize(b.limit))
	}
	b.WriteString(s)
}

func (b *gsubBuilder) writeByte(c byte) {
	if b.Len() >= b.limit {
		b.L.RaiseError("string.gsub: result larger than the limit of %s", byteSize(b.limit))
	}
	b.WriteByte(c)
}

// addValue appends the replacement of the match src[s:e] to b.
func (ms *matchState) addValue(b *gsubBuilder, s, e int, repl lua.LValue) {
	var value lua.LValue
	switch repl := repl.(type) {
	case *lua.LTable:
		value = ms.lookUp(b, repl, s, e)
	case *lua.LFunction:
		value = ms.call(b, repl, s, e)
	default:
		ms.addString(b, s, e, lua.LVAsString(repl))
		return
	}
	switch value.Type() {
	case lua.LTNil:
		b.write(ms.src[s:e])
	case lua.LTBool:
		if !lua.LVAsBool(value) {
			b.write(ms.src[s:e])
			return
		}
		ms.L.RaiseError("invalid replacement value (a boolean)")
	case lua.LTString, lua.LTNumber:
		b.write(lua.LVAsString(value))
	default:
		ms.L.RaiseError("invalid replacement value (a %s)", value.Type())
	}
}

// lookUp is repl[match], which may call an __index function.
func (ms *matchState) lookUp(b *gsubBuilder, repl *lua.LTable, s, e int) lua.LValue {
	defer ms.hold(b.Cap())()
	return ms.L.GetTable(repl, ms.captureValue(0, s, e))
}

// call is repl(captures...).
func (ms *matchState) call(b *gsubBuilder, repl *lua.LFunction, s, e int) lua.LValue {
	defer ms.hold(b.Cap())()
	ms.L.Push(repl)
	ms.L.Call(ms.pushCaptures(s, e, true), 1)
	value := ms.L.Get(-1)
	ms.L.Pop(1)
	return value
}

// hold holds n bytes against the run's memory, and returns the function
// that releases them.
func (ms *matchState) hold(n int) func() {
	if err := ms.meter.hold(n); err != nil {
		ms.meter.release(n)
		ms.L.RaiseError("%s", err.Error())
	}
	return func() { ms.meter.release(n) }
}

// addString appends a replacement string, with %0-%9 replaced by the
// captures and % before any other character standing for that character.
func (ms *matchState) addString(b *gsubBuilder, s, e int, repl string) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' || i+1 == len(repl) {
			b.writeByte(c)
			continue
		}
		i++
		switch c = repl[i]; {
		case c == '0':
			b.write(ms.src[s:e])
		case isDigit(c):
			b.write(lua.LVAsString(ms.captureValue(int(c-'1'), s, e)))
		default:
			b.writeByte(c)
		}
	}
}
