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
	for _, f := range schemaOf(v).Fields {
		if f.DBName == "" {
			continue
		}
		if msg := columnProblem(f, rv.FieldByIndex(f.StructField.Index)); msg != "" {
			key := jsonKey(f.StructField)
			if key == f.StructField.Name {
				key = f.DBName
			}
			problems = append(problems, Problem{Field: key, Message: key + ": " + msg})
		}
	}
	return problemsError(problems)
}

func columnProblem(f *schema.Field, v reflect.Value) string {
	isText := strings.EqualFold(string(f.DataType), "text")
	if v.Kind() == reflect.String {
		s := v.String()
		switch {
		case !utf8.ValidString(s):
			return "not valid UTF-8 text"
		case f.Size > 0 && utf8.RuneCountInString(s) > f.Size:
			return "at most " + strconv.Itoa(f.Size) + " characters"
		case isText && len(s) > maxTextBytes:
			return "at most 64 KiB"
		}
		return ""
	}
	if isText && f.Serializer != nil {
		if b, _ := json.Marshal(v.Interface()); len(b) > maxTextBytes {
			return "at most 64 KiB of JSON"
		}
	}
	return ""
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
