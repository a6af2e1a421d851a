package integrations

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWarnings: what is legal but most likely a mistake is named, with the
// key and line, and what is right is not.
func TestWarnings(t *testing.T) {
	t.Parallel()
	offers := func(kind, name string) bool { return kind == "ofp" && name == "stream" }
	tests := []struct {
		name string
		doc  Integration
		want []Warning
	}{
		{"right", Integration{Secrets: map[string]string{"token": "x"}, New: &Mode{Enabled: true, URL: "https://crm.example/{ofp:stream}",
			Headers: "Authorization: {secret:token}", Fields: "phone {phone}\ndata {\"a\":1}\nname {fname}"}}, nil},
		{"typo", Integration{New: &Mode{Enabled: true, URL: "https://x.example", Fields: "name {name}\nphone {phnoe}"}},
			[]Warning{{"new.fields:2", "{phnoe} is not a macro; did you mean {phone}?"}}},
		{"typo with an argument", Integration{Postback: &Mode{URL: "https://t.example/?s={sceret:token}", Statuses: StatusList{"6"}}},
			[]Warning{{"postback.url", "{sceret:token} is not a macro; did you mean {secret:token}?"}}},
		{"nothing close", Integration{New: &Mode{Enabled: true, URL: "https://x.example", Fields: "x {nothinglikeit}"}},
			[]Warning{{"new.fields:1", "{nothinglikeit} is not a macro: it is sent as written"}}},
		{"missing secret", Integration{Secrets: map[string]string{"key": "x"}, New: &Mode{Enabled: true, URL: "https://x.example", Headers: "A: 1\nX-Token: {secret:token}"}},
			[]Warning{{"new.headers:2", `{secret:token}: the integration has no secret "token" (it has key)`}}},
		{"offer parameter nobody has", Integration{Offers: []int64{1, 2}, New: &Mode{Enabled: true, URL: "https://x.example", Fields: "a {ofpg:stream}"}},
			[]Warning{{"new.fields:1", `{ofpg:stream}: no offer of the integration (offers 1, 2) has the parameter "stream", so it expands to nothing`}}},
		{"a mode that cannot send", Integration{Changes: &Mode{Enabled: true}},
			[]Warning{{"changes.url", "the mode is enabled but has no url: it cannot send, so it never succeeds (only new has a stub)"}}},
		{"raw without pre", Integration{New: &Mode{Enabled: true, URL: "https://x.example", Format: FormatRaw}},
			[]Warning{{"new.format", "the raw format sends the text the pre script leaves in post, and there is no pre script: every body is empty"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.doc.Warnings(offers)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
