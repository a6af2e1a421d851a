package scripting

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
)

// runSource compiles src under the name "test" and runs it on e with env.
func runSource(t *testing.T, e *Engine, src string, env *Env) (*Result, error) {
	t.Helper()
	s, err := e.Compile("test", src)
	if err != nil {
		t.Fatalf("compiling %q: %v", src, err)
	}
	return e.Run(context.Background(), s, env)
}

// eval runs src on e and returns its return value, failing the test on an error.
func eval(t *testing.T, e *Engine, src string, env *Env) any {
	t.Helper()
	res, err := runSource(t, e, src, env)
	if err != nil {
		t.Fatalf("running %q: %v", src, err)
	}
	return res.Return
}

// runError runs src on e and returns its error, failing the test when there is none.
func runError(t *testing.T, e *Engine, src string, env *Env) *Error {
	t.Helper()
	_, err := runSource(t, e, src, env)
	var serr *Error
	if !errors.As(err, &serr) {
		t.Fatalf("running %q: got error %v (%T), want an *Error", src, err, err)
	}
	return serr
}

// checkHealthy runs a normal script on e, as every test of a failure does
// afterwards: the pool must still serve.
func checkHealthy(t *testing.T, e *Engine) {
	t.Helper()
	got := eval(t, e, `local t = {} for i = 1, 10 do t[i] = i end return table.concat(t, ",") .. (x or "")`, nil)
	if got != "1,2,3,4,5,6,7,8,9,10" {
		t.Errorf("normal script after a failure returned %#v", got)
	}
}

func TestCompile(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})

	for _, blank := range []string{"", " ", "\n\t  \n"} {
		s, err := e.Compile("blank", blank)
		if s != nil || err != nil {
			t.Errorf("Compile(%q) = %v, %v, want nil, nil", blank, s, err)
		}
	}

	s1, err := e.Compile("integration 7 new.post", "return 1")
	if err != nil {
		t.Fatal(err)
	}
	if s1.Name() != "integration 7 new.post" {
		t.Errorf("Name() = %q", s1.Name())
	}
	s2, _ := e.Compile("integration 7 new.post", "return 1")
	if s1 != s2 {
		t.Error("compiling the same name and source twice gave two scripts, want the cached one")
	}
	s3, _ := e.Compile("integration 8 new.post", "return 1")
	if s3 == s1 || s3.Name() != "integration 8 new.post" {
		t.Error("the same source under another name must be its own script")
	}

	if _, err := e.Compile("big", "return 1"+strings.Repeat(" ", maxSourceBytes)); err == nil {
		t.Error("a source over the size limit compiled")
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	tests := []struct {
		source string
		want   Error
	}{
		{"x = ", Error{"integration 7 new.pre", 1, "syntax error near <eof>"}},
		{"local a = 1\nlocal b = = 2", Error{"integration 7 new.pre", 2, "syntax error near '='"}},
		{"local a = 1\nif a then\n  return 1\n", Error{"integration 7 new.pre", 3, "syntax error near <eof>"}},
		{"for i = 1 do end", Error{"integration 7 new.pre", 1, "syntax error near 'do'"}},
		{"\n\ns = 'open", Error{"integration 7 new.pre", 3, "unterminated string near <eof>"}},
		{"return 1 +\n", Error{"integration 7 new.pre", 1, "syntax error near <eof>"}},
	}
	for _, tt := range tests {
		s, err := e.Compile("integration 7 new.pre", tt.source)
		var got *Error
		if !errors.As(err, &got) || s != nil {
			t.Errorf("Compile(%q) = %v, %v, want an *Error", tt.source, s, err)
			continue
		}
		if diff := cmp.Diff(tt.want, *got); diff != "" {
			t.Errorf("Compile(%q) (-want +got):\n%s", tt.source, diff)
		}
	}
}

