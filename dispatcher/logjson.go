package dispatcher

import (
	"slices"
	"strconv"

	"github.com/leadrelay/leadrelay/integrations/wire"
)

// Every attempt writes a log row with its request, its response and its
// script log as JSON. The shapes are small and fixed, so they are written by
// hand here, byte for byte as encoding/json writes them with HTML escaping
// off, without its reflection and its encoder per call.

// appendJSON writes the request as sent.
func (w wireRequest) appendJSON(b []byte) []byte {
	b = append(b, `{"method":`...)
	b = wire.AppendJSONString(b, w.Method)
	b = append(b, `,"url":`...)
	b = wire.AppendJSONString(b, w.URL)
	b = append(b, `,"headers":`...)
	b = appendJSONObject(b, w.Headers)
	b = append(b, `,"body":`...)
	b = wire.AppendJSONString(b, w.Body)
	return append(b, '}')
}

// appendJSON writes the response as the log shows it.
func (v responseView) appendJSON(b []byte) []byte {
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(v.Code), 10)
	b = append(b, `,"headers":`...)
	b = appendJSONObject(b, v.Headers)
	b = append(b, `,"body":`...)
	b = wire.AppendJSONString(b, v.Body)
	if v.TimeMS != 0 {
		b = append(b, `,"time_ms":`...)
		b = strconv.AppendInt(b, v.TimeMS, 10)
	}
	if v.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	if v.HeadersTruncated {
		b = append(b, `,"headers_truncated":true`...)
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
		b = wire.AppendJSONString(b, k)
		b = append(b, ':')
		b = wire.AppendJSONString(b, m[k])
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
		b = wire.AppendJSONString(b, s)
	}
	return append(b, ']')
}
