package scripting

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// maxValues caps how many values one conversion from Lua may produce, so a
// table that holds the same subtable many times over cannot blow up.
const maxValues = 1 << 20

// luaToGo converts a Lua value to data: nil, bool, int64 (whole numbers that
// fit), float64, string, []any (tables whose keys are exactly 1..n, the
// empty table included) or map[string]any (other tables; number and boolean
// keys become text). Functions and other values that are not data are an
// error; where names the value in that error ("result", "return value").
func luaToGo(v lua.LValue, where string) (any, error) {
	return fieldToGo(v, where, "")
}

// fieldToGo is luaToGo for the value of field key of the table where, named
// where.key in an error; an empty key names the table itself.
func fieldToGo(v lua.LValue, where, key string) (any, error) {
	c := toGo{}
	out, err := c.value(v, 0)
	if err != nil {
		if key != "" {
			where += pathElem(key)
		}
		return nil, fmt.Errorf("%s%s: %w", where, c.errPath, err)
	}
	return out, nil
}

// toGo is one conversion from Lua; errPath is the path from the root to the
// value that failed, e.g. ".items[3]".
type toGo struct {
	values  int
	errPath string
}

func (c *toGo) value(v lua.LValue, depth int) (any, error) {
	c.values++
	if c.values > maxValues {
		return nil, fmt.Errorf("more than %d values", maxValues)
	}
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(v), nil
	case lua.LNumber:
		return numberToGo(float64(v)), nil
	case lua.LString:
		return string(v), nil
	case *lua.LTable:
		if depth >= maxDepth {
			return nil, fmt.Errorf("tables nest deeper than %d levels (does a table contain itself?)", maxDepth)
		}
		return c.table(v, depth+1)
	}
	return nil, fmt.Errorf("a %s cannot be used as data", v.Type())
}

func (c *toGo) table(tb *lua.LTable, depth int) (any, error) {
	materialize(tb)
	if n, ok := arrayLength(tb); ok {
		out := make([]any, n)
		for i := range out {
			e, err := c.value(tb.RawGetInt(i+1), depth)
			if err != nil {
				c.errPath = "[" + strconv.Itoa(i+1) + "]" + c.errPath
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	out := make(map[string]any)
	var err error
	eachEntry(tb, func(k, v lua.LValue) bool {
		var key string
		if key, err = keyString(k); err != nil {
			return false
		}
		if out[key], err = c.value(v, depth); err != nil {
			c.errPath = pathElem(key) + c.errPath
		}
		return err == nil
	})
	return out, err
}

// arrayLength reports whether the keys of tb are exactly 1..n, and n.
func arrayLength(tb *lua.LTable) (int, bool) {
	n := tb.MaxN()
	for i := 1; i <= n; i++ {
		if tb.RawGetInt(i) == lua.LNil {
			return 0, false
		}
	}
	k, _ := tb.Next(afterArray(n))
	return n, k == lua.LNil
}

// keyString writes a table key as an object key.
func keyString(k lua.LValue) (string, error) {
	switch k := k.(type) {
	case lua.LString:
		return string(k), nil
	case lua.LNumber:
		return formatNumber(float64(k)), nil
	case lua.LBool:
		return strconv.FormatBool(bool(k)), nil
	}
	return "", fmt.Errorf("a %s cannot be used as a key of data", k.Type())
}

func pathElem(key string) string {
	if isName(key) {
		return "." + key
	}
	return "[" + strconv.Quote(key) + "]"
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// numberToGo is int64 for whole numbers that fit, float64 otherwise.
func numberToGo(f float64) any {
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f)
	}
	return f
}

// goToLua converts a Go value to Lua: maps and slices become tables, whole
// numbers become Lua numbers while a float64 holds them exactly (beyond
// 2^53 they become their decimal text, so an id stays exact), json.Number
// likewise. Other types go through encoding/json.
func goToLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case []byte:
		return lua.LString(v)
	case int:
		return intToLua(int64(v))
	case int32:
		return luaNumber(float64(v))
	case int64:
		return intToLua(v)
	case uint64:
		if v > maxExactInteger {
			return lua.LString(strconv.FormatUint(v, 10))
		}
		return luaNumber(float64(v))
	case float32:
		return luaNumber(float64(v))
	case float64:
		return luaNumber(v)
	case json.Number:
		return goToLua(L, JSONNumber(v))
	case map[string]any:
		tb := L.CreateTable(0, len(v))
		for k, e := range v {
			tb.RawSetString(k, goToLua(L, e))
		}
		return tb
	case map[string]string:
		return stringTable(L, v)
	case []any:
		tb := L.CreateTable(len(v), 0)
		for _, e := range v {
			tb.Append(goToLua(L, e))
		}
		return tb
	case []string:
		tb := L.CreateTable(len(v), 0)
		for _, e := range v {
			tb.Append(lua.LString(e))
		}
		return tb
	}
	return viaJSON(L, v)
}

// intToLua keeps an integer exact: a number up to 2^53, text beyond.
func intToLua(n int64) lua.LValue {
	if n > maxExactInteger || n < -maxExactInteger {
		return lua.LString(strconv.FormatInt(n, 10))
	}
	return luaNumber(float64(n))
}

// viaJSON converts any other Go value by way of its JSON form, or to its
// fmt text when it has none.
func viaJSON(L *lua.LState, v any) lua.LValue {
	b, err := json.Marshal(v)
	if err != nil {
		return lua.LString(fmt.Sprint(v))
	}
	out, err := decodeJSON(bytes.NewReader(b))
	if err != nil {
		return lua.LString(fmt.Sprint(v))
	}
	return goToLua(L, out)
}

// stringTable makes a table of m; a nil map gives an empty table.
func stringTable(L *lua.LState, m map[string]string) *lua.LTable {
	tb := L.CreateTable(0, len(m))
	for k, v := range m {
		tb.RawSetString(k, lua.LString(v))
	}
	return tb
}