func TestRuntimeErrors(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	tests := []struct {
		source string
		want   Error
	}{
		{"local t = {}\n\nreturn t.a.b", Error{"test", 3, "attempt to index a non-table object(nil) with key 'b'"}},
		{"local x = 1\nerror('boom')", Error{"test", 2, "boom"}},
		{"error('boom', 0)", Error{"test", 0, "boom"}},
		{"error({code = 5, text = 'no'})", Error{"test", 0, `{"code":5,"text":"no"}`}},
		{"error(42)", Error{"test", 0, "42"}},
		{"return nil .. 'x'", Error{"test", 1, "cannot perform concat operation between nil and string"}},
		{"local s = 'x'\nreturn s:nothing()", Error{"test", 2, "attempt to call a non-function object"}},
		{"assert(false, 'must hold')", Error{"test", 1, "must hold"}},
		{"return print", Error{"test", 0, "return value: a function cannot be used as data"}},
		{"return {a = {b = {print}}}", Error{"test", 0, "return value.a.b[1]: a function cannot be used as data"}},
		{"result = {['x y'] = print}", Error{"test", 0, `result["x y"]: a function cannot be used as data`}},
		{"local t = {} t.t = t return t", Error{"test", 0, "return value" + strings.Repeat(".t", maxDepth) + ": tables nest deeper than 200 levels (does a table contain itself?)"}},
		{"return {[{}] = 1}", Error{"test", 0, "return value: a table cannot be used as a key of data"}},
	}
	for _, tt := range tests {
		got := runError(t, e, tt.source, nil)
		if diff := cmp.Diff(tt.want, *got); diff != "" {
			t.Errorf("running %q (-want +got):\n%s", tt.source, diff)
		}
	}
	if got := runError(t, e, "error('boom')", nil).Error(); got != "test:1: boom" {
		t.Errorf("Error() = %q, want %q", got, "test:1: boom")
	}
	if got := runError(t, e, "error('boom', 0)", nil).Error(); got != "test: boom" {
		t.Errorf("Error() without a line = %q, want %q", got, "test: boom")
	}
	checkHealthy(t, e)
}

func TestRunNilScriptAndEnv(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	res, err := e.Run(context.Background(), nil, &Env{Mode: mode.New})
	if err != nil || res == nil || res.Return != nil || res.Result != nil || res.Log != nil || res.Edit != nil {
		t.Errorf("Run(nil script) = %#v, %v, want an empty Result", res, err)
	}
	if got := eval(t, e, "return type(o) .. type(items) .. tostring(url) .. tostring(response)", nil); got != "tabletablenilnil" {
		t.Errorf("nil Env: got %q", got)
	}
}

func TestLogKeptOnError(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	res, err := runSource(t, e, "log('before') error('boom')", nil)
	if err == nil || res == nil {
		t.Fatalf("got %#v, %v, want a Result and an error", res, err)
	}
	if diff := cmp.Diff([]string{"before"}, res.Log); diff != "" {
		t.Errorf("log on error (-want +got):\n%s", diff)
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	s, _ := e.Compile("test", "while true do end")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Run(ctx, s, nil)
	var serr *Error
	if !errors.As(err, &serr) || serr.Message != "cancelled: context canceled" {
		t.Errorf("run under a cancelled context: %v", err)
	}
	checkHealthy(t, e)
}

// TestSandbox runs each way out of the sandbox and each limit, and checks
// the run fails with a clear message and the pool still serves afterwards.
func TestSandbox(t *testing.T) {
	t.Parallel()
	// Long enough that a healthy run after each case finishes on a busy
	// machine under the race detector; short enough for the endless ones.
	e := NewEngine(Config{Timeout: 250 * time.Millisecond})
	tests := []struct {
		name, source, want string
	}{
		{"os.execute", "os.execute('id')", "test:1: os.execute is not available in scripts"},
		{"os.exit", "os.exit(1)", "test:1: os.exit is not available in scripts"},
		{"os.getenv", "return os.getenv('HOME')", "test:1: os.getenv is not available in scripts"},
		{"os.remove", "os.remove('/tmp/x')", "test:1: os.remove is not available in scripts"},
		{"io.open", "io.open('/etc/passwd')", "test:1: io is not available in scripts"},
		{"require", "require('os')", "test:1: require is not available in scripts"},
		{"load", "load('return 1')", "test:1: load is not available in scripts"},
		{"loadstring", "loadstring('return 1')()", "test:1: loadstring is not available in scripts"},
		{"dofile", "dofile('/etc/passwd')", "test:1: dofile is not available in scripts"},
		{"loadfile", "loadfile('/etc/passwd')", "test:1: loadfile is not available in scripts"},
		{"getfenv", "getfenv(1).x = 1", "test:1: getfenv is not available in scripts"},
		{"setfenv", "setfenv(1, {})", "test:1: setfenv is not available in scripts"},
		{"debug", "debug.getregistry()", "test:1: debug is not available in scripts"},
		{"package", "package.loaded.os.execute('id')", "test:1: package is not available in scripts"},
		{"collectgarbage", "collectgarbage()", "test:1: collectgarbage is not available in scripts"},
		{"coroutine", "coroutine.create(print)", "test:1: coroutine is not available in scripts"},
		{"string.dump", "string.dump(print)", "test:1: string.dump is not available in scripts"},
		{"string metatable", "getmetatable('').__index.upper = nil", "test:1: attempt to index a non-table object(boolean) with key '__index'"},
		{"string metatable replaced", "setmetatable('', {})", "test:1: bad argument #1 to setmetatable (table expected, got string)"},
		{"number metatable", "setmetatable(1, {__index = string})", "test:1: bad argument #1 to setmetatable (table expected, got number)"},
		{"library metatable", "setmetatable(string, {})", "test:1: cannot change a protected metatable"},
		{"globals metatable", "setmetatable(_G, {})", "test:1: cannot change a protected metatable"},
		{"string.rep", `string.rep("x", 1e9)`, "test:1: string.rep: result larger than the limit of 4 MiB"},
		{"string.rep method", `local s = ("xy"):rep(3e6)`, "test:1: string.rep: result larger than the limit of 4 MiB"},
		{"string.format width", `string.format("%999999999d", 1)`, "test:1: invalid format (width or precision too long)"},
		{"endless loop", "while true do end", "test:1: time limit of 250ms exceeded"},
		{"endless loop in pcall", "while true do pcall(function() while true do end end) end", "time limit of 250ms exceeded"},
		{"endless pattern", `string.find(string.rep("a", 1e5), ".-b")`, "test:1: time limit of 250ms exceeded"},
		{"recursion", "local function f(n) return 1 + f(n + 1) end return f(1)", "test:1: stack overflow (calls nested more than 200 deep)"},
		{"too many values", "return unpack({}, 1, 1e6)", "test:1: stack overflow (more than 262144 values on the Lua stack)"},
		{"deep pattern", `string.match(string.rep("a", 300), string.rep("a?", 300))`, "test:1: pattern too complex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := runError(t, e, tt.source, nil)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want %q", err.Error(), tt.want)
			}
			checkHealthy(t, e)
		})
	}
}

