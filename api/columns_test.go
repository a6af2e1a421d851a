package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// TestCheckColumnsBoundsJSONText checks the 64 KiB of a TEXT column
// written as JSON on the lead's meta, where escaping can make the JSON six
// times the text: below the bound nothing is encoded, above it the JSON
// itself is measured.
func TestCheckColumnsBoundsJSONText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		meta map[string]string
		want string // the problem's message; "" for none
	}{
		{"none", nil, ""},
		{"empty", map[string]string{}, ""},
		{"small", map[string]string{"note": strings.Repeat("a", 10000)}, ""},
		{"near the limit", map[string]string{"note": strings.Repeat("a", 65000)}, ""},
		{"over the limit", map[string]string{"note": strings.Repeat("a", 65530)}, "meta: at most 64 KiB of JSON"},
		{"over once escaped", map[string]string{"note": strings.Repeat("<", 11000)}, "meta: at most 64 KiB of JSON"},
		{"control characters", map[string]string{"a": strings.Repeat("\x01", 6000), "b": strings.Repeat("\x01", 6000)}, "meta: at most 64 KiB of JSON"},
		{"not UTF-8", map[string]string{"note": strings.Repeat("\xff", 11000)}, "meta: at most 64 KiB of JSON"},
	} {
		err := checkColumns(&lead.Lead{Name: "x", Meta: tc.meta})
		got := ""
		if err != nil {
			got = asError(err).Message
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestStringMapJSONBoundIsNeverBelowTheJSON(t *testing.T) {
	t.Parallel()
	for _, m := range []map[string]string{
		nil, {}, {"": ""}, {"a": "b"}, {"<>&": "\u2028\u2029"}, {"k": "\x00\x1f\"\\"}, {"\xff\xfe": "\xc3"},
		{"note": "Привет, мир", "utm": "a&b=c"},
	} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if bound := stringMapJSONBound(m); bound < len(b) {
			t.Errorf("%q: bound %d, JSON %d bytes", m, bound, len(b))
		}
	}
}
