package scripting

import (
	"math"
	"strconv"
)

// FormatValue writes a return value as text, the way it becomes an ext or a
// log entry: strings as they are, whole numbers without exponent or fraction
// (84921, never 84921.0 or 8.4921e+04), other numbers in their shortest
// form, booleans as true/false, nil as "", and tables as JSON (keys sorted).
func FormatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return formatNumber(v)
	}
	b, err := appendJSON(nil, v, 0)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// formatNumber writes f without exponent when it is whole, else in its
// shortest form (with an exponent only below 1e-6, as JSON encoders do).
func formatNumber(f float64) string {
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		if f >= math.MinInt64 && f < math.MaxInt64 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	if math.Abs(f) < 1e-6 {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
