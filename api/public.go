package api

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

func (s *Server) publicRoutes(g *gin.RouterGroup) {
	g.Use(allowCORS)
	routes := []struct {
		method, path string
		fn           handler
	}{
		{http.MethodPost, "/api/v1/leads", s.postLead},
		{http.MethodGet, "/api/v1/leads/:id", s.getLeadStatus},
		{http.MethodPost, "/api/v1/leads/:id/changes", s.postChanges},
		{http.MethodPost, "/api/v1/status", s.postStatus},
		{http.MethodPost, "/api/v1/hooks/:integration", s.postHook},
		{http.MethodGet, "/api.php", s.apiPHP},
		{http.MethodPost, "/api.php", s.apiPHP},
	}
	for _, r := range routes {
		g.Handle(r.method, r.path, s.h(r.fn))
	}
	for _, r := range routes {
		if r.method == http.MethodPost {
			g.OPTIONS(r.path, preflight)
		}
	}
}

// allowCORS lets landing pages on any origin call the public endpoints from
// the browser (the thank-you page reads its lead's status with its token).
func allowCORS(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
}

func preflight(c *gin.Context) {
	c.Header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	c.Header("Access-Control-Allow-Headers", "Content-Type, Authorization")
	c.Header("Access-Control-Max-Age", "86400")
	c.Status(http.StatusNoContent)
}

// getLeadStatus is GET /api/v1/leads/{id}?token=: what the thank-you page
// shows, the ext with its integration's secrets as ***.
func (s *Server) getLeadStatus(c *gin.Context) error {
	l, err := s.tokenLead(c, c.Query("token"))
	if err != nil {
		return err
	}
	redactor, err := s.opts.Dispatcher.Redactor(c.Request.Context(), l.IntegrationID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"id": l.ID, "status": l.Status.String(), "status_id": int(l.Status), "reason": int(l.Reason), "ext": redactor.Redact(l.Ext)})
	return nil
}

// tokenLead loads the lead of the path whose token the request gives. A
// token that is forged, of another lead, or of a lead that does not exist
// gets the same 404, so the answer tells nothing of which.
func (s *Server) tokenLead(c *gin.Context, token string) (*lead.Lead, error) {
	if token == "" {
		return nil, newError(http.StatusUnauthorized, CodeUnauthorized, "token: the lead's token is required")
	}
	missing := notFound("no lead %s with this token", c.Param("id"))
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, missing
	}
	got, err := s.opts.Dispatcher.Tokens().Decode(token)
	if err != nil || got != id {
		return nil, missing
	}
	l, err := s.opts.Store.GetLead(c.Request.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, missing
	}
	return l, err
}

// postChanges is POST /api/v1/leads/{id}/changes?token=: order data changed
// on the thank-you page (an upsell, an address). The lead is marked changed
// for its integration's changes mode.
func (s *Server) postChanges(c *gin.Context) error {
	in, err := readInput(c.Request)
	if err != nil {
		return err
	}
	token, err := in.take("token")
	if err != nil {
		return err
	}
	l, err := s.tokenLead(c, token)
	if err != nil {
		return err
	}
	cols, err := orderChanges(l, in.values, orderKeys)
	if err != nil {
		return err
	}
	if err := s.opts.Dispatcher.MarkChanged(c.Request.Context(), l.ID, cols); err != nil {
		return err
	}
	c.JSON(http.StatusOK, succeeded(l.ID))
	return nil
}

// orderChanges reads changed order data into the columns to write: the
// allowed fields by name, custom fields (the meta object, and any other
// key) merged into the lead's meta. The lead is left as it was.
func orderChanges(l *lead.Lead, values map[string]any, allowed []string) (map[string]any, error) {
	if len(values) == 0 {
		return nil, invalid("no order data to change")
	}
	next := *l
	next.Meta = maps.Clone(l.Meta)
	cols := map[string]any{}
	var problems []Problem
	for _, k := range sortedKeys(values) {
		if err := orderChange(&next, cols, k, values[k], allowed); err != nil {
			problems = append(problems, Problem{Field: k, Message: asError(err).Message})
		}
	}
	if err := problemsError(problems); err != nil {
		return nil, err
	}
	if err := checkColumns(&next); err != nil {
		return nil, err
	}
	if !maps.Equal(next.Meta, l.Meta) {
		b, _ := json.Marshal(next.Meta)
		cols["meta"] = string(b)
	}
	return cols, nil
}

// orderChange reads one changed value into next, and its column into cols.
func orderChange(next *lead.Lead, cols map[string]any, key string, v any, allowed []string) error {
	f := fieldFor(key)
	var err error
	switch {
	case key == "meta":
		next.Meta, err = mergeMetaObject(next.Meta, v)
	case f != nil && slices.Contains(allowed, f.key):
		if err = f.set(next, key, v); err == nil {
			cols[f.column] = f.value(next)
		}
	default:
		next.Meta, err = mergeMeta(next.Meta, key, v)
	}
	return err
}
