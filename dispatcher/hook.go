package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
)

// HookResult is what an integration's hook script read from a CRM webhook.
type HookResult struct {
	LeadID  int64
	Ext     string
	Status  string // as the CRM sent it: still to be mapped through status_map
	Comment string
}

// ErrHookResult is returned when a hook script returns something other than
// {lead_id=…, ext=…, status=…, comment=…}.
var ErrHookResult = errors.New("the hook script's result cannot be read")

// Hook runs an integration's hook script on a webhook body. The script sees
// the body as result and the request (method, headers, query) as request,
// and returns {lead_id=…, ext=…, status=…, comment=…}. A webhook the script
// cannot read is logged with its body, so nothing a CRM sends is dropped
// unseen; the error is a *scripting.Error or wraps ErrHookResult.
func (d *Dispatcher) Hook(ctx context.Context, integrationID int64, body []byte, request map[string]any) (*HookResult, error) {
	c, err := d.registry.get(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	if c.Hook == nil {
		return nil, fmt.Errorf("%w: integration %d has no hook script", ErrUnknownMode, integrationID)
	}
	res, _, err := d.runHook(ctx, c, body, request)
	if err != nil {
		d.logHookFailure(ctx, c, body, err)
		return nil, err
	}
	return res, nil
}

// HookTry is what an integration's hook script made of a webhook in a dry
// run: what it read, its log lines and return value, or how it failed.
type HookTry struct {
	Result    *HookResult
	ScriptLog []string
	Return    any
	// Error is the script's failure, or a return value that cannot be read.
	Error *ScriptError
}

// TryHook runs an integration's hook script on a webhook, as Hook does, and
// writes nothing, not even the log row of a failure.
func (d *Dispatcher) TryHook(ctx context.Context, integrationID int64, body []byte, request map[string]any) (*HookTry, error) {
	c, err := d.registry.get(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	if c.Hook == nil {
		return nil, fmt.Errorf("%w: integration %d has no hook script", ErrUnknownMode, integrationID)
	}
	res, run, err := d.runHook(ctx, c, body, request)
	try := &HookTry{Result: res, ScriptLog: []string{}}
	if run != nil {
		try.ScriptLog, try.Return = append(try.ScriptLog, run.Log...), run.Return
	}
	var se *scripting.Error
	switch {
	case errors.As(err, &se):
		try.Error = &ScriptError{Script: se.Script, Line: se.Line, Message: se.Message}
		try.ScriptLog = append(try.ScriptLog, se.Error())
	case err != nil:
		try.Error = &ScriptError{Message: err.Error()}
	}
	return try, nil
}

// runHook runs the hook script and reads what it returned; the script's own
// result (its log lines) comes back whenever the script ran.
func (d *Dispatcher) runHook(ctx context.Context, c *integrations.Compiled, body []byte, request map[string]any) (*HookResult, *scripting.Result, error) {
	env := &scripting.Env{Mode: mode.Hook, Result: string(body), Secrets: c.Doc.Secrets, Extra: map[string]any{"request": request}}
	res, err := d.cfg.Engine.Run(ctx, c.Hook, env)
	if err != nil {
		return nil, res, err
	}
	out, err := hookResult(res.Return)
	return out, res, err
}

// hookResult reads a hook script's return value.
func hookResult(ret any) (*HookResult, error) {
	t, ok := ret.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: it returned %s, not a table {lead_id=, ext=, status=, comment=}", ErrHookResult, scripting.FormatValue(ret))
	}
	out := &HookResult{Ext: text(t["ext"]), Status: text(t["status"]), Comment: text(t["comment"])}
	if id := text(t["lead_id"]); id != "" {
		var err error
		if out.LeadID, err = strconv.ParseInt(id, 10, 64); err != nil {
			return nil, fmt.Errorf("%w: lead_id %q is not a number", ErrHookResult, id)
		}
	}
	return out, nil
}

func (d *Dispatcher) logHookFailure(ctx context.Context, c *integrations.Compiled, body []byte, why error) {
	row := &storage.LogEntry{Time: d.cfg.Clock.Now(), IntegrationID: c.Doc.ID, Mode: string(mode.Hook),
		Outcome: OutcomeError, Request: c.Redactor.Redact(string(body)),
		Message: c.Redactor.Redact(why.Error())}
	if err := d.cfg.Store.AppendLog(ctx, row); err != nil {
		d.cfg.Logger.Error("logging a webhook the hook script could not read", "integration", c.Doc.ID, "err", err)
	}
}

func text(v any) string {
	if v == nil {
		return ""
	}
	return scripting.FormatValue(v)
}
