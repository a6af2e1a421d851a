package macros

import "testing"

// BenchmarkExpandRequest expands what one lead's request needs: a URL, three
// headers and twenty body fields, parsed once beforehand.
func BenchmarkExpandRequest(b *testing.B) {
	url := MustParse("https://crm.example/api/v2/leads?token={secret:token}&stream={ofp:stream}&sub={sub1}")
	headers := []*Template{
		MustParse("Bearer {secret:token}"),
		MustParse("leadrelay-{id}"),
		MustParse("{lang}"),
	}
	var fields []*Template
	for _, s := range []string{
		"{id}", "{name}", "{last}", "{fname}", "{phone}", "{cphone}", "{phonecc}", "{email}",
		"{geo}", "{ip}", "{ua}", "{price}", "{curr}", "{fulladdr}", "{sub1}", "{utms}",
		"{offer:name}", "{meta:color}", "{click_id}", `{"source":"{siteurl}","wm":{wmi}}`,
	} {
		fields = append(fields, MustParse(s))
	}
	d := exampleData()
	b.ReportAllocs()
	for b.Loop() {
		url.Expand(d, InURL)
		for _, h := range headers {
			h.Expand(d, InHeader)
		}
		for _, f := range fields {
			f.Expand(d, InField)
		}
	}
}

// BenchmarkExpandOneMacroEscaped expands templates that are one macro whose
// value needs escaping where it goes, as a query value or a path segment
// written as a single macro does.
func BenchmarkExpandOneMacroEscaped(b *testing.B) {
	templates := []*Template{MustParse("{fname}"), MustParse("{fulladdr}"), MustParse("{iphone}"), MustParse("{siteurl}")}
	d := exampleData()
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range templates {
			t.Expand(d, InURL)
		}
	}
}
