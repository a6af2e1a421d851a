package dispatcher

import (
	"maps"
	"slices"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/wire"
)

// The log and the dry run show an attempt alike: its request, response,
// script log, return value and messages go through these functions and no
// others, so a dry run never shows what the log would hide.

// shownRequest is the request as sent, secrets and credential headers as ***.
func shownRequest(w wireRequest, r *integrations.Redactor) wireRequest {
	w.URL = r.Redact(w.URL)
	w.Body = r.Redact(w.Body)
	h := make(map[string]string, len(w.Headers))
	for k, v := range w.Headers {
		h[k] = r.Header(k, v)
	}
	w.Headers = h
	return w
}

// logHeaderLimit caps a response's headers in the log, names and values
// together, as logBodyLimit caps its body.
const logHeaderLimit = 64 << 10

// shownResponse is a response with secrets and credential headers as ***.
// With limit > 0 its body and its headers are each cut to limit bytes, and
// the view says so; a secret that runs across a cut is redacted before the
// cut is made.
func shownResponse(resp *wire.Response, truncated bool, limit int, r *integrations.Redactor) responseView {
	v := responseView{Code: resp.Code, Body: resp.Body, TimeMS: resp.TimeMS, Truncated: truncated}
	if limit > 0 && len(v.Body) > limit {
		v.Body = r.Redact(v.Body[:min(len(v.Body), limit+r.Reach())])
		v.Body, v.Truncated = v.Body[:min(len(v.Body), limit)], true
	} else {
		v.Body = r.Redact(v.Body)
	}
	v.Headers, v.HeadersTruncated = shownHeaders(resp.Headers, limit, r)
	return v
}

// shownHeaders redacts response headers in the order of their names, up to
// limit bytes of names and values (0: all); cut says headers were left out
// or one was cut short.
func shownHeaders(h map[string]string, limit int, r *integrations.Redactor) (shown map[string]string, cut bool) {
	if h == nil {
		return nil, false
	}
	shown = make(map[string]string, len(h))
	size := 0
	for _, k := range slices.Sorted(maps.Keys(h)) {
		v := r.Header(k, h[k])
		if limit > 0 && size+len(k)+len(v) > limit {
			if room := limit - size - len(k); room > 0 {
				shown[k] = v[:room]
			}
			return shown, true
		}
		shown[k] = v
		size += len(k) + len(v)
	}
	return shown, false
}

// shownLines is a script log with secrets as ***.
func shownLines(lines []string, r *integrations.Redactor) []string {
	if lines == nil {
		return nil
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = r.Redact(l)
	}
	return out
}

// shownReturn is a script's return value with secrets as ***, in the strings
// of tables too.
func shownReturn(v any, r *integrations.Redactor) any {
	switch v := v.(type) {
	case string:
		return r.Redact(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = shownReturn(e, r)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = shownReturn(e, r)
		}
		return out
	}
	return v
}

// shownMessage is an attempt's error message with secrets as ***, as the
// log, the lead's last message and the dry run show it.
func shownMessage(a *attempt, r *integrations.Redactor) string {
	return r.Redact(messageOf(a))
}
