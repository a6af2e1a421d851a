package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// modeForm is one mode's section of the integration editor: the keys of
// the mode the form shows as controls. The mode's other keys stay in the
// document's JSON.
type modeForm struct {
	Mode string
	// Present says the document has the mode; a section the form leaves
	// empty does not add one.
	Present                      bool
	Enabled                      bool
	URL, Method, Format, Timeout string
	Headers, Fields              templateRows
	Pre, Post                    script
	// FromStatus is approved's from_status.
	FromStatus string
	// Statuses are postback's statuses: the mode's in its order, then the
	// other statuses unticked.
	Statuses []tick
}

// statusNames are the names of the statuses, in id order.
func statusNames() []string {
	var out []string
	for _, s := range lead.Statuses() {
		out = append(out, s.String())
	}
	return out
}

// FromStatuses are the options of approved's from_status.
func (f modeForm) FromStatuses() []choice {
	return choices(f.FromStatus, "none", statusNames())
}

// statusKeys are the keys of the mode that only one mode has: approved's
// from_status and postback's statuses.
var statusKeys = map[string]string{string(mode.Approved): "from_status", string(mode.Postback): "statuses"}

// modeFormKeys are the keys of a mode that its section shows.
var modeFormKeys = []string{"enabled", "url", "method", "format", "timeout", "headers", "fields", "pre", "post"}

// The two templates a mode writes one line a row.
const (
	headersKind = "headers"
	fieldsKind  = "fields"
)

// templateRows are a mode's headers ("Name: value" lines) or fields ("name
// value" lines) as rows of a name and a value. Written is the template as
// the document has it: when the rows come back unchanged it is kept as it
// is, with its comments, blank lines and spacing.
type templateRows struct {
	Mode    string
	Kind    string
	Written string
	Rows    []templateRow
}

// templateRow is one line of a template.
type templateRow struct {
	Name, Value string
	// Line is the row's line in the template sent to the API; 0 for a row
	// that is not in it.
	Line int
	// Bad marks the row of the API's error.
	Bad bool
}

// blankRows are the empty rows each template shows for lines to add, so
// that the form adds them without JavaScript.
const blankRows = 3

// Prefix names the template's inputs: "new.fields".
func (t templateRows) Prefix() string { return t.Mode + "." + t.Kind }

// WrittenJSON is Written as a JSON string, for a hidden input: a browser
// would turn its line breaks into CR LF.
func (t templateRows) WrittenJSON() string {
	b, _ := json.Marshal(t.Written)
	return string(b)
}

// readRows reads a template's lines as rows, with blanks to add lines.
func readRows(mode, kind, text string) templateRows {
	return templateRows{Mode: mode, Kind: kind, Written: text, Rows: append(parseRows(kind, text), make([]templateRow, blankRows)...)}
}

// parseRows splits a template into rows as the integrations package reads
// it: a line trimmed, blank lines skipped; fields split at the first space,
// headers at the first colon. A comment line is a row whose name starts
// with "#".
func parseRows(kind, text string) []templateRow {
	var out []templateRow
	for n, line := range strings.Split(text, "\n") {
		line = strings.Trim(line, " \t\r")
		if line == "" {
			continue
		}
		r := templateRow{Line: n + 1}
		if kind == headersKind {
			name, value, ok := strings.Cut(line, ":")
			if ok {
				r.Name, r.Value = strings.TrimSpace(name), strings.TrimLeft(value, " \t")
			} else {
				r.Name = line
			}
		} else {
			r.Name, r.Value, _ = strings.Cut(line, " ")
		}
		out = append(out, r)
	}
	return out
}

// line is the row as a line of its template.
func (r templateRow) line(kind string) string {
	switch {
	case kind == fieldsKind && r.Value == "":
		return r.Name
	case kind == fieldsKind:
		return r.Name + " " + r.Value
	case r.Value == "" && strings.HasPrefix(r.Name, "#"):
		return r.Name
	}
	return r.Name + ": " + r.Value
}

func (r templateRow) blank() bool { return r.Name == "" && r.Value == "" }

// lines are the rows that are not blank, as lines.
func (t templateRows) lines() []string {
	var out []string
	for _, r := range t.Rows {
		if !r.blank() {
			out = append(out, r.line(t.Kind))
		}
	}
	return out
}

