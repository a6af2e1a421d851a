package macros

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks the parser's invariants on any text: it never panics; an
// error is a *ParseError pointing at the macro; a template reads back as its
// source, its segments put together are the source, expanding never panics,
// and a template without macros expands to itself in every position.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "{", "}", "{}", "{{}}", "{id}", "{id", "{id:}", "{id:x}", "{ofp}", "{ofp:x}", "{ofp:x",
		"{offer:name}", "{offer:zzz}", "{meta:город}", "{file:a.b-c_d}", `{"a":{id},"b":[{phone}]}`,
		"{ query { x } }", "https://x.example/a?b={name}&c={secret:token}#{id}", "Authorization: Bearer {secret:token}",
		"{{{id}}}", "{\xff}", "{id}\x00{name}", "{click_id}{lead_id}{status}", "{sub1}{sub5}{sub6}",
	} {
		f.Add(s)
	}
	full := exampleData()
	f.Fuzz(func(t *testing.T, s string) {
		tmpl, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || !strings.HasPrefix(s[pe.Offset:], pe.Macro) {
				t.Fatalf("Parse(%q): %v", s, err)
			}
			return
		}
		if tmpl.String() != s {
			t.Fatalf("String() = %q, want %q", tmpl.String(), s)
		}
		var rebuilt strings.Builder
		macros := 0
		for _, seg := range tmpl.segs {
			if seg.m == nil {
				rebuilt.WriteString(seg.text)
				continue
			}
			macros++
			rebuilt.WriteString("{" + seg.m.name)
			if seg.m.arg != "" {
				rebuilt.WriteString(":" + seg.arg)
			}
			rebuilt.WriteString("}")
		}
		if rebuilt.String() != s {
			t.Fatalf("segments of %q put together: %q", s, rebuilt.String())
		}
		for _, pos := range []Position{InField, InURL, InHeader} {
			tmpl.Expand(nil, pos)
			got := tmpl.Expand(full, pos)
			if macros == 0 && got != s {
				t.Fatalf("no macros in %q, but position %d expands to %q", s, pos, got)
			}
		}
	})
}
