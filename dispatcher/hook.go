package dispatcher

import (
	"context"
	"fmt"
	"strconv"

	"github.com/leadrelay/leadrelay/scripting"
)

// HookResult is what an integration's hook script read from a CRM webhook.
type HookResult struct {
	LeadID  int64
	Ext     string
	Status  string // as the CRM sent it: still to be mapped through status_map
	Comment string
}

// Hook runs an integration's hook script on a webhook body. The script sees
// the body as result and the request (method, headers, query) as request,
// and returns {lead_id=…, ext=…, status=…, comment=…}.
func (d *Dispatcher) Hook(ctx context.Context, integrationID int64, body []byte, request map[string]any) (*HookResult, error) {
	c, err := d.registry.get(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	if c.Hook == nil {
		return nil, fmt.Errorf("%w: integration %d has no hook script", ErrUnknownMode, integrationID)
	}
	env := &scripting.Env{Mode: "hook", Result: string(body), Secrets: c.Doc.Secrets, Extra: map[string]any{"request": request}}
	res, err := d.cfg.Engine.Run(ctx, c.Hook, env)
	if err != nil {
		return nil, err
	}
	t, ok := res.Return.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the hook script of integration %d returned %s, not a table {lead_id=, ext=, status=, comment=}", integrationID, scripting.FormatValue(res.Return))
	}
	out := &HookResult{Ext: text(t["ext"]), Status: text(t["status"]), Comment: text(t["comment"])}
	if id := text(t["lead_id"]); id != "" {
		if out.LeadID, err = strconv.ParseInt(id, 10, 64); err != nil {
			return nil, fmt.Errorf("the hook script returned lead_id %q, not a number", id)
		}
	}
	return out, nil
}

func text(v any) string {
	if v == nil {
		return ""
	}
	return scripting.FormatValue(v)
}
