package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// leadField is a field of a lead that the API reads, by its JSON name (the
// name of SPEC §1).
type leadField struct {
	key    string
	column string
	index  []int
	kind   reflect.Kind
}

// The lead fields by request key. Every §1 field a publisher may send, the
// two other names the platform used (index for zip, phc for phonecc), and
// meta, whose object merges into the custom fields.
var (
	intakeKeys = []string{
		"offer", "site", "space", "goal", "wm", "agent", "ext", "comment",
		"name", "last", "email", "phone", "phonecc", "country", "lang", "ip", "ua", "mobile", "bad",
		"zip", "area", "city", "street", "house", "delivery", "discount", "count", "currency",
		"price", "base", "delpr", "more", "items",
		"click", "click_id", "subid", "uuid", "sub1", "sub2", "sub3", "sub4", "sub5",
		"utm_source", "utm_campaign", "utm_content", "utm_term", "utm_medium",
		"exti", "extu", "exts", "cwm", "cwmr", "cwmc", "cpay", "cpayr", "cpayc",
	}
	// orderKeys are what the thank-you page may change: who, where and what.
	orderKeys = []string{
		"name", "last", "email", "phone", "phonecc", "zip", "area", "city", "street", "house",
		"delivery", "discount", "count", "currency", "price", "base", "delpr", "more", "items", "comment",
	}
	keyAliases = map[string]string{"index": "zip", "phc": "phonecc"}
	leadFields = buildLeadFields()
)

// buildLeadFields finds each §1 field (and integration, which admins may
// set) in the lead model: its column and struct field.
func buildLeadFields() map[string]*leadField {
	byKey := map[string]*leadField{}
	for _, f := range schemaOf(&lead.Lead{}).Fields {
		key := jsonKey(f.StructField)
		if !slices.Contains(intakeKeys, key) && key != "integration" {
			continue
		}
		byKey[key] = &leadField{key: key, column: f.DBName, index: f.StructField.Index, kind: f.FieldType.Kind()}
	}
	for _, k := range intakeKeys {
		if byKey[k] == nil {
			panic("api: the lead model has no field with JSON name " + k)
		}
	}
	return byKey
}

// fieldFor finds the lead field a request key names, accepting the aliases.
func fieldFor(key string) *leadField {
	if canon, ok := keyAliases[key]; ok {
		key = canon
	}
	return leadFields[key]
}

// set reads v into the field of l.
func (f *leadField) set(l *lead.Lead, key string, v any) error {
	rv := reflect.ValueOf(l).Elem().FieldByIndex(f.index)
	switch f.kind {
	case reflect.String:
		s, err := f.text(key, v)
		rv.SetString(s)
		return err
	case reflect.Int, reflect.Int64:
		n, err := asID(key, v)
		rv.SetInt(n)
		return err
	case reflect.Float64:
		x, err := asFloat(key, v)
		rv.SetFloat(x)
		return err
	case reflect.Bool:
		b, err := asBool(key, v)
		rv.SetBool(b)
		return err
	}
	items, err := parseItems(v)
	l.Items = items
	return err
}

// text reads a text field, cleaned and checked by what it holds.
func (f *leadField) text(key string, v any) (string, error) {
	s, err := asText(key, v)
	if err != nil {
		return "", err
	}
	switch f.key {
	case "comment":
		return multiLine(s), nil
	case "phone":
		d := digits(s)
		if d == "" && strings.TrimSpace(s) != "" {
			return "", invalid("phone: %q has no digits", s)
		}
		return d, nil
	case "phonecc":
		return digits(s), nil
	case "country":
		return country(s)
	case "email":
		return strings.ToLower(oneLine(s)), nil
	}
	return oneLine(s), nil
}

// value is the field's value in l, as a column write takes it.
func (f *leadField) value(l *lead.Lead) any {
	v := reflect.ValueOf(l).Elem().FieldByIndex(f.index).Interface()
	if items, ok := v.(lead.Items); ok {
		b, _ := json.Marshal(items)
		return string(b)
	}
	return v
}

// parseItems reads {"<product id>": [qty, price, cost]}, from JSON or from a
// form value holding that JSON.
func parseItems(v any) (lead.Items, error) {
	var raw []byte
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return nil, nil
		}
		raw = []byte(v)
	default:
		raw, _ = json.Marshal(v)
	}
	var items lead.Items
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, invalid(`items: want {"<product id>": [quantity, unit price, unit cost]}: %v`, err)
	}
	for id, it := range items {
		if id <= 0 || it.Qty < 0 {
			return nil, invalid("items: product ids are positive and quantities not negative (product %d)", id)
		}
	}
	return items, nil
}

// mergeMeta adds custom fields to meta: each value as text (an object or
// array as its JSON), multi-line text cleaned.
func mergeMeta(meta map[string]string, key string, v any) (map[string]string, error) {
	if err := metaKey(key); err != nil {
		return meta, err
	}
	s, err := asText(key, v)
	if err != nil {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if meta == nil {
		meta = map[string]string{}
	}
	meta[key] = multiLine(s)
	return meta, nil
}

// mergeMetaObject merges the "meta" key's object (or a form's JSON text of
// one) into meta.
func mergeMetaObject(meta map[string]string, v any) (map[string]string, error) {
	obj, ok := v.(map[string]any)
	if s, isText := v.(string); isText {
		var err error
		if obj, err = decodeObject([]byte(s)); err != nil {
			return meta, invalid("meta: want an object of custom fields")
		}
		ok = true
	}
	if !ok {
		return meta, invalid("meta: want an object of custom fields, not a JSON %s", jsonKind(v))
	}
	for _, k := range sortedKeys(obj) {
		var err error
		if meta, err = mergeMeta(meta, k, obj[k]); err != nil {
			return meta, err
		}
	}
	return meta, nil
}
