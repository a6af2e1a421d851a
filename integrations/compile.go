package integrations

import (
	"fmt"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// ScriptCompiler compiles a Lua script once; *scripting.Engine is one.
type ScriptCompiler interface {
	Compile(name, source string) (*scripting.Script, error)
}

// Compiled is an integration made ready to send: templates parsed, scripts
// compiled. It is immutable and safe for concurrent use; make one per version
// of the integration, not per lead.
type Compiled struct {
	Doc     *Integration
	Version int64
	// Hook reads this CRM's webhooks; nil when the integration has none.
	Hook *scripting.Script
	// Concurrency and MaxAttempts are the document's, defaults applied.
	Concurrency int
	MaxAttempts int
	// Redactor hides the integration's secrets in what is logged.
	Redactor *Redactor
	// Schedule is the integration's hours and caps, in its timezone.
	Schedule *Schedule

	modes map[mode.Mode]*CompiledMode
}

// CompiledMode is one mode of a Compiled integration.
type CompiledMode struct {
	Name mode.Mode
	Mode *Mode
	// Pre and Post are nil when the mode has no such script.
	Pre, Post *scripting.Script
	// Timeout, Method and Format are the mode's, defaults applied.
	Timeout time.Duration
	Method  string
	Format  string

	url     *macros.Template
	headers []namedTemplate
	fields  []namedTemplate
}

// namedTemplate is one header or field line: a name and a value template.
type namedTemplate struct {
	name  string
	value *macros.Template
}

// Compile validates i, parses every template and compiles every script: the
// pre and post of each mode, and the hook. Scripts are named for errors and
// logs as "integration 7 new.pre" and "integration 7 hook". The error is
// Validate's, or a *ValidationError naming the script's field ("new.pre")
// that wraps the compiler's error, so errors.As finds the *scripting.Error
// with its line.
func Compile(i *Integration, version int64, sc ScriptCompiler) (*Compiled, error) {
	if err := i.Validate(); err != nil {
		return nil, err
	}
	schedule, err := compileSchedule(i)
	if err != nil {
		return nil, err
	}
	c := &Compiled{
		Doc:         i,
		Schedule:    schedule,
		Version:     version,
		Concurrency: i.EffectiveConcurrency(),
		MaxAttempts: i.MaxAttempts(),
		Redactor:    NewRedactor(i.Secrets),
		modes:       make(map[mode.Mode]*CompiledMode),
	}
	for _, name := range Modes() {
		m := i.Mode(name)
		if m == nil {
			continue
		}
		cm, err := compileMode(i, name, m, sc)
		if err != nil {
			return nil, err
		}
		c.modes[name] = cm
	}
	hook, err := compileScript(sc, i.ID, "hook", i.Hook)
	if err != nil {
		return nil, err
	}
	c.Hook = hook
	return c, nil
}

func compileMode(i *Integration, name mode.Mode, m *Mode, sc ScriptCompiler) (*CompiledMode, error) {
	cm := &CompiledMode{
		Name:    name,
		Mode:    m,
		Timeout: m.EffectiveTimeout(name),
		Method:  m.EffectiveMethod(),
		Format:  m.EffectiveFormat(),
	}
	var err error
	// Validate has parsed the templates already, so these cannot fail.
	cm.url = macros.MustParse(m.URL)
	cm.headers, _ = parseHeaders(name, m.Headers)
	cm.fields, _ = parseFields(name, m.Fields)
	if cm.Pre, err = compileScript(sc, i.ID, string(name)+".pre", m.Pre); err != nil {
		return nil, err
	}
	if cm.Post, err = compileScript(sc, i.ID, string(name)+".post", m.Post); err != nil {
		return nil, err
	}
	return cm, nil
}

// compileScript compiles source as "integration <id> <field>"; an empty
// source is no script.
func compileScript(sc ScriptCompiler, id int64, field, source string) (*scripting.Script, error) {
	if strings.TrimSpace(source) == "" {
		return nil, nil
	}
	s, err := sc.Compile(fmt.Sprintf("integration %d %s", id, field), source)
	if err != nil {
		return nil, &ValidationError{Field: field, Message: err.Error(), Err: err}
	}
	return s, nil
}

// Mode returns the compiled mode of that name, or nil when the integration
// has no such mode or it is disabled. (The integration's own enabled flag is
// for routing new leads; Mode does not read it.)
func (c *Compiled) Mode(name mode.Mode) *CompiledMode {
	if m := c.modes[name]; m != nil && m.Mode.Enabled {
		return m
	}
	return nil
}

// IsStub reports whether the mode is the new-lead stub: new, with an empty
// URL and no fields. Its leads go to processing without a request.
func (m *CompiledMode) IsStub() bool {
	return m.Name == mode.New && m.url.String() == "" && len(m.fields) == 0
}

// Build expands the templates for one lead: the URL (values percent-encoded),
// the headers (values without CR and LF) and the fields (values raw), with
// the mode's method.
func (m *CompiledMode) Build(d *macros.Data) *wire.Request {
	req := &wire.Request{
		URL:     m.url.Expand(d, macros.InURL),
		Method:  m.Method,
		Headers: make([]wire.Field, 0, len(m.headers)+1),
		Fields:  make([]wire.Field, 0, len(m.fields)),
	}
	for _, h := range m.headers {
		req.Headers = append(req.Headers, wire.Field{Name: h.name, Value: h.value.Expand(d, macros.InHeader)})
	}
	for _, f := range m.fields {
		req.Fields = append(req.Fields, wire.Field{Name: f.name, Value: f.value.Expand(d, macros.InField)})
	}
	return req
}

// Files returns the lead's files that the mode attaches, by field name: the
// fields whose template is exactly {file:x}, for the custom fields x the lead
// has a file in. NewHTTPRequest attaches them in multipart bodies.
func (m *CompiledMode) Files(d *macros.Data) map[string]lead.File {
	if d == nil || d.Lead == nil {
		return nil
	}
	var files map[string]lead.File
	for _, f := range m.fields {
		x, ok := f.value.File()
		if !ok {
			continue
		}
		file, ok := d.Lead.Files[x]
		if !ok {
			continue
		}
		if files == nil {
			files = make(map[string]lead.File)
		}
		files[f.name] = file
	}
	return files
}

// templateLine is one line of a multi-line template, numbered from 1.
type templateLine struct {
	n    int
	text string
}

// templateLines returns the lines that count: spaces and tabs around each
// line trimmed, blank lines and lines starting with "#" skipped.
func templateLines(text string) []templateLine {
	var lines []templateLine
	for n, line := range strings.Split(text, "\n") {
		line = strings.Trim(line, " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lines = append(lines, templateLine{n: n + 1, text: line})
	}
	return lines
}

// parseFields reads "name value" lines, split at the first space; a name
// alone has an empty value.
func parseFields(m mode.Mode, text string) ([]namedTemplate, []error) {
	var fields []namedTemplate
	var errs []error
	for _, line := range templateLines(text) {
		name, value, _ := strings.Cut(line.text, " ")
		t, err := macros.Parse(value)
		if err != nil {
			errs = append(errs, &ValidationError{Field: string(m) + ".fields" + lineNo(line.n), Message: err.Error(), Err: err})
			continue
		}
		fields = append(fields, namedTemplate{name: name, value: t})
	}
	return fields, errs
}

// parseHeaders reads "Name: value" lines.
func parseHeaders(m mode.Mode, text string) ([]namedTemplate, []error) {
	var headers []namedTemplate
	var errs []error
	for _, line := range templateLines(text) {
		field := string(m) + ".headers" + lineNo(line.n)
		name, value, ok := strings.Cut(line.text, ":")
		name = strings.TrimSpace(name)
		if !ok || !isToken(name) {
			errs = append(errs, &ValidationError{Field: field, Message: fmt.Sprintf("%q is not a header: write Name: value", line.text)})
			continue
		}
		t, err := macros.Parse(strings.TrimLeft(value, " \t"))
		if err != nil {
			errs = append(errs, &ValidationError{Field: field, Message: err.Error(), Err: err})
			continue
		}
		headers = append(headers, namedTemplate{name: name, value: t})
	}
	return headers, errs
}
