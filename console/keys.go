package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// tick is one box of a ticked list: an offer by its id and name, or a
// status by its name.
type tick struct {
	Value, Label string
	Ticked       bool
}

// ticked are the values ticked, with the rest of all after them unticked:
// the order of what is ticked stays as it is.
func ticked(values, all []string) []tick {
	out := make([]tick, 0, len(values)+len(all))
	for _, v := range values {
		out = append(out, tick{Value: v, Ticked: true})
	}
	for _, v := range all {
		if !slices.Contains(values, v) {
			out = append(out, tick{Value: v})
		}
	}
	return out
}

// pair is one row of a name and a value: a secret, whose value reads "***"
// as the API answers it, or a day's hours.
type pair struct {
	Name, Value string
}

// pairRows are the rows of one object of the document, for the "pairs"
// template: Prefix names its inputs.
type pairRows struct {
	Prefix, Legend string
	Rows           []pair
}

// blankPairs are the empty rows each object shows for rows to add, so that
// the form adds them without JavaScript.
const blankPairs = 2

// nestedKeys are the keys of the document's objects the editor shows as
// controls, as "object.key".
var nestedKeys = []string{"retry.max_attempts", "caps.daily", "caps.hourly"}

// offersOf are the document's offers, ticked, in its order. null says the
// document has no list at all, so that a form with none ticked leaves the
// key as it was.
func offersOf(v any) (choices []tick, null bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, true
	}
	for _, id := range list {
		choices = append(choices, tick{Value: num(id), Ticked: true})
	}
	return choices, false
}

// countriesOf are the document's countries as the form's text.
func countriesOf(v any) string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, c := range list {
		out = append(out, text(c))
	}
	return strings.Join(out, ", ")
}

// pairsOf are an object of the document as rows, by name, with blanks.
func pairsOf(v any) []pair {
	m, _ := v.(map[string]any)
	rows := make([]pair, 0, len(m)+blankPairs)
	for _, k := range sortedKeys(m) {
		rows = append(rows, pair{Name: k, Value: text(m[k])})
	}
	return append(rows, make([]pair, blankPairs)...)
}

// nestedOf is the value of "object.key" in doc as the form's text.
func nestedOf(doc map[string]any, key string) string {
	object, k, _ := strings.Cut(key, ".")
	m, _ := doc[object].(map[string]any)
	return num(m[k])
}

// takeNested takes the nestedKeys out of doc; an object they empty leaves
// it, one that was empty already stays.
func takeNested(doc map[string]any) {
	for _, key := range nestedKeys {
		object, k, _ := strings.Cut(key, ".")
		m, ok := doc[object].(map[string]any)
		if _, has := m[k]; !ok || !has {
			continue
		}
		delete(m, k)
		if len(m) == 0 {
			delete(doc, object)
		}
	}
}

// setNested sets "object.key" in doc to v, or takes it out for nil; an
// object the document lacks is added only for a value.
func setNested(doc map[string]any, key string, v any) {
	object, k, _ := strings.Cut(key, ".")
	m, ok := doc[object].(map[string]any)
	if !ok {
		if v == nil {
			return
		}
		m = map[string]any{}
		doc[object] = m
	}
	if v == nil {
		delete(m, k)
		return
	}
	m[k] = v
}

// offerNames names the listed offers and adds, unticked, the catalog's
// offers the list lacks: offers the catalog lacks stay, by their id.
func (c *Console) offerNames(r *http.Request, f *controls) {
	a := c.call(r, http.MethodGet, "/api/v1/admin/offers?limit=500", nil)
	var list struct {
		Offers []map[string]any `json:"offers"`
	}
	if !a.OK() || a.decode(&list) != nil {
		c.log.Error("listing the catalog's offers for the editor", "code", a.Code)
		return
	}
	for _, o := range list.Offers {
		id := num(o["id"])
		i := slices.IndexFunc(f.Offers, func(c tick) bool { return c.Value == id })
		if i < 0 {
			f.Offers = append(f.Offers, tick{Value: id, Label: text(o["name"])})
			continue
		}
		f.Offers[i].Label = text(o["name"])
	}
}

