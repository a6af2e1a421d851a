package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

// awkward are strings every escape rule of encoding/json touches.
var awkward = []string{
	"", "plain", `quote " and \ backslash`, "<a href=\"x?a=1&b=2\">", "tab\there\nnewline\r\b\f",
	"\x00\x01\x1f\x7f", "Иван 漢字 🙂", "bad \xff utf-8 \xe2\x82", "line\u2028para\u2029end",
}

// encodingJSON writes s as encoding/json does without HTML escaping.
func encodingJSON(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range awkward {
		if want, got := encodingJSON(t, s), AppendJSONString([]byte("x"), s); string(got) != "x"+want {
			t.Errorf("%q: got %s, want x%s", s, got, want)
		}
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if want, got := encodingJSON(t, s), AppendJSONString(nil, s); string(got) != want {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	})
}
