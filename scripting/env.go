package scripting

import (
	"fmt"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
)

// Env is what one run sees: the lead and its catalog data, the request in
// hand, the answer, and the callbacks behind macro, cpa.get and lead.edit.
// Every map and slice becomes a fresh Lua table; a nil map an empty one.
type Env struct {
	// Mode is the global mode: "new", "changes", "approved", "sync",
	// "postback", "check" (or "hook").
	Mode mode.Mode
	// Order is the global o: the lead's raw row (string, number and bool
	// values), read a field at a time as the script asks for it.
	Order Row
	// OfferParams is ofps, GeoParams ofpg (for the lead's country),
	// GoalParams gpar, SiteParams spar.
	OfferParams map[string]string
	GeoParams   map[string]string
	GoalParams  map[string]string
	SiteParams  map[string]string
	// Vars is vars, the product list of the order, converted as goToLua does.
	Vars any
	// Meta is meta, the lead's custom fields.
	Meta map[string]string
	// Items is items: an array of {id=, qty=, price=, cost=}.
	Items []Item
	// Secrets is secrets, the integration's secrets.
	Secrets map[string]string
	// Request gives the globals url, method, headers and post; after a
	// successful run it holds what the script left in them (see Engine.Run).
	// nil: those globals are absent.
	Request *wire.Request
	// Result is the global result on entry: in post, the response body.
	Result any
	// Response is the global response {code=, headers=, body=, time_ms=};
	// nil: absent.
	Response *wire.Response
	// Extra holds further globals (e.g. request for CRM webhook scripts),
	// set last, so they may shadow the ones above.
	Extra map[string]any
	// Macro expands macro(s); nil leaves s as it is.
	Macro func(string) string
	// ProductParams answers cpa.get("vpar", offer_id, name) with product id →
	// value; nil answers with an empty table.
	ProductParams func(offerID int64, name string) map[string]string
	// LeadID is the only id lead.edit accepts.
	LeadID int64
}

// Row is where the global o reads a lead's fields from; values are as
// goToLua takes them (string, numbers, bool, nil).
type Row interface {
	// Field returns the field called name; nil when the row has none.
	Field(name string) any
	// Each calls fn with every field of the row.
	Each(fn func(name string, value any))
}

// Fields is a Row held in a map.
type Fields map[string]any

// Field is f[name].
func (f Fields) Field(name string) any { return f[name] }

// Each calls fn with every entry of f.
func (f Fields) Each(fn func(name string, value any)) {
	for name, value := range f {
		fn(name, value)
	}
}

// Item is one product of the order, an element of the global items: the
// product id, the quantity, and the unit price and unit net cost in the
// order's currency.
type Item struct {
	ID    int64
	Qty   float64
	Price float64
	Cost  float64
}

// Result is what a run produced.
type Result struct {
	// Return is the value of the script's final return, as data (see
	// luaToGo): nil, bool, int64, float64, string, map[string]any or []any.
	Return any
	// Result is the global result as the script left it (pre may set it for
	// post when it cancels the request).
	Result any
	// Log is the lines of log(...) and print(...).
	Log []string
	// Edit is set when the script called lead.edit.
	Edit *LeadEdit
}

// setData sets the globals of r's Env that are read back after the run
// (url, method, headers, post, result) and the Extra ones into the run's
// environment, the slot g. The others are built when the script first reads
// them (see lazyGlobal).
func (v *vm) setData(r *run, g *slot) {
	env := r.env
	if req := env.Request; req != nil {
		v.setRequest(r, g, req)
	}
	if env.Result != nil {
		g.setData(v.L, "result", env.Result)
	}
	for name, value := range env.Extra {
		g.setData(v.L, name, value)
	}
}

// maxItemSlots is how many items of an order a state refills tables for;
// the items after them get new tables.
const maxItemSlots = 64

