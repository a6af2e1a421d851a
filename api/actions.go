package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/user"
)

// patchLead is PATCH /api/v1/admin/leads/{id}: status, reason, comment and
// ext change the status (and fire postbacks); any other §1 field is order
// data (and marks the lead changed). Everything is checked before anything
// is written. The answer is the lead as it now stands.
func (s *Server) patchLead(c *gin.Context) error {
	l, err := s.adminLead(c)
	if err != nil {
		return err
	}
	in, err := readInput(c.Request)
	if err != nil {
		return err
	}
	raw := in.raw()
	ch, err := adminChange(l, in)
	if err != nil {
		return err
	}
	cols, err := patchColumns(l, in.values)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if ch != nil {
		ch.Source, ch.Raw, ch.Lead = "admin", raw, l
		if err := s.opts.Dispatcher.ChangeStatus(ctx, *ch); err != nil {
			return err
		}
	}
	if len(cols) > 0 {
		if err := s.opts.Dispatcher.MarkChanged(ctx, l.ID, cols); err != nil {
			return err
		}
	}
	return s.answerLead(c, l.ID)
}

// patchColumns reads the order data of a PATCH; a key that is not a lead
// field is refused (an admin's typo should not become a custom field).
func patchColumns(l *lead.Lead, values map[string]any) (map[string]any, error) {
	for k := range values {
		if f := fieldFor(k); k != "meta" && (f == nil || f.key == "integration") {
			return nil, invalid("%s: not a field of a lead", k)
		}
	}
	if len(values) == 0 {
		return nil, nil
	}
	return orderChanges(l, values, intakeKeys)
}

// adminChange takes status, reason, comment and ext out of a PATCH: nil
// when it has none of them.
func adminChange(l *lead.Lead, in *input) (*dispatcher.StatusChange, error) {
	_, hasExt := in.values["ext"]
	_, hasComment := in.values["comment"]
	_, hasStatus := in.values["status"]
	_, hasReason := in.values["reason"]
	if !hasExt && !hasComment && !hasStatus && !hasReason {
		return nil, nil
	}
	comment, err := optionalComment(in)
	if err != nil {
		return nil, err
	}
	delete(in.values, "comment")
	vals, err := takeAll(in, "status", "reason", "ext")
	if err != nil {
		return nil, err
	}
	ch := &dispatcher.StatusChange{LeadID: l.ID, Comment: comment}
	if hasExt {
		ext := oneLine(vals["ext"])
		ch.Ext = &ext
	}
	if ch.Status, err = optionalStatus(vals["status"]); err != nil {
		return nil, err
	}
	if ch.Status == 0 {
		ch.Status = l.Status
	}
	if ch.Reason, err = reasonFor(l, ch.Status, vals["reason"]); err != nil {
		return nil, err
	}
	return ch, checkChange(l, *ch)
}

func (s *Server) answerLead(c *gin.Context, id int64) error {
	ctx := c.Request.Context()
	l, err := s.opts.Store.GetLead(ctx, id)
	if err != nil {
		return err
	}
	views, err := s.leadViews(ctx, []lead.Lead{*l})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, views[0])
	return nil
}

// requeueRequest is the body of POST /api/v1/admin/leads/requeue.
type requeueRequest struct {
	IDs    []int64        `json:"ids"`
	Filter *requeueFilter `json:"filter"`
	Mode   string         `json:"mode"`
}

type requeueFilter struct {
	Status      jsonStatus `json:"status"`
	Reason      jsonReason `json:"reason"`
	Integration int64      `json:"integration"`
	Failed      *bool      `json:"failed"`
	Since       jsonTime   `json:"since"`
	Until       jsonTime   `json:"until"`
}

// requeue puts failed or cancelled leads (or a mode's failed deliveries)
// back in their queue.
func (s *Server) requeue(c *gin.Context) error {
	var req requeueRequest
	if err := decodeStrict(c.Request, &req); err != nil {
		return err
	}
	if len(req.IDs) == 0 && req.Filter == nil {
		return invalid(`say which leads: {"ids":[…]} or {"filter":{…}}`)
	}
	r := dispatcher.Requeue{IDs: req.IDs, Mode: req.Mode}
	if f := req.Filter; f != nil {
		r.Filter = storage.LeadFilter{Status: lead.Status(f.Status), Reason: lead.Reason(f.Reason),
			Integration: f.Integration, Failed: f.Failed, Since: time.Time(f.Since), Until: time.Time(f.Until)}
	}
	n, err := s.opts.Dispatcher.Requeue(c.Request.Context(), r)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"requeued": n})
	return nil
}

