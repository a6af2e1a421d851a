package api

import (
	"net/url"
	"testing"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// TestRawIsTheRequestAsLogged checks the log's copy of a request: a form
// encoded as url.Values encodes it, JSON as an object with sorted keys, the
// secrets as *** and files by name and size, and the request's own values
// left as they came.
func TestRawIsTheRequestAsLogged(t *testing.T) {
	t.Parallel()
	form := map[string]any{"name": "Ann & Bob=1", "email": "ann+1@example.com", "key": "s3cret", "note": "Привет мир", "token": "abc"}
	want := url.Values{"name": {"Ann & Bob=1"}, "email": {"ann+1@example.com"}, "key": {"***"}, "note": {"Привет мир"},
		"token": {"***"}, "photo": {"a.png (image/png, 3 bytes)"}}.Encode()
	for _, tc := range []struct {
		name string
		in   *input
		want string
	}{
		{"form", &input{values: form, files: map[string]lead.File{"photo": {Name: "a.png", ContentType: "image/png", Data: []byte("png")}}}, want},
		{"form without secrets", &input{values: map[string]any{"b": "2", "a": "1 2"}}, "a=1+2&b=2"},
		{"JSON", &input{values: map[string]any{"name": "<Ann>", "key": "s3cret", "price": 49}, isJSON: true},
			`{"key":"***","name":"\u003cAnn\u003e","price":49}`},
	} {
		before := len(tc.in.values)
		if got := tc.in.raw(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		if v, ok := tc.in.values["key"]; len(tc.in.values) != before || ok && v == "***" {
			t.Errorf("%s: raw changed the request's values: %v", tc.name, tc.in.values)
		}
	}
}
