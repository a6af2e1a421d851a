package dispatcher

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// encodingJSON is what the log's JSON must equal: encoding/json without HTML
// escaping.
func encodingJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// awkward are strings every escape rule of encoding/json touches.
var awkward = []string{
	"", "plain", `quote " and \ backslash`, "<a href=\"x?a=1&b=2\">", "tab\there\nnewline\r\b\f",
	"\x00\x01\x1f\x7f", "Иван 漢字 🙂", "bad \xff utf-8 \xe2\x82", "line\u2028para\u2029end",
}

func TestLogJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range awkward {
		headers := map[string]string{"Content-Type": "application/json", "X-" + s: s, "A": s}
		wire := wireRequest{Method: "POST", URL: "https://crm.example/leads?q=" + s, Headers: headers, Body: s}
		if diff := cmp.Diff(encodingJSON(t, wire), string(wire.appendJSON(nil))); diff != "" {
			t.Errorf("request with %q (-encoding/json +ours):\n%s", s, diff)
		}
		for _, v := range []responseView{
			{Code: 200, Headers: headers, Body: s, TimeMS: 12, Truncated: true, HeadersTruncated: true},
			{Code: 502, Body: s},
		} {
			if diff := cmp.Diff(encodingJSON(t, v), string(v.appendJSON(nil))); diff != "" {
				t.Errorf("response with %q (-encoding/json +ours):\n%s", s, diff)
			}
		}
	}
	for _, list := range [][]string{nil, {}, awkward} {
		if diff := cmp.Diff(encodingJSON(t, list), string(appendJSONArray(nil, list))); diff != "" {
			t.Errorf("script log %q (-encoding/json +ours):\n%s", list, diff)
		}
	}
}
