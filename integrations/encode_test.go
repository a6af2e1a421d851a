package integrations

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/wire"
)

// encodingJSON writes v as encoding/json does without HTML escaping, an
// ordered object key by key: what the JSON body was before it was written by
// hand.
func encodingJSON(t *testing.T, v any) string {
	t.Helper()
	plain := func(v any) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	switch v := v.(type) {
	case *jsonObject:
		parts := make([]string, len(v.keys))
		for i, k := range v.keys {
			parts[i] = plain(k) + ":" + encodingJSON(t, v.vals[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case *jsonArray:
		parts := make([]string, len(v.items))
		for i, item := range v.items {
			parts[i] = encodingJSON(t, item)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return plain(v)
}

// awkward are strings every escape rule of encoding/json touches.
var awkward = []string{
	"", "plain", `quote " and \ backslash`, "<a href=\"x?a=1&b=2\">", "tab\there\nnewline\r\b\f",
	"\x00\x01\x1f\x7f", "Иван 漢字 🙂", "bad \xff utf-8 \xe2\x82", "line\u2028para\u2029end",
}

func TestJSONBodyMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range awkward {
		fields := []wire.Field{
			{Name: "name", Value: s}, {Name: s, Value: "key"}, {Name: "n", Value: int64(42)},
			{Name: "price", Value: 49.5}, {Name: "ok", Value: true}, {Name: "none", Value: nil},
			{Name: "items[0][id]", Value: "17"}, {Name: "items[0][qty]", Value: 1.0},
			{Name: "tags[]", Value: s}, {Name: "tags[]", Value: "b"}, {Name: "a[b][c]", Value: s},
		}
		root := newJSONObject()
		for _, f := range fields {
			setPath(root, fieldPath(f.Name), f.Value)
		}
		got, err := encodeJSON(fields)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(encodingJSON(t, root), string(got)); diff != "" {
			t.Errorf("body with %q (-encoding/json +ours):\n%s", s, diff)
		}
	}
}

func TestJSONBodyErrorNamesTheField(t *testing.T) {
	t.Parallel()
	_, err := encodeJSON([]wire.Field{{Name: "a[b]", Value: math.NaN()}})
	var me *json.MarshalerError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "field a: ") || !strings.Contains(err.Error(), "field b: ") {
		t.Errorf("err = %v, want a MarshalerError naming fields a and b", err)
	}
}
