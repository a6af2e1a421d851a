package scripting

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOrderTableOfEachRun: a state reuses its o table, yet each run sees
// exactly its own row, whatever the run before did to o.
func TestOrderTableOfEachRun(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	v := newVM(e.cfg)
	run := func(src string, row map[string]any) any {
		t.Helper()
		s, err := e.Compile("test", src)
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.exec(context.Background(), s, &Env{Order: row})
		if err != nil {
			t.Fatal(err)
		}
		v.release()
		return res.Return
	}
	const fields = `local out = {} for k, v in pairs(o) do out[#out + 1] = k .. "=" .. tostring(v) end
table.sort(out) out[#out + 1] = "missing=" .. tostring(o.missing) return out`
	tests := []struct {
		name, change string
	}{
		{"values", `o.phone = "changed" o.id = nil`},
		{"a new key", `o.extra = 1`},
		{"an array entry", `o[1] = true`},
		{"a metatable", `setmetatable(o, {__index = function() return "leaked" end})`},
	}
	for _, tt := range tests {
		run(tt.change, map[string]any{"id": int64(1), "phone": "447123456789", "last_message": "retry"})
		got := run(fields, map[string]any{"id": int64(2), "phone": "447700900123"})
		want := []any{"id=2", "phone=447700900123", "missing=nil"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after a run that changed %s (-want +got):\n%s", tt.name, diff)
		}
	}
}
