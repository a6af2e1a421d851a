package macros

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExamples checks every macro against the guide: expanding it with its
// example argument for the example lead gives its Example, and expanding it
// with no data gives "" (only {time} reads the clock).
func TestDocsExamples(t *testing.T) {
	t.Parallel()
	for _, doc := range Docs() {
		src := "{" + doc.Name + "}"
		if doc.Arg != "" {
			src = "{" + doc.Name + ":" + doc.Arg + "}"
		}
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			tmpl := MustParse(src)
			if got := tmpl.Expand(exampleData(), InField); got != doc.Example {
				t.Errorf("example lead: got %q, Doc.Example %q", got, doc.Example)
			}
			if doc.Name == "time" {
				return
			}
			for _, d := range []*Data{nil, {}} {
				if got := tmpl.Expand(d, InField); got != "" {
					t.Errorf("no data (%v): got %q, want \"\"", d, got)
				}
			}
		})
	}
}

// TestDocsOrder checks that Docs has every macro of SPEC §4 once, in the
// seed's order for the ones the seed lists.
func TestDocsOrder(t *testing.T) {
	t.Parallel()
	var got []string
	for _, d := range Docs() {
		name := d.Name
		if d.Arg != "" {
			name += ":x"
		}
		got = append(got, name)
	}
	want := strings.Fields(`id eid ext name last fname email pass lang langup iname ilast ipass imail
		phone iphone cphone phonecc iphonecc geo country geoup comment index area city street house
		addr fulladdr straddr delivery discount count currency curr price base delpr more offer
		siteurl sitename spaceurl spacename land preland domain wm wmi wmname wmmail exti extu exts
		click subid uuid sub1 sub2 sub3 sub4 sub5 utms utmc utmn utmt utmm ip ip4 ip6 ua mobile bad
		cwm cwmr cwmc cpay cpayr cpayc ofp:x ofpg:x goal:x site:x space:x offer:x meta:x file:x
		click_id lead_id status stage rcode reason payout amount campaign time secret:x`)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Docs order:\n got %v\nwant %v", got, want)
	}
	for _, d := range Docs() {
		if !Known(d.Name) {
			t.Errorf("Known(%q) = false", d.Name)
		}
	}
	for _, name := range []string{"", "ID", "foo", "sub6", "ofp:x"} {
		if Known(name) {
			t.Errorf("Known(%q) = true", name)
		}
	}
}

// TestDocGoListsEveryMacro keeps the package documentation in step with the table.
func TestDocGoListsEveryMacro(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Docs() {
		name := "{" + d.Name + "}"
		if d.Arg != "" {
			name = "{" + d.Name + ":x}"
		}
		if !strings.Contains(string(src), name) {
			t.Errorf("doc.go does not mention %s", name)
		}
	}
}
