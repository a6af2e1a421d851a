package scripting

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
)

// sampleEnv is a lead as the dispatcher would hand it to a pre script.
func sampleEnv() *Env {
	return &Env{
		Mode: mode.New,
		Order: Fields{
			"order_id": int64(1024), "offer_id": int64(7), "order_country": "gb", "order_status": int64(1),
			"name": "Jane Roe", "price": 49.5, "bad": false, "ext_oid": "",
			"order_items": `{"17":[1,49,12.5]}`, "big": int64(1) << 60,
		},
		OfferParams: map[string]string{"sku": "A-17"},
		GeoParams:   map[string]string{"currency": "GBP"},
		GoalParams:  map[string]string{"goal": "sale"},
		SiteParams:  map[string]string{"url": "https://land.example"},
		Vars:        []any{map[string]any{"id": int64(17), "name": "Cream"}},
		Meta:        map[string]string{"size": "L"},
		Items:       []Item{{ID: 17, Qty: 1, Price: 49, Cost: 12.5}, {ID: 18, Qty: 2, Price: 19.5, Cost: 4}},
		Secrets:     map[string]string{"token": "s3cret"},
		Request: &wire.Request{
			URL: "https://crm.example/api", Method: "POST",
			Headers: []wire.Field{{Name: "Content-Type", Value: "application/json"}},
			Fields:  []wire.Field{{Name: "phone", Value: "447700900123"}, {Name: "name", Value: "Jane"}},
		},
		Result:   `{"status":"ok","id":84921}`,
		Response: &wire.Response{Code: 201, Headers: map[string]string{"Server": "nginx"}, Body: `{"status":"ok","id":84921}`, TimeMS: 42},
		Extra:    map[string]any{"request": map[string]any{"body": "x", "query": map[string]any{"a": "1"}}},
		Macro:    func(s string) string { return strings.ReplaceAll(s, "{id}", "1024") },
		ProductParams: func(offer int64, name string) map[string]string {
			if offer != 7 || name != "sku" {
				return nil
			}
			return map[string]string{"17": "A-17", "18": "A-18", "x1": "X"}
		},
		LeadID: 1024,
	}
}

// evalCases runs each source on e with env and compares what it returns.
func evalCases(t *testing.T, e *Engine, env func() *Env, tests []struct {
	source string
	want   any
}) {
	t.Helper()
	for _, tt := range tests {
		got := eval(t, e, tt.source, env())
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.source, diff)
		}
	}
}

type evalCase = struct {
	source string
	want   any
}

func TestGlobals(t *testing.T) {
	t.Parallel()
	evalCases(t, NewEngine(Config{}), sampleEnv, []evalCase{
		{"return mode", "new"},
		{"return o.order_id", int64(1024)},
		{"return o.order_country .. o.name", "gbJane Roe"},
		{"return o.price", 49.5},
		{"return o.bad", false},
		{"return o.big", "1152921504606846976"},
		{"return o.missing", nil},
		{"return ofps.sku", "A-17"},
		{"return ofpg.currency", "GBP"},
		{"return gpar.goal", "sale"},
		{"return spar.url", "https://land.example"},
		{"return vars[1].name", "Cream"},
		{"return meta.size", "L"},
		{"return #items", int64(2)},
		{"return items[2].id + items[2].qty + items[2].price + items[2].cost", 43.5},
		{"return secrets.token", "s3cret"},
		{"return url", "https://crm.example/api"},
		{"return method", "POST"},
		{"return headers['Content-Type']", "application/json"},
		{"return post.phone .. post.name", "447700900123Jane"},
		{"return result", `{"status":"ok","id":84921}`},
		{"return response.code + response.time_ms", int64(243)},
		{"return response.headers.Server .. response.body", `nginx{"status":"ok","id":84921}`},
		{"return request.query.a", "1"},
		{"return _G.mode == mode and _G._G == _G", true},
		{"return _VERSION", "Lua 5.1"},
		{"mode = 'x' return mode", "x"},
		{"local m = mode mode = nil return tostring(mode) .. m", "nilnew"},
		{"o = {order_id = 5} return o.order_id", int64(5)},
		{"return nothing", nil},
	})
}

