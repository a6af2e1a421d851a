package scripting

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// FuzzPatterns feeds patterns and subjects to find, match, gmatch and
// gsub: a bad pattern must fail as a Lua error, never as a Go panic, and
// no pattern may hold a run long past its time limit.
func FuzzPatterns(f *testing.F) {
	for _, seed := range [][2]string{
		{"hello world", "(%w+)"}, {"a.b", "%."}, {"[x]", "%b[]"}, {"THE end", "%f[%a]%a+"},
		{"aaa", "a-b"}, {"x", "[%"}, {"x", "(()"}, {"abc", "^(a)(b)%2"}, {"", "$"}, {"]", "[]]"},
	} {
		f.Add(seed[0], seed[1])
	}
	const timeout = 100 * time.Millisecond
	e := NewEngine(Config{Timeout: timeout})
	s, err := e.Compile("fuzz", `
string.find(subject, pattern)
string.match(subject, pattern, 2)
for a in string.gmatch(subject, pattern) do end
string.gsub(subject, pattern, "%0")
string.gsub(subject, pattern, function(...) return select("#", ...) end)`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, subject, pattern string) {
		start := time.Now()
		_, err := e.Run(context.Background(), s, &Env{Extra: map[string]any{"subject": subject, "pattern": pattern}})
		if took := time.Since(start); took > 10*timeout {
			t.Fatalf("subject %q, pattern %q: ran %v, past the time limit of %v", subject, pattern, took, timeout)
		}
		var serr *Error
		if err != nil && (!errors.As(err, &serr) || serr.Line == 0 || strings.Contains(serr.Message, "runtime error")) {
			t.Fatalf("subject %q, pattern %q: %v", subject, pattern, err)
		}
	})
}

// FuzzJSONToLua: json.decode's fast reader takes exactly the JSON that
// decodeJSON takes (short of deep nesting), and makes the same values of it.
func FuzzJSONToLua(f *testing.F) {
	for _, seed := range []string{
		`{"status":"ok","id":84921}`, `[1, 2.5, "x", true, false, null]`, `{"n":12345678901234567890}`,
		`{"n":9007199254740993}`, `-0`, `1e400`, `"\u00e9\n\ud83d\ude00"`, "\"\xff\"", `{"a":1,"a":2}`,
		`{"a":null}`, ` {} `, `[]`, `{"a":`, `01`, `1.`, `-`, `"\x"`, `[1,]`, `{"a" 1}`, "\"a\tb\"", `Привет`,
		`{"имя":"Иван"}`, `[[[[]]]]`, `tru`, `nulls`, `1 2`,
	} {
		f.Add(seed)
	}
	L := lua.NewState()
	defer L.Close()
	m := &meter{L: L, limit: math.MaxInt}
	f.Fuzz(func(t *testing.T, s string) {
		read := jsonToLua(L, m, s)
		fast, ok := read.value, read.ok
		data, err := decodeJSON(strings.NewReader(s))
		if ok != (err == nil) && len(s) < maxJSONDepth {
			t.Fatalf("%q: fast reader took it: %v; decodeJSON: %v", s, ok, err)
		}
		if !ok || err != nil {
			return
		}
		got, gerr := luaToGo(fast, "fast")
		want, werr := luaToGo(goToLua(L, data), "slow")
		if gerr != nil || werr != nil {
			t.Fatalf("%q: %v, %v", s, gerr, werr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: fast reader made %#v, decodeJSON %#v", s, got, want)
		}
	})
}