// text is the template the rows make: as written when its rows are the
// same, else a line a row. It numbers the rows by their line in it.
func (t *templateRows) text() string {
	written := templateRows{Mode: t.Mode, Kind: t.Kind, Rows: parseRows(t.Kind, t.Written)}
	if slices.Equal(t.lines(), written.lines()) {
		i := 0
		for k := range t.Rows {
			if !t.Rows[k].blank() {
				t.Rows[k].Line = written.Rows[i].Line
				i++
			}
		}
		return t.Written
	}
	n := 0
	for k := range t.Rows {
		t.Rows[k].Line = 0
		if !t.Rows[k].blank() {
			n++
			t.Rows[k].Line = n
		}
	}
	return strings.Join(t.lines(), "\n")
}

// check refuses a row the template could not hold: a field's name with a
// space, a header's name with a colon, a name left out.
func (t templateRows) check(mode string) error {
	for i, r := range t.Rows {
		what := fmt.Sprintf("%s.%s row %d", mode, t.Kind, i+1)
		switch {
		case r.blank():
		case r.Name == "":
			return fmt.Errorf("%s: a value needs a name", what)
		case t.Kind == fieldsKind && strings.ContainsAny(r.Name, " \t"):
			return fmt.Errorf("%s: a field's name has no spaces: %q", what, r.Name)
		case t.Kind == headersKind && !strings.HasPrefix(r.Name, "#") && strings.Contains(r.Name, ":"):
			return fmt.Errorf("%s: a header's name has no colon: %q", what, r.Name)
		}
	}
	return nil
}

// modeFormOf takes the keys of the mode its section shows out of the
// document's mode m (nil when the document has none).
func modeFormOf(mode string, m map[string]any) modeForm {
	f := modeForm{Mode: mode, Present: m != nil}
	f.Enabled = m["enabled"] == true
	f.URL, f.Method, f.Format, f.Timeout = text(m["url"]), text(m["method"]), text(m["format"]), text(m["timeout"])
	f.Headers, f.Fields = readRows(mode, headersKind, text(m["headers"])), readRows(mode, fieldsKind, text(m["fields"]))
	f.Pre = script{Key: mode + ".pre", Text: text(m["pre"])}
	f.Post = script{Key: mode + ".post", Text: text(m["post"])}
	for _, k := range modeFormKeys {
		delete(m, k)
	}
	switch statusKeys[mode] {
	case "from_status":
		f.FromStatus = text(m["from_status"])
		delete(m, "from_status")
	case "statuses":
		list, _ := m["statuses"].([]any)
		var names []string
		for _, s := range list {
			names = append(names, text(s))
		}
		f.Statuses = ticked(names, statusNames())
		delete(m, "statuses")
	}
	return f
}

// isMode reports whether name is a mode of the integration document.
func isMode(name string) bool {
	return slices.Contains(integrations.Modes(), mode.Mode(name))
}

