package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// decodeStrict reads a JSON body into dst, refusing keys dst has no field
// for (a typo in an admin's document should not pass silently). Syntax
// errors are 400 BAD_JSON; a wrong type or an unknown key is 422.
func decodeStrict(r *http.Request, dst any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	return decodeStrictBytes(body, dst)
}

func decodeStrictBytes(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return newError(http.StatusBadRequest, CodeBadJSON, "the body holds more than one JSON value")
	}
	return nil
}

// jsonError sorts a decoding error into bad syntax (400) and a document
// that is JSON but not the right one (422).
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return invalid("want a JSON object, not a JSON %s", typeErr.Value)
		}
		e := invalid("%s: want a %s, not a JSON %s", field, typeName(typeErr.Type.String()), typeErr.Value)
		e.Field = field
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		key := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := invalid("%s: unknown key", key)
		e.Field = key
		return e
	}
	return badJSON(err)
}

// typeName says a Go type the way a JSON client thinks of it.
func typeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "whole number"
	case strings.HasPrefix(goType, "float"):
		return "number"
	case goType == "string":
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "catalog.Params"):
		return "object"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	}
	return goType
}
