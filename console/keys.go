package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// offerChoice is one offer of the editor's ticked list.
type offerChoice struct {
	ID, Name string
	Ticked   bool
}

// secretRow is one secret of the editor: its name and its value as the
// API answers it, "***" for a stored one.
type secretRow struct {
	Name, Value string
}

// blankSecrets are the empty secret rows the editor shows for secrets to
// add, so that the form adds them without JavaScript.
const blankSecrets = 2

// offersOf are the document's offers, ticked, in its order. OffersNull says
// the document has no list at all, so that a form with none ticked leaves
// the key as it was.
func offersOf(v any) (choices []offerChoice, null bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, true
	}
	for _, id := range list {
		choices = append(choices, offerChoice{ID: num(id), Ticked: true})
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

// secretsOf are the document's secrets as rows, by name.
func secretsOf(v any) []secretRow {
	m, _ := v.(map[string]any)
	rows := make([]secretRow, 0, len(m)+blankSecrets)
	for _, k := range sortedKeys(m) {
		rows = append(rows, secretRow{Name: k, Value: text(m[k])})
	}
	return append(rows, make([]secretRow, blankSecrets)...)
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
		i := slices.IndexFunc(f.Offers, func(c offerChoice) bool { return c.ID == id })
		if i < 0 {
			f.Offers = append(f.Offers, offerChoice{ID: id, Name: text(o["name"])})
			continue
		}
		f.Offers[i].Name = text(o["name"])
	}
}

// keysOf reads the form's offers, countries and secrets into f.
func keysOf(r *http.Request, f *controls) {
	for _, id := range r.PostForm["offers"] {
		f.Offers = append(f.Offers, offerChoice{ID: strings.TrimSpace(id), Ticked: true})
	}
	f.OffersNull = r.PostFormValue("offers.null") != ""
	f.Countries = strings.TrimSpace(r.PostFormValue("countries"))
	names, values := r.PostForm["secrets.name"], r.PostForm["secrets.value"]
	removed := map[string]bool{}
	for _, v := range r.PostForm["secrets.remove"] {
		removed[v] = true
	}
	for i := range min(len(names), len(values)) {
		if !removed[strconv.Itoa(i)] {
			f.Secrets = append(f.Secrets, secretRow{Name: strings.TrimSpace(names[i]), Value: values[i]})
		}
	}
	f.Secrets = append(f.Secrets, make([]secretRow, blankSecrets)...)
}

// keyValues puts the offers, countries and secrets of f into out as the
// document's values: nil leaves a key out. A secret left as *** keeps its
// stored value, as the API merges it.
func (f controls) keyValues(out map[string]any) error {
	offers := []int64{}
	for _, o := range f.Offers {
		if !o.Ticked {
			continue
		}
		n, err := strconv.ParseInt(o.ID, 10, 64)
		if err != nil {
			return fmt.Errorf("offers: not an offer's id: %q", o.ID)
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
	secrets := map[string]string{}
	for i, s := range f.Secrets {
		switch {
		case s.Name == "" && s.Value == "":
			continue
		case s.Name == "":
			return fmt.Errorf("secrets row %d: a secret has a name", i+1)
		case strings.ContainsFunc(s.Name, unicode.IsSpace):
			return fmt.Errorf("secrets row %d: a secret's name has no spaces: %q", i+1, s.Name)
		}
		if _, dup := secrets[s.Name]; dup {
			return fmt.Errorf("secrets row %d: %q is named twice", i+1, s.Name)
		}
		secrets[s.Name] = s.Value
	}
	out["secrets"] = nil
	if len(secrets) > 0 {
		out["secrets"] = secrets
	}
	return nil
}
