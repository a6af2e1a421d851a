package scripting

import (
	"math"
	"testing"
)

func TestFormatValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value any
		want  string
	}{
		{nil, ""},
		{"text", "text"},
		{true, "true"},
		{false, "false"},
		{int64(84921), "84921"},
		{84921.0, "84921"},
		{8.4921e4, "84921"},
		{int64(-7), "-7"},
		{math.Copysign(0, -1), "0"},
		{1e20, "100000000000000000000"},
		{float64(1 << 62), "4611686018427387904"},
		{1.5, "1.5"},
		{0.1, "0.1"},
		{-2.25, "-2.25"},
		{1e-7, "1e-07"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{42, "42"},
		{map[string]any{"b": []any{int64(1), 2.5, 3.0}, "a": "x"}, `{"a":"x","b":[1,2.5,3]}`},
		{map[string]any{"s": "a\"b\\c<>&\n\t\x01é\u2028", "n": nil, "bad": "\xff"}, `{"bad":"\ufffd","n":null,"s":"a\"b\\c<>&\n\t\u0001é\u2028"}`},
		{map[string]any{"nan": math.NaN()}, `{"nan":null}`},
		{[]any{}, `[]`},
		{map[string]any{}, `{}`},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.value); got != tt.want {
			t.Errorf("FormatValue(%#v) = %q, want %q", tt.value, got, tt.want)
		}
	}
}
