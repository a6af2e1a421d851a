package storage

import (
	"time"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// IntegrationRecord is a stored integration: the JSON document of SPEC §2
// (secrets included) and a version that goes up on every save, so compiled
// templates and scripts can be cached per version.
type IntegrationRecord struct {
	ID   int64  `gorm:"primaryKey;autoIncrement"`
	Name string `gorm:"size:255;not null;default:''"`
	// Enabled is the document's enabled, written as it is on every save.
	// The model names no default: gorm writes a field's default in place
	// of its zero value, and a disabled integration was stored enabled.
	// Databases created before keep the column's DEFAULT true, which no
	// save uses.
	Enabled   bool      `gorm:"not null"`
	Version   int64     `gorm:"not null;default:1"`
	Document  string    `gorm:"type:longtext;not null"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// TableName names the table for gorm.
func (IntegrationRecord) TableName() string { return "integrations" }

// DeliveryState is where one delivery of a lead stands.
type DeliveryState int

// Delivery states.
const (
	DeliveryPending DeliveryState = 0
	DeliveryDone    DeliveryState = 1
	DeliveryFailed  DeliveryState = 2
)

// Delivery is the state of one send that is not the new-lead send: a lead's
// changes to an integration, its approved send to an integration, a postback
// of a status to an integration, or a campaign postback of a label. Each
// (lead, integration, campaign, mode, key) has one row, which is what makes
// every postback go out once.
type Delivery struct {
	ID            int64         `gorm:"primaryKey;autoIncrement"`
	LeadID        int64         `gorm:"column:lead_id;not null;uniqueIndex:idx_deliveries_once,priority:1"`
	IntegrationID int64         `gorm:"column:integration;not null;default:0;uniqueIndex:idx_deliveries_once,priority:2;index:idx_deliveries_due,priority:3"`
	CampaignID    int64         `gorm:"column:campaign;not null;default:0;uniqueIndex:idx_deliveries_once,priority:3"`
	Mode          string        `gorm:"size:16;not null;uniqueIndex:idx_deliveries_once,priority:4;index:idx_deliveries_due,priority:1"`
	Key           string        `gorm:"column:dkey;size:64;not null;default:'';uniqueIndex:idx_deliveries_once,priority:5"`
	State         DeliveryState `gorm:"not null;default:0;index:idx_deliveries_due,priority:2"`
	// Status is the lead status a postback tells of.
	Status      lead.Status `gorm:"not null;default:0"`
	NextAt      int64       `gorm:"not null;default:0;index:idx_deliveries_due,priority:4"`
	Version     int64       `gorm:"not null;default:1"`
	SentVersion int64       `gorm:"not null;default:0"`
	Attempts    int         `gorm:"not null;default:0"`
	ClaimToken  string      `gorm:"size:64;not null;default:''"`
	Ext         string      `gorm:"size:191;not null;default:''"`
	LastMessage string      `gorm:"type:text"`
	CreatedAt   time.Time   `gorm:"not null"`
	UpdatedAt   time.Time   `gorm:"not null"`
}

// TableName names the table for gorm.
func (Delivery) TableName() string { return "deliveries" }

// LogEntry is one row of the log of SPEC §7: an inbound request, a status
// change or an outbound attempt.
type LogEntry struct {
	ID            int64     `gorm:"primaryKey;autoIncrement" json:"id"`
	Time          time.Time `gorm:"not null;index" json:"time"`
	LeadID        int64     `gorm:"column:lead_id;not null;default:0;index:idx_log_lead,priority:1" json:"lead_id"`
	IntegrationID int64     `gorm:"column:integration;not null;default:0;index:idx_log_integration,priority:1" json:"integration"`
	Mode          string    `gorm:"size:16;not null;default:''" json:"mode"`
	Attempt       int       `gorm:"not null;default:0" json:"attempt"`
	Outcome       string    `gorm:"size:16;not null;default:'';index" json:"outcome"`
	Request       string    `gorm:"type:longtext" json:"-"`
	Response      string    `gorm:"type:longtext" json:"-"`
	DurationMS    int64     `gorm:"column:duration_ms;not null;default:0" json:"duration_ms"`
	Return        string    `gorm:"type:text" json:"-"`
	Message       string    `gorm:"type:text" json:"message"`
	ScriptLog     string    `gorm:"type:text" json:"-"`
	// By names the person who made the change the row tells of ("" for
	// none; "admin-token" for the environment's token).
	By string `gorm:"column:by_name;size:64;not null;default:''" json:"by,omitempty"`
	// Uncertain says the attempt's request was written and no complete
	// answer came (SPEC §9).
	Uncertain bool `gorm:"not null;default:false" json:"uncertain,omitempty"`
}

// TableName names the table for gorm.
func (LogEntry) TableName() string { return "log" }

// Setting is a named value the installation keeps, such as the generated secret.
type Setting struct {
	Name  string `gorm:"primaryKey;size:64"`
	Value string `gorm:"type:text;not null"`
}

// TableName names the table for gorm.
func (Setting) TableName() string { return "settings" }

// Pause stops one mode of one integration until a time, after a 429 with
// Retry-After; every process honours it. It also counts the mode's failed
// attempts in a row, and holds the pause they bring (SPEC §9): Since is
// when it began (0 when the mode is not paused so), ProbeAt when a lead is
// next tried, Message the last error.
type Pause struct {
	IntegrationID int64  `gorm:"column:integration;primaryKey;autoIncrement:false"`
	Mode          string `gorm:"size:16;primaryKey"`
	Until         int64  `gorm:"column:until_ms;not null"`
	Failures      int    `gorm:"not null;default:0"`
	Since         int64  `gorm:"column:since_ms;not null;default:0"`
	ProbeAt       int64  `gorm:"column:probe_ms;not null;default:0"`
	Message       string `gorm:"size:1024;not null;default:''"`
}

// TableName names the table for gorm.
func (Pause) TableName() string { return "pauses" }