func TestGlobalsOfEmptyEnv(t *testing.T) {
	t.Parallel()
	evalCases(t, NewEngine(Config{}), func() *Env { return &Env{} }, []evalCase{
		{"return mode", ""},
		{"return next(o) == nil and next(ofps) == nil and next(ofpg) == nil and next(gpar) == nil", true},
		{"return next(spar) == nil and next(vars) == nil and next(meta) == nil and next(secrets) == nil", true},
		{"return #items", int64(0)},
		{"return {url, method, headers, post, result, response}", []any{}},
	})
}

func TestRequestWriteBack(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	tests := []struct {
		name, source string
		entry, want  wire.Request
	}{
		{
			name:   "untouched",
			source: "return 1",
			entry: wire.Request{URL: "https://a.example", Method: "POST",
				Headers: []wire.Field{{Name: "B", Value: "2"}, {Name: "A", Value: "1"}}, Fields: []wire.Field{{Name: "z", Value: "1"}, {Name: "a", Value: "2"}}},
			want: wire.Request{URL: "https://a.example", Method: "POST",
				Headers: []wire.Field{{Name: "B", Value: "2"}, {Name: "A", Value: "1"}}, Fields: []wire.Field{{Name: "z", Value: "1"}, {Name: "a", Value: "2"}}},
		},
		{
			name: "changed",
			source: `url = url .. "?id=" .. o.order_id
method = "put"
headers["X-Sign"] = sha256("x")
headers.B = nil
post.z = nil
post.m = 5
post.b = {1, 2, {k = true}}
post.a = "changed"
post[3] = "three"`,
			entry: wire.Request{URL: "https://a.example", Method: "POST",
				Headers: []wire.Field{{Name: "B", Value: "2"}, {Name: "A", Value: "1"}}, Fields: []wire.Field{{Name: "z", Value: "1"}, {Name: "a", Value: "2"}}},
			want: wire.Request{URL: "https://a.example?id=1024", Method: "PUT",
				Headers: []wire.Field{{Name: "A", Value: "1"}, {Name: "X-Sign", Value: "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}},
				Fields: []wire.Field{{Name: "a", Value: "changed"}, {Name: "3", Value: "three"}, {Name: "b", Value: []any{int64(1), int64(2), map[string]any{"k": true}}},
					{Name: "m", Value: int64(5)}}},
		},
		{
			name:   "cancelled with false",
			source: "url = false post = false result = true",
			entry:  wire.Request{URL: "https://a.example", Method: "POST", Fields: []wire.Field{{Name: "a", Value: "1"}}},
			want:   wire.Request{URL: "https://a.example", Cancelled: true, Method: "POST"},
		},
		{
			name:   "cancelled with nil",
			source: "url = nil",
			entry:  wire.Request{URL: "https://a.example", Fields: []wire.Field{{Name: "a", Value: "1"}}},
			want:   wire.Request{URL: "https://a.example", Cancelled: true, Fields: []wire.Field{{Name: "a", Value: "1"}}},
		},
		{
			name:   "cancelled on entry",
			source: "assert(url == false) return 1",
			entry:  wire.Request{URL: "https://a.example", Cancelled: true},
			want:   wire.Request{URL: "https://a.example", Cancelled: true},
		},
		{
			name:   "raw body",
			source: `post = json.encode({a = 1}) headers["Content-Type"] = "application/json"`,
			entry:  wire.Request{Fields: []wire.Field{{Name: "a", Value: "1"}}},
			want:   wire.Request{Raw: `{"a":1}`, IsRaw: true, Headers: []wire.Field{{Name: "Content-Type", Value: "application/json"}}},
		},
		{
			name:   "raw body on entry",
			source: `post = post .. "!"`,
			entry:  wire.Request{Raw: "body", IsRaw: true},
			want:   wire.Request{Raw: "body!", IsRaw: true},
		},
		{
			name:   "raw body back to fields",
			source: `post = {a = 1}`,
			entry:  wire.Request{Raw: "body", IsRaw: true},
			want:   wire.Request{Fields: []wire.Field{{Name: "a", Value: int64(1)}}},
		},
		{
			name:   "repeated names kept",
			source: "return 1",
			entry:  wire.Request{Fields: []wire.Field{{Name: "a[]", Value: "1"}, {Name: "b", Value: "x"}, {Name: "a[]", Value: "2"}, {Name: "a[]", Value: "3"}}},
			want:   wire.Request{Fields: []wire.Field{{Name: "a[]", Value: "1"}, {Name: "a[]", Value: "2"}, {Name: "a[]", Value: "3"}, {Name: "b", Value: "x"}}},
		},
		{
			name:   "repeated names changed",
			source: `assert(#post["a[]"] == 2) table.insert(post["a[]"], "3") post.c = {1, 2}`,
			entry:  wire.Request{Fields: []wire.Field{{Name: "a[]", Value: "1"}, {Name: "a[]", Value: "2"}}},
			want:   wire.Request{Fields: []wire.Field{{Name: "a[]", Value: "1"}, {Name: "a[]", Value: "2"}, {Name: "a[]", Value: "3"}, {Name: "c", Value: []any{int64(1), int64(2)}}}},
		},
		{
			name:   "repeated header",
			source: `headers.Cookie[2] = "b=2"`,
			entry:  wire.Request{Headers: []wire.Field{{Name: "Cookie", Value: "a=1"}, {Name: "Cookie", Value: "b=1"}}},
			want:   wire.Request{Headers: []wire.Field{{Name: "Cookie", Value: "a=1"}, {Name: "Cookie", Value: "b=2"}}},
		},
		{
			name:   "header values become text",
			source: `headers.N = 84921 headers.F = 1.5 headers.B = true`,
			entry:  wire.Request{},
			want:   wire.Request{Headers: []wire.Field{{Name: "B", Value: "true"}, {Name: "F", Value: "1.5"}, {Name: "N", Value: "84921"}}},
		},
		{
			name:   "no headers",
			source: `headers = nil`,
			entry:  wire.Request{Headers: []wire.Field{{Name: "A", Value: "1"}}},
			want:   wire.Request{},
		},
		{
			name:   "nil field value",
			source: `return post.a`,
			entry:  wire.Request{Fields: []wire.Field{{Name: "a", Value: nil}}},
			want:   wire.Request{Fields: []wire.Field{{Name: "a", Value: ""}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := sampleEnv()
			env.Request = &tt.entry
			if _, err := runSource(t, e, tt.source, env); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *env.Request); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestWriteBackErrors(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	tests := []struct{ source, want string }{
		{"url = 5", "test: url must be a string, false or nil, not a number"},
		{"url = true", "test: url must be a string, false or nil, not true"},
		{"method = {}", "test: method must be a string, not a table"},
		{"headers = 'x'", "test: headers must be a table, not a string"},
		{"headers.X = {1}", "test: headers.X: a header value must be a string or a number"},
		{"post = 5", "test: post must be a table, a string, false or nil, not a number"},
		{"post = true", "test: post must be a table, a string, false or nil, not true"},
		{"post.f = print", "test: post.f: a function cannot be used as data"},
		{"post[{}] = 1", "test: post: a table cannot be used as a key of data"},
		{"post.z = 1 post[{}] = 1", "test: post: a table cannot be used as a key of data"},
		{"headers.Z = 'z' headers[{}] = 1", "test: headers: a table cannot be used as a key of data"},
	}
	for _, tt := range tests {
		env := sampleEnv()
		before := *env.Request
		err := runError(t, e, tt.source, env)
		if err.Error() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.source, err.Error(), tt.want)
		}
		if diff := cmp.Diff(before, *env.Request); diff != "" {
			t.Errorf("%s: a failed run changed the request (-before +after):\n%s", tt.source, diff)
		}
	}
}

func TestResult(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	tests := []struct {
		source string
		want   Result
	}{
		{"return 84921", Result{Return: int64(84921), Result: `{"status":"ok","id":84921}`}},
		{"return 84921.0", Result{Return: int64(84921), Result: `{"status":"ok","id":84921}`}},
		{"return 8.4921e4", Result{Return: int64(84921), Result: `{"status":"ok","id":84921}`}},
		{"return '84921'", Result{Return: "84921", Result: `{"status":"ok","id":84921}`}},
		{"return 1.25", Result{Return: 1.25, Result: `{"status":"ok","id":84921}`}},
		{"return 2^63", Result{Return: 9.223372036854775808e18, Result: `{"status":"ok","id":84921}`}},
		{"return -2^63", Result{Return: int64(math.MinInt64), Result: `{"status":"ok","id":84921}`}},
		{"return 1, 2", Result{Return: int64(1), Result: `{"status":"ok","id":84921}`}},
		{"local x = 1", Result{Result: `{"status":"ok","id":84921}`}},
		{"result = json.decode(result) return result.id", Result{Return: int64(84921), Result: map[string]any{"status": "ok", "id": int64(84921)}}},
		{"result = nil return true", Result{Return: true}},
		{"return {}", Result{Return: []any{}, Result: `{"status":"ok","id":84921}`}},
		{"return {1, 'a', {x = false}}", Result{Return: []any{int64(1), "a", map[string]any{"x": false}}, Result: `{"status":"ok","id":84921}`}},
		{"return {[1] = 'a', [3] = 'c'}", Result{Return: map[string]any{"1": "a", "3": "c"}, Result: `{"status":"ok","id":84921}`}},
		{"return {[1.5] = 'a', [true] = 'b'}", Result{Return: map[string]any{"1.5": "a", "true": "b"}, Result: `{"status":"ok","id":84921}`}},
		{"log('a', 1) print('b') return nil", Result{Result: `{"status":"ok","id":84921}`, Log: []string{"a\t1", "b"}}},
	}
	for _, tt := range tests {
		res, err := runSource(t, e, tt.source, sampleEnv())
		if err != nil {
			t.Errorf("%s: %v", tt.source, err)
			continue
		}
		if diff := cmp.Diff(tt.want, *res); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.source, diff)
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	evalCases(t, NewEngine(Config{}), sampleEnv, []evalCase{
		{`return json.decode('{"status":"ok","id":84921}').id`, int64(84921)},
		{`return xxdec('{"a":[1,2,{"b":null}]}').a[3].b`, nil},
		{`return json.decode('[1, 2.5, "x", true, false]')`, []any{int64(1), 2.5, "x", true, false}},
		{`return json.decode('{"n":12345678901234567890}').n`, "12345678901234567890"},
		{`return json.decode('{"n":9007199254740993}').n`, "9007199254740993"},
		{`return json.decode('{"n":9007199254740992}').n`, int64(9007199254740992)},
		{`return json.decode('{"n":1e3}').n`, int64(1000)},
		{`return json.decode('{"n":-0.5}').n`, -0.5},
		{`return json.decode('"\\u00e9\\n"')`, "é\n"},
		{`return json.decode('{"17":[1,49,12.5]}')["17"][3]`, 12.5},
		{`return json.decode(' {} ')`, []any{}},
		{`return json.decode('null')`, nil},
		{`local v, err = json.decode('<html>') return {v == nil, err}`, []any{true, "json.decode: invalid character '<' looking for beginning of value"}},
		{`local v, err = json.decode('') return {v == nil, err}`, []any{true, "json.decode: no JSON value"}},
		{`local v, err = json.decode('{"a":1} x') return {v == nil, err}`, []any{true, "json.decode: data after the JSON value"}},
		{`local v, err = json.decode('{"a":') return {v == nil, err}`, []any{true, "json.decode: unexpected EOF"}},
		{`return (json.decode(result) or {}).status`, "ok"},
		{`return json.encode({status = "ok", id = 84921, list = {1, 2.5, "x"}, yes = true})`, `{"id":84921,"list":[1,2.5,"x"],"status":"ok","yes":true}`},
		{`return xxenc({})`, `[]`},
		{`return json.encode({[1] = "a", [2] = "b"})`, `["a","b"]`},
		{`return json.encode({[1] = "a", [3] = "c"})`, `{"1":"a","3":"c"}`},
		{`return json.encode(84921.0)`, `84921`},
		{`return json.encode(2^53)`, `9007199254740992`},
		{`return json.encode(0.1)`, `0.1`},
		{`return json.encode(0/0)`, `null`},
		{`return json.encode("a\"b</script>\n")`, `"a\"b</script>\n"`},
		{`return json.encode(nil)`, `null`},
		{`return json.encode(json.decode('{"n":12345678901234567890}'))`, `{"n":"12345678901234567890"}`},
		{`return pcall(json.encode, {f = print})`, false},
		{`return select(2, pcall(json.encode, {f = print}))`, "test:1: json.encode: value.f: a function cannot be used as data"},
		{`local t = {} t[1] = t return select(2, pcall(json.encode, t))`, "test:1: json.encode: value" + strings.Repeat("[1]", maxDepth) + ": tables nest deeper than 200 levels (does a table contain itself?)"},
	})
}

func TestMacro(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	if got := eval(t, e, `return macro("id={id}&n=" .. 5)`, sampleEnv()); got != "id=1024&n=5" {
		t.Errorf("macro = %#v", got)
	}
	if got := eval(t, e, `return macro("{id}")`, &Env{}); got != "{id}" {
		t.Errorf("macro without an expander = %#v", got)
	}
	err := runError(t, e, `macro(string.rep("x", 70000))`, sampleEnv())
	if err.Error() != "test:1: macro: text longer than 64 KiB" {
		t.Errorf("long macro: %v", err)
	}
}

func TestLeadEdit(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	str := func(s string) *string { return &s }
	tests := []struct {
		source string
		want   *LeadEdit
	}{
		{"return 1", nil},
		{"lead.edit(o.order_id, {exto = 84921})", &LeadEdit{Ext: str("84921")}},
		{"lead.edit('1024', {ext = 'A-1'})", &LeadEdit{Ext: str("A-1")}},
		{"lead.edit(1024.0, {exto = 8.4921e4, comment = 'ok'})", &LeadEdit{Ext: str("84921"), Comment: str("ok")}},
		{"lead.edit(1024, {meta = {size = 'L', n = 2, ok = true}})", &LeadEdit{Meta: map[string]string{"size": "L", "n": "2", "ok": "true"}}},
		{"lead.edit(1024, {meta = {'a', 'b'}})", &LeadEdit{Meta: map[string]string{"1": "a", "2": "b"}}},
		{"lead.edit(1024, {exto = 'a'}) lead.edit(1024, {comment = 'c'}) lead.edit(1024, {exto = 'b', meta = {x = 1}})",
			&LeadEdit{Ext: str("b"), Comment: str("c"), Meta: map[string]string{"x": "1"}}},
		{"lead.edit(1024, {exto = (json.decode(result)).missing})", &LeadEdit{}},
	}
	for _, tt := range tests {
		res, err := runSource(t, e, tt.source, sampleEnv())
		if err != nil {
			t.Errorf("%s: %v", tt.source, err)
			continue
		}
		if diff := cmp.Diff(tt.want, res.Edit); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.source, diff)
		}
	}
	if got := eval(t, e, "return lead.edit(1024, {})", sampleEnv()); got != true {
		t.Errorf("lead.edit returned %#v, want true", got)
	}

	errorsTests := []struct{ source, want string }{
		{"lead.edit(7, {exto = 1})", "test:1: lead.edit: 7 is not the id of this lead (1024)"},
		{"lead.edit('1024x', {exto = 1})", "test:1: lead.edit: 1024x is not the id of this lead (1024)"},
		{"lead.edit(nil, {exto = 1})", "test:1: lead.edit: nil is not the id of this lead (1024)"},
		{"lead.edit(1024, {exto = 1, ext = 2})", "test:1: lead.edit: give exto or ext, not both"},
		{"lead.edit(1024, {status = 5})", `test:1: lead.edit: unknown field "status" (exto, ext, comment or meta)`},
		{"lead.edit(1024, {exto = true})", "test:1: lead.edit: exto must be a string or a number, not a boolean"},
		{"lead.edit(1024, {comment = {}})", "test:1: lead.edit: comment must be a string or a number, not a table"},
		{"lead.edit(1024, {meta = 'x'})", "test:1: lead.edit: meta must be a table, not a string"},
		{"lead.edit(1024, {meta = {f = print}})", "test:1: lead.edit: meta.f: a function cannot be used as data"},
		{"lead.edit(1024)", "test:1: bad argument #2 to edit (table expected, got nil)"},
	}
	for _, tt := range errorsTests {
		if err := runError(t, e, tt.source, sampleEnv()); err.Error() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.source, err.Error(), tt.want)
		}
	}
}

