package scripting

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth is how deeply tables may nest when they become data (JSON, a
// return value, a post field). A table that contains itself hits it.
const maxDepth = 200

// errTooLarge is returned by appendJSON when the text passes its limit.
var errTooLarge = errors.New("result too large")

// appendJSON appends v, a Go value as luaToGo makes it, to b as JSON.
// Objects are written with their keys sorted; NaN and infinities (which JSON
// cannot hold) as null. A limit above zero caps len(b).
func appendJSON(b []byte, v any, limit int) ([]byte, error) {
	w := jsonWriter{buf: b, limit: limit}
	err := w.value(v, 0)
	return w.buf, err
}

type jsonWriter struct {
	buf   []byte
	limit int
}

func (w *jsonWriter) value(v any, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("tables nest deeper than %d levels (does a table contain itself?)", maxDepth)
	}
	switch v := v.(type) {
	case nil:
		w.buf = append(w.buf, "null"...)
	case bool:
		w.buf = strconv.AppendBool(w.buf, v)
	case string:
		w.buf = AppendJSONString(w.buf, v)
	case int64:
		w.buf = strconv.AppendInt(w.buf, v, 10)
	case int:
		w.buf = strconv.AppendInt(w.buf, int64(v), 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			w.buf = append(w.buf, "null"...)
		} else {
			w.buf = append(w.buf, formatNumber(v)...)
		}
	case json.Number:
		w.buf = append(w.buf, v...)
	case []any:
		return w.array(v, depth)
	case map[string]any:
		return w.object(v, depth)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		w.buf = append(w.buf, b...)
	}
	return w.check()
}

func (w *jsonWriter) array(a []any, depth int) error {
	w.buf = append(w.buf, '[')
	for i, e := range a {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if err := w.value(e, depth+1); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, ']')
	return w.check()
}

func (w *jsonWriter) object(m map[string]any, depth int) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.buf = append(w.buf, '{')
	for i, k := range keys {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = AppendJSONString(w.buf, k)
		w.buf = append(w.buf, ':')
		if err := w.value(m[k], depth+1); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, '}')
	return w.check()
}

func (w *jsonWriter) check() error {
	if w.limit > 0 && len(w.buf) > w.limit {
		return errTooLarge
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// AppendJSONString writes s quoted as encoding/json does without HTML
// escaping: quote, backslash and control bytes escaped, invalid UTF-8 as
// U+FFFD, and U+2028 and U+2029 escaped.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
			} else if r == '\u2028' || r == '\u2029' {
				b = append(b, s[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			} else {
				i += size
				continue
			}
			i += size
			start = i
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// maxExactInteger is the largest integer a Lua number (a float64) holds exactly.
const maxExactInteger = 1 << 53

// jsonNumberToGo turns a JSON number into int64 when it is written as an
// integer that fits, into the text itself when it is an integer too large
// for int64 (so it stays exact), and into float64 otherwise.
func jsonNumberToGo(n json.Number) any {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		return s
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
