package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

func (s *Server) leadRoutes(admin *gin.RouterGroup) {
	admin.GET("/leads", s.h(s.listLeads))
	admin.GET("/leads/:id", s.h(s.getLead))
	admin.PATCH("/leads/:id", s.h(s.patchLead))
	admin.POST("/leads/requeue", s.h(s.requeue))
	admin.POST("/sweep", s.h(s.sweep))
	admin.GET("/log", s.h(s.listLog))
}

// listLeads is GET /api/v1/admin/leads: newest first, paged by after.
func (s *Server) listLeads(c *gin.Context) error {
	f, err := leadFilter(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	leads, err := s.opts.Store.ListLeads(ctx, f)
	if err != nil {
		return err
	}
	views, err := s.leadViews(ctx, leads)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"leads": views})
	return nil
}

// leadFilter reads ?status=&integration=&failed=&uncertain=&reason=&limit=&after=.
func leadFilter(c *gin.Context) (storage.LeadFilter, error) {
	var f storage.LeadFilter
	if err := onlyFilters(c, "status", "integration", "failed", "uncertain", "reason", "limit", "after"); err != nil {
		return f, err
	}
	var err error
	if f.After, f.Limit, err = paging(c); err != nil {
		return f, err
	}
	if f.Status, err = optionalStatus(c.Query("status")); err != nil {
		return f, err
	}
	if f.Reason, err = optionalReason(c.Query("reason")); err != nil {
		return f, err
	}
	if f.Integration, err = asID("integration", c.Query("integration")); err != nil {
		return f, err
	}
	if v := c.Query("failed"); v != "" {
		failed, err := asBool("failed", v)
		if err != nil {
			return f, err
		}
		f.Failed = &failed
	}
	if v := c.Query("uncertain"); v != "" {
		uncertain, err := asBool("uncertain", v)
		if err != nil {
			return f, err
		}
		f.Uncertain = &uncertain
	}
	return f, nil
}

func optionalStatus(v string) (lead.Status, error) {
	if v == "" {
		return 0, nil
	}
	st, err := lead.ParseStatus(v)
	if err != nil {
		return 0, invalid("status: %v", err)
	}
	return st, nil
}

func optionalReason(v string) (lead.Reason, error) {
	if v == "" {
		return 0, nil
	}
	r, err := lead.ParseReason(v)
	if err != nil {
		return 0, invalid("reason: %v", err)
	}
	return r, nil
}

func (s *Server) leadViews(ctx context.Context, leads []lead.Lead) ([]leadView, error) {
	ids := make([]int64, len(leads))
	for i, l := range leads {
		ids[i] = l.ID
	}
	changed, err := s.opts.Store.ChangedLeads(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]leadView, len(leads))
	for i, l := range leads {
		out[i] = newLeadView(l, changed[l.ID])
	}
	return out, nil
}

// getLead is GET /api/v1/admin/leads/{id}: the lead and its whole log,
// oldest first.
func (s *Server) getLead(c *gin.Context) error {
	l, err := s.adminLead(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	views, err := s.leadViews(ctx, []lead.Lead{*l})
	if err != nil {
		return err
	}
	rows, err := s.leadLog(ctx, l.ID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, adminLeadView{leadView: views[0], Log: newLogViews(rows)})
	return nil
}

// leadLog reads every log row of a lead, a page at a time.
func (s *Server) leadLog(ctx context.Context, id int64) ([]storage.LogEntry, error) {
	var all []storage.LogEntry
	const page = 1000
	for after := int64(0); ; {
		rows, err := s.opts.Store.ListLog(ctx, storage.LogFilter{LeadID: id, After: after, Limit: page})
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
		if len(rows) < page {
			return all, nil
		}
		after = rows[len(rows)-1].ID
	}
}

func (s *Server) adminLead(c *gin.Context) (*lead.Lead, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound("lead %s does not exist", c.Param("id"))
	}
	l, err := s.opts.Store.GetLead(c.Request.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("lead %d does not exist", id)
	}
	return l, err
}

// outcomes are the outcomes of the log's rows (SPEC §7).
var outcomes = []string{dispatcher.OutcomeSuccess, dispatcher.OutcomeRejected, dispatcher.OutcomeError, dispatcher.OutcomeHTTPFail,
	dispatcher.OutcomeNoID, dispatcher.OutcomeSkipped, dispatcher.OutcomeRedirect, dispatcher.OutcomeDeleted, "PAUSED", "RESUMED"}

// listLog is GET /api/v1/admin/log: newest first, paged by after.
func (s *Server) listLog(c *gin.Context) error {
	var f storage.LogFilter
	if err := onlyFilters(c, "lead_id", "integration", "outcome", "limit", "after"); err != nil {
		return err
	}
	var err error
	if f.After, f.Limit, err = paging(c); err != nil {
		return err
	}
	if f.LeadID, err = asID("lead_id", c.Query("lead_id")); err != nil {
		return err
	}
	if f.Integration, err = asID("integration", c.Query("integration")); err != nil {
		return err
	}
	if f.Outcome = c.Query("outcome"); f.Outcome != "" && !slices.Contains(outcomes, f.Outcome) {
		return invalid("outcome: %q is not an outcome; the outcomes are %s", f.Outcome, strings.Join(outcomes, ", "))
	}
	f.NewestFirst = true
	rows, err := s.opts.Store.ListLog(c.Request.Context(), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"log": newLogViews(rows)})
	return nil
}