func TestCPAGet(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	evalCases(t, e, sampleEnv, []evalCase{
		{`local p = cpa.get("vpar", o.offer_id, "sku") return {p[17], p["18"], p.x1, p[19], p["x"]}`, []any{"A-17", "A-18", "X"}},
		{`local p = cpa.get("vpar", "7", "sku") local n = 0 for k, v in pairs(p) do n = n + 1 end return n`, int64(3)},
		{`local p = cpa.get("vpar", 7, "sku") return type(next(p, nil)) == "number" or type(next(p, nil)) == "string"`, true},
		{`return next(cpa.get("vpar", 8, "sku"))`, nil},
		{`return getmetatable(cpa.get("vpar", 7, "sku"))`, false},
		{`local its = json.decode(o.order_items) local p = cpa.get("vpar", o.offer_id, "sku")
		  local out = {} for id, it in pairs(its) do out[#out + 1] = p[id] .. "x" .. it[1] end return out`, []any{"A-17x1"}},
	})
	if got := eval(t, e, `return next(cpa.get("vpar", 7, "sku"))`, &Env{}); got != nil {
		t.Errorf("cpa.get without ProductParams: %#v", got)
	}
	for source, want := range map[string]string{
		`cpa.get("opar", 7, "sku")`:                   `test:1: cpa.get: unknown table "opar" (only "vpar")`,
		`cpa.get("vpar", 7.5, "sku")`:                 "test:1: cpa.get: offer id must be a whole number, not 7.5",
		`cpa.get("vpar", "x", "sku")`:                 "test:1: cpa.get: offer id must be a whole number, not x",
		`setmetatable(cpa.get("vpar", 7, "sku"), {})`: "test:1: cannot change a protected metatable",
	} {
		if err := runError(t, e, source, sampleEnv()); err.Error() != want {
			t.Errorf("%s: got %q, want %q", source, err.Error(), want)
		}
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	evalCases(t, NewEngine(Config{}), sampleEnv, []evalCase{
		{`return url_encode("a b&c=d/é~")`, "a+b%26c%3Dd%2F%C3%A9~"},
		{`return url_encode(84921)`, "84921"},
		{`return base64_encode("hello, world")`, "aGVsbG8sIHdvcmxk"},
		{`return base64_encode("hi")`, "aGk="},
		{`return base64_decode("aGVsbG8sIHdvcmxk")`, "hello, world"},
		{`return base64_decode("aGVsbG8_")`, "hello?"},
		{`return base64_decode("aGVsbG8/")`, "hello?"},
		{`return base64_decode("aGk")`, "hi"},
		{`return base64_decode("aGVs\nbG8=")`, "hello"},
		{`local v, err = base64_decode("%%%") return {v == nil, err}`, []any{true, "base64_decode: not base64"}},
		{`return md5("abc")`, "900150983cd24fb0d6963f7d28e17f72"},
		{`return sha1("abc")`, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{`return sha256("abc")`, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{`return hmac_sha256("key", "The quick brown fox jumps over the lazy dog")`, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
		{`local s = "The quick brown fox jumps over the lazy dog" hmac_sha256("key", "x")
return {hmac_sha256("key", s), hmac_sha256("other", s), hmac_sha256("key", s)}`, []any{
			"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
			"f1ceb2ae30d9ae1bb4259f1a41bfa3cb1d6266a1fe2f860e7cdbcc0973bffbb8",
			"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"}},
		{`return md5("")`, "d41d8cd98f00b204e9800998ecf8427e"},
	})
}

func TestLog(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	res, err := runSource(t, e, `
log("plain")
log("a", 1, 2.5, nil, true, false)
print("printed", 84921)
log(setmetatable({}, {__tostring = function() return "custom" end}))
log()
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"plain", "a\t1\t2.5\tnil\ttrue\tfalse", "printed\t84921", "custom", ""}
	if diff := cmp.Diff(want, res.Log); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}

	res, err = runSource(t, e, `for i = 1, 600 do log("line", i) end`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Log) != maxLogLines+1 || res.Log[maxLogLines-1] != "line\t500" || res.Log[maxLogLines] != "(100 more log lines dropped)" {
		t.Errorf("long log: %d lines, ending %q", len(res.Log), res.Log[len(res.Log)-2:])
	}

	res, err = runSource(t, e, `log(string.rep("é", 40000)) log("next")`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Log) != 2 || len(res.Log[0]) > maxLogBytes+len("…") || !strings.HasSuffix(res.Log[0], "é…") || res.Log[1] != "(1 more log lines dropped)" {
		t.Errorf("log over the byte limit: %d lines, first %d bytes", len(res.Log), len(res.Log[0]))
	}
}

func TestStandardLibrary(t *testing.T) {
	t.Parallel()
	year := int64(time.Now().Year())
	evalCases(t, NewEngine(Config{}), sampleEnv, []evalCase{
		{`return string.upper("abc") .. string.lower("DEF") .. ("x"):upper()`, "ABCdefX"},
		{`return string.len("héllo") .. #"abc"`, "63"},
		{`return string.sub("hello", 2, -2) .. ("hello"):sub(-1)`, "ello"},
		{`return {string.byte("AB", 1, 2)}`, []any{int64(65), int64(66)}},
		{`return string.char(72, 105)`, "Hi"},
		{`return string.reverse("abc")`, "cba"},
		{`return string.rep("ab", 3)`, "ababab"},
		{`return string.rep("ab", 0) .. string.rep("ab", -1) .. string.rep("", 1e9)`, ""},
		{`return string.format("%d|%5.2f|%s|%-4s|%x|%%|%q", 42, 3.14159, "hi", "ab", 255, "q")`, `42| 3.14|hi|ab  |ff|%|"q"`},
		{`return string.format("%05d", 42)`, "00042"},
		{`return select(2, pcall(string.format, "%d"))`, "test:1: bad argument #2 to 'format' (no value)"},
		{`return select(2, pcall(string.format, "%y", 1))`, "test:1: invalid option '%y' to 'format'"},
		{`return select(2, pcall(string.format, "%", 1))`, "test:1: invalid option '%' to 'format'"},
		{`return select(2, pcall(string.format, "%------d", 1))`, "test:1: invalid format (repeated flags)"},
		{`return select(2, pcall(string.format, "%.100f", 1))`, "test:1: invalid format (width or precision too long)"},
		{`local t = {3, 1, 2} table.sort(t) return t`, []any{int64(1), int64(2), int64(3)}},
		{`local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end) return t`, []any{int64(3), int64(2), int64(1)}},
		{`local t = {} table.insert(t, "a") table.insert(t, 1, "b") return t`, []any{"b", "a"}},
		{`local t = {"a", "b", "c"} return table.remove(t, 1) .. #t`, "a2"},
		{`return table.concat({1, "a", 2.5}, ", ")`, "1, a, 2.5"},
		{`return table.concat({"a", "b", "c"}, "-", 2, 3)`, "b-c"},
		{`return table.concat({})`, ""},
		{`return select(2, pcall(table.concat, {1, {}, 3}))`, "test:1: invalid value (at index 2) in table for 'concat'"},
		{`return table.getn({1, 2}) + table.maxn({1, 2, [7] = 3})`, int64(9)},
		{`return math.floor(3.7) + math.ceil(0.2) + math.abs(-2) + math.max(1, 5) + math.min(1, 5)`, int64(12)},
		{`return math.huge > 1e308 and math.pi > 3.14 and math.sqrt(16) == 4`, true},
		{`local r = math.random(10) return r >= 1 and r <= 10`, true},
		{`return tonumber("0x10") + tonumber("12") + tonumber("z", 36)`, int64(63)},
		{`return tostring(12) .. tostring(1.5) .. type({}) .. type(nil)`, "121.5tablenil"},
		{`return select("#", 1, nil, 3)`, int64(3)},
		{`return {unpack({1, 2, 3})}`, []any{int64(1), int64(2), int64(3)}},
		{`return {pcall(error, "x", 0)}`, []any{false, "x"}},
		{`return {xpcall(function() error("x", 0) end, function(e) return "handled " .. e end)}`, []any{false, "handled x"}},
		{`return rawequal("a", "a") and rawget({a = 1}, "a") == 1`, true},
		{`local t = {} rawset(t, "a", 1) return t.a`, int64(1)},
		{`local n = 0 for _ in pairs({a = 1, b = 2}) do n = n + 1 end for _ in ipairs({1, 2, 3}) do n = n + 1 end return n`, int64(5)},
		{`return next({}) == nil`, true},
		{`local t = setmetatable({}, {__index = function(_, k) return k .. "!" end}) return t.x .. tostring(getmetatable(t) ~= nil)`, "x!true"},
		{`return os.time() > 1700000000 and os.clock() >= 0`, true},
		{`return os.date("%Y") + 0`, year},
		{`return os.date("!%Y-%m-%d", 0)`, "1970-01-01"},
		{`return select(2, pcall(os.date, string.rep("%Y", 200)))`, "test:1: os.date: format longer than 256 bytes"},
		{`return {getmetatable("x"), getmetatable(string), getmetatable(_G)}`, []any{false, false, false}},
		{`return type(os.nothing)`, "nil"},
	})
}

func TestLazyGlobalsBuiltOnce(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	got := eval(t, e, `
local first = o
o = nil
local after = o
local seen = {}
for k in pairs(_G) do seen[#seen + 1] = k end
table.sort(seen)
return {first.order_id, after == nil, table.concat(seen, ",")}`, sampleEnv())
	want := []any{int64(1024), true, "_G,headers,method,post,request,result,url"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
