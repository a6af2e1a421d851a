package dispatcher

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// change is what an attempt does to the lead: the fields to write and the
// status it moves to (0: none).
type change struct {
	cols   map[string]any
	status lead.Status
	// retry is set when the attempt must be tried again later.
	retry bool
	// redirect and message are what a waiting visitor is shown (sync).
	redirect, message string
	ext               string
	reason            int
}

// leadChange reads a new or sync attempt's verdict the way SPEC §3 says, with
// the script's lead.edit fields applied together with it.
func leadChange(m mode.Mode, l *lead.Lead, a *attempt) change {
	ch := change{cols: map[string]any{}}
	applyEdit(ch.cols, l, a.edit)
	if a.outcome != "" {
		ch.retry = true
		return ch
	}
	v := a.verdict
	switch v.Kind {
	case KindReject:
		ch.status, ch.reason = lead.Cancel, v.Reason
		a.outcome = OutcomeRejected
	case KindAccept:
		ch.status, ch.ext = lead.Processing, v.Ext
		if v.UseLeadExt {
			ch.ext = extOrID(l, a.edit)
		}
		a.outcome = OutcomeSuccess
	case KindRedirect:
		ch.redirect = v.URL
		a.outcome = OutcomeRedirect
	case KindMessage:
		ch.status, ch.message = lead.Deleted, v.Message
		a.outcome = OutcomeDeleted
	default:
		ch.retry = true
		a.outcome = OutcomeError
		if a.err == nil {
			a.err = errEmptyReturn(m, a)
		}
	}
	if ch.status != 0 {
		ch.cols["status"] = ch.status
		ch.cols["reason"] = ch.reason
	}
	if ch.ext != "" {
		ch.cols["ext"] = ch.ext
	}
	return ch
}

// errEmptyReturn says why an attempt's result is empty and what happens
// next: a sync send's lead goes the classic way, anything else is sent again.
func errEmptyReturn(m mode.Mode, a *attempt) error {
	var why string
	switch {
	case a.noReturn:
		why = "the processing code returned nothing (no return statement?)"
	case a.ret == nil && a.resp != nil && a.resp.Code != 0:
		why = fmt.Sprintf("the answer's code %d is not 2xx (no processing code reads it)", a.resp.Code)
	case a.ret == nil:
		why = "no request was made and there is no result"
	default:
		why = fmt.Sprintf("the %s processing code returned an empty result (%s)", m, shownValue(a.ret))
	}
	if m == mode.Sync {
		return errors.New(why + ": the lead goes the classic way")
	}
	return errors.New(why + retryNote)
}

// retryNote ends the message of an empty return that is tried again.
const retryNote = ": sent again in a minute"

// shownValue is a return value as a message quotes it: "" for the empty string.
func shownValue(v any) string {
	if s := scripting.FormatValue(v); s != "" {
		return s
	}
	return `""`
}

// extOrID is the ext a `true` return stores: the lead's ext (as lead.edit may
// just have set it), else its id.
func extOrID(l *lead.Lead, edit *scripting.LeadEdit) string {
	if edit != nil && edit.Ext != nil && *edit.Ext != "" {
		return *edit.Ext
	}
	if l.Ext != "" {
		return l.Ext
	}
	return strconv.FormatInt(l.ID, 10)
}

// applyEdit writes what lead.edit set.
func applyEdit(cols map[string]any, l *lead.Lead, e *scripting.LeadEdit) {
	if e == nil {
		return
	}
	if e.Ext != nil {
		cols["ext"] = *e.Ext
	}
	if e.Comment != nil {
		cols["comment"] = *e.Comment
	}
	if len(e.Meta) > 0 {
		meta := make(map[string]string, len(l.Meta)+len(e.Meta))
		for k, v := range l.Meta {
			meta[k] = v
		}
		for k, v := range e.Meta {
			meta[k] = v
		}
		b, _ := json.Marshal(meta)
		cols["meta"] = string(b)
	}
}

