package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/dispatcher"
)

// hookTestResult is the answer of a hook dry run: what the script logged and
// returned, and what the webhook would do; or the script's error.
type hookTestResult struct {
	ScriptLog []string                `json:"script_log"`
	Return    any                     `json:"return"`
	Effect    *HookEffect             `json:"effect,omitempty"`
	Error     *dispatcher.ScriptError `json:"error,omitempty"`
}

// HookEffect is what a webhook would do, in a hook dry run's answer: which
// lead, which status change, which postbacks; or why it would be refused
// (Refused, with the answer's code).
type HookEffect struct {
	LeadID    int64                 `json:"lead_id,omitempty"`
	From      string                `json:"from,omitempty"`
	Status    string                `json:"status,omitempty"`
	Reason    int                   `json:"reason,omitempty"`
	Ext       *string               `json:"ext,omitempty"`
	Comment   *string               `json:"comment,omitempty"`
	Postbacks []dispatcher.Postback `json:"postbacks,omitempty"`
	Refused   string                `json:"refused,omitempty"`
	Code      int                   `json:"code,omitempty"`
}

// testHook runs the hook script on the webhook the request gives and says
// what POST /api/v1/hooks/{id} would do with it. Nothing is written.
func (s *Server) testHook(c *gin.Context, id int64, req testRequest) error {
	if req.LeadID != 0 || len(req.Lead) > 0 || req.Send || req.Response != nil {
		return invalid("a hook dry run takes body, headers and query: the webhook, not a lead or a response")
	}
	if req.Body == nil {
		return invalid("body: the webhook's body is required (a string)")
	}
	ctx := c.Request.Context()
	try, err := s.opts.Dispatcher.TryHook(ctx, id, []byte(*req.Body), testHookRequest(id, req))
	if err != nil {
		return err
	}
	out := hookTestResult{ScriptLog: try.ScriptLog, Return: try.Return, Error: try.Error}
	if try.Error == nil {
		out.Effect = s.HookEffect(ctx, id, try.Result)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// testHookRequest is the request global a dry run's hook script sees.
func testHookRequest(id int64, req testRequest) map[string]any {
	headers, query := map[string]any{}, map[string]any{}
	for k, v := range req.Headers {
		headers[http.CanonicalHeaderKey(k)] = v
	}
	for k, v := range req.Query {
		query[k] = v
	}
	return map[string]any{"method": http.MethodPost, "path": "/api/v1/hooks/" + strconv.FormatInt(id, 10),
		"query": query, "headers": headers, "ip": ""}
}

// HookEffect finds the lead and the change a webhook names, as postHook
// does, and the postbacks the change would queue.
func (s *Server) HookEffect(ctx context.Context, id int64, res *dispatcher.HookResult) *HookEffect {
	refused := func(e *HookEffect, err error) *HookEffect {
		answer := asError(err)
		e.Refused, e.Code = answer.Message, answer.HTTPStatus
		return e
	}
	l, err := s.hookLead(ctx, id, res)
	if err != nil {
		return refused(&HookEffect{}, err)
	}
	e := &HookEffect{LeadID: l.ID, From: l.Status.String()}
	ch, err := s.hookChange(ctx, l, res)
	if err != nil {
		return refused(e, err)
	}
	e.Status, e.Reason, e.Ext, e.Comment = ch.Status.String(), int(ch.Reason), ch.Ext, ch.Comment
	if ch.Status != l.Status {
		e.Postbacks = s.opts.Dispatcher.Postbacks(ctx, l, ch.Status)
	}
	return e
}
