package dispatcher

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// orderRow is the global o: every stored field of the lead by its column
// name, plus the platform's names for the ones its scripts use (order_id,
// order_status, order_reason, order_country, offer_id, order_items as JSON
// text, ext_oid). A script reads a few of the 73 fields, so each is read
// from the lead when asked for.
type orderRow struct{ l *lead.Lead }

// Field is the field called name; nil when o has none.
func (r orderRow) Field(name string) any {
	if get, ok := platformFields[name]; ok {
		return get(r.l)
	}
	f, ok := orderFieldsByName()[name]
	if !ok {
		return nil
	}
	value, _ := f.value(reflect.ValueOf(r.l).Elem().Field(f.index))
	return value
}

// Each calls fn with every field of o.
func (r orderRow) Each(fn func(name string, value any)) {
	v := reflect.ValueOf(r.l).Elem()
	for _, f := range orderFields() {
		if _, platform := platformFields[f.name]; platform {
			continue
		}
		if value, ok := f.value(v.Field(f.index)); ok {
			fn(f.name, value)
		}
	}
	for name, get := range platformFields {
		fn(name, get(r.l))
	}
}

// platformFields are the fields of o that are not the lead's JSON form
// (status and items are, but o gives them as numbers and text).
var platformFields = map[string]func(l *lead.Lead) any{
	"status":        func(l *lead.Lead) any { return int64(l.Status) },
	"items":         itemsText,
	"order_id":      func(l *lead.Lead) any { return l.ID },
	"order_status":  func(l *lead.Lead) any { return int64(l.Status) },
	"order_reason":  func(l *lead.Lead) any { return int64(l.Reason) },
	"order_country": func(l *lead.Lead) any { return l.Country },
	"offer_id":      func(l *lead.Lead) any { return l.OfferID },
	"order_items":   itemsText,
	"ext_oid":       func(l *lead.Lead) any { return l.Ext },
}

// itemsText is the lead's items as JSON text, {} for none.
func itemsText(l *lead.Lead) any {
	if l.Items == nil {
		return "{}"
	}
	items, _ := l.Items.MarshalJSON()
	return string(items)
}

// orderField is a field of the lead as o shows it: the name and value its
// JSON form gives it, read straight from the struct.
type orderField struct {
	name      string
	index     int
	omitEmpty bool
}

// orderFields lists the lead's JSON fields once: those without a JSON name
// and files (uploads are not script data) are left out.
var orderFields = sync.OnceValue(func() []orderField {
	t := reflect.TypeFor[lead.Lead]()
	var out []orderField
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "-" || name == "" || name == "files" {
			continue
		}
		out = append(out, orderField{name: name, index: i, omitEmpty: strings.Contains(opts, "omitempty")})
	}
	return out
})

// orderFieldsByName is orderFields by name.
var orderFieldsByName = sync.OnceValue(func() map[string]orderField {
	out := make(map[string]orderField)
	for _, f := range orderFields() {
		out[f.name] = f
	}
	return out
})

var timeType = reflect.TypeFor[time.Time]()

// value is the field's value as JSON would carry it; false when the JSON
// form leaves it out.
func (f orderField) value(v reflect.Value) (any, bool) {
	if f.omitEmpty && v.IsZero() {
		return nil, false
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.Map:
		if v.IsNil() {
			return nil, true
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).Format(time.RFC3339Nano), true
		}
	}
	return v.Interface(), true
}

func sortItems(items []scripting.Item) {
	slices.SortFunc(items, func(a, b scripting.Item) int { return cmp.Compare(a.ID, b.ID) })
}
