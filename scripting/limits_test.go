package scripting

import (
	"context"
	"errors"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	lua "github.com/yuin/gopher-lua"
)

// TestGopherLuaInternals: the meter reads fields gopher-lua does not
// export (see tableArray). A version of gopher-lua that renames or changes
// them fails here, not silently.
func TestGopherLuaInternals(t *testing.T) {
	t.Parallel()
	if !internalsFound() {
		t.Fatal("a field the meter reads is missing from gopher-lua's LTable or LState")
	}
	L := lua.NewState()
	defer L.Close()
	tb := L.NewTable()
	tb.RawSetInt(100, lua.LTrue)
	if arrayLen(tb) != 100 || arrayCap(tb) < 100 {
		t.Errorf("after t[100] = true: array part of %d slots (capacity %d), want 100", arrayLen(tb), arrayCap(tb))
	}
	marker := L.NewTable()
	L.Push(marker)
	if live := liveRegisters(L); len(live) == 0 || live[len(live)-1] != marker {
		t.Errorf("the registry's live values %v do not end with the value pushed last", live)
	}
	L.Pop(1)
	if live := liveRegisters(L); slices.Contains(live, lua.LValue(marker)) {
		t.Errorf("the registry's live values still hold a popped value")
	}
}

// TestMeterSeesEveryInstruction: gopher-lua asks the run's context for
// Done before every instruction, which the time and memory limits rely on.
// The meter must have counted at least the instructions run between two
// calls of macro.
func TestMeterSeesEveryInstruction(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	v := newVM(e.cfg)
	const adds = 1000
	s, err := e.Compile("test", `local x = 0 macro("") `+strings.Repeat("x = x + 1 ", adds)+`macro("") return x`)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	env := &Env{Macro: func(string) string {
		steps = append(steps, v.cur.meter.steps)
		return ""
	}}
	if _, err := v.exec(context.Background(), s, env); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[1]-steps[0] < adds {
		t.Fatalf("the meter counted %v instructions at the two calls, want %d or more between them", steps, adds)
	}
}

// TestRewriterKnowsEverySyntaxNode lists the node types gopher-lua's ast
// package declares and checks that the rewriter handles each (see
// syntaxNodes): a new kind of expression could otherwise hide a .. or a
// t[k] = v from it.
func TestRewriterKnowsEverySyntaxNode(t *testing.T) {
	t.Parallel()
	pkg, err := build.Import("github.com/yuin/gopher-lua/ast", ".", build.FindOnly)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var declared []string
	for _, file := range []string{"expr.go", "stmt.go"} {
		f, err := parser.ParseFile(fset, pkg.Dir+"/"+file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gen.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok || strings.HasSuffix(ts.Name.Name, "Base") || len(st.Fields.List) == 0 {
					continue
				}
				declared = append(declared, "*ast."+ts.Name.Name)
			}
		}
	}
	var known []string
	for _, n := range syntaxNodes {
		known = append(known, reflect.TypeOf(n).String())
	}
	slices.Sort(declared)
	slices.Sort(known)
	if diff := cmp.Diff(declared, known); diff != "" {
		t.Errorf("node types of gopher-lua's ast (-declared +handled by the rewriter):\n%s", diff)
	}
}

