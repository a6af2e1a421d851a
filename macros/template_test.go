package macros

import (
	"errors"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage/lead"
)

func TestParseLeavesNonMacrosAlone(t *testing.T) {
	t.Parallel()
	tests := []struct{ tmpl, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{`{"a":{id}}`, `{"a":84921}`},
		{`{"lead":{"id":{id},"name":"{name}"}}`, `{"lead":{"id":84921,"name":"John"}}`},
		{"{ query { x } }", "{ query { x } }"},
		{"mutation { addOrder(input: {projectId: 1}) { id } }", "mutation { addOrder(input: {projectId: 1}) { id } }"},
		{"{{id}}", "{84921}"},
		{"}{id}{", "}84921{"},
		{"{id", "{id"},
		{"{id}{", "84921{"},
		{"{", "{"},
		{"{}", "{}"},
		{"{:x}", "{:x}"},
		{"{ID}", "{ID}"},
		{"{Id}", "{Id}"},
		{"{ id }", "{ id }"},
		{"{foo}", "{foo}"},
		{"{sub6}", "{sub6}"},
		{"{id:1}", "{id:1}"},
		{"{name:first}", "{name:first}"},
		{"{meta:}", "{meta:}"},
		{"{meta:a b}", "{meta:a b}"},
		{"{meta:color", "{meta:color"},
		{"{meta:color}}", "red}"},
		{"{offer: 1}", "{offer: 1}"},
		{"{offer}-{offer:id}-{offer:name}", "1-1-Keto Slim"},
		{"{sub1}{sub2}", "adset_29384creative_118"},
		{"{name}\n{last}", "John\nSmith"},
		{"Привет, {name}! 你好", "Привет, John! 你好"},
	}
	for _, tt := range tests {
		tmpl, err := Parse(tt.tmpl)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.tmpl, err)
			continue
		}
		if got := tmpl.String(); got != tt.tmpl {
			t.Errorf("String() = %q, want the source %q", got, tt.tmpl)
		}
		if got := tmpl.Expand(exampleData(), InField); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tmpl   string
		offset int
		macro  string
	}{
		{"{ofp}", 0, "{ofp}"},
		{"x={meta}", 2, "{meta}"},
		{"{secret}", 0, "{secret}"},
		{"{file}", 0, "{file}"},
		{"{ofpg}{goal}", 0, "{ofpg}"},
		{"{id} {offer:price}", 5, "{offer:price}"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.tmpl)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a *ParseError", tt.tmpl, err)
			continue
		}
		if pe.Offset != tt.offset || pe.Macro != tt.macro || !strings.Contains(err.Error(), tt.macro) {
			t.Errorf("Parse(%q): %+v, want offset %d macro %s", tt.tmpl, pe, tt.offset, tt.macro)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic on a bad template")
		}
	}()
	MustParse("{ofp}")
}

func TestTemplateFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tmpl  string
		field string
		ok    bool
	}{
		{"{file:passport}", "passport", true},
		{"{file:скан}", "скан", true},
		{" {file:passport}", "", false},
		{"{file:passport}{file:photo}", "", false},
		{"{meta:passport}", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		field, ok := MustParse(tt.tmpl).File()
		if field != tt.field || ok != tt.ok {
			t.Errorf("File(%q) = %q, %v; want %q, %v", tt.tmpl, field, ok, tt.field, tt.ok)
		}
	}
}

// TestPositions checks the escaping of each position with values full of
// the characters that break URLs, headers and bodies.
func TestPositions(t *testing.T) {
	t.Parallel()
	nasty := "a&b=c#d e+f\"g'h{id}i\r\nj\tk%l/m?n\x00o\x7fp"
	d := withLead(func(l *lead.Lead) { l.Name, l.City = nasty, "Київ 東京" })
	tests := []struct {
		tmpl string
		pos  Position
		want string
	}{
		{"https://crm.example/add?name={name}&x=1#f", InURL,
			"https://crm.example/add?name=a%26b%3Dc%23d%20e%2Bf%22g%27h%7Bid%7Di%0D%0Aj%09k%25l%2Fm%3Fn%00o%7Fp&x=1#f"},
		{"https://crm.example/{city}", InURL, "https://crm.example/%D0%9A%D0%B8%D1%97%D0%B2%20%E6%9D%B1%E4%BA%AC"},
		{"~{city}-._~", InURL, "~%D0%9A%D0%B8%D1%97%D0%B2%20%E6%9D%B1%E4%BA%AC-._~"},
		{"Bearer {name}", InHeader, "Bearer a&b=c#d e+f\"g'h{id}ij\tk%l/m?nop"},
		{"{city}", InHeader, "Київ 東京"},
		{"{name}", InURL, "a%26b%3Dc%23d%20e%2Bf%22g%27h%7Bid%7Di%0D%0Aj%09k%25l%2Fm%3Fn%00o%7Fp"},
		{"{name}", InField, nasty},
		{`{"n":"{name}"}`, InField, `{"n":"` + nasty + `"}`},
	}
	for _, tt := range tests {
		if got := MustParse(tt.tmpl).Expand(d, tt.pos); got != tt.want {
			t.Errorf("Expand(%q, %d):\n got %q\nwant %q", tt.tmpl, tt.pos, got, tt.want)
		}
		if tt.tmpl == "{name}" || tt.tmpl == "{city}" {
			if got := tt.pos.Escape(MustParse(tt.tmpl).Expand(d, InField)); got != tt.want {
				t.Errorf("Position(%d).Escape = %q, want %q", tt.pos, got, tt.want)
			}
		}
	}
}

func TestValidArg(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"token": true, "api_key-2.v": true, "город": true, "": false, "a b": false, "a}": false, "a:b": false,
	} {
		if got := ValidArg(s); got != want {
			t.Errorf("ValidArg(%q) = %v, want %v", s, got, want)
		}
		if tmpl := "{secret:" + s + "}"; want && MustParse(tmpl).Expand(&Data{Secrets: map[string]string{s: "v"}}, InField) != "v" {
			t.Errorf("%s does not read the secret %q", tmpl, s)
		}
	}
}