// modeFormsOf reads the sections of the modes the form has.
func modeFormsOf(r *http.Request) ([]modeForm, error) {
	var out []modeForm
	for _, mode := range r.PostForm["modes"] {
		if !isMode(mode) {
			return nil, fmt.Errorf("the form has a section for %q, which is not a mode", mode)
		}
		f := modeForm{Mode: mode, Present: r.PostFormValue(mode+".present") != "",
			Enabled: r.PostFormValue(mode+".enabled") != "",
			URL:     strings.TrimSpace(r.PostFormValue(mode + ".url")), Method: r.PostFormValue(mode + ".method"),
			Format: r.PostFormValue(mode + ".format"), Timeout: strings.TrimSpace(r.PostFormValue(mode + ".timeout")),
			Pre:        script{Key: mode + ".pre", Text: r.PostFormValue("script:" + mode + ".pre")},
			Post:       script{Key: mode + ".post", Text: r.PostFormValue("script:" + mode + ".post")},
			FromStatus: r.PostFormValue(mode + ".from_status")}
		if statusKeys[mode] == "statuses" {
			f.Statuses = ticked(r.PostForm[mode+".statuses"], statusNames())
		}
		var err error
		if f.Headers, err = rowsOf(r, mode, headersKind); err != nil {
			return nil, err
		}
		if f.Fields, err = rowsOf(r, mode, fieldsKind); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// oneLine keeps a row's name or value on its line.
var oneLine = strings.NewReplacer("\r", "", "\n", " ")

// rowsOf reads a template's rows from the form: names and values in the
// order of the page, less the rows ticked for removal.
func rowsOf(r *http.Request, mode, kind string) (templateRows, error) {
	prefix := mode + "." + kind
	t := templateRows{Mode: mode, Kind: kind}
	if w := r.PostFormValue(prefix + ".written"); w != "" {
		if err := json.Unmarshal([]byte(w), &t.Written); err != nil {
			return t, fmt.Errorf("%s: the form's copy of the template is not a JSON string: %v", prefix, err)
		}
	}
	names, values := r.PostForm[prefix+".name"], r.PostForm[prefix+".value"]
	if len(names) != len(values) {
		return t, fmt.Errorf("%s: the form has %d names and %d values", prefix, len(names), len(values))
	}
	removed := map[int]bool{}
	for _, v := range r.PostForm[prefix+".remove"] {
		if i, err := strconv.Atoi(v); err == nil {
			removed[i] = true
		}
	}
	for i := range names {
		if !removed[i] {
			t.Rows = append(t.Rows, templateRow{Name: strings.TrimSpace(oneLine.Replace(names[i])), Value: oneLine.Replace(values[i])})
		}
	}
	return t, nil
}

// given says the section holds something: a mode the document lacks is
// added only then.
func (f *modeForm) given() bool {
	return f.Enabled || f.URL != "" || f.Method != "" || f.Format != "" || f.Timeout != "" ||
		len(f.Headers.lines()) > 0 || len(f.Fields.lines()) > 0 ||
		strings.TrimSpace(f.Pre.Text) != "" || strings.TrimSpace(f.Post.Text) != "" ||
		f.FromStatus != "" || len(f.statuses()) > 0
}

// statuses are the statuses ticked.
func (f *modeForm) statuses() []string {
	var out []string
	for _, t := range f.Statuses {
		if t.Ticked {
			out = append(out, t.Value)
		}
	}
	return out
}

// mergeInto writes the section's keys into the document's mode, as the
// JSON API would read them: an empty control leaves its key out.
func (f *modeForm) mergeInto(doc map[string]any) error {
	for _, t := range []templateRows{f.Headers, f.Fields} {
		if err := t.check(f.Mode); err != nil {
			return err
		}
	}
	m, ok := doc[f.Mode].(map[string]any)
	if !ok {
		if !f.Present && !f.given() {
			return nil
		}
		m = map[string]any{}
		doc[f.Mode] = m
	}
	m["enabled"], m["url"] = f.Enabled, f.URL
	for k, v := range map[string]string{"method": f.Method, "format": f.Format, "timeout": f.Timeout,
		"headers": f.Headers.text(), "fields": f.Fields.text()} {
		if v == "" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	setOrDrop(m, "pre", f.Pre.Text)
	setOrDrop(m, "post", f.Post.Text)
	switch statusKeys[f.Mode] {
	case "from_status":
		setOrDrop(m, "from_status", f.FromStatus)
	case "statuses":
		delete(m, "statuses")
		if s := f.statuses(); len(s) > 0 {
			m["statuses"] = s
		}
	}
	return nil
}

// templateError reads an API error's field that names a template's line:
// "new.fields line 3".
var templateError = regexp.MustCompile(`^([a-z]+)\.(headers|fields) line (\d+)$`)

// markRows marks the row of each template line the API's error names.
func markRows(modes []modeForm, e apiError) {
	fields := []string{e.Field}
	for _, p := range e.Errors {
		fields = append(fields, p.Field)
	}
	for _, field := range fields {
		m := templateError.FindStringSubmatch(field)
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[3])
		for i := range modes {
			if modes[i].Mode != m[1] {
				continue
			}
			t := &modes[i].Fields
			if m[2] == headersKind {
				t = &modes[i].Headers
			}
			for k := range t.Rows {
				if t.Rows[k].Line == line {
					t.Rows[k].Bad = true
				}
			}
		}
	}
}

// choice is one option of a select.
type choice struct {
	Value, Label string
	Selected     bool
}

// choices are the options of a select of values, the first "" with its
// label; a value the list lacks (a document may say "post") is kept as an
// option of its own.
func choices(current, defaultLabel string, values []string) []choice {
	out := []choice{{Value: "", Label: defaultLabel, Selected: current == ""}}
	for _, v := range values {
		out = append(out, choice{Value: v, Label: v, Selected: v == current})
	}
	if current != "" && !slices.Contains(values, current) {
		out = append(out, choice{Value: current, Label: current, Selected: true})
	}
	return out
}

// Methods are the options of the section's method.
func (f modeForm) Methods() []choice {
	return choices(f.Method, "default ("+integrations.DefaultMethod+")", integrations.Methods())
}

// Formats are the options of the section's format.
func (f modeForm) Formats() []choice {
	return choices(f.Format, "default (query for GET, else form)", integrations.Formats())
}
