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
// text, ext_oid).
func orderRow(l *lead.Lead) map[string]any {
	fields := orderFields()
	row := make(map[string]any, len(fields)+8)
	v := reflect.ValueOf(l).Elem()
	for _, f := range fields {
		if val, ok := f.value(v.Field(f.index)); ok {
			row[f.name] = val
		}
	}
	items, _ := l.Items.MarshalJSON()
	if l.Items == nil {
		items = []byte("{}")
	}
	row["status"] = int64(l.Status)
	row["items"] = string(items)
	row["order_id"] = l.ID
	row["order_status"] = int64(l.Status)
	row["order_reason"] = int64(l.Reason)
	row["order_country"] = l.Country
	row["offer_id"] = l.OfferID
	row["order_items"] = string(items)
	row["ext_oid"] = l.Ext
	return row
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
