package integrations

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// ValidationError is one thing wrong with an integration, named by the field
// it is in: "new.method", "countries[1]", "new.fields line 3", "new.pre".
type ValidationError struct {
	Field   string
	Message string
	// Err is the underlying error, when there is one: a *macros.ParseError
	// for a template, a *scripting.Error for a script that does not compile.
	Err error
}

func (e *ValidationError) Error() string {
	return e.Field + ": " + e.Message
}

// Unwrap returns the underlying error, so errors.As finds a *scripting.Error.
func (e *ValidationError) Unwrap() error { return e.Err }

// RedactedSecret is what a secret reads in the API's answers; sent back, it
// keeps the stored value (MergeSecrets).
const RedactedSecret = "***"

var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

var formats = []string{FormatForm, FormatJSON, FormatMultipart, FormatQuery, FormatRaw}

// Methods lists the HTTP methods a mode may send.
func Methods() []string { return slices.Clone(methods) }

// Formats lists the body formats a mode may send.
func Formats() []string { return slices.Clone(formats) }

// Validate checks the document and its templates (not its scripts: Compile
// does). It returns nil, one *ValidationError, or several joined with
// errors.Join, each naming its field.
func (i *Integration) Validate() error {
	v := &validator{}
	if strings.TrimSpace(i.Name) == "" {
		v.add("name", "an integration needs a name")
	}
	if i.ID < 0 {
		v.add("id", "an id is not negative")
	}
	for n, offer := range i.Offers {
		if offer <= 0 {
			v.add(fmt.Sprintf("offers[%d]", n), "an offer id is a positive number")
		}
	}
	for n, c := range i.Countries {
		if !IsCountry(c) {
			v.add(fmt.Sprintf("countries[%d]", n), fmt.Sprintf("%q is not a country: an ISO 3166-1 alpha-2 code in small letters, such as \"gb\"", c))
		}
	}
	if i.Concurrency < 0 {
		v.add("concurrency", "concurrency is not negative (0 means the default, 16)")
	}
	if i.Retry.MaxAttempts != nil && *i.Retry.MaxAttempts < 0 {
		v.add("retry.max_attempts", "max_attempts is not negative (0 means no limit)")
	}
	if i.PauseAfter != nil && *i.PauseAfter < 0 {
		v.add("pause_after", "pause_after is not negative (0 means never)")
	}
	i.validateSecrets(v)
	for _, key := range sortedKeys(i.StatusMap) {
		if key == "" {
			v.add("status_map", "a CRM status is not empty")
		}
		if _, err := lead.ParseStatus(i.StatusMap[key]); err != nil {
			v.add("status_map."+key, err.Error())
		}
	}
	for _, key := range sortedKeys(i.PostbackLabels) {
		if !IsLabelKey(key) {
			v.add("postback_labels."+key, fmt.Sprintf("%q is neither a stage (wait, approve, cancel, trash) nor a status name", key))
		}
	}
	if h := i.IdempotencyHeader; h != "" && !isToken(h) {
		v.add("idempotency_header", fmt.Sprintf("%q is not a header name", h))
	}
	i.validateControl(v)
	i.validateUncertain(v)
	for _, name := range Modes() {
		if m := i.Mode(name); m != nil {
			m.validate(name, v)
		}
	}
	return v.err()
}

func (i *Integration) validateSecrets(v *validator) {
	for _, key := range sortedKeys(i.Secrets) {
		if !macros.ValidArg(key) {
			v.add("secrets."+key, "a secret's name is letters, digits, \"_\", \"-\" and \".\", so {secret:name} can read it")
		}
		if i.Secrets[key] == RedactedSecret {
			v.add("secrets."+key, "*** keeps a stored value, and there is none: send the secret itself (leadrelay export --with-secrets writes it)")
		}
	}
}

