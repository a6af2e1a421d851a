package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// postStatus is POST /api/v1/status: an advertiser's status update.
func (s *Server) postStatus(c *gin.Context) error {
	in, err := readInput(c.Request)
	if err != nil {
		return err
	}
	id, err := s.statusUpdate(c.Request.Context(), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, succeeded(id))
	return nil
}

// statusUpdate applies a status update: the campaign alias (and its key,
// when it has one) names whose leads may change; lead_id (ours) or ext finds
// the lead; order_status is mapped through the integration's status_map.
func (s *Server) statusUpdate(ctx context.Context, in *input) (int64, error) {
	raw := in.raw()
	vals, err := takeAll(in, "alias", "key", "lead_id", "ext", "order_status", "reason")
	if err != nil {
		return 0, err
	}
	camp, err := s.campaign(ctx, vals["alias"], "status", raw)
	if err != nil {
		return 0, err
	}
	if camp.Key != "" && !equalSecret(vals["key"], camp.Key) {
		return 0, newError(http.StatusForbidden, CodeForbidden, "key: the campaign's key is missing or wrong")
	}
	l, err := s.campaignLead(ctx, camp, vals["lead_id"], vals["ext"], raw)
	if err != nil {
		return 0, err
	}
	ch, err := s.leadStatusChange(ctx, l, in, vals)
	if err != nil {
		s.logRefused(ctx, &storage.LogEntry{LeadID: l.ID, IntegrationID: l.IntegrationID, Mode: "status",
			Outcome: outcomeRejected, Request: raw, Message: asError(err).Message})
		return 0, err
	}
	ch.Source, ch.Raw, ch.Lead = "status api", raw, l
	return l.ID, s.opts.Dispatcher.ChangeStatus(ctx, ch)
}

// leadStatusChange reads the status, reason and comment of a status update
// for a lead it names.
func (s *Server) leadStatusChange(ctx context.Context, l *lead.Lead, in *input, vals map[string]string) (dispatcher.StatusChange, error) {
	ch, err := s.statusChange(ctx, l, "order_status", vals["order_status"], vals["reason"])
	if err != nil {
		return ch, err
	}
	if ch.Comment, err = optionalComment(in); err != nil {
		return ch, err
	}
	return ch, checkChange(l, ch)
}

// takeAll takes several keys as text.
func takeAll(in *input, keys ...string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		v, err := in.take(k)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// optionalComment reads the comment, when the request has one; whether its
// column holds it is for checkChange to say.
func optionalComment(in *input) (*string, error) {
	v, ok := in.values["comment"]
	if !ok {
		return nil, nil
	}
	s, err := asText("comment", v)
	if err != nil {
		return nil, err
	}
	s = multiLine(s)
	return &s, nil
}

// campaignLead finds the lead a status update names, among the campaign's:
// those of its integration, or, for a campaign without one, those that came
// in with its alias. Another campaign's lead is as unknown as a missing one.
func (s *Server) campaignLead(ctx context.Context, camp *catalog.Campaign, leadID, ext, raw string) (*lead.Lead, error) {
	if leadID == "" && ext == "" {
		s.logRefusal(ctx, "status", raw, "no lead_id or ext")
		return nil, newError(http.StatusBadRequest, CodeNoID, "lead_id or ext: say which lead")
	}
	var l *lead.Lead
	var err error
	if leadID != "" {
		id, perr := strconv.ParseInt(leadID, 10, 64)
		if perr != nil || id <= 0 {
			refusal := invalid("lead_id: %q is not a lead id", leadID)
			s.logRefusal(ctx, "status", raw, "campaign "+camp.Alias+": "+refusal.Message)
			return nil, refusal
		}
		l, err = s.opts.Store.GetLead(ctx, id)
	} else {
		l, err = s.opts.Store.LeadByExt(ctx, camp.Integration, ext)
	}
	if err == nil && !campaignHas(camp, l) {
		why := fmt.Sprintf("campaign %s has no lead %s", camp.Alias, leadID+ext)
		if camp.Integration != 0 {
			why = fmt.Sprintf("campaign %s is integration %d's, and lead %d is integration %d's", camp.Alias, camp.Integration, l.ID, l.IntegrationID)
		}
		s.logRefused(ctx, &storage.LogEntry{LeadID: l.ID, IntegrationID: l.IntegrationID, Mode: "status", Outcome: outcomeRejected, Request: raw, Message: why})
		return nil, notFound("%s", why)
	}
	if errors.Is(err, storage.ErrNotFound) {
		s.logRefusal(ctx, "status", raw, "no such lead in campaign "+camp.Alias)
		return nil, notFound("campaign %s has no lead %s", camp.Alias, leadID+ext)
	}
	return l, err
}

func campaignHas(camp *catalog.Campaign, l *lead.Lead) bool {
	if camp.Integration != 0 {
		return l.IntegrationID == camp.Integration
	}
	return l.Campaign == camp.Alias
}

// statusChange maps a status value, which field names, through the lead's
// integration's status_map and reads the optional reason.
func (s *Server) statusChange(ctx context.Context, l *lead.Lead, field, value, reason string) (dispatcher.StatusChange, error) {
	ch := dispatcher.StatusChange{LeadID: l.ID}
	if value == "" {
		return ch, invalid("%s: the new status is required", field)
	}
	statusMap, err := s.statusMap(ctx, l.IntegrationID)
	if err != nil {
		return ch, err
	}
	if ch.Status, err = mapStatus(statusMap, l.IntegrationID, field, value); err != nil {
		return ch, err
	}
	ch.Reason, err = reasonFor(l, ch.Status, reason)
	return ch, err
}

// reasonFor reads the cancel reason given; with none, the lead keeps its
// reason while it keeps its status, and has none once its status changes.
func reasonFor(l *lead.Lead, st lead.Status, reason string) (lead.Reason, error) {
	if reason != "" {
		return optionalReason(reason)
	}
	if st == l.Status {
		return l.Reason, nil
	}
	return 0, nil
}

func (s *Server) statusMap(ctx context.Context, integrationID int64) (map[string]string, error) {
	if integrationID == 0 {
		return nil, nil
	}
	doc, err := s.opts.Dispatcher.Integration(ctx, integrationID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return doc.StatusMap, nil
}

// mapStatus reads a CRM's status (SPEC §6): the status_map is tried first
// (exactly, then ignoring case); a value not in it is a status id only if it
// is digits alone; anything else is refused.
func mapStatus(statusMap map[string]string, integrationID int64, field, value string) (lead.Status, error) {
	mapped, ok := statusMap[value]
	if !ok {
		for k, v := range statusMap {
			if strings.EqualFold(k, value) {
				mapped, ok = v, true
				break
			}
		}
	}
	if !ok && value != "" && digits(value) == value {
		mapped, ok = value, true
	}
	if !ok {
		return 0, invalid("%s: %q is not in integration %d's status_map, nor a status id", field, value, integrationID)
	}
	st, err := lead.ParseStatus(mapped)
	if err != nil {
		return 0, invalid("%s: %q: %v", field, value, err)
	}
	return st, nil
}
