// Command gen writes the generated parts of the integration author's guide,
// docs/guide.md, so that the guide says what the code does: the table of
// macros, from macros.Docs, and the table of return values, from
// dispatcher.Classify. Each part sits between two comment lines,
//
//	<!-- BEGIN macros (go run ./docs/gen) -->
//	<!-- END macros -->
//
// and the text around them is left alone. Run it from the repository root
// after changing a macro or a return rule:
//
//	go run ./docs/gen
//
// A test fails while the guide is out of date.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/macros"
)

func main() {
	guide := flag.String("guide", "docs/guide.md", "the guide to bring up to date")
	flag.Parse()
	if err := run(*guide); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	next, err := rewrite(string(old))
	if err != nil || next == string(old) {
		return err
	}
	return os.WriteFile(path, []byte(next), 0o644)
}

// section is a generated part of the guide.
type section struct {
	name string
	body func() string
}

var sections = []section{{"macros", macroTable}, {"returns", returnTable}}

// rewrite replaces the body of every generated section of guide.
func rewrite(guide string) (string, error) {
	for _, s := range sections {
		begin := "<!-- BEGIN " + s.name + " (go run ./docs/gen) -->\n"
		end := "<!-- END " + s.name + " -->"
		i := strings.Index(guide, begin)
		j := strings.Index(guide, end)
		if i < 0 || j < i {
			return "", fmt.Errorf("the guide has no %s section: a line %q, then a line %q", s.name, strings.TrimSpace(begin), end)
		}
		guide = guide[:i+len(begin)] + s.body() + guide[j:]
	}
	return guide, nil
}

// macroTable lists every macro with its example and meaning.
func macroTable() string {
	var b strings.Builder
	b.WriteString("| macro | for the example lead | what |\n| --- | --- | --- |\n")
	for _, d := range macros.Docs() {
		name := "{" + d.Name + "}"
		if d.Arg != "" {
			name = "{" + d.Name + ":" + d.Arg + "}"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, code(d.Example), cell(d.Meaning))
	}
	return b.String()
}

// code writes s as inline code, or says it is empty.
func code(s string) string {
	if s == "" {
		return "*(empty)*"
	}
	return "`" + cell(s) + "`"
}

// cell escapes the pipes that would end a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// sample is a return value as a script writes it and as dispatcher.Classify gets it.
type sample struct {
	lua   string
	value any
}

var samples = []sample{
	{`84921`, int64(84921)},
	{`"CRM-1"`, "CRM-1"},
	{`"123"`, "123"},
	{`true`, true},
	{`-7`, int64(-7)},
	{`"-7"`, "-7"},
	{`"https://login.example/a"`, "https://login.example/a"},
	{`"id:A-1"`, "id:A-1"},
	{`"Registration failed"`, "Registration failed"},
	{`8.5`, 8.5},
	{`{id = 1}`, map[string]any{"id": int64(1)}},
	{`nil, or no return`, nil},
	{`false`, false},
	{`""`, ""},
	{`0`, int64(0)},
}

// returnTable shows what each sample return value does in each mode.
func returnTable() string {
	var b strings.Builder
	b.WriteString("| `return` | new | sync | changes, postback | approved |\n| --- | --- | --- | --- | --- |\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", cell(s.lua),
			effect(mode.New, s.value), effect(mode.Sync, s.value),
			effect(mode.Changes, s.value), effect(mode.Approved, s.value))
	}
	return b.String()
}

// effect says in words what dispatcher.Classify's verdict does to the lead in mode.
func effect(m mode.Mode, v any) string {
	verdict := dispatcher.Classify(m, v)
	switch verdict.Kind {
	case dispatcher.KindReject:
		return fmt.Sprintf("cancel, reason %d", verdict.Reason) + thankYou(m)
	case dispatcher.KindAccept:
		if verdict.UseLeadExt {
			return "processing, ext: the lead's ext, else its id" + thankYou(m)
		}
		return "processing, ext " + code(verdict.Ext) + thankYou(m)
	case dispatcher.KindRedirect:
		return "the visitor goes to the URL; the lead stays new for the classic send"
	case dispatcher.KindMessage:
		return "deleted; the visitor sees the text"
	case dispatcher.KindDone:
		if m == mode.Approved {
			return "done; " + code(verdict.Value) + " kept as this integration's id"
		}
		return "done"
	}
	if m == mode.Sync {
		return "sending error: the lead goes the classic way"
	}
	return "sending error: again in a minute"
}

func thankYou(m mode.Mode) string {
	if m == mode.Sync {
		return "; the thank-you page"
	}
	return ""
}
