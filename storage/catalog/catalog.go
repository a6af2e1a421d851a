// Package catalog holds the objects that leads point at and macros read:
// offers, sites (landings and prelandings), goals, affiliates and campaigns.
// They are plain gorm models with no behaviour of their own.
package catalog

// Params are named string parameters, as admins set them.
type Params map[string]string

// Offer is what a lead orders: its params, params per country and per
// product, and how its duplicates are found.
type Offer struct {
	ID            int64             `gorm:"primaryKey;autoIncrement" json:"id"`
	Name          string            `gorm:"size:255;not null;default:''" json:"name"`
	Params        Params            `gorm:"type:text;serializer:json" json:"params"`
	GeoParams     map[string]Params `gorm:"type:text;serializer:json" json:"geo_params"`
	ProductParams map[string]Params `gorm:"type:text;serializer:json" json:"product_params"`
	Duplicates    *Duplicates       `gorm:"type:text;serializer:json" json:"duplicates,omitempty"`
}

// Duplicates says which new leads of an offer repeat an earlier one: those
// whose phone, email or ip (the fields By names) equals that of a lead of the
// offer received within Days.
type Duplicates struct {
	Days int      `json:"days"`
	By   []string `json:"by"`
}

// Fields a duplicate check compares.
const (
	DuplicateByPhone = "phone"
	DuplicateByEmail = "email"
	DuplicateByIP    = "ip"
)

// Site kinds.
const (
	KindLanding    = "landing"
	KindPrelanding = "prelanding"
)

// Site is a landing or a prelanding page.
type Site struct {
	ID     int64  `gorm:"primaryKey;autoIncrement" json:"id"`
	Name   string `gorm:"size:255;not null;default:''" json:"name"`
	URL    string `gorm:"column:url;size:2048;not null;default:''" json:"url"`
	Kind   string `gorm:"size:16;not null;default:'landing'" json:"kind"`
	Params Params `gorm:"type:text;serializer:json" json:"params"`
}

// Goal is a conversion goal with its params.
type Goal struct {
	ID     int64  `gorm:"primaryKey;autoIncrement" json:"id"`
	Name   string `gorm:"size:255;not null;default:''" json:"name"`
	Params Params `gorm:"type:text;serializer:json" json:"params"`
}

// Affiliate is a publisher (webmaster) or an agent.
type Affiliate struct {
	ID    int64  `gorm:"primaryKey;autoIncrement" json:"id"`
	Name  string `gorm:"size:255;not null;default:''" json:"name"`
	Email string `gorm:"size:255;not null;default:''" json:"email"`
}

// Campaign is an alias that publishers send leads with, and the tracker
// postback that goes with it. Payout, when not 0, is the cwm of its leads;
// Trusted lets its intake set ext, status, reason and the commissions,
// which from anyone else go to meta.
type Campaign struct {
	ID               int64             `gorm:"primaryKey;autoIncrement" json:"id"`
	Alias            string            `gorm:"size:191;not null;uniqueIndex" json:"alias"`
	Offer            int64             `gorm:"not null;default:0" json:"offer"`
	WM               int64             `gorm:"column:wm;not null;default:0" json:"wm"`
	Site             int64             `gorm:"not null;default:0" json:"site"`
	Integration      int64             `gorm:"not null;default:0" json:"integration"`
	Key              string            `gorm:"size:255;not null;default:''" json:"key"`
	PostbackURL      string            `gorm:"column:postback_url;size:2048;not null;default:''" json:"postback_url"`
	PostbackStatuses []string          `gorm:"type:text;serializer:json" json:"postback_statuses"`
	PostbackLabels   map[string]string `gorm:"type:text;serializer:json" json:"postback_labels"`
	Payout           float64           `gorm:"not null;default:0" json:"payout"`
	Trusted          bool              `gorm:"not null;default:false" json:"trusted"`
}