// TestStringLimit builds strings over MaxStringBytes with each function
// that builds strings.
func TestStringLimit(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{MaxStringBytes: 64 << 10})
	tests := []struct{ name, source string }{
		{"string.rep", `string.rep("x", 1e5)`},
		{"string.format", `local s = string.rep("x", 2e4) string.format("%s%s%s%s", s, s, s, s)`},
		{"table.concat", `local t = {} for i = 1, 5 do t[i] = string.rep("x", 2e4) end table.concat(t)`},
		{"table.concat separator", `local t = {} for i = 1, 1e4 do t[i] = "x" end table.concat(t, "0123456789")`},
		{"string.gsub", `string.gsub(string.rep("x", 2e4), "x", "yyyy")`},
		{"string.gsub function", `string.gsub(string.rep("x", 2e4), "x", function() return "yyyy" end)`},
		{"json.encode", `local t = {} for i = 1, 5 do t[i] = string.rep("x", 2e4) end json.encode(t)`},
		{"base64_encode", `base64_encode(string.rep("x", 6e4))`},
		{"url_encode", `url_encode(string.rep("/", 3e4))`},
		{"macro", `macro(string.rep("{x}", 2e4))`},
		{"a doubling string", `local s = "x" while true do s = s .. s end`},
		{"a doubling global", `s = "x" while true do s = s .. s .. "" end`},
		{"a doubling field", `local t = {s = "x"} while true do t.s = t.s .. t.s end`},
	}
	env := &Env{Macro: func(s string) string { return strings.Repeat(s, 2) }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := runError(t, e, tt.source, env)
			if !strings.HasSuffix(err.Error(), "result larger than the limit of 64 KiB") || err.Line == 0 {
				t.Errorf("got %q, want the string limit", err.Error())
			}
			checkHealthy(t, e)
		})
	}
}

