package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/leadrelay/leadrelay/storage/catalog"
)

// The kinds of a catalog form's controls.
const (
	fieldText       = "text"
	fieldInt        = "int"
	fieldNumber     = "number"
	fieldBool       = "bool"
	fieldSelect     = "select"
	fieldList       = "list"       // strings, comma-separated
	fieldParams     = "params"     // name → value rows
	fieldNested     = "nested"     // group → name → value rows
	fieldDuplicates = "duplicates" // an offer's days and by
)

// catalogField is one control of a catalog object's form, by the object's
// JSON key (SPEC §6).
type catalogField struct {
	Key, Label, Kind string
	// Help says what the control takes.
	Help string
	// Options are a select's values, or the checkboxes of duplicates' by.
	Options []string
	// Group names the first column of a nested control's rows.
	Group string
	// Listed shows the field as a column of the list.
	Listed bool
}

// catalogFields are each kind's controls, in the order of SPEC §1 and §6.
var catalogFields = map[string][]catalogField{
	"offers": {
		{Key: "name", Label: "Name", Kind: fieldText, Listed: true},
		{Key: "params", Label: "Params", Kind: fieldParams, Help: "{ofp:name} reads them"},
		{Key: "geo_params", Label: "Params per country", Kind: fieldNested, Group: "country", Help: "{ofpg:name} reads those of the lead's country"},
		{Key: "product_params", Label: "Params per product", Kind: fieldNested, Group: "product id", Help: "cpa.get(\"vpar\", offer, name) reads them"},
		{Key: "duplicates", Label: "Duplicates", Kind: fieldDuplicates,
			Options: []string{catalog.DuplicateByPhone, catalog.DuplicateByEmail, catalog.DuplicateByIP},
			Help:    "a lead of this offer whose phone, email or ip (those ticked) equals that of one received within the days is a duplicate; no days and none ticked: no check"},
	},
	"campaigns": {
		{Key: "alias", Label: "Alias", Kind: fieldText, Listed: true, Help: "what publishers send leads with"},
		{Key: "offer", Label: "Offer", Kind: fieldInt, Listed: true},
		{Key: "wm", Label: "Affiliate (wm)", Kind: fieldInt, Listed: true},
		{Key: "site", Label: "Site", Kind: fieldInt},
		{Key: "integration", Label: "Integration", Kind: fieldInt, Listed: true, Help: "empty: routed by offer and country"},
		{Key: "key", Label: "Key", Kind: fieldText, Help: "when set, the intake must carry it"},
		{Key: "payout", Label: "Payout", Kind: fieldNumber, Listed: true, Help: "the cwm of its leads"},
		{Key: "trusted", Label: "Trusted: its intake may set ext, status, reason and the commissions", Kind: fieldBool},
		{Key: "postback_url", Label: "Postback URL", Kind: fieldText, Help: "text and {macros}"},
		{Key: "postback_statuses", Label: "Postback statuses", Kind: fieldList, Help: "labels, separated by commas"},
		{Key: "postback_labels", Label: "Postback labels", Kind: fieldParams, Help: "a stage (wait, approve, cancel, trash) or a status name, and its label"},
	},
	"sites": {
		{Key: "name", Label: "Name", Kind: fieldText, Listed: true},
		{Key: "url", Label: "URL", Kind: fieldText, Listed: true},
		{Key: "kind", Label: "Kind", Kind: fieldSelect, Listed: true, Options: []string{catalog.KindLanding, catalog.KindPrelanding}},
		{Key: "params", Label: "Params", Kind: fieldParams},
	},
	"goals": {
		{Key: "name", Label: "Name", Kind: fieldText, Listed: true},
		{Key: "params", Label: "Params", Kind: fieldParams},
	},
	"affiliates": {
		{Key: "name", Label: "Name", Kind: fieldText, Listed: true},
		{Key: "email", Label: "Email", Kind: fieldText, Listed: true},
	},
}

// control is a field with the value its form shows.
type control struct {
	catalogField
	// Value is a text, number or select's value.
	Value string
	// Checked are a bool's state and the ticked options of duplicates' by.
	Checked []string
	// Rows are params' or nested rows, blank ones last.
	Rows []paramRow
}

// On reports whether an option (or, with "", a bool) is ticked.
func (c control) On(option string) bool { return slices.Contains(c.Checked, option) }

// paramRow is a row of params: Group is the country or product of nested
// params.
type paramRow struct {
	Group, Name, Value string
}

