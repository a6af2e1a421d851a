package api

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gorm.io/gorm/schema"
)

// maxTextBytes is what a TEXT column holds on MySQL.
const maxTextBytes = 65535

var schemas sync.Map

// schemaOf parses the gorm model of v (a pointer to a model), cached by type.
func schemaOf(v any) *schema.Schema {
	s, err := schema.Parse(v, &schemas, schema.NamingStrategy{})
	if err != nil {
		// The models are fixed at compile time; a model gorm cannot read
		// would already have failed the migrations.
		panic(err)
	}
	return s
}

// checkColumns refuses a model whose values would not fit its columns: text
// that is not UTF-8, longer than a varchar's length in characters, or a TEXT
// column (a JSON-serialized map included) over 64 KiB. Problems are named by
// the field's JSON key, so the client knows which of its values to shorten.
func checkColumns(v any) error {
	rv := reflect.ValueOf(v).Elem()
	var problems []Problem
	for _, c := range columnChecksOf(v) {
		if msg := c.problem(rv.FieldByIndex(c.index)); msg != "" {
			problems = append(problems, Problem{Field: c.key, Message: c.key + ": " + msg})
		}
	}
	return problemsError(problems)
}

// columnCheck is what checkColumns checks of one field: its column's
// limits, read once from the gorm model.
type columnCheck struct {
	index []int
	// key names the field in a problem: its JSON key, else its column.
	key  string
	size int // a varchar's length in characters; 0 for none
	// text: a TEXT column; serialized: one gorm writes as JSON.
	text, serialized bool
}

// columnChecks caches columnChecksOf by type.
var columnChecks sync.Map

// columnChecksOf are the checks of v's fields that are columns (v a
// pointer to a model): its strings and its TEXT columns written as JSON.
func columnChecksOf(v any) []columnCheck {
	t := reflect.TypeOf(v)
	if cached, ok := columnChecks.Load(t); ok {
		return cached.([]columnCheck)
	}
	var checks []columnCheck
	for _, f := range schemaOf(v).Fields {
		c := columnCheck{index: f.StructField.Index, key: jsonKey(f.StructField), size: f.Size,
			text: strings.EqualFold(string(f.DataType), "text"), serialized: f.Serializer != nil}
		if c.key == f.StructField.Name {
			c.key = f.DBName
		}
		if f.DBName != "" && (f.StructField.Type.Kind() == reflect.String || c.text && c.serialized) {
			checks = append(checks, c)
		}
	}
	columnChecks.Store(t, checks)
	return checks
}

func (c columnCheck) problem(v reflect.Value) string {
	if v.Kind() == reflect.String {
		s := v.String()
		switch {
		case !utf8.ValidString(s):
			return "not valid UTF-8 text"
		case c.size > 0 && utf8.RuneCountInString(s) > c.size:
			return "at most " + strconv.Itoa(c.size) + " characters"
		case c.text && len(s) > maxTextBytes:
			return "at most 64 KiB"
		}
		return ""
	}
	if v.Kind() == reflect.Map && v.Len() == 0 {
		return ""
	}
	if m, ok := v.Interface().(map[string]string); ok && stringMapJSONBound(m) <= maxTextBytes {
		return ""
	}
	if b, _ := json.Marshal(v.Interface()); len(b) > maxTextBytes {
		return "at most 64 KiB of JSON"
	}
	return ""
}

// stringMapJSONBound is at least the length of m as JSON: null or the
// braces, a byte of a key or value at most six (\u00XX, or \ufffd for a
// byte of no UTF-8), and for each entry two pairs of quotes, a colon and a
// comma.
func stringMapJSONBound(m map[string]string) int {
	n := len("null")
	for k, v := range m {
		n += 6*(len(k)+len(v)) + 6
	}
	return n
}

// problemsError is nil for no problems, a 422 for one, and a 422 listing
// each for several.
func problemsError(problems []Problem) error {
	switch len(problems) {
	case 0:
		return nil
	case 1:
		e := invalid("%s", problems[0].Message)
		e.Field = problems[0].Field
		return e
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Message
	}
	e := invalid("%s", strings.Join(msgs, "; "))
	e.Problems = problems
	return e
}

// jsonKey is a struct field's JSON name.
func jsonKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return f.Name
	}
	return name
}
