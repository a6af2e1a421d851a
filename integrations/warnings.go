package integrations

import (
	"fmt"
	"slices"
	"strings"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/macros"
)

// Warning is something in a document that is legal but most likely cannot
// work. A document with warnings is saved; the warnings are shown to its
// author.
type Warning struct {
	// Where names the key, and for headers and fields the line: "new.fields:2".
	Where   string `json:"where"`
	Message string `json:"message"`
}

// OfferParams tells whether any offer of the integration has the parameter
// name: kind is "ofp" (the offer's params) or "ofpg" (its geo params).
type OfferParams func(kind, name string) bool

// Warnings lists what in i is legal but most likely a mistake:
//   - a brace sequence written as a macro that is none, with the closest
//     macro when one is near ("{phnoe} is not a macro; did you mean {phone}?");
//   - {secret:x} where the integration has no secret x;
//   - {ofp:x} or {ofpg:x} where no offer of the integration has a parameter
//     x (offers may be nil: then they are not checked);
//   - an enabled mode that has no way to succeed: a mode other than new
//     with no url (only new has a stub), or the raw format with no pre
//     script, which is what leaves the raw body in post.
func (i *Integration) Warnings(offers OfferParams) []Warning {
	var out []Warning
	for _, name := range Modes() {
		m := i.Mode(name)
		if m == nil {
			continue
		}
		out = append(out, i.templateWarnings(string(name)+".url", m.URL, offers)...)
		for n, line := range strings.Split(m.Headers, "\n") {
			out = append(out, i.templateWarnings(fmt.Sprintf("%s.headers:%d", name, n+1), line, offers)...)
		}
		for n, line := range strings.Split(m.Fields, "\n") {
			out = append(out, i.templateWarnings(fmt.Sprintf("%s.fields:%d", name, n+1), line, offers)...)
		}
		if m.Enabled {
			out = append(out, modeWarnings(name, m)...)
		}
	}
	return out
}

func modeWarnings(name mode.Mode, m *Mode) []Warning {
	var out []Warning
	if name != mode.New && strings.TrimSpace(m.URL) == "" {
		out = append(out, Warning{Where: string(name) + ".url", Message: "the mode is enabled but has no url: it cannot send, so it never succeeds (only new has a stub)"})
	}
	if m.Format == FormatRaw && strings.TrimSpace(m.Pre) == "" {
		out = append(out, Warning{Where: string(name) + ".format", Message: "the raw format sends the text the pre script leaves in post, and there is no pre script: every body is empty"})
	}
	return out
}

// templateWarnings checks one template: a URL, or one header or field line.
func (i *Integration) templateWarnings(where, tmpl string, offers OfferParams) []Warning {
	if !strings.Contains(tmpl, "{") {
		return nil
	}
	var out []Warning
	for _, u := range macros.Unknowns(tmpl) {
		msg := u.Text + " is not a macro"
		if u.Suggestion != "" {
			msg += "; did you mean " + u.Suggestion + "?"
		} else {
			msg += ": it is sent as written"
		}
		out = append(out, Warning{Where: where, Message: msg})
	}
	for _, m := range macros.Uses(tmpl) {
		switch {
		case m.Name == "secret" && !hasKey(i.Secrets, m.Arg):
			out = append(out, Warning{Where: where, Message: fmt.Sprintf("{secret:%s}: the integration has no secret %q (it has %s)", m.Arg, m.Arg, keyList(i.Secrets))})
		case (m.Name == "ofp" || m.Name == "ofpg") && offers != nil && !offers(m.Name, m.Arg):
			out = append(out, Warning{Where: where, Message: fmt.Sprintf("{%s:%s}: no offer of the integration (%s) has the parameter %q, so it expands to nothing", m.Name, m.Arg, offerList(i.Offers), m.Arg)})
		}
	}
	return out
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

func keyList(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

func offerList(ids []int64) string {
	if len(ids) == 0 {
		return "none"
	}
	parts := make([]string, len(ids))
	for n, id := range ids {
		parts[n] = fmt.Sprint(id)
	}
	return "offers " + strings.Join(parts, ", ")
}
