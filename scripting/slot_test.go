package scripting

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	lua "github.com/yuin/gopher-lua"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
)

// dumpGlobals returns every global of the run that is not a library
// function, each data global with its contents and whether it has a
// metatable, so that two runs' views can be compared.
const dumpGlobals = `
local out = {}
for _, name in ipairs({"mode", "o", "ofps", "ofpg", "gpar", "spar", "meta", "secrets", "vars", "items",
    "response", "url", "method", "headers", "post", "result", "extra"}) do
  local v = _G[name]
  out[name] = {value = v, meta = type(v) == "table" and getmetatable(v) ~= nil}
  if name == "items" or name == "response" then
    for k, e in pairs(v or {}) do
      if type(e) == "table" then out[name .. "." .. k .. ".meta"] = getmetatable(e) ~= nil end
    end
  end
end
local names = {}
for k in pairs(_G) do names[#names + 1] = tostring(k) end
table.sort(names)
out.names = names
return out`

// refillEnv is an Env that gives every data global something to hold.
func refillEnv(n int) *Env {
	env := &Env{
		Mode:        mode.New,
		Order:       Fields{"id": int64(n), "phone": "44770090012" + string(rune('0'+n)), "status": int64(1)},
		OfferParams: map[string]string{"sku_17": "A-17"},
		GeoParams:   map[string]string{"price": "49"},
		GoalParams:  map[string]string{"goal": "lead"},
		SiteParams:  map[string]string{"site": "s1"},
		Meta:        map[string]string{"utm": "x"},
		Secrets:     map[string]string{"token": "s3cret"},
		Vars:        []any{map[string]any{"id": int64(17)}},
		Items:       []Item{{ID: 17, Qty: 1, Price: 49}, {ID: 18, Qty: 2, Price: 19.5}},
		Request: &wire.Request{
			URL: "https://crm.example/orders", Method: "POST",
			Headers: []wire.Field{{Name: "X-Key", Value: "k"}},
			Fields:  []wire.Field{{Name: "a", Value: "1"}, {Name: "b[]", Value: "x"}, {Name: "b[]", Value: "y"}},
		},
		Result:   `{"ok":true}`,
		Response: &wire.Response{Code: 200, Headers: map[string]string{"Server": "nginx"}, Body: "{}", TimeMS: 5},
		Extra:    map[string]any{"extra": "e"},
	}
	if n%2 == 0 { // the next run's data differs in its keys, not only its values
		env.Order = Fields{"id": int64(n), "name": "Ann"}
		env.OfferParams = map[string]string{"sku_18": "A-18"}
		env.Items = env.Items[:1]
		env.Response.Headers = map[string]string{"Date": "today"}
		env.Request.Fields = []wire.Field{{Name: "c", Value: int64(3)}}
	}
	return env
}

