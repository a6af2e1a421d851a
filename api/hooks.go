package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// postHook is POST /api/v1/hooks/{integration}: a CRM's webhook. The
// integration's hook script reads it and names the lead and its new status,
// which goes through the status_map like any other.
func (s *Server) postHook(c *gin.Context) error {
	ctx := c.Request.Context()
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("integration"), 10, 64)
	if err != nil || id <= 0 {
		why := fmt.Sprintf("integration %s does not exist", c.Param("integration"))
		s.logRefused(ctx, &storage.LogEntry{Mode: string(mode.Hook), Outcome: outcomeNoID, Request: string(body), Message: why})
		return notFound("%s", why)
	}
	refused := func(leadID int64, outcome string, err error) error {
		s.logRefused(ctx, &storage.LogEntry{LeadID: leadID, IntegrationID: id, Mode: string(mode.Hook), Outcome: outcome,
			Request: string(body), Message: asError(err).Message})
		return err
	}
	res, err := s.opts.Dispatcher.Hook(ctx, id, body, hookRequest(c))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return refused(0, outcomeNoID, notFound("integration %d does not exist", id))
	case errors.Is(err, dispatcher.ErrUnknownMode):
		return refused(0, outcomeNoID, notFound("integration %d has no hook script", id))
	case err != nil:
		return err
	}
	l, err := s.hookLead(ctx, id, res)
	if err != nil {
		return refused(0, outcomeNoID, err)
	}
	ch, err := s.hookChange(ctx, l, res)
	if err != nil {
		return refused(l.ID, outcomeRejected, err)
	}
	ch.Source, ch.Raw, ch.Lead = "hook "+strconv.FormatInt(id, 10), string(body), l
	if err := s.opts.Dispatcher.ChangeStatus(ctx, ch); err != nil {
		return err
	}
	c.JSON(http.StatusOK, succeeded(l.ID))
	return nil
}

// hookRequest is the webhook as the script's request global sees it.
func hookRequest(c *gin.Context) map[string]any {
	query := map[string]any{}
	for k, v := range c.Request.URL.Query() {
		query[k] = v[0]
	}
	headers := map[string]any{}
	for k, v := range c.Request.Header {
		headers[k] = v[0]
	}
	return map[string]any{
		"method": c.Request.Method, "path": c.Request.URL.Path, "query": query,
		"headers": headers, "ip": c.ClientIP(),
	}
}

// hookLead finds the lead a hook names, by our id or by its ext at this
// integration; it must be one of the integration's leads.
func (s *Server) hookLead(ctx context.Context, integrationID int64, res *dispatcher.HookResult) (*lead.Lead, error) {
	var l *lead.Lead
	var err error
	switch {
	case res.LeadID != 0:
		l, err = s.opts.Store.GetLead(ctx, res.LeadID)
	case res.Ext != "":
		l, err = s.opts.Store.LeadByExt(ctx, integrationID, res.Ext)
	default:
		return nil, newError(http.StatusUnprocessableEntity, CodeNoID, "the hook script returned neither lead_id nor ext")
	}
	if err == nil && l.IntegrationID != integrationID {
		err = storage.ErrNotFound
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("integration %d has no lead %d (ext %q)", integrationID, res.LeadID, res.Ext)
	}
	return l, err
}

// hookChange is the change a hook asks for: its status mapped (no status
// keeps the lead's, so a CRM may send only a comment), its comment, and its
// ext when the lead was found by our id.
func (s *Server) hookChange(ctx context.Context, l *lead.Lead, res *dispatcher.HookResult) (dispatcher.StatusChange, error) {
	ch := dispatcher.StatusChange{LeadID: l.ID, Status: l.Status, Reason: l.Reason}
	if res.Status != "" {
		var err error
		if ch, err = s.statusChange(ctx, l, "status (from the hook script)", res.Status, ""); err != nil {
			return ch, err
		}
	}
	if res.Comment != "" {
		comment := multiLine(res.Comment)
		ch.Comment = &comment
	}
	if res.Ext != "" && res.LeadID != 0 {
		ext := oneLine(res.Ext)
		ch.Ext = &ext
	}
	return ch, checkChange(l, ch)
}

// checkChange refuses a comment or ext that its column cannot hold.
func checkChange(l *lead.Lead, ch dispatcher.StatusChange) error {
	next := *l
	if ch.Comment != nil {
		next.Comment = *ch.Comment
	}
	if ch.Ext != nil {
		next.Ext = *ch.Ext
	}
	return checkColumns(&next)
}
