package integrations

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/integrations/mode"
)

// Modes lists the modes of the document, in its order: the five modes of
// SPEC §3 and the check of SPEC §9.
func Modes() []mode.Mode {
	return []mode.Mode{mode.New, mode.Changes, mode.Approved, mode.Sync, mode.Postback, mode.Check}
}

// Defaults of an integration and its modes.
const (
	DefaultConcurrency = 16
	DefaultMaxAttempts = 1440 // a day of minutes
	DefaultPauseAfter  = 20
	DefaultMethod      = "POST"
	DefaultTimeout     = 30 * time.Second
	DefaultSyncTimeout = 10 * time.Second
	// MaxTimeout bounds a mode's timeout: a request may not outlive the
	// sweeps that follow it by much.
	MaxTimeout = 5 * time.Minute
)

// The body formats of a mode.
const (
	FormatForm      = "form"
	FormatJSON      = "json"
	FormatMultipart = "multipart"
	FormatQuery     = "query"
	FormatRaw       = "raw"
)

// Integration is one delivery target, the JSON document of SPEC §2.
type Integration struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	// Offers are the offers whose new leads this integration takes.
	Offers []int64 `json:"offers"`
	// Countries narrow Offers to these countries (ISO 3166-1 alpha-2, lower
	// case); empty means all.
	Countries []string `json:"countries,omitempty"`
	// Concurrency is how many requests to the integration run at once;
	// 0 means DefaultConcurrency.
	Concurrency int `json:"concurrency,omitempty"`
	// Secrets are read by {secret:x}; they never leave the API or reach a log
	// in clear (Redacted, Redact).
	Secrets map[string]string `json:"secrets,omitempty"`
	// StatusMap maps the CRM's status labels and ids to status names or ids.
	StatusMap StatusMap `json:"status_map,omitempty"`
	Retry     Retry     `json:"retry"`

	New      *Mode `json:"new,omitempty"`
	Changes  *Mode `json:"changes,omitempty"`
	Approved *Mode `json:"approved,omitempty"`
	Sync     *Mode `json:"sync,omitempty"`
	Postback *Mode `json:"postback,omitempty"`

	// PostbackLabels name statuses for {status}, keyed by stage or status name.
	PostbackLabels map[string]string `json:"postback_labels,omitempty"`
	// Hook is the Lua script that reads this CRM's webhooks.
	Hook string `json:"hook,omitempty"`
	// IdempotencyHeader names the header that carries the idempotency key
	// the dispatcher sends with every request: the same for every attempt at
	// one delivery, so a CRM can drop a repeat it already took. Default
	// "Idempotency-Key"; a header the templates or pre set wins.
	IdempotencyHeader string `json:"idempotency_header,omitempty"`
	// OnUncertain says what follows a new or sync send that may have reached
	// the target unanswered: OnUncertainRetry ("" means it), OnUncertainCheck
	// or OnUncertainHold (SPEC §9).
	OnUncertain string `json:"on_uncertain,omitempty"`
	// Check asks the target whether it has a lead after an uncertain send;
	// OnUncertainCheck runs it.
	Check *Mode `json:"check,omitempty"`
	// PauseAfter is how many attempts of one mode in a row that end in an
	// HTTP failure or an error pause that mode (SPEC §9); nil means
	// DefaultPauseAfter, 0 never.
	PauseAfter *int `json:"pause_after,omitempty"`

	// Priority orders routing (SPEC §2): higher first, then the lowest id.
	Priority int `json:"priority,omitempty"`
	// Timezone is the IANA zone of Hours and of the days and hours of Caps;
	// "" means UTC.
	Timezone string `json:"timezone,omitempty"`
	// Hours are when the integration takes new and sync leads, by day or
	// range of days ("mon-fri"): "HH:MM-HH:MM" windows separated by commas.
	// Empty means always open.
	Hours map[string]string `json:"hours,omitempty"`
	// Caps bound how many leads new and sync may have accepted in a day and
	// an hour of Timezone.
	Caps *Caps `json:"caps,omitempty"`
}

// Caps are the most leads an integration accepts in a calendar day and a
// clock hour; 0 means no cap.
type Caps struct {
	Daily  int `json:"daily,omitempty"`
	Hourly int `json:"hourly,omitempty"`
}

// Retry says how often a lead is sent before it is failed.
type Retry struct {
	// MaxAttempts is the number of attempts before the lead is failed; nil
	// means DefaultMaxAttempts, 0 no limit.
	MaxAttempts *int `json:"max_attempts,omitempty"`
}

// Mode is how one mode builds and reads its request.
type Mode struct {
	Enabled bool `json:"enabled"`
	// URL is a template; values are percent-encoded.
	URL string `json:"url"`
	// Method is GET, POST, PUT, PATCH or DELETE; "" means POST.
	Method string `json:"method,omitempty"`
	// Format is form, json, multipart, query or raw; "" means query for GET
	// and form otherwise.
	Format string `json:"format,omitempty"`
	// Headers are "Name: value" templates, one a line.
	Headers string `json:"headers,omitempty"`
	// Fields are "name value" templates, one a line.
	Fields string `json:"fields,omitempty"`
	// Pre and Post are the preprocessing and processing Lua scripts.
	Pre  string `json:"pre,omitempty"`
	Post string `json:"post,omitempty"`
	// Timeout bounds one request; 0 means DefaultTimeout (DefaultSyncTimeout
	// for sync).
	Timeout Duration `json:"timeout,omitempty"`
	// FromStatus (approved only) is the status whose leads the mode sends.
	FromStatus StatusName `json:"from_status,omitempty"`
	// Statuses (postback only) are the statuses that fire a postback; empty
	// means all.
	Statuses StatusList `json:"statuses,omitempty"`
}

