package api

import (
	"encoding/json"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// leadView is a lead as the API shows it (SPEC §6): every field by its §1
// name, the status by name and id, and whether changes wait to be sent.
type leadView struct {
	lead.Lead
	Status   string `json:"status"`
	StatusID int    `json:"status_id"`
	Changed  bool   `json:"changed"`
}

// adminLeadView is one lead with its whole log, oldest first.
type adminLeadView struct {
	leadView
	Log []logView `json:"log"`
}

func newLeadView(l lead.Lead, changed bool) leadView {
	if l.Items == nil {
		l.Items = lead.Items{}
	}
	if l.Meta == nil {
		l.Meta = map[string]string{}
	}
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return leadView{Lead: l, Status: l.Status.String(), StatusID: int(l.Status), Changed: changed}
}

// logView is a log row (SPEC §6): the stored JSON texts as JSON.
type logView struct {
	ID          int64           `json:"id"`
	Time        time.Time       `json:"time"`
	LeadID      int64           `json:"lead_id"`
	Integration int64           `json:"integration"`
	Mode        string          `json:"mode"`
	Attempt     int             `json:"attempt"`
	Outcome     string          `json:"outcome"`
	Request     json.RawMessage `json:"request"`
	Response    json.RawMessage `json:"response"`
	DurationMS  int64           `json:"duration_ms"`
	Return      json.RawMessage `json:"return"`
	Message     string          `json:"message"`
	ScriptLog   json.RawMessage `json:"script_log"`
	By          string          `json:"by,omitempty"`
	Uncertain   bool            `json:"uncertain,omitempty"`
}

func newLogView(e storage.LogEntry) logView {
	scriptLog := storedJSON(e.ScriptLog)
	if e.ScriptLog == "" {
		scriptLog = json.RawMessage("[]")
	}
	return logView{
		ID: e.ID, Time: e.Time.UTC(), LeadID: e.LeadID, Integration: e.IntegrationID,
		Mode: e.Mode, Attempt: e.Attempt, Outcome: e.Outcome,
		Request: storedJSON(e.Request), Response: storedJSON(e.Response),
		DurationMS: e.DurationMS, Return: storedJSON(e.Return), Message: e.Message, ScriptLog: scriptLog,
		By:        e.By,
		Uncertain: e.Uncertain,
	}
}

func newLogViews(rows []storage.LogEntry) []logView {
	out := make([]logView, len(rows))
	for i, r := range rows {
		out[i] = newLogView(r)
	}
	return out
}

// storedJSON is a stored JSON text as JSON: null when empty, a string when
// the text is not JSON after all.
func storedJSON(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}