// retryCols counts a failed attempt: the row is due again at retryAt, and
// after max attempts (0: no limit) it is marked failed.
//
// retryAt is a minute after the sweep's cut-off, not after the attempt: an
// attempt ends after its sweep's cut-off, and a row due a minute after it
// would miss the next minute's cut-off by as much and wait for the sweep
// after that.
func retryCols(cols map[string]any, attempts, max int, retryAt time.Time, failedCol string, failedVal any) {
	cols["attempts"] = attempts
	cols["next_at"] = retryAt.UnixMilli()
	if gaveUp(attempts, max) {
		cols[failedCol] = failedVal
	}
}

// gaveUp tells whether a sending error at this attempt marks the lead or
// delivery failed: max attempts are spent (0: no limit).
func gaveUp(attempts, max int) bool { return max > 0 && attempts >= max }

// deliveryCols reads a changes, approved or postback attempt: any non-empty
// value is success, empty is a retry due at retryAt.
func deliveryCols(t *task, a *attempt, now, retryAt time.Time) map[string]any {
	cols := map[string]any{"updated_at": now, "last_message": shownMessage(a, t.redactor())}
	del := t.delivery
	attempts := del.Attempts + 1
	if a.outcome == "" && a.verdict.Kind == KindDone {
		a.outcome = OutcomeSuccess
		cols["attempts"] = attempts
		cols["sent_version"] = del.Version
		cols["next_at"] = now.UnixMilli()
		// A change made while this one was in flight raised the version:
		// the row stays pending for it, due at once.
		cols["state"] = gorm.Expr("CASE WHEN version = ? THEN ? ELSE ? END", del.Version, storage.DeliveryDone, storage.DeliveryPending)
		if t.mode == mode.Approved {
			cols["ext"] = a.verdict.Value
		}
		return cols
	}
	if a.outcome == "" {
		a.outcome = OutcomeError
		a.err = errEmptyReturn(t.mode, a)
	}
	retryCols(cols, attempts, maxAttempts(t), retryAt, "state", storage.DeliveryFailed)
	return cols
}

func maxAttempts(t *task) int {
	if t.integ == nil {
		return integrations.DefaultMaxAttempts
	}
	return t.integ.MaxAttempts
}

// messageOf is an attempt's message for the log: its error, or for a lead
// cancelled by the target, the reason by code and name.
func messageOf(a *attempt) string {
	switch {
	case a.err != nil:
		return a.err.Error()
	case a.outcome == OutcomeRejected:
		r := lead.Reason(a.verdict.Reason)
		return fmt.Sprintf("cancelled with reason %d, %s", int(r), r)
	}
	return ""
}

// logRow is the log's record of an attempt (SPEC §7), secrets as ***.
func logRow(t *task, a *attempt, attempt int, now time.Time) *storage.LogEntry {
	redactor := t.redactor()
	integrationID := int64(0)
	if t.integ != nil {
		integrationID = t.integ.Doc.ID
	}
	row := &storage.LogEntry{
		Time: now, LeadID: t.lead.ID, IntegrationID: integrationID, Mode: string(t.mode), Attempt: attempt,
		Outcome: a.outcome, DurationMS: a.duration.Milliseconds(), Message: shownMessage(a, redactor),
		Uncertain: isUncertain(a),
	}
	if a.wire.Method != "" {
		row.Request = string(shownRequest(a.wire, redactor).appendJSON(nil))
	}
	if a.resp != nil && a.resp.Code != 0 {
		row.Response = string(shownResponse(a.resp, a.truncated, logBodyLimit, redactor).appendJSON(nil))
	}
	if a.ret != nil {
		row.Return = redactor.Redact(scripting.FormatValue(a.ret))
	}
	if len(a.scriptLog) > 0 {
		row.ScriptLog = string(appendJSONArray(nil, shownLines(a.scriptLog, redactor)))
	}
	return row
}

// logBodyLimit caps a response body in the log.
const logBodyLimit = 64 << 10

// responseView is a response as the log and the dry run show it.
type responseView struct {
	Code             int               `json:"code"`
	Headers          map[string]string `json:"headers"`
	Body             string            `json:"body"`
	TimeMS           int64             `json:"time_ms,omitempty"`
	Truncated        bool              `json:"truncated,omitempty"`
	HeadersTruncated bool              `json:"headers_truncated,omitempty"`
}

// plural is n and the noun, with an s unless n is 1: "3 attempts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
