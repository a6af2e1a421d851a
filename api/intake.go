package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/user"
)

// Outcomes of the log rows the API writes itself, for requests it refuses:
// NO_ID when it cannot tell which lead, campaign or integration is meant,
// REJECTED when it can but refuses what is asked.
const (
	outcomeNoID     = "NO_ID"
	outcomeRejected = "REJECTED"
)

// postLead is POST /api/v1/leads.
func (s *Server) postLead(c *gin.Context) error {
	in, err := readInput(c.Request)
	if err != nil {
		return err
	}
	l, got, err := s.intake(c, in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, success{Status: "success", LeadID: l.ID, Token: s.opts.Dispatcher.Tokens().Encode(l.ID),
		Sync: got.Sync, DuplicateOf: got.DuplicateOf})
	return nil
}

// success is the answer of the public endpoints that take a lead or change
// one, keys in the order of seed 000's {"status":"success","lead_id":N}.
type success struct {
	Status string                 `json:"status"`
	LeadID int64                  `json:"lead_id"`
	Token  string                 `json:"token,omitempty"`
	Sync   *dispatcher.SyncResult `json:"sync,omitempty"`
	// DuplicateOf is the earlier lead a new lead repeats (SPEC §9).
	DuplicateOf int64 `json:"duplicate_of,omitempty"`
}

func succeeded(id int64) success { return success{Status: "success", LeadID: id} }

// intake checks the request's campaign, builds the lead from its values and
// hands it to the dispatcher. Nothing is stored unless every value is good.
func (s *Server) intake(c *gin.Context, in *input) (*lead.Lead, *dispatcher.Received, error) {
	ctx := c.Request.Context()
	raw := in.raw()
	// A request with the admin token or a user's API token comes from a
	// person, not a publisher: its intake is trusted.
	p, err := s.Person(c.Request)
	if err != nil && !errors.Is(err, errNoPerson) {
		return nil, nil, err
	}
	byPerson := err == nil
	admin := byPerson && p.Name == user.AdminToken
	camp, err := s.intakeCampaign(ctx, in, admin, raw)
	if err != nil {
		return nil, nil, err
	}
	trust := intakeTrust{admin: admin, fields: byPerson || camp != nil && camp.Trusted}
	syncText, err := in.take("sync")
	if err != nil {
		return nil, nil, err
	}
	sync, err := asBool("sync", syncText)
	if err != nil {
		return nil, nil, err
	}
	l, err := buildLead(in, trust)
	if err != nil {
		return nil, nil, err
	}
	applyCampaign(l, camp)
	if err := checkColumns(l); err != nil {
		return nil, nil, err
	}
	res, err := s.opts.Dispatcher.Intake(ctx, dispatcher.Intake{Lead: l, Sync: sync, Raw: raw})
	return l, res, err
}

// intakeCampaign finds the campaign a new lead names and checks its key. An
// admin may send a lead with no campaign, and needs no key.
func (s *Server) intakeCampaign(ctx context.Context, in *input, admin bool, raw string) (*catalog.Campaign, error) {
	alias, err := in.take("alias")
	if err != nil {
		return nil, err
	}
	key, err := in.take("key")
	if err != nil {
		return nil, err
	}
	if alias == "" && admin {
		return nil, nil
	}
	camp, err := s.campaign(ctx, alias, "intake", raw)
	if err != nil {
		return nil, err
	}
	if camp.Key != "" && !admin && !equalSecret(key, camp.Key) {
		return nil, newError(http.StatusForbidden, CodeForbidden, "key: the campaign's key is missing or wrong")
	}
	return camp, nil
}

// campaign loads the campaign of an alias. A missing or unknown alias is
// refused, and logged as NO_ID so that nothing is dropped silently.
func (s *Server) campaign(ctx context.Context, alias, mode, raw string) (*catalog.Campaign, error) {
	if alias == "" {
		s.logRefusal(ctx, mode, raw, "no campaign alias")
		return nil, newError(http.StatusBadRequest, CodeNoID, "alias: the campaign alias is required")
	}
	camp, err := s.campaigns.get(ctx, alias)
	if errors.Is(err, storage.ErrNotFound) {
		s.logRefusal(ctx, mode, raw, "unknown campaign alias")
		return nil, newError(http.StatusUnprocessableEntity, CodeUnknownAlias, "alias: no campaign has the alias %q", alias)
	}
	return camp, err
}