// TestRewrittenAssignments: the assignments the rewriter turns into calls
// do what Lua does.
func TestRewrittenAssignments(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	tests := []struct {
		name, source string
		want         any
	}{
		{"computed key", `local t, k = {}, "a" t[k] = 1 t[k .. "b"] = 2 return t`, map[string]any{"a": int64(1), "ab": int64(2)}},
		{"number key", `local t = {} for i = 1, 3 do t[i] = i * 2 end t[2000] = 1 return {t[2], t[2000], t[1999] == nil}`, []any{int64(4), int64(1), true}},
		{"several targets", `local a, t = 0, {} a, t[1], t[a + 5] = 7, 8, 9 return {a, t[1], t[5]}`, []any{int64(7), int64(8), int64(9)}},
		{"several targets, fewer values", `local t = {} t[1], t[2 + 0] = 1 return {t[1], t[2] == nil}`, []any{int64(1), true}},
		{"values from a call", `local function f() return 1, 2 end local t = {} t[1 + 0] = f() return {t[1], #t}`, []any{int64(1), int64(1)}},
		{"swap", `local t = {1, 2} local i, j = 1, 2 t[i], t[j] = t[j], t[i] return t`, []any{int64(2), int64(1)}},
		{"__newindex function", `local log = {} local t = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k rawset(t, k, v) end})
local k = 5 t[k] = 1 t[k] = 2 return {log, t[5]}`, []any{[]any{int64(5)}, int64(2)}},
		{"__newindex table", `local store = {} local t = setmetatable({}, {__newindex = store}) local k = 9 t[k] = 1 return {rawget(t, 9) == nil, store[9]}`, []any{true, int64(1)}},
		{"o", `local k = "exto" o[k] = "x" return {o.exto, o.id}`, []any{"x", int64(1)}},
		{"constructor", `local k = 1500 local t = {[k] = 1, [k .. ""] = 2, 3} return {t[1500], t["1500"], t[1]}`, []any{int64(1), int64(2), int64(3)}},
		{"the hidden function cannot be replaced", `_G["..setindex"] = function() end _G["..concat"] = function() return "x" end
local t, k = {}, 1 t[k] = "a" .. "b" return t[1]`, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := eval(t, e, tt.source, &Env{Order: Fields{"id": int64(1)}})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	errs := []struct{ name, source, want string }{
		{"nil key", "local t, k = {}, nil\nt[k] = 1", "test:2: table index is nil"},
		{"NaN key", "local t = {}\nt[0/0] = 1", "test:2: table index is NaN"},
		{"not a table", "local s, k = 'x', 1\ns[k] = 1", "test:2: attempt to index a non-table object(string)"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := runError(t, e, tt.source, nil); !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want %q", err, tt.want)
			}
		})
	}
}

// TestLimitInProtectedCall: a limit hit inside pcall or xpcall ends the
// run, with an error that names the limit and the line where it was hit.
func TestLimitInProtectedCall(t *testing.T) {
	t.Parallel()
	short := NewEngine(Config{Timeout: 100 * time.Millisecond})
	long := NewEngine(Config{Timeout: time.Minute})
	tests := []struct {
		name   string
		e      *Engine
		source string
		want   string
	}{
		{"xpcall whose handler loops", short, `return xpcall(function() error("x") end, function() while true do end end)`, "test:1: time limit of 100ms exceeded"},
		{"xpcall whose handler loops, then more", short, "local ok = xpcall(function() error('x') end, function() while true do end end)\nreturn ok", "test:1: time limit of 100ms exceeded"},
		{"memory in pcall", long, "local ok = pcall(function()\n  local t = {}\n  t[67108863] = 1\nend)\nreturn ok", "test:3: memory limit of 32 MiB exceeded"},
		{"memory in pcall of a library function", long, "local s = string.rep('x', 4000000)\nlocal t = {}\nfor i = 1, 64 do\n  pcall(function() t[i] = s:upper() end)\nend\nreturn #t", "test:4: memory limit of 32 MiB exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := runError(t, tt.e, tt.source, nil); err.Error() != tt.want {
				t.Errorf("got %q, want %q", err, tt.want)
			}
		})
	}
}

// TestBudget: runs past the budget wait for a place, and fail when their
// context ends first; a place freed lets the next run in.
func TestBudget(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{MaxMemoryBytes: 1 << 20, BudgetBytes: 2 << 20})
	s, err := e.Compile("test", `return macro("x")`)
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	blocking := &Env{Macro: func(s string) string {
		entered <- struct{}{}
		<-release
		return s
	}}
	done := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := e.Run(context.Background(), s, blocking)
			done <- err
		}()
		<-entered
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = e.Run(ctx, s, &Env{})
	var serr *Error
	if !errors.As(err, &serr) || !strings.Contains(err.Error(), "no room in the script memory budget of 2 MiB") {
		t.Fatalf("a third run with the budget full: got %v, want an *Error about the budget", err)
	}

	waiting := make(chan error, 1)
	go func() {
		_, err := e.Run(context.Background(), s, &Env{})
		waiting <- err
	}()
	release <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; err != nil {
		t.Fatalf("the run waiting for a place: %v", err)
	}
	release <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestFormatArguments: string.format writes a value that is neither a
// number nor a string as tostring does, whatever the conversion.
func TestFormatArguments(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	got := eval(t, e, `local t = {} for i = 1, 1000 do t[i] = i end
return {string.format("%s|%s|%s", nil, true, t):match("^nil|true|table: "), #string.format("%d", t) < 100, string.format("%5.1f|%-3d|%x", 3.14159, 7, 255)}`, nil)
	want := []any{"nil|true|table: ", true, "  3.1|7  |ff"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