// controls are an object's form: its kind's fields with the object's values.
func controlsFor(kind string, obj map[string]any) []control {
	var out []control
	for _, f := range catalogFields[kind] {
		c := control{catalogField: f}
		v := obj[f.Key]
		switch f.Kind {
		case fieldInt:
			if s := num(v); s != "0" {
				c.Value = s
			}
		case fieldNumber:
			if s := text(v); s != "0" {
				c.Value = s
			}
		case fieldBool:
			if v == true {
				c.Checked = []string{""}
			}
		case fieldList:
			var items []string
			for _, s := range asSlice(v) {
				items = append(items, text(s))
			}
			c.Value = strings.Join(items, ", ")
		case fieldParams:
			m, _ := v.(map[string]any)
			for _, k := range sortedKeys(m) {
				c.Rows = append(c.Rows, paramRow{Name: k, Value: text(m[k])})
			}
			c.Rows = append(c.Rows, make([]paramRow, blankRows)...)
		case fieldNested:
			m, _ := v.(map[string]any)
			for _, g := range sortedKeys(m) {
				inner, _ := m[g].(map[string]any)
				for _, k := range sortedKeys(inner) {
					c.Rows = append(c.Rows, paramRow{Group: g, Name: k, Value: text(inner[k])})
				}
			}
			c.Rows = append(c.Rows, make([]paramRow, blankRows)...)
		case fieldDuplicates:
			d, _ := v.(map[string]any)
			if s := num(d["days"]); s != "0" {
				c.Value = s
			}
			for _, b := range asSlice(d["by"]) {
				c.Checked = append(c.Checked, text(b))
			}
		default:
			c.Value = text(v)
		}
		out = append(out, c)
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// objectOf reads an object of the kind from its form, as the JSON API
// takes it: a control left empty leaves its key out. The object holds what
// was typed even where it is wrong (a number that is not one stays text),
// so the form can show it again with the error.
func objectOf(kind string, r *http.Request) (map[string]any, error) {
	obj := map[string]any{}
	var problems []string
	for _, f := range catalogFields[kind] {
		raw := strings.TrimSpace(r.PostFormValue(f.Key))
		switch f.Kind {
		case fieldInt, fieldNumber:
			if raw == "" {
				continue
			}
			n, err := strconv.ParseFloat(raw, 64)
			switch {
			case err != nil:
				obj[f.Key] = raw
				problems = append(problems, fmt.Sprintf("%s: %q is not a number", f.Key, raw))
				continue
			case f.Kind == fieldInt && n != float64(int64(n)):
				obj[f.Key] = raw
				problems = append(problems, fmt.Sprintf("%s: %q is not a whole number", f.Key, raw))
				continue
			}
			obj[f.Key] = n
		case fieldBool:
			obj[f.Key] = raw != ""
		case fieldList:
			var list []any
			for _, s := range strings.Split(raw, ",") {
				if s = strings.TrimSpace(s); s != "" {
					list = append(list, s)
				}
			}
			if list != nil {
				obj[f.Key] = list
			}
		case fieldParams, fieldNested:
			m, err := paramsOf(r, f)
			if err != nil {
				problems = append(problems, err.Error())
			}
			if len(m) > 0 {
				obj[f.Key] = m
			}
		case fieldDuplicates:
			days := strings.TrimSpace(r.PostFormValue(f.Key + ".days"))
			by := r.PostForm[f.Key+".by"]
			if days == "" && len(by) == 0 {
				continue
			}
			d := map[string]any{"days": days, "by": toAny(by)}
			if n, err := strconv.Atoi(days); err == nil && n > 0 {
				d["days"] = float64(n)
			} else {
				problems = append(problems, fmt.Sprintf("%s.days: %q is not a number of days", f.Key, days))
			}
			obj[f.Key] = d
		default:
			if raw != "" {
				obj[f.Key] = raw
			}
		}
	}
	if len(problems) > 0 {
		return obj, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return obj, nil
}

func toAny(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

// paramsOf reads params' rows (nested ones by their group) from the form,
// less the rows ticked for removal and the blank ones.
func paramsOf(r *http.Request, f catalogField) (map[string]any, error) {
	names, values := r.PostForm[f.Key+".name"], r.PostForm[f.Key+".value"]
	groups := r.PostForm[f.Key+".group"]
	if len(names) != len(values) || (f.Kind == fieldNested && len(groups) != len(names)) {
		return nil, fmt.Errorf("%s: the form's rows do not line up", f.Key)
	}
	removed := map[string]bool{}
	for _, v := range r.PostForm[f.Key+".remove"] {
		removed[v] = true
	}
	out := map[string]any{}
	for i := range names {
		name, value, group := strings.TrimSpace(names[i]), values[i], ""
		if f.Kind == fieldNested {
			group = strings.TrimSpace(groups[i])
		}
		if removed[strconv.Itoa(i)] || (name == "" && value == "" && group == "") {
			continue
		}
		if name == "" {
			return out, fmt.Errorf("%s row %d: a value needs a name", f.Key, i+1)
		}
		if f.Kind == fieldNested && group == "" {
			return out, fmt.Errorf("%s row %d: a value needs a %s", f.Key, i+1, f.Group)
		}
		if f.Kind == fieldParams {
			out[name] = value
			continue
		}
		inner, _ := out[group].(map[string]any)
		if inner == nil {
			inner = map[string]any{}
			out[group] = inner
		}
		inner[name] = value
	}
	return out, nil
}

// listed are the fields of a kind the list shows as columns.
func listed(kind string) []catalogField {
	var out []catalogField
	for _, f := range catalogFields[kind] {
		if f.Listed {
			out = append(out, f)
		}
	}
	return out
}

// parseID reads the id a new object's form gives.
func parseID(raw string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("id: %q is not an id: a whole number above 0, or empty for a new one", raw)
	}
	return n, nil
}