// lazyGlobals builds the data globals that are only read, so that a run
// pays for the ones its script uses. Each is built at most once per run: a
// script that sets one to nil after reading it keeps nil. Each has its
// slot, for those whose table is refilled run after run.
var lazyGlobals = []struct {
	name  string
	build func(v *vm, s *slot, env *Env) lua.LValue
}{
	{"mode", func(v *vm, _ *slot, env *Env) lua.LValue { return lua.LString(env.Mode) }},
	{"o", func(v *vm, _ *slot, env *Env) lua.LValue { return v.rowTable(env.Order) }},
	{"ofps", func(v *vm, s *slot, env *Env) lua.LValue { return s.fillStrings(v.L, env.OfferParams) }},
	{"ofpg", func(v *vm, s *slot, env *Env) lua.LValue { return s.fillStrings(v.L, env.GeoParams) }},
	{"gpar", func(v *vm, s *slot, env *Env) lua.LValue { return s.fillStrings(v.L, env.GoalParams) }},
	{"spar", func(v *vm, s *slot, env *Env) lua.LValue { return s.fillStrings(v.L, env.SiteParams) }},
	{"meta", func(v *vm, s *slot, env *Env) lua.LValue { return s.fillStrings(v.L, env.Meta) }},
	{"secrets", func(v *vm, s *slot, env *Env) lua.LValue { return s.fillStrings(v.L, env.Secrets) }},
	{"vars", func(v *vm, _ *slot, env *Env) lua.LValue {
		if env.Vars == nil {
			return v.L.CreateTable(0, 0)
		}
		return goToLua(v.L, env.Vars)
	}},
	{"items", func(v *vm, _ *slot, env *Env) lua.LValue {
		items := v.L.CreateTable(len(env.Items), 0)
		for i, it := range env.Items {
			s := &slot{}
			if i < maxItemSlots {
				if i == len(v.items) {
					v.items = append(v.items, s)
				}
				s = v.items[i]
			}
			s.begin(v.L, 4)
			s.set("id", intToLua(it.ID))
			s.set("qty", luaNumber(it.Qty))
			s.set("price", luaNumber(it.Price))
			s.set("cost", luaNumber(it.Cost))
			items.Append(s.end())
		}
		return items
	}},
	{"response", func(v *vm, s *slot, env *Env) lua.LValue {
		resp := env.Response
		if resp == nil {
			return lua.LNil
		}
		s.begin(v.L, 4)
		s.set("code", luaNumber(float64(resp.Code)))
		s.set("headers", v.responseHeaders.fillStrings(v.L, resp.Headers))
		s.setString("body", resp.Body)
		s.set("time_ms", luaNumber(float64(resp.TimeMS)))
		return s.end()
	}},
}