// keysOf reads the form's offers, countries, secrets, retry, caps and
// hours into f.
func keysOf(r *http.Request, f *controls) {
	for _, id := range r.PostForm["offers"] {
		f.Offers = append(f.Offers, tick{Value: strings.TrimSpace(id), Ticked: true})
	}
	f.OffersNull = r.PostFormValue("offers.null") != ""
	f.Countries = strings.TrimSpace(r.PostFormValue("countries"))
	f.Secrets, f.Hours = pairsFrom(r, "secrets"), pairsFrom(r, "hours")
	f.MaxAttempts = strings.TrimSpace(r.PostFormValue("retry.max_attempts"))
	f.CapsDaily = strings.TrimSpace(r.PostFormValue("caps.daily"))
	f.CapsHourly = strings.TrimSpace(r.PostFormValue("caps.hourly"))
}

// pairsFrom reads an object's rows from the form, less the rows ticked for
// removal, with blanks.
func pairsFrom(r *http.Request, prefix string) []pair {
	names, values := r.PostForm[prefix+".name"], r.PostForm[prefix+".value"]
	removed := map[string]bool{}
	for _, v := range r.PostForm[prefix+".remove"] {
		removed[v] = true
	}
	var rows []pair
	for i := range min(len(names), len(values)) {
		if !removed[strconv.Itoa(i)] {
			rows = append(rows, pair{Name: strings.TrimSpace(names[i]), Value: strings.TrimSpace(values[i])})
		}
	}
	return append(rows, make([]pair, blankPairs)...)
}

// pairMap is an object's rows as the document's object, nil for none.
func pairMap(prefix string, rows []pair) (map[string]string, error) {
	out := map[string]string{}
	for i, p := range rows {
		switch {
		case p.Name == "" && p.Value == "":
			continue
		case p.Name == "":
			return nil, fmt.Errorf("%s row %d: a row with a value has a name", prefix, i+1)
		case strings.ContainsFunc(p.Name, unicode.IsSpace):
			return nil, fmt.Errorf("%s row %d: a name has no spaces: %q", prefix, i+1, p.Name)
		}
		if _, dup := out[p.Name]; dup {
			return nil, fmt.Errorf("%s row %d: %q is named twice", prefix, i+1, p.Name)
		}
		out[p.Name] = p.Value
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// keyValues puts the offers, countries, secrets, hours, retry and caps of
// f into out as the document's values: nil leaves a key out. A secret left
// as *** keeps its stored value, as the API merges it.
func (f controls) keyValues(out map[string]any) error {
	offers := []int64{}
	for _, o := range f.Offers {
		if !o.Ticked {
			continue
		}
		n, err := strconv.ParseInt(o.Value, 10, 64)
		if err != nil {
			return fmt.Errorf("offers: not an offer's id: %q", o.Value)
		}
		offers = append(offers, n)
	}
	out["offers"] = offers
	if len(offers) == 0 && f.OffersNull {
		out["offers"] = nil
	}
	countries := strings.FieldsFunc(strings.ToLower(f.Countries), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	out["countries"] = nil
	if len(countries) > 0 {
		out["countries"] = countries
	}
	for prefix, rows := range map[string][]pair{"secrets": f.Secrets, "hours": f.Hours} {
		m, err := pairMap(prefix, rows)
		if err != nil {
			return err
		}
		out[prefix] = nil
		if m != nil {
			out[prefix] = m
		}
	}
	for key, v := range map[string]string{"retry.max_attempts": f.MaxAttempts, "caps.daily": f.CapsDaily, "caps.hourly": f.CapsHourly} {
		out[key] = nil
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%s: not a whole number: %q", key, v)
		}
		out[key] = n
	}
	return nil
}

// SecretRows are the secrets for the "pairs" template.
func (f controls) SecretRows() pairRows {
	return pairRows{Prefix: "secrets", Legend: "Secrets, read by {secret:name}: a value left as *** keeps the stored one", Rows: f.Secrets}
}

// HourRows are the hours for the "pairs" template.
func (f controls) HourRows() pairRows {
	return pairRows{Prefix: "hours", Legend: "Hours new and sync take leads, in the timezone: a day (mon … sun) or a range (mon-fri), and times such as 09:00-18:00,20:00-02:00; no rows is always open", Rows: f.Hours}
}