// logRefusal writes a NO_ID row for a request refused for want of an
// identifier. Failing to write it does not change the answer.
func (s *Server) logRefusal(ctx context.Context, mode, raw, why string) {
	s.logRefused(ctx, &storage.LogEntry{Mode: mode, Outcome: outcomeNoID, Request: raw, Message: why})
}

// logRefused writes the row of a refused inbound request. Failing to write
// it does not change the answer.
func (s *Server) logRefused(ctx context.Context, row *storage.LogEntry) {
	row.Request = truncate(row.Request, maxLoggedBody)
	if err := s.opts.Store.AppendLog(ctx, row); err != nil {
		s.log.Error("logging a refused request", "err", err)
	}
}

// maxLoggedBody is how much of a refused request the log keeps.
const maxLoggedBody = 64 << 10

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// trustedKeys are the intake's keys that would let a publisher skip the
// delivery (ext, status, reason) or set its own payout (the commissions):
// they are taken only from a trusted request (SPEC §6), and from anyone else
// kept in meta under their names.
var trustedKeys = []string{"ext", "status", "reason", "cwm", "cwmr", "cwmc", "cpay", "cpayr", "cpayc"}

// intakeTrust is what a request may set beyond a publisher's lead.
type intakeTrust struct {
	// admin: the request carries the admin token; it may send no campaign,
	// skip the campaign's key and name the integration.
	admin bool
	// fields: trustedKeys are taken, for the admin token, a user's token or
	// a trusted campaign.
	fields bool
}

// buildLead reads the request's values into a new lead: §1 fields by name,
// custom fields into meta, files into files. Every problem is reported at once.
func buildLead(in *input, trust intakeTrust) (*lead.Lead, error) {
	l := &lead.Lead{}
	var problems []Problem
	for _, k := range sortedKeys(in.values) {
		if err := setIntakeKey(l, k, in.values[k], trust); err != nil {
			problems = append(problems, Problem{Field: k, Message: asError(err).Message})
		}
	}
	for _, k := range sortedKeys(in.files) {
		if err := metaKey(k); err != nil {
			problems = append(problems, Problem{Field: k, Message: asError(err).Message})
			continue
		}
		if l.Files == nil {
			l.Files = map[string]lead.File{}
		}
		l.Files[k] = in.files[k]
	}
	return l, problemsError(problems)
}

// setIntakeKey reads one request value into the lead: a §1 field, the meta
// object, or else a custom field. trustedKeys are fields for a trusted
// request only, integration for the admin token only.
func setIntakeKey(l *lead.Lead, key string, v any, trust intakeTrust) error {
	f := fieldFor(key)
	var err error
	switch {
	case key == "meta":
		l.Meta, err = mergeMetaObject(l.Meta, v)
	case slices.Contains(trustedKeys, key) && !trust.fields:
		l.Meta, err = mergeMeta(l.Meta, key, v)
	case key == "status":
		l.Status, err = intakeStatus(v)
	case key == "reason":
		l.Reason, err = intakeReason(v)
	case f != nil && (f.key != "integration" || trust.admin):
		err = f.set(l, key, v)
	default:
		l.Meta, err = mergeMeta(l.Meta, key, v)
	}
	return err
}

// intakeStatus reads a trusted intake's status, by id or name.
func intakeStatus(v any) (lead.Status, error) {
	s, err := asText("status", v)
	if err != nil {
		return 0, err
	}
	return optionalStatus(strings.TrimSpace(s))
}

// intakeReason reads a trusted intake's cancel reason, by code or name.
func intakeReason(v any) (lead.Reason, error) {
	s, err := asText("reason", v)
	if err != nil {
		return 0, err
	}
	return optionalReason(strings.TrimSpace(s))
}

// applyCampaign gives the lead what its campaign says: the campaign's offer,
// affiliate, landing and integration win over the request's; its payout is
// the lead's cwm unless a trusted request gave one.
func applyCampaign(l *lead.Lead, camp *catalog.Campaign) {
	if camp == nil {
		return
	}
	l.Campaign = camp.Alias
	if l.CWM == 0 {
		l.CWM = camp.Payout
	}
	for _, p := range []struct {
		dst *int64
		v   int64
	}{{&l.OfferID, camp.Offer}, {&l.WM, camp.WM}, {&l.SiteID, camp.Site}, {&l.IntegrationID, camp.Integration}} {
		if p.v != 0 {
			*p.dst = p.v
		}
	}
}