// TestRefilledTablesOfEachRun: a state refills its tables for run after
// run (see slot), yet each run sees exactly what a run on a new state sees,
// whatever the run before did to those tables.
func TestRefilledTablesOfEachRun(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	dump, err := e.Compile("dump", dumpGlobals)
	if err != nil {
		t.Fatal(err)
	}
	changes := []struct {
		name, change string
	}{
		{"nothing", ``},
		{"o's values", `o.phone = "changed" o.id = nil`},
		{"a new key of o", `o.extra = 1`},
		{"an array entry of o", `o[1] = true`},
		{"o's metatable", `setmetatable(o, {__index = function() return "leaked" end})`},
		{"ofps", `ofps.sku_17 = nil ofps.new = "x" secrets.token = "stolen"`},
		{"a table key", `meta[{}] = 1`},
		{"secrets' metatable", `setmetatable(secrets, {__index = function() return "leaked" end})`},
		{"items", `items[1].qty = 99 items[1].extra = true items[2] = nil items[3] = {}`},
		{"an item's metatable", `setmetatable(items[1], {})`},
		{"response", `response.headers.Server = "x" response.headers.X = 1 response.code = 0 response.extra = {}`},
		{"response's headers replaced", `response.headers = {Server = "mine"}`},
		{"post and headers", `post.a = nil post.z = {1, 2} post["b[]"] = "one" headers.X = "y" headers["X-Key"] = nil`},
		{"post's array part", `post[1] = "arr"`},
		{"globals", `leaked = 1 _G.more = {} url = nil method = nil result = nil`},
		{"data globals replaced", `o = nil ofps = {x = 1} items = "none"`},
		{"an array entry of the globals", `rawset(_G, 1, true)`},
	}
	for _, tt := range changes {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			change, err := e.Compile("change", `local _ = o, ofps, ofpg, gpar, spar, meta, secrets, vars, items, response
`+tt.change)
			if err != nil {
				t.Fatal(err)
			}
			reused := newVM(e.cfg)
			for n := 1; n <= 4; n++ {
				if _, err := reused.exec(context.Background(), change, refillEnv(n)); err != nil {
					t.Fatal(err)
				}
				reused.release()
				want, err := newVM(e.cfg).exec(context.Background(), dump, refillEnv(n+1))
				if err != nil {
					t.Fatal(err)
				}
				got, err := reused.exec(context.Background(), dump, refillEnv(n+1))
				if err != nil {
					t.Fatal(err)
				}
				reused.release()
				if diff := cmp.Diff(want.Return, got.Return); diff != "" {
					t.Fatalf("run %d, after a run that changed %s (-new state +reused state):\n%s", n+1, tt.name, diff)
				}
			}
		})
	}
}

// TestPrebuiltGlobals: the data globals a script read in earlier runs are
// built before its next run starts, and that run sees exactly what it would
// have built on reading them, and can still set them to nil.
func TestPrebuiltGlobals(t *testing.T) {
	t.Parallel()
	run := func(e *Engine, src string, env *Env) any {
		t.Helper()
		return eval(t, e, src, env)
	}
	warm := NewEngine(Config{})
	run(warm, dumpGlobals, refillEnv(1))
	got := run(warm, dumpGlobals, refillEnv(2))
	want := run(NewEngine(Config{}), dumpGlobals, refillEnv(2))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("prebuilt globals (-built on reading +prebuilt):\n%s", diff)
	}
	const clear = `local first = o.id o = nil return {first, o == nil, items[1].id}`
	run(warm, clear, refillEnv(1))
	if diff := cmp.Diff([]any{int64(3), true, int64(17)}, run(warm, clear, refillEnv(3))); diff != "" {
		t.Errorf("a prebuilt global set to nil (-want +got):\n%s", diff)
	}
}

// TestKeysGiven: slots rely on gopher-lua's count of the keys a table has
// been given growing with every new key, and only then (see tableKeys). A
// version of gopher-lua that changes this fails here, not silently.
func TestKeysGiven(t *testing.T) {
	t.Parallel()
	L := lua.NewState()
	defer L.Close()
	tb := L.NewTable()
	steps := []struct {
		do   func()
		want int
	}{
		{func() {}, 0},
		{func() { tb.RawSetString("a", lua.LTrue) }, 1},
		{func() { tb.RawSetString("a", lua.LFalse) }, 1},
		{func() { tb.RawSetString("a", lua.LNil) }, 1},
		{func() { tb.RawSetString("a", lua.LTrue) }, 1},
		{func() { tb.RawSetInt(1, lua.LTrue) }, 1},
		{func() { tb.RawSet(lua.LNumber(0.5), lua.LTrue) }, 2},
		{func() { tb.RawSetString("b", lua.LTrue) }, 3},
	}
	for i, step := range steps {
		step.do()
		if got := keysGiven(tb); got != step.want {
			t.Fatalf("step %d: keysGiven = %d, want %d", i, got, step.want)
		}
	}
}
