package integrations

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// StatusName is a status as the document names it: a name ("packaging") or
// an id, written as a JSON string ("6") or number (6) (SPEC §1: ids and names
// are accepted everywhere). A number is kept as its digits.
type StatusName string

// UnmarshalJSON reads a string, or a whole positive number as its digits.
func (s *StatusName) UnmarshalJSON(b []byte) error {
	v, err := statusText(b, reflect.TypeFor[StatusName]())
	*s = StatusName(v)
	return err
}

// StatusList is a list of statuses, each a name or an id (StatusName).
type StatusList []string

// UnmarshalJSON reads an array of names and ids.
func (l *StatusList) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return valueError[StatusList]("a list of statuses is an array of names or ids, such as [\"packaging\", 6]")
	}
	out := make(StatusList, len(raw))
	for n, r := range raw {
		v, err := statusText(r, reflect.TypeFor[StatusList]())
		if err != nil {
			return err
		}
		out[n] = v
	}
	*l = out
	return nil
}

// StatusMap maps a CRM's status labels and ids to statuses, each a name or
// an id (StatusName).
type StatusMap map[string]string

// UnmarshalJSON reads an object whose values are names or ids.
func (m *StatusMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return valueError[StatusMap]("a status map is an object of CRM labels to status names or ids, such as {\"accepted\": 6}")
	}
	out := make(StatusMap, len(raw))
	for k, r := range raw {
		v, err := statusText(r, reflect.TypeFor[StatusMap]())
		if err != nil {
			return err
		}
		out[k] = v
	}
	*m = out
	return nil
}

// statusText reads one status: a JSON string as it is, a whole positive
// number as its digits.
func statusText(b []byte, t reflect.Type) (string, error) {
	b = bytes.TrimSpace(b)
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s, nil
	}
	if n, err := strconv.ParseUint(string(b), 10, 32); err == nil && n > 0 {
		return strconv.FormatUint(n, 10), nil
	}
	return "", &json.UnmarshalTypeError{Value: "a status is a name or an id, such as \"packaging\" or 6, not " + string(b), Type: t}
}

// valueError is how this package's JSON types refuse a value: the decoder
// adds the key's path to an *json.UnmarshalTypeError, and Parse shows Value
// as the message.
func valueError[T any](msg string) error {
	return &json.UnmarshalTypeError{Value: msg, Type: reflect.TypeFor[T]()}
}

// explainsItself tells whether a type error came from one of this package's
// JSON types, whose Value is the whole message.
func explainsItself(t reflect.Type) bool {
	switch t {
	case reflect.TypeFor[Duration](), reflect.TypeFor[StatusName](), reflect.TypeFor[StatusList](), reflect.TypeFor[StatusMap]():
		return true
	}
	return false
}
