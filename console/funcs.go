package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// funcs are the helpers the templates use; each returns text that the
// template engine escapes.
var funcs = template.FuncMap{
	"pretty":      pretty,
	"reasonName":  reasonName,
	"num":         num,
	"when":        when,
	"effectText":  effectText,
	"text":        text,
	"statuses":    lead.Statuses,
	"reasons":     lead.Reasons,
	"sortedKeys":  sortedKeys,
	"formFields":  func() []string { return leadFormFields },
	"onUncertain": func() []string { return onUncertain },
	"inc":         func(n int) int { return n + 1 },
}

// pretty is a JSON value indented, or a JSON text's string as it is.
func pretty(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.RawMessage:
		var x any
		if json.Unmarshal(t, &x) != nil {
			return string(t)
		}
		v = x
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// num is a JSON number as an integer's digits.
func num(v any) string {
	switch t := v.(type) {
	case float64:
		return strconv.FormatInt(int64(t), 10)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// text is any value as a line of text: a string as it is, anything else as
// JSON.
func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// reasonName is a reason code with its name: "7 duplicate".
func reasonName(v any) string {
	code, ok := v.(float64)
	if !ok || code == 0 {
		return ""
	}
	if name, ok := lead.Reason(code).Name(); ok {
		return fmt.Sprintf("%d %s", int(code), name)
	}
	return strconv.Itoa(int(code))
}

// when shows an RFC 3339 time as UTC to the second.
func when(v any) string {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// effectText says what a dry run would do to the lead, in words:
// "cancel, reason 7 duplicate".
func effectText(v any) string {
	e, ok := v.(map[string]any)
	if !ok || len(e) == 0 {
		return "no change"
	}
	var parts []string
	if st, ok := e["status"].(string); ok && st != "" {
		parts = append(parts, st)
	}
	if r := reasonName(e["reason"]); r != "" {
		parts = append(parts, "reason "+r)
	}
	if ext, ok := e["ext"].(string); ok && ext != "" {
		parts = append(parts, "ext "+ext)
	}
	if retry, ok := e["retry"].(bool); ok && retry {
		parts = append(parts, "retry")
	}
	if u, ok := e["redirect"].(string); ok && u != "" {
		parts = append(parts, "redirect "+u)
	}
	if m, ok := e["message"].(string); ok && m != "" {
		parts = append(parts, "message "+m)
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