// Duration is a time.Duration written in JSON as Go writes durations: "30s".
type Duration time.Duration

// MarshalJSON writes d as "30s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "30s", "1m30s", "500ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return valueError[Duration](fmt.Sprintf("a timeout is a duration such as \"30s\", not %s", b))
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return valueError[Duration](fmt.Sprintf("a timeout is a duration such as \"30s\": %v", err))
	}
	*d = Duration(v)
	return nil
}

// Mode returns the mode of that name, or nil when the document has none.
func (i *Integration) Mode(name mode.Mode) *Mode {
	if slot := i.modeSlot(name); slot != nil {
		return *slot
	}
	return nil
}

// modeSlot returns where the mode of that name is kept in i, or nil for a
// name that is not a mode.
func (i *Integration) modeSlot(name mode.Mode) **Mode {
	switch name {
	case mode.New:
		return &i.New
	case mode.Changes:
		return &i.Changes
	case mode.Approved:
		return &i.Approved
	case mode.Sync:
		return &i.Sync
	case mode.Postback:
		return &i.Postback
	case mode.Check:
		return &i.Check
	}
	return nil
}

// EffectiveConcurrency is Concurrency, or DefaultConcurrency when unset.
func (i *Integration) EffectiveConcurrency() int {
	if i.Concurrency > 0 {
		return i.Concurrency
	}
	return DefaultConcurrency
}

// MaxAttempts is Retry.MaxAttempts, or DefaultMaxAttempts when unset; 0
// means no limit.
func (i *Integration) MaxAttempts() int {
	if i.Retry.MaxAttempts != nil {
		return *i.Retry.MaxAttempts
	}
	return DefaultMaxAttempts
}

// PauseAfterOrDefault is PauseAfter with its default applied.
func (i *Integration) PauseAfterOrDefault() int {
	if i.PauseAfter != nil {
		return *i.PauseAfter
	}
	return DefaultPauseAfter
}

// EffectiveMethod is Method in capitals, or DefaultMethod when unset.
func (m *Mode) EffectiveMethod() string {
	if m.Method == "" {
		return DefaultMethod
	}
	return strings.ToUpper(m.Method)
}

// EffectiveFormat is Format, or the default for the method: query for GET,
// form otherwise.
func (m *Mode) EffectiveFormat() string {
	switch {
	case m.Format != "":
		return m.Format
	case m.EffectiveMethod() == "GET":
		return FormatQuery
	}
	return FormatForm
}

// EffectiveTimeout is Timeout, or the default of the named mode when unset:
// DefaultSyncTimeout for sync, DefaultTimeout otherwise.
func (m *Mode) EffectiveTimeout(name mode.Mode) time.Duration {
	switch {
	case m.Timeout > 0:
		return time.Duration(m.Timeout)
	case name == mode.Sync:
		return DefaultSyncTimeout
	}
	return DefaultTimeout
}

// Clone returns a deep copy of i.
func (i *Integration) Clone() *Integration {
	c := *i
	c.Offers = slices.Clone(i.Offers)
	c.Countries = slices.Clone(i.Countries)
	c.Secrets = maps.Clone(i.Secrets)
	c.StatusMap = maps.Clone(i.StatusMap)
	c.PostbackLabels = maps.Clone(i.PostbackLabels)
	if i.Retry.MaxAttempts != nil {
		n := *i.Retry.MaxAttempts
		c.Retry.MaxAttempts = &n
	}
	for _, name := range Modes() {
		if m := *c.modeSlot(name); m != nil {
			mc := *m
			mc.Statuses = slices.Clone(m.Statuses)
			*c.modeSlot(name) = &mc
		}
	}
	return &c
}

// WithDefaults returns a copy of i with every unset value that has a default
// filled in: concurrency, retry.max_attempts, and each mode's method, format
// and timeout.
func (i *Integration) WithDefaults() *Integration {
	c := i.Clone()
	c.Concurrency = i.EffectiveConcurrency()
	n := i.MaxAttempts()
	c.Retry.MaxAttempts = &n
	for _, name := range Modes() {
		if m := c.Mode(name); m != nil {
			m.Method = m.EffectiveMethod()
			m.Format = m.EffectiveFormat()
			m.Timeout = Duration(m.EffectiveTimeout(name))
		}
	}
	return c
}

// Parse reads an integration document. It is strict: a key the document does
// not have is an error naming it ("new.urll"), as is a value of the wrong
// type. Parse does not validate; see Validate and Compile.
func Parse(data []byte) (*Integration, error) {
	if err := checkKeys(data, reflect.TypeFor[Integration](), ""); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var i Integration
	if err := dec.Decode(&i); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &ValidationError{Field: te.Field, Message: typeErrorText(te)}
		}
		return nil, fmt.Errorf("parsing integration: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parsing integration: more than one JSON value")
	}
	return &i, nil
}

// typeErrorText says why a value has the wrong type: "a JSON string cannot
// be an int", or the message of this package's own JSON types.
func typeErrorText(te *json.UnmarshalTypeError) string {
	if explainsItself(te.Type) {
		return te.Value
	}
	kind := te.Type.String()
	article := "a"
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		article = "an"
	}
	return fmt.Sprintf("a JSON %s cannot be %s %s", te.Value, article, kind)
}

// checkKeys reports the first key of the JSON object data that the struct t
// has no field for, walking into the struct and struct-pointer fields.
// Values that are not objects are left to the decoder.
func checkKeys(data []byte, t reflect.Type, path string) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return nil
	}
	fields := jsonFields(t)
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		f, ok := fields[key]
		if !ok {
			return &ValidationError{Field: path + key, Message: "unknown key"}
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			if err := checkKeys(obj[key], ft, path+key+"."); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonFields maps the JSON keys of struct t to its fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField)
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f
		}
	}
	return fields
}
