package scripting

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/wire"
)

// TestLazyRow: whatever a script does with o, it gets what it would get
// from a table filled with the row in advance (t, given as a global of the
// same data).
func TestLazyRow(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	row := sampleEnv().Order.(Fields)
	keys := `local function keys(t) local out = {} for k, v in pairs(t) do out[#out + 1] = tostring(k) .. "=" .. tostring(v) end table.sort(out) return out end
`
	for _, body := range []string{
		`return {T.name, T.order_id, T.missing, T.big, T.bad}`,
		`T.name = nil return {T.name, keys(T)}`,
		`T.never = nil return {T.never, keys(T)}`,
		`T.name = "John" T.extra = 1 return {T.name, T.extra, keys(T)}`,
		`local n = 0 local k = next(T) while k do n = n + 1 k = next(T, k) end return n`,
		`local orig = pairs({}) local n = 0 for _ in orig, T do n = n + 1 end return n`,
		`return {rawget(T, "name"), rawget(T, "missing")}`,
		`rawset(T, "name", nil) return {T.name, keys(T)}`,
		`return getmetatable(T) == nil`,
		`setmetatable(T, {__index = function() return "m" end}) return {T.missing, T.name}`,
		`T.name = nil return json.encode(T)`,
		`T[1] = "a" return {#T, T[1], keys(T)}`,
		`return T`,
		`local copy = {} for k, v in pairs(T) do copy[k] = v end return copy`,
		`lead.edit(1024, {meta = T}) return true`,
		`post = T return true`,
		`return unpack({T.name, T.price})`,
		`local x = T T = nil return x.order_country`,
	} {
		src := keys + body
		wantEnv, gotEnv := lazyRowEnv(row), lazyRowEnv(row)
		want, err := runSource(t, e, strings.ReplaceAll(src, "T", "t"), wantEnv)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		got, err := runSource(t, e, strings.ReplaceAll(src, "T", "o"), gotEnv)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-filled table +o):\n%s", body, diff)
		}
		if diff := cmp.Diff(wantEnv.Request, gotEnv.Request); diff != "" {
			t.Errorf("%s: request (-filled table +o):\n%s", body, diff)
		}
	}
}

// lazyRowEnv gives row as o and, filled in advance, as t.
func lazyRowEnv(row Fields) *Env {
	return &Env{Order: Fields(row), LeadID: 1024, Extra: map[string]any{"t": map[string]any(row)}, Request: &wire.Request{URL: "https://a.example"}}
}
