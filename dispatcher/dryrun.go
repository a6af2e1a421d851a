package dispatcher

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// DryRun asks what an integration's mode would do with a lead.
type DryRun struct {
	IntegrationID int64
	Mode          string
	// LeadID names a stored lead; otherwise Lead is used as given.
	LeadID int64
	Lead   *lead.Lead
	// Send really sends the request; otherwise Response stands in for the
	// answer (no request at all when both are unset: post sees code 0).
	Send     bool
	Response *StubResponse
}

// StubResponse is a made-up answer for a dry run.
type StubResponse struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// DryRunResult is what the dry run saw and what it would do.
type DryRunResult struct {
	Request   any          `json:"request"`
	Response  any          `json:"response"`
	ScriptLog []string     `json:"script_log"`
	Return    any          `json:"return"`
	Effect    Effect       `json:"effect"`
	Error     *ScriptError `json:"error,omitempty"`
}

// Effect is what an attempt would do to the lead (absent keys: no change).
type Effect struct {
	Status   *string `json:"status"`
	Ext      string  `json:"ext,omitempty"`
	Reason   int     `json:"reason,omitempty"`
	Retry    bool    `json:"retry"`
	Redirect string  `json:"redirect,omitempty"`
	Message  string  `json:"message,omitempty"`
}

// ScriptError says which script failed, where and why.
type ScriptError struct {
	Script  string `json:"script,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// DryRun runs a mode of an integration on a lead and reports the request, the
// response, the script log, the return value and its effect. Nothing is
// written. A failing script is reported in the result's Error, not as err.
func (d *Dispatcher) DryRun(ctx context.Context, r DryRun) (*DryRunResult, error) {
	if err := checkMode(r.Mode); err != nil {
		return nil, err
	}
	c, err := d.registry.get(ctx, r.IntegrationID)
	if err != nil {
		return nil, err
	}
	m := mode.Mode(r.Mode)
	cm := c.Mode(m)
	if cm == nil {
		return nil, fmt.Errorf("%w: integration %d has mode %s disabled or missing", ErrUnknownMode, c.Doc.ID, r.Mode)
	}
	l, err := d.dryRunLead(ctx, r)
	if err != nil {
		return nil, err
	}
	t := &task{mode: m, integ: c, cm: cm, lead: l, status: l.Status, labels: c.Doc.PostbackLabels, stub: r.Response}
	if !r.Send && t.stub == nil {
		t.stub = &StubResponse{}
	}
	if m == mode.New {
		if a, ch, skipped := skipNew(t); skipped {
			return skippedResult(a, ch), nil
		}
	}
	a := d.try(ctx, t)
	return dryRunResult(t, a), nil
}

// skippedResult is the dry run of a new lead that a sweep sends no request
// for (skipNew): what it would do, and why nothing is sent.
func skippedResult(a *attempt, ch change) *DryRunResult {
	status := ch.status.String()
	return &DryRunResult{ScriptLog: []string{}, Effect: Effect{Status: &status, Ext: ch.ext, Message: a.err.Error()}}
}

func (d *Dispatcher) dryRunLead(ctx context.Context, r DryRun) (*lead.Lead, error) {
	if r.LeadID != 0 {
		return d.cfg.Store.GetLead(ctx, r.LeadID)
	}
	if r.Lead == nil {
		return nil, errors.New("a dry run needs lead_id or lead")
	}
	l := *r.Lead
	if l.Status == 0 {
		l.Status = lead.New
	}
	return &l, nil
}

func dryRunResult(t *task, a *attempt) *DryRunResult {
	redactor := t.integ.Redactor
	out := &DryRunResult{ScriptLog: shownLines(a.scriptLog, redactor), Return: shownReturn(a.ret, redactor)}
	if out.ScriptLog == nil {
		out.ScriptLog = []string{}
	}
	if a.wire.Method != "" {
		out.Request = shownRequest(a.wire, redactor)
	} else if a.req != nil {
		out.Request = shownRequest(wireRequest{Method: a.req.Method, URL: a.req.URL, Headers: map[string]string{}}, redactor)
	}
	if a.resp != nil {
		out.Response = shownResponse(a.resp, a.truncated, 0, redactor)
	}
	var se *scripting.Error
	if errors.As(a.err, &se) {
		out.Error = &ScriptError{Script: se.Script, Line: se.Line, Message: redactor.Redact(se.Message)}
	} else if a.err != nil && a.outcome == OutcomeHTTPFail {
		out.Error = &ScriptError{Message: shownMessage(a, redactor)}
	}
	out.Effect = effectOf(t, a)
	out.Effect.Ext = redactor.Redact(out.Effect.Ext)
	out.Effect.Redirect = redactor.Redact(out.Effect.Redirect)
	out.Effect.Message = redactor.Redact(out.Effect.Message)
	if out.Effect.Retry && out.Error == nil {
		why := a.err
		if why == nil {
			why = errEmptyReturn(t.mode, a)
		}
		out.Effect.Message = redactor.Redact(why.Error())
	}
	return out
}

// effectOf says what the attempt would do, by the rules of its mode.
func effectOf(t *task, a *attempt) Effect {
	if t.mode == mode.Check {
		return changeEffect(checkChange(t.lead, a))
	}
	if t.mode != mode.New && t.mode != mode.Sync {
		if !a.stopped && a.verdict.Kind == KindDone {
			return Effect{Ext: extIfApproved(t.mode, a.verdict.Value)}
		}
		return Effect{Retry: true}
	}
	return changeEffect(leadChange(t.mode, t.lead, a))
}

// changeEffect is the effect of a new, sync or check attempt's change.
func changeEffect(ch change) Effect {
	e := Effect{Ext: ch.ext, Reason: ch.reason, Retry: ch.retry, Redirect: ch.redirect, Message: ch.message}
	if ext, ok := ch.writtenExt(); ok {
		e.Ext = ext
	}
	if ch.status != 0 {
		name := ch.status.String()
		e.Status = &name
	}
	return e
}

func extIfApproved(m mode.Mode, v string) string {
	if m == mode.Approved {
		return v
	}
	return ""
}
