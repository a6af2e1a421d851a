package api

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// asText reads a value as text: a string as is, a number as written, a
// boolean as 1 or 0, null as "". Objects and arrays are not text, nor is a
// string that is not UTF-8 (a page posting in a legacy encoding is told so,
// rather than its letters turned into question marks).
func asText(key string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		if !utf8.ValidString(v) {
			return "", invalid("%s: not UTF-8 text; send the page's form as UTF-8", key)
		}
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	}
	return "", invalid("%s: want text or a number, not a JSON %s", key, jsonKind(v))
}

// asID reads a non-negative whole number from a number or a string of digits;
// "" and null are 0.
func asID(key string, v any) (int64, error) {
	s, err := numberText(key, v)
	if err != nil {
		return 0, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid("%s: want a whole number, 0 or more, not %q", key, s)
	}
	return n, nil
}

// asFloat reads a finite number from a number or a numeric string; "" and
// null are 0. A decimal comma is taken as a point.
func asFloat(key string, v any) (float64, error) {
	s, err := numberText(key, v)
	if err != nil {
		return 0, err
	}
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, invalid("%s: want a number, not %q", key, s)
	}
	return f, nil
}

// numberText is asText for numbers: a boolean is not one.
func numberText(key string, v any) (string, error) {
	if _, isBool := v.(bool); isBool {
		return "", invalid("%s: want a number, not a JSON boolean", key)
	}
	return asText(key, v)
}

// asBool reads true/false, 1/0, yes/no, on/off; "" and null are false.
func asBool(key string, v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	s, err := asText(key, v)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	}
	return false, invalid("%s: want true or false (or 1 or 0), not %q", key, s)
}

// jsonKind names the JSON type of a decoded value for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	}
	return "null"
}