func (m *Mode) validate(name string, v *validator) {
	field := func(f string) string { return name + "." + f }
	method := m.EffectiveMethod()
	if !slices.Contains(methods, method) {
		v.add(field("method"), fmt.Sprintf("%q is not a method: GET, POST, PUT, PATCH or DELETE", m.Method))
	}
	format := m.EffectiveFormat()
	switch {
	case !slices.Contains(formats, format):
		v.add(field("format"), fmt.Sprintf("%q is not a format: form, json, multipart, query or raw", m.Format))
	case format == FormatRaw && strings.TrimSpace(m.Pre) == "":
		v.add(field("format"), "a raw body is what the pre script leaves in post as a string, and there is no pre script")
	case method == "GET" && format != FormatQuery:
		v.add(field("format"), "a GET request has no body: its fields go in the query (format query)")
	}
	if m.Timeout < 0 || m.Timeout.d() > MaxTimeout {
		v.add(field("timeout"), fmt.Sprintf("%s is not a timeout: more than 0 and at most %s", m.Timeout.d(), MaxTimeout))
	}
	m.validateStatuses(name, v)
	m.validateTemplates(name, v)
}

func (d Duration) d() time.Duration { return time.Duration(d) }

func (m *Mode) validateStatuses(name string, v *validator) {
	switch {
	case name == ModeApproved && m.FromStatus == "" && m.Enabled:
		v.add(name+".from_status", "the approved mode sends the leads of one status: name it")
	case name != ModeApproved && m.FromStatus != "":
		v.add(name+".from_status", "only the approved mode has from_status")
	case m.FromStatus != "":
		if _, err := lead.ParseStatus(string(m.FromStatus)); err != nil {
			v.add(name+".from_status", err.Error())
		}
	}
	if name != ModePostback && len(m.Statuses) > 0 {
		v.add(name+".statuses", "only the postback mode has statuses")
	}
	for n, s := range m.Statuses {
		if _, err := lead.ParseStatus(s); err != nil {
			v.add(fmt.Sprintf("%s.statuses[%d]", name, n), err.Error())
		}
	}
}

func (m *Mode) validateTemplates(name string, v *validator) {
	if err := CheckURL(m.URL); err != nil {
		v.addErr(name+".url", err)
	}
	_, headerErrs := parseHeaders(name, m.Headers)
	_, fieldErrs := parseFields(name, m.Fields)
	v.errs = append(v.errs, headerErrs...)
	v.errs = append(v.errs, fieldErrs...)
	if !m.Enabled || m.URL != "" || strings.TrimSpace(m.Pre) != "" {
		return
	}
	if name != ModeNew {
		v.add(name+".url", "an enabled mode needs a URL (or a pre script that sets one)")
	} else if len(templateLines(m.Fields)) > 0 {
		v.add(name+".url", "the new mode has fields but no URL: give a URL, or leave both empty for the stub")
	}
}

// CheckURL checks a URL template, as a mode's url and a campaign's
// postback_url are: its macros parse (the error is the *macros.ParseError),
// and it starts with http:// or https://, or with a macro that gives the
// address. An empty URL passes.
func CheckURL(raw string) error {
	if _, err := macros.Parse(raw); err != nil {
		return err
	}
	if u := strings.ToLower(raw); u != "" && !strings.HasPrefix(u, "{") &&
		!strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	return nil
}

// validator collects ValidationErrors.
type validator struct {
	errs []error
}

func (v *validator) add(field, msg string) {
	v.errs = append(v.errs, &ValidationError{Field: field, Message: msg})
}

func (v *validator) addErr(field string, err error) {
	v.errs = append(v.errs, &ValidationError{Field: field, Message: err.Error(), Err: err})
}

func (v *validator) err() error {
	if len(v.errs) == 1 {
		return v.errs[0]
	}
	return errors.Join(v.errs...)
}

// IsLabelKey reports whether key can name what a postback label is for, in
// an integration's or a campaign's postback_labels: a stage (wait, approve,
// cancel, trash) or a status name.
func IsLabelKey(key string) bool {
	switch lead.Stage(key) {
	case lead.StageWait, lead.StageApprove, lead.StageCancel, lead.StageTrash:
		return true
	}
	for _, s := range lead.Statuses() {
		if s.String() == key {
			return true
		}
	}
	return false
}

// isToken reports whether s is an HTTP token (RFC 9110), as header names are.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// lineNo names a line of a multi-line template for errors.
func lineNo(n int) string { return " line " + strconv.Itoa(n) }
