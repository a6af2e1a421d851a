package scripting

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/leadrelay/leadrelay/integrations/wire"
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
		w.buf = wire.AppendJSONString(w.buf, v)
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
		w.buf = wire.AppendJSONString(w.buf, k)
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

// maxExactInteger is the largest integer a Lua number (a float64) holds exactly.
const maxExactInteger = 1 << 53

// JSONNumber turns a JSON number into the value json.decode gives a script:
// int64 when it is written as an integer that fits, the text itself when it
// is an integer too large for int64 (so it stays exact), and float64
// otherwise.
func JSONNumber(n json.Number) any {
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