// TestMemoryLimit grows a run's memory without end in several ways; each
// ends with the memory limit, long before the time limit.
func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{Timeout: time.Minute, MaxMemoryBytes: 1 << 20})
	tests := []struct{ name, source string }{
		{"array", "local t = {} local i = 0 while true do i = i + 1 t[i] = i end"},
		{"hash", `local t = {} local i = 0 while true do i = i + 1 t["k" .. i] = i end`},
		{"table.insert", "local t = {} while true do table.insert(t, {}) end"},
		{"global table", "t = {} while true do t[#t + 1] = 'x' end"},
		{"upvalue", "local t = {} local function add() t[#t + 1] = {1, 2, 3} end while true do add() end"},
		{"nested", "local t = {} while true do t = {t, t} end"},
		{"strings from string.rep", `local t = {} while true do t[#t + 1] = string.rep("x", 100000) end`},
		{"strings from upper", `local s = string.rep("x", 100000) local t = {} while true do t[#t + 1] = s:upper() end`},
		{"strings from concat", `local s = string.rep("x", 100000) local t = {} while true do t[#t + 1] = s .. #t end`},
		{"growing string", `local chunk = string.rep("x", 10000) local s = "" while true do s = s .. chunk end`},
		{"closures", "local t = {} while true do local n = #t t[n + 1] = function() return n end end"},
		{"json.decode", `local t = {} local s = "[" .. string.rep("1,", 10000) .. "1]" while true do t[#t + 1] = json.decode(s) end`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := runError(t, e, tt.source, nil)
			if !strings.HasSuffix(err.Error(), "memory limit of 1 MiB exceeded") {
				t.Errorf("got %q, want the memory limit", err.Error())
			}
			checkHealthy(t, e)
		})
	}
}

func TestMemoryCountsSharedStringsOnce(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{MaxMemoryBytes: 1 << 20})
	got := eval(t, e, `
local body = string.rep("x", 300000)
local t = {}
for i = 1, 20000 do t[i % 100 + 1] = body end
return #t`, nil)
	if got != int64(100) {
		t.Errorf("got %#v", got)
	}
}

// TestIsolation checks that nothing one run does is seen by the next one on
// the same Lua state.
func TestIsolation(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	v := newVM(e.cfg)
	exec := func(src string) any {
		t.Helper()
		s, err := e.Compile("test", src)
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.exec(context.Background(), s, &Env{Order: Fields{"id": int64(1)}})
		if err != nil {
			t.Fatal(err)
		}
		v.release()
		return res.Return
	}
	exec(`
x = 1
_G.y = 2
rawset(_G, "z", 3)
o.id = 99
string.upper = function() return "hacked" end
rawset(string, "lower", function() return "hacked" end)
string.extra = 1
table.insert = nil
math.pi = 3
json.decode = nil
print = nil
local mt = getmetatable("")
`)
	got := exec(`return {tostring(x), tostring(y), tostring(z), o.id, string.upper("a"), ("B"):lower(),
		tostring(string.extra), type(table.insert), math.pi > 3.14, type(json.decode), type(print)}`)
	want := []any{"nil", "nil", "nil", int64(1), "A", "b", "nil", "function", true, "function", "function"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("second run saw the first one's changes (-want +got):\n%s", diff)
	}
}

func TestIsolationThroughEngine(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	for i := range 20 {
		got := eval(t, e, fmt.Sprintf("local before = tostring(counter) .. string.upper('a') counter = %d string.upper = string.lower return before", i), nil)
		if got != "nilA" {
			t.Fatalf("run %d saw another run's globals: %#v", i, got)
		}
	}
}

func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	script, err := e.Compile("concurrent", `
total = 0
for _, it in ipairs(items) do total = total + it.qty * it.price end
log("lead", o.order_id)
lead.edit(o.order_id, {exto = "x" .. o.order_id})
post.total = total
return json.decode(json.encode({id = o.order_id, total = total}))`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				id := int64(g*1000 + i)
				env := &Env{
					Order:   Fields{"order_id": id},
					Items:   []Item{{ID: 1, Qty: float64(i), Price: 2}},
					Request: &wire.Request{URL: "https://crm.example", Fields: []wire.Field{{Name: "a", Value: "1"}}},
					LeadID:  id,
				}
				res, err := e.Run(context.Background(), script, env)
				if err != nil {
					t.Error(err)
					return
				}
				want := map[string]any{"id": id, "total": int64(2 * i)}
				if diff := cmp.Diff(want, res.Return); diff != "" {
					t.Errorf("lead %d (-want +got):\n%s", id, diff)
				}
				if *res.Edit.Ext != fmt.Sprintf("x%d", id) || res.Log[0] != fmt.Sprintf("lead\t%d", id) {
					t.Errorf("lead %d: edit %q, log %q", id, *res.Edit.Ext, res.Log)
				}
				if f := env.Request.Fields; len(f) != 2 || f[1].Value != int64(2*i) {
					t.Errorf("lead %d: fields %#v", id, f)
				}
			}
		})
	}
	wg.Wait()
}
