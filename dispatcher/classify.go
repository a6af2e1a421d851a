package dispatcher

import (
	"bytes"
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/scripting"
)

// Kind is what the processing script's return value asks for (SPEC §3).
type Kind int

const (
	// KindRetry: the value was empty (or, in sync, not readable): a sending
	// error; the lead is sent again a minute later. The zero Kind.
	KindRetry Kind = iota
	// KindReject: a negative integer; cancel the lead with Verdict.Reason.
	KindReject
	// KindAccept (new, sync): the lead goes to processing with Verdict.Ext,
	// or with its own ext or id when Verdict.UseLeadExt is set.
	KindAccept
	// KindRedirect (sync): a full http(s) URL in Verdict.URL to send the user to.
	KindRedirect
	// KindMessage (sync): other text, in Verdict.Message, shown to the user;
	// the lead is deleted.
	KindMessage
	// KindDone (changes, approved, postback, hook): success; Verdict.Value
	// holds the value as text.
	KindDone
)

var kindNames = [...]string{"retry", "reject", "accept", "redirect", "message", "done"}

// String names k in lower case: "retry", "reject", "accept", …
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// Verdict is a return value read by the rules of a mode; Kind says which of
// the other fields are set.
type Verdict struct {
	Kind Kind
	// Ext is the lead's external id (KindAccept without UseLeadExt).
	Ext string
	// UseLeadExt (KindAccept) says the script returned true: the lead keeps
	// its own ext, or takes its id when it has none.
	UseLeadExt bool
	// Reason is the cancel reason code (KindReject). A code too large for an
	// int32 is capped at math.MaxInt32.
	Reason int
	// URL is where to redirect the user (KindRedirect), trimmed of spaces.
	URL string
	// Message is the text to show the user (KindMessage).
	Message string
	// Value is the value as text (KindDone), as scripting.FormatValue writes it.
	Value string
}

// Classify reads v, a script's return value (scripting.Result.Return), by
// the rules of mode m (SPEC §3).
//
// Empty values (nil, false, "", the number 0) mean retry in every mode. A
// negative integer is a whole negative number or a string of "-" and digits
// only (so "-0" reads as a reject with reason 0, by the letter of the rule);
// a positive integer is a whole positive number or a string of digits only.
//
//   - new: negative integer → reject; true → accept with the lead's own ext;
//     anything else → accept with Ext = scripting.FormatValue(v).
//   - sync: a full http:// or https:// URL (with a host; spaces around it are
//     ignored) → redirect; a positive integer, or "id:xxx" with xxx not empty
//     → accept with that ext; negative integer → reject; other text →
//     message. Not covered by the platform, and decided here: true → accept
//     with the lead's own ext (as in new, and as a 2xx answer without a post
//     script reads); tables and fractional numbers → retry, so the lead goes
//     the classic way instead of showing the user something unreadable.
//   - changes, approved, postback, hook and any other mode: non-empty → done.
func Classify(m mode.Mode, v any) Verdict {
	if isEmpty(v) {
		return Verdict{Kind: KindRetry}
	}
	switch m {
	case mode.New, mode.Check:
		return classifyNew(v)
	case mode.Sync:
		return classifySync(v)
	default:
		return Verdict{Kind: KindDone, Value: scripting.FormatValue(v)}
	}
}

func classifyNew(v any) Verdict {
	if reason, ok := negativeInteger(v); ok {
		return Verdict{Kind: KindReject, Reason: reason}
	}
	if v == true {
		return Verdict{Kind: KindAccept, UseLeadExt: true}
	}
	return Verdict{Kind: KindAccept, Ext: scripting.FormatValue(v)}
}

func classifySync(v any) Verdict {
	if s, ok := v.(string); ok {
		if u, ok := fullURL(s); ok {
			return Verdict{Kind: KindRedirect, URL: u}
		}
		if ext, ok := strings.CutPrefix(s, "id:"); ok && ext != "" {
			return Verdict{Kind: KindAccept, Ext: ext}
		}
	}
	if reason, ok := negativeInteger(v); ok {
		return Verdict{Kind: KindReject, Reason: reason}
	}
	if ext, ok := positiveInteger(v); ok {
		return Verdict{Kind: KindAccept, Ext: ext}
	}
	switch v := v.(type) {
	case string:
		return Verdict{Kind: KindMessage, Message: v}
	case bool: // true: false is empty
		return Verdict{Kind: KindAccept, UseLeadExt: true}
	}
	return Verdict{Kind: KindRetry}
}

// isEmpty reports whether v is nil, false, "" or the number 0.
func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case string:
		return v == ""
	}
	f, ok := toFloat(v)
	return ok && f == 0
}

// negativeInteger reports whether v is a negative integer, and its absolute
// value as a reason code.
func negativeInteger(v any) (int, bool) {
	if s, ok := v.(string); ok {
		digits, ok := strings.CutPrefix(s, "-")
		if !ok || !allDigits(digits) {
			return 0, false
		}
		n, err := strconv.ParseInt(digits, 10, 32)
		if err != nil { // only digits, so it is too large
			return math.MaxInt32, true
		}
		return int(n), true
	}
	f, ok := toFloat(v)
	if !ok || f >= 0 || f != math.Trunc(f) {
		return 0, false
	}
	return int(min(-f, math.MaxInt32)), true
}

// positiveInteger reports whether v is a positive integer, and its text.
func positiveInteger(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, allDigits(s)
	}
	f, ok := toFloat(v)
	if !ok || f <= 0 || f != math.Trunc(f) || math.IsInf(f, 0) {
		return "", false
	}
	return scripting.FormatValue(v), true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// fullURL reports whether s, trimmed of spaces, is an absolute http or https
// URL with a host.
func fullURL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", false
	}
	return s, true
}

// toFloat returns v as a float64 when v is a Go number.
func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case float32:
		return float64(v), true
	}
	return 0, false
}

// NoScriptReturn is the return value to classify when a mode has no post
// script (SPEC §3): true for a 2xx answer, nil for any other. In mode new, a
// JSON object body with a top-level "id" returns that id instead of true
// (int64 for whole numbers, float64, or the string as is), as long as it
// reads as an ext: an id that is empty (0, "") or a negative integer, which
// Classify would take for a retry or a reject, is passed over for true.
func NoScriptReturn(m mode.Mode, code int, body []byte) any {
	if code < 200 || code > 299 {
		return nil
	}
	if m == mode.New || m == mode.Check {
		if id, ok := bodyID(body); ok {
			return id
		}
	}
	return true
}

func bodyID(body []byte) (any, bool) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, false
	}
	var id any
	switch v := doc["id"].(type) {
	case string:
		id = v
	case json.Number:
		id = scripting.JSONNumber(v)
	default:
		return nil, false
	}
	verdict := Classify(mode.New, id)
	return id, verdict.Kind == KindAccept
}