// sweep is POST /api/v1/admin/sweep: one sweep now, of a mode or of all.
func (s *Server) sweep(c *gin.Context) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err
	}
	var req struct {
		Mode string `json:"mode"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeStrictBytes(body, &req); err != nil {
			return err
		}
	}
	counts, err := s.opts.Dispatcher.Sweep(c.Request.Context(), req.Mode)
	if err != nil {
		return err
	}
	if counts == nil {
		counts = map[string]int{}
	}
	c.JSON(http.StatusOK, gin.H{"outcomes": counts})
	return nil
}

// testRequest is the body of POST /api/v1/admin/integrations/{id}/test.
type testRequest struct {
	Mode     string                   `json:"mode"`
	LeadID   int64                    `json:"lead_id"`
	Lead     json.RawMessage          `json:"lead"`
	Send     bool                     `json:"send"`
	Response *dispatcher.StubResponse `json:"response"`
	// Body, Headers and Query are the webhook of a hook dry run.
	Body    *string           `json:"body"`
	Headers map[string]string `json:"headers"`
	Query   map[string]string `json:"query"`
}

// testIntegration is a dry run: what a mode would send and do with a lead.
// The answer is the dispatcher's result as is, a failing script included.
func (s *Server) testIntegration(c *gin.Context) error {
	id, err := integrationID(c)
	if err != nil {
		return err
	}
	var req testRequest
	if err := decodeStrict(c.Request, &req); err != nil {
		return err
	}
	if req.Mode == string(mode.Hook) {
		return s.testHook(c, id, req)
	}
	if req.Body != nil || req.Headers != nil || req.Query != nil {
		return invalid("body, headers and query are a webhook's: they go with mode hook")
	}
	if req.Send {
		if err := allow(c, user.Send); err != nil {
			return err
		}
	}
	run, err := DryRunOf(id, req.Mode, req.LeadID, req.Lead, req.Send, req.Response)
	if err != nil {
		return err
	}
	res, err := s.opts.Dispatcher.DryRun(c.Request.Context(), run)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, res)
	return nil
}

// DryRunOf checks and builds a dry run: a stored lead or a lead given as
// JSON (§1 fields by name, and status and reason by id or name), and either
// a real send or a made-up response.
func DryRunOf(integrationID int64, name string, leadID int64, leadJSON []byte, send bool, resp *dispatcher.StubResponse) (dispatcher.DryRun, error) {
	run := dispatcher.DryRun{IntegrationID: integrationID, Mode: cmp.Or(name, string(mode.New)), LeadID: leadID, Send: send, Response: resp}
	hasLead := len(bytes.TrimSpace(leadJSON)) > 0 && string(bytes.TrimSpace(leadJSON)) != "null"
	switch {
	case (leadID == 0) == !hasLead:
		return run, invalid("give lead_id or lead, one of the two")
	case send && resp != nil:
		return run, invalid("give send or response, not both")
	case hasLead:
		l, err := dryRunLead(leadJSON)
		run.Lead = l
		return run, err
	}
	return run, nil
}

// dryRunLead reads a lead given as JSON for a dry run.
func dryRunLead(raw []byte) (*lead.Lead, error) {
	obj, err := decodeObject(raw)
	if err != nil {
		return nil, invalid("lead: want an object of lead fields")
	}
	in := &input{values: obj, isJSON: true}
	vals, err := takeAll(in, "status", "reason", "id")
	if err != nil {
		return nil, err
	}
	l, err := buildLead(in, intakeTrust{admin: true, fields: true})
	if err != nil {
		return nil, err
	}
	if l.Status, err = optionalStatus(vals["status"]); err != nil {
		return nil, err
	}
	if l.Reason, err = optionalReason(vals["reason"]); err != nil {
		return nil, err
	}
	l.ID, err = asID("id", vals["id"])
	return l, err
}

// jsonStatus is a status given as its id or its name.
type jsonStatus lead.Status

// UnmarshalJSON reads 2, "2" or "processing".
func (s *jsonStatus) UnmarshalJSON(b []byte) error {
	st, err := optionalStatus(jsonScalar(b))
	*s = jsonStatus(st)
	return err
}

// jsonReason is a cancel reason given as its code or its name.
type jsonReason lead.Reason

// UnmarshalJSON reads 7, "7" or "duplicate".
func (r *jsonReason) UnmarshalJSON(b []byte) error {
	v, err := optionalReason(jsonScalar(b))
	*r = jsonReason(v)
	return err
}

// jsonTime is a time given as RFC 3339 or a date.
type jsonTime time.Time

// UnmarshalJSON reads "2025-06-12T14:32:01Z" or "2025-06-12".
func (t *jsonTime) UnmarshalJSON(b []byte) error {
	v, err := ParseTime(jsonScalar(b))
	*t = jsonTime(v)
	return err
}

// jsonScalar is a JSON string's text or a number's digits.
func jsonScalar(b []byte) string {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s
	}
	if string(b) == "null" {
		return ""
	}
	return string(b)
}

// ParseTime reads a time as the API and the CLI take it: RFC 3339, or a date
// (midnight UTC); "" is the zero time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalid("%q is not a time: give RFC 3339 (2025-06-12T14:32:01Z) or a date (2025-06-12)", s)
}