// lazyGlobal is the __index of base's metatable: a global that is neither
// set by the run nor a library function. A data global not built yet in
// this run is built and stored in the run's globals; a refused one is an
// error; anything else is nil.
func (v *vm) lazyGlobal(L *lua.LState) int {
	name, _ := L.Get(2).(lua.LString)
	refuse(L, "", string(name))
	r := v.cur
	for i, lazy := range lazyGlobals {
		if lazy.name != string(name) || r.built&(1<<i) != 0 {
			continue
		}
		L.Push(v.buildGlobal(r, i))
		r.script.uses.Or(1 << i)
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

// buildGlobal builds data global i of lazyGlobals for run r and sets it.
func (v *vm) buildGlobal(r *run, i int) lua.LValue {
	r.built |= 1 << i
	value := lazyGlobals[i].build(v, &v.lazy[i], r.env)
	v.env.set(lazyGlobals[i].name, value)
	return value
}

// prebuildGlobals builds the data globals the script has read in earlier
// runs, sparing this run the calls to lazyGlobal.
func (v *vm) prebuildGlobals(r *run) {
	uses := r.script.uses.Load()
	for i := range lazyGlobals {
		if uses&(1<<i) != 0 {
			v.buildGlobal(r, i)
		}
	}
}

// setRequest sets url (false when cancelled), method, headers and post
// (a table of fields, or the raw body as a string).
func (v *vm) setRequest(r *run, g *slot, req *wire.Request) {
	if req.Cancelled {
		g.set("url", lua.LFalse)
	} else {
		g.setString("url", req.URL)
	}
	g.setString("method", req.Method)
	var headers, post *lua.LTable
	headers, r.multiHeaders = v.headers.fillFields(v.L, req.Headers)
	g.set("headers", headers)
	if req.IsRaw {
		g.setString("post", req.Raw)
		return
	}
	post, r.multiFields = v.post.fillFields(v.L, req.Fields)
	g.set("post", post)
}

// result reads what the run left: the return value ret, the global result,
// lead.edit's changes and, when the Env has a Request, the request globals.
func (r *run) result(g *lua.LTable, ret lua.LValue) (*Result, error) {
	res := &Result{Log: r.log.result(), Edit: r.edit}
	var err error
	if res.Return, err = luaToGo(ret, "return value"); err != nil {
		return nil, err
	}
	if res.Result, err = luaToGo(g.RawGetString("result"), "result"); err != nil {
		return nil, err
	}
	if req := r.env.Request; req != nil {
		next, err := r.readRequest(g, req)
		if err != nil {
			return nil, err
		}
		*req = next
	}
	return res, nil
}

// readRequest reads the request globals back into a copy of req: url (a
// string, or false or nil to cancel), method (upper-cased), headers (values
// as text) and post (a table of fields, a string for a raw body, or false or
// nil for none). Names keep their order on entry; names the script added
// follow, sorted.
func (r *run) readRequest(g *lua.LTable, req *wire.Request) (wire.Request, error) {
	next := *req
	switch u := g.RawGetString("url").(type) {
	case lua.LString:
		next.URL, next.Cancelled = string(u), false
	case *lua.LNilType:
		next.Cancelled = true
	case lua.LBool:
		if u {
			return next, fmt.Errorf("url must be a string, false or nil, not true")
		}
		next.Cancelled = true
	default:
		return next, fmt.Errorf("url must be a string, false or nil, not a %s", u.Type())
	}
	switch m := g.RawGetString("method").(type) {
	case lua.LString:
		next.Method = strings.ToUpper(string(m))
	case *lua.LNilType:
	default:
		return next, fmt.Errorf("method must be a string, not a %s", m.Type())
	}
	var err error
	if next.Headers, err = readFields(g.RawGetString("headers"), req.Headers, r.multiHeaders, "headers"); err != nil {
		return next, err
	}
	next.Raw, next.IsRaw, next.Fields = "", false, nil
	switch post := g.RawGetString("post").(type) {
	case lua.LString:
		next.Raw, next.IsRaw = string(post), true
	case *lua.LTable:
		next.Fields, err = readFields(post, req.Fields, r.multiFields, "post")
	case *lua.LNilType:
	case lua.LBool:
		if post {
			err = fmt.Errorf("post must be a table, a string, false or nil, not true")
		}
	default:
		err = fmt.Errorf("post must be a table, a string, false or nil, not a %s", post.Type())
	}
	return next, err
}

// readFields reads the table of headers or post fields: names in the order
// of entry first, then the others sorted; a name in multi whose value is an
// array gives one field per element. Header values must be text, numbers or
// booleans.
func readFields(v lua.LValue, entry []wire.Field, multi []string, where string) ([]wire.Field, error) {
	tb, ok := v.(*lua.LTable)
	if !ok {
		if lua.LVAsBool(v) {
			return nil, fmt.Errorf("%s must be a table, not a %s", where, v.Type())
		}
		return nil, nil
	}
	out := make([]wire.Field, 0, len(entry)+4)
	for i, f := range entry {
		if fieldIndex(entry[:i], f.Name) >= 0 {
			continue // a name given more than once is read once, as its array
		}
		value := tb.RawGetString(f.Name)
		switch {
		case value == lua.LNil:
		case isText(value, f.Value) && !slices.Contains(multi, f.Name):
			out = append(out, f) // as it came: no need to convert it back
		default:
			var err error
			if out, err = appendFields(out, f.Name, value, multi, where); err != nil {
				return nil, err
			}
		}
	}
	added, err := addedFields(tb, entry, where)
	if err != nil {
		return nil, err
	}
	for _, f := range added {
		if out, err = appendFields(out, f.name, f.value, multi, where); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// addedFields returns the entries of tb that readFields has not read by the
// names of entry, sorted by name.
func addedFields(tb *lua.LTable, entry []wire.Field, where string) ([]field, error) {
	var added []field
	var err error
	eachEntry(tb, func(k, value lua.LValue) bool {
		var name string
		if name, err = keyString(k); err != nil {
			err = fmt.Errorf("%s: %w", where, err)
			return false
		}
		if _, isString := k.(lua.LString); !isString || fieldIndex(entry, name) < 0 {
			if added == nil {
				added = make([]field, 0, 8)
			}
			added = append(added, field{name, value})
		}
		return true
	})
	slices.SortStableFunc(added, func(a, b field) int { return strings.Compare(a.name, b.name) })
	return added, err
}

// isText reports whether the Lua value v is the text value.
func isText(v lua.LValue, value any) bool {
	s, ok := v.(lua.LString)
	text, isString := value.(string)
	return ok && isString && string(s) == text
}

// fieldIndex is the index of the first field of fields named name, or -1.
func fieldIndex(fields []wire.Field, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// appendFields appends the field name of value to out: one field, or one
// per element when name is in multi and value is an array.
func appendFields(out []wire.Field, name string, value lua.LValue, multi []string, where string) ([]wire.Field, error) {
	data, err := fieldToGo(value, where, name)
	if err != nil {
		return nil, err
	}
	list, isList := data.([]any)
	if !isList || !slices.Contains(multi, name) {
		f, err := newField(name, data, where)
		return append(out, f), err
	}
	for _, e := range list {
		f, err := newField(name, e, where)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// newField makes a field; a header's value must be a scalar, and becomes text.
func newField(name string, value any, where string) (wire.Field, error) {
	if where != "headers" {
		return wire.Field{Name: name, Value: value}, nil
	}
	switch value.(type) {
	case map[string]any, []any:
		return wire.Field{}, fmt.Errorf("headers%s: a header value must be a string or a number", pathElem(name))
	}
	return wire.Field{Name: name, Value: FormatValue(value)}, nil
}
