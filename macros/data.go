package macros

import (
	"time"

	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// Data is everything macros read for one lead. Every field may be nil or zero:
// a macro whose data is missing expands to the empty string.
//
// Expanding never changes a Data, so one value may be shared by goroutines.
type Data struct {
	Lead     *lead.Lead
	Offer    *catalog.Offer
	Site     *catalog.Site // the landing
	Space    *catalog.Site // the prelanding
	Goal     *catalog.Goal
	WM       *catalog.Affiliate // the affiliate
	Agent    *catalog.Affiliate // the agent, for {wmi} on agent traffic
	Campaign *catalog.Campaign

	// Secrets are the integration's secrets, read by {secret:x}.
	Secrets map[string]string
	// Labels are postback labels keyed by stage ("approve") or status name
	// ("packaging"). {status} uses the label of the status name when there is
	// one, else the label of its stage, else the status name itself.
	Labels map[string]string
	// Status is the status a postback is about; 0 means the lead's current status.
	Status lead.Status
	// Now is the time {time} reads; the zero time means the clock's now.
	Now time.Time
	// Tokens makes {eid} and the generated {ipass} and {imail}; without it
	// those macros are empty.
	Tokens *Tokens
	// IMailDomain is the domain of a generated {imail}; "" means example.com.
	IMailDomain string
}

// DefaultIMailDomain is the domain of a generated {imail} when Data names none.
const DefaultIMailDomain = "example.com"

var (
	noData     Data
	noLead     lead.Lead
	noOffer    catalog.Offer
	noSite     catalog.Site
	noGoal     catalog.Goal
	noWM       catalog.Affiliate
	noCampaign catalog.Campaign
)

// The accessors below return an empty value for missing data, so macro
// functions read fields without nil checks. The empty values are never written.

func (d *Data) lead() *lead.Lead {
	if d.Lead == nil {
		return &noLead
	}
	return d.Lead
}

func (d *Data) offer() *catalog.Offer {
	if d.Offer == nil {
		return &noOffer
	}
	return d.Offer
}

func (d *Data) site() *catalog.Site {
	if d.Site == nil {
		return &noSite
	}
	return d.Site
}

func (d *Data) space() *catalog.Site {
	if d.Space == nil {
		return &noSite
	}
	return d.Space
}

func (d *Data) goal() *catalog.Goal {
	if d.Goal == nil {
		return &noGoal
	}
	return d.Goal
}

func (d *Data) wm() *catalog.Affiliate {
	if d.WM == nil {
		return &noWM
	}
	return d.WM
}

func (d *Data) campaign() *catalog.Campaign {
	if d.Campaign == nil {
		return &noCampaign
	}
	return d.Campaign
}

// status is the status a macro speaks of: the postback's, else the lead's.
func (d *Data) status() lead.Status {
	if d.Status != 0 {
		return d.Status
	}
	return d.lead().Status
}
