package dispatcher

import (
	"context"
	"fmt"
	"slices"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/user"
)

// StatusChange is a status update from an advertiser, a CRM webhook or an admin.
type StatusChange struct {
	LeadID  int64
	Status  lead.Status
	Reason  lead.Reason
	Comment *string
	Ext     *string
	// Source says where the change came from, for the log ("status api",
	// "hook 7", "admin").
	Source string
	// Raw is the inbound request, for the log.
	Raw string
	// Lead is the lead as the caller read it to check the change, so that
	// ChangeStatus need not read it again; nil, or another lead, and it
	// reads the lead itself.
	Lead *lead.Lead
}

// ChangeStatus writes a lead's new status (with reason, comment and ext when
// given), logs it, and queues the postbacks it fires: each integration whose
// postback mode takes the status, and the campaign's postback_url. The three
// are one transaction.
func (d *Dispatcher) ChangeStatus(ctx context.Context, ch StatusChange) error {
	if !ch.Status.Valid() {
		return fmt.Errorf("unknown status %d", ch.Status)
	}
	l := ch.Lead
	if l == nil || l.ID != ch.LeadID {
		var err error
		if l, err = d.cfg.Store.GetLead(ctx, ch.LeadID); err != nil {
			return err
		}
	}
	now := d.cfg.Clock.Now()
	cols := map[string]any{"status": ch.Status, "reason": ch.Reason, "updated_at": now}
	if ch.Comment != nil {
		cols["comment"] = *ch.Comment
	}
	if ch.Ext != nil {
		cols["ext"] = *ch.Ext
	}
	if ch.Status == lead.New {
		cols["next_at"] = now.UnixMilli()
	}
	var enqueue []storage.Delivery
	if ch.Status != l.Status {
		enqueue = d.postbacksFor(ctx, l, ch.Status)
	}
	row := &storage.LogEntry{
		Time: now, LeadID: l.ID, IntegrationID: l.IntegrationID, Mode: "status", Outcome: OutcomeSuccess,
		Request: ch.Raw, Message: fmt.Sprintf("status %s → %s (%s)", l.Status, ch.Status, ch.Source), By: user.By(ctx),
	}
	if err := d.cfg.Store.ChangeStatus(ctx, l.ID, cols, enqueue, row); err != nil {
		return err
	}
	d.metrics.statusChanged()
	return nil
}

// postbacksFor lists the postbacks a move to status fires (SPEC §3, §6).
func (d *Dispatcher) postbacksFor(ctx context.Context, l *lead.Lead, status lead.Status) []storage.Delivery {
	now := d.cfg.Clock.Now()
	var out []storage.Delivery
	for _, c := range d.registry.withMode(mode.Postback) {
		if c.Doc.ID != l.IntegrationID && !matches(c.Doc, l) {
			continue
		}
		if want := c.Mode(mode.Postback).Mode.Statuses; len(want) > 0 && !statusListed(want, status) {
			continue
		}
		out = append(out, storage.Delivery{LeadID: l.ID, IntegrationID: c.Doc.ID, Mode: string(mode.Postback),
			Key: status.String(), Status: status, NextAt: now.UnixMilli(), Version: 1})
	}
	camp, err := d.catalog.campaign(ctx, l.Campaign)
	if err != nil {
		d.cfg.Logger.Error("loading the lead's campaign for its postback", "lead", l.ID, "err", err)
	}
	if camp == nil || camp.PostbackURL == "" {
		return out
	}
	name := label(camp.PostbackLabels, status)
	if len(camp.PostbackStatuses) > 0 && !slices.Contains(camp.PostbackStatuses, name) {
		return out
	}
	return append(out, storage.Delivery{LeadID: l.ID, CampaignID: camp.ID, Mode: string(mode.Postback),
		Key: name, Status: status, NextAt: now.UnixMilli(), Version: 1})
}

// statusListed tells whether a list of status names or ids holds status.
func statusListed(list []string, status lead.Status) bool {
	for _, v := range list {
		if s, err := lead.ParseStatus(v); err == nil && s == status {
			return true
		}
	}
	return false
}

// label is what a tracker calls a status: the label given for the status
// name, else for its stage, else the status name itself.
func label(labels map[string]string, status lead.Status) string {
	if v, ok := labels[status.String()]; ok {
		return v
	}
	if v, ok := labels[string(status.Stage())]; ok {
		return v
	}
	return status.String()
}

// MarkChanged writes order-data columns of a lead, queues them for the
// changes mode of its integration and logs it, in one transaction.
func (d *Dispatcher) MarkChanged(ctx context.Context, leadID int64, cols map[string]any) error {
	l, err := d.cfg.Store.GetLead(ctx, leadID)
	if err != nil {
		return err
	}
	now := d.cfg.Clock.Now()
	integrationID := int64(0)
	if c, err := d.registry.get(ctx, l.IntegrationID); err == nil && c.Mode(mode.Changes) != nil {
		integrationID = c.Doc.ID
	}
	fields := len(cols)
	if fields > 0 {
		cols["updated_at"] = now
	}
	return d.cfg.Store.MarkChanged(ctx, l.ID, integrationID, cols, now, &storage.LogEntry{Time: now, LeadID: l.ID,
		IntegrationID: l.IntegrationID, Mode: string(mode.Changes), Outcome: OutcomeSuccess,
		Message: fmt.Sprintf("order data changed: %d fields", fields), By: user.By(ctx)})
}

// Postback is a postback a status change would queue: to an integration,
// or to the lead's campaign's postback_url.
type Postback struct {
	Integration int64  `json:"integration,omitempty"`
	Campaign    string `json:"campaign,omitempty"`
	// Status is the status it tells of, or the campaign's label for it.
	Status string `json:"status"`
}

// Postbacks lists the postbacks that moving l to status would queue, for a
// dry run; nothing is queued. Each goes once per (lead, target, status), so
// one sent before is not sent again.
func (d *Dispatcher) Postbacks(ctx context.Context, l *lead.Lead, status lead.Status) []Postback {
	out := []Postback{}
	for _, del := range d.postbacksFor(ctx, l, status) {
		p := Postback{Integration: del.IntegrationID, Status: del.Key}
		if del.CampaignID != 0 {
			p.Campaign = l.Campaign
		}
		out = append(out, p)
	}
	return out
}
