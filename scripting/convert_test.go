package scripting

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGoToLua hands Go values to a script (as Extra globals) and reads
// them back as its return value.
func TestGoToLua(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	type point struct {
		X int    `json:"x"`
		Y string `json:"y"`
	}
	tests := []struct {
		name  string
		value any
		want  any
	}{
		{"nil", nil, nil},
		{"bool", true, true},
		{"string", "é", "é"},
		{"bytes", []byte("raw"), "raw"},
		{"int", 42, int64(42)},
		{"int32", int32(-7), int64(-7)},
		{"int64 exact", int64(1) << 53, int64(1) << 53},
		{"int64 beyond 2^53", int64(1)<<53 + 1, "9007199254740993"},
		{"negative int64 beyond 2^53", -(int64(1)<<53 + 1), "-9007199254740993"},
		{"uint64 beyond 2^53", uint64(math.MaxUint64), "18446744073709551615"},
		{"uint64", uint64(5), int64(5)},
		{"float32", float32(1.5), 1.5},
		{"float64 whole", 84921.0, int64(84921)},
		{"json.Number integer", json.Number("84921"), int64(84921)},
		{"json.Number float", json.Number("1.5"), 1.5},
		{"json.Number huge", json.Number("123456789012345678901"), "123456789012345678901"},
		{"strings", []string{"a", "b"}, []any{"a", "b"}},
		{"map of strings", map[string]string{"a": "1"}, map[string]any{"a": "1"}},
		{"nested", map[string]any{"l": []any{int64(1), map[string]any{"k": nil}}}, map[string]any{"l": []any{int64(1), []any{}}}},
		{"empty map", map[string]any{}, []any{}},
		{"struct", point{X: 1, Y: "a"}, map[string]any{"x": int64(1), "y": "a"}},
		{"slice of structs", []point{{X: 2}}, []any{map[string]any{"x": int64(2), "y": ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := eval(t, e, "return value", &Env{Extra: map[string]any{"value": tt.value}})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLuaToGoLimits(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	err := runError(t, e, "local t = {} for i = 1, 21 do t = {t, t} end return t", nil)
	if !strings.HasPrefix(err.Message, "return value[") || !strings.HasSuffix(err.Message, "]: more than 1048576 values") {
		t.Errorf("a table that holds itself many times over: %v", err)
	}
	// [] doubles into [[],[]], [[[],[]],[[],[]]]…: 5·2^n - 3 bytes at depth n.
	if got := eval(t, e, "local t = {} for i = 1, 10 do t = {t, t} end return #json.encode(t)", nil); got != int64(5117) {
		t.Errorf("a shared subtable: %v", got)
	}
}
