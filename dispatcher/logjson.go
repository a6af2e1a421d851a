package dispatcher

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// Every attempt writes a log row with its request, its response and its
// script log as JSON. The shapes are small and fixed, so they are written by
// hand here, byte for byte as encoding/json writes them with HTML escaping
// off, without its reflection (a tenth of a lead's cost in the throughput
// run).

// appendJSON writes the request as sent.
func (w wireRequest) appendJSON(b []byte) []byte {
	b = append(b, `{"method":`...)
	b = appendJSONString(b, w.Method)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, w.URL)
	b = append(b, `,"headers":`...)
	b = appendJSONObject(b, w.Headers)
	b = append(b, `,"body":`...)
	b = appendJSONString(b, w.Body)
	return append(b, '}')
}

// appendJSON writes the response as the log shows it.
func (v responseView) appendJSON(b []byte) []byte {
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(v.Code), 10)
	b = append(b, `,"headers":`...)
	b = appendJSONObject(b, v.Headers)
	b = append(b, `,"body":`...)
	b = appendJSONString(b, v.Body)
	if v.TimeMS != 0 {
		b = append(b, `,"time_ms":`...)
		b = strconv.AppendInt(b, v.TimeMS, 10)
	}
	if v.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	return append(b, '}')
}

// appendJSONObject writes a string map with its keys sorted; nil is null.
func appendJSONObject(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

// appendJSONArray writes a list of strings; nil is null.
func appendJSONArray(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s quoted as encoding/json does without HTML
// escaping: quote, backslash and control bytes escaped, invalid UTF-8 as
// U+FFFD, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
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
