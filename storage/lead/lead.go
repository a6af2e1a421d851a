package lead

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Lead is one stored order: the data behind every macro of SPEC §4 plus the
// delivery bookkeeping of the new-lead queue. It is the gorm model of the leads
// table; the column names are what scripts see as fields of the global o.
type Lead struct {
	ID      int64  `gorm:"primaryKey;autoIncrement" json:"id"`
	Status  Status `gorm:"not null;default:1;index:idx_leads_due,priority:1" json:"-"`
	Reason  Reason `gorm:"not null;default:0" json:"reason"`
	Comment string `gorm:"type:text" json:"comment"`

	OfferID int64 `gorm:"column:offer;not null;default:0" json:"offer"`
	SiteID  int64 `gorm:"column:site;not null;default:0" json:"site"`
	SpaceID int64 `gorm:"column:space;not null;default:0" json:"space"`
	GoalID  int64 `gorm:"column:goal;not null;default:0" json:"goal"`
	WM      int64 `gorm:"column:wm;not null;default:0" json:"wm"`
	Agent   int64 `gorm:"not null;default:0" json:"agent"`

	Ext string `gorm:"size:191;not null;default:'';index" json:"ext"`

	Name     string  `gorm:"size:255;not null;default:''" json:"name"`
	Last     string  `gorm:"size:255;not null;default:''" json:"last"`
	Email    string  `gorm:"size:255;not null;default:''" json:"email"`
	Phone    string  `gorm:"size:64;not null;default:''" json:"phone"`
	PhoneCC  string  `gorm:"column:phonecc;size:8;not null;default:''" json:"phonecc"`
	Country  string  `gorm:"size:2;not null;default:''" json:"country"`
	Lang     string  `gorm:"size:16;not null;default:''" json:"lang"`
	IP       string  `gorm:"column:ip;size:64;not null;default:''" json:"ip"`
	UA       string  `gorm:"column:ua;size:1024;not null;default:''" json:"ua"`
	Mobile   bool    `gorm:"not null;default:false" json:"mobile"`
	Bad      bool    `gorm:"not null;default:false" json:"bad"`
	Zip      string  `gorm:"size:32;not null;default:''" json:"zip"`
	Area     string  `gorm:"size:255;not null;default:''" json:"area"`
	City     string  `gorm:"size:255;not null;default:''" json:"city"`
	Street   string  `gorm:"size:255;not null;default:''" json:"street"`
	House    string  `gorm:"size:255;not null;default:''" json:"house"`
	Delivery int     `gorm:"not null;default:0" json:"delivery"`
	Discount float64 `gorm:"not null;default:0" json:"discount"`
	Count    int     `gorm:"not null;default:0" json:"count"`
	Currency string  `gorm:"size:8;not null;default:''" json:"currency"`
	Price    float64 `gorm:"not null;default:0" json:"price"`
	Base     float64 `gorm:"not null;default:0" json:"base"`
	DelPr    float64 `gorm:"column:delpr;not null;default:0" json:"delpr"`
	More     float64 `gorm:"not null;default:0" json:"more"`
	Items    Items   `gorm:"type:text;serializer:json" json:"items"`

	Click       string `gorm:"size:255;not null;default:''" json:"click"`
	ClickID     string `gorm:"column:click_id;size:255;not null;default:''" json:"click_id"`
	SubID       string `gorm:"column:subid;size:255;not null;default:''" json:"subid"`
	UUID        string `gorm:"column:uuid;size:255;not null;default:''" json:"uuid"`
	Sub1        string `gorm:"column:sub1;size:255;not null;default:''" json:"sub1"`
	Sub2        string `gorm:"column:sub2;size:255;not null;default:''" json:"sub2"`
	Sub3        string `gorm:"column:sub3;size:255;not null;default:''" json:"sub3"`
	Sub4        string `gorm:"column:sub4;size:255;not null;default:''" json:"sub4"`
	Sub5        string `gorm:"column:sub5;size:255;not null;default:''" json:"sub5"`
	UtmSource   string `gorm:"size:255;not null;default:''" json:"utm_source"`
	UtmCampaign string `gorm:"size:255;not null;default:''" json:"utm_campaign"`
	UtmContent  string `gorm:"size:255;not null;default:''" json:"utm_content"`
	UtmTerm     string `gorm:"size:255;not null;default:''" json:"utm_term"`
	UtmMedium   string `gorm:"size:255;not null;default:''" json:"utm_medium"`
	ExtI        string `gorm:"column:exti;size:255;not null;default:''" json:"exti"`
	ExtU        string `gorm:"column:extu;size:255;not null;default:''" json:"extu"`
	ExtS        string `gorm:"column:exts;size:255;not null;default:''" json:"exts"`

	CWM   float64 `gorm:"column:cwm;not null;default:0" json:"cwm"`
	CWMR  float64 `gorm:"column:cwmr;not null;default:0" json:"cwmr"`
	CWMC  string  `gorm:"column:cwmc;size:8;not null;default:''" json:"cwmc"`
	CPay  float64 `gorm:"column:cpay;not null;default:0" json:"cpay"`
	CPayR float64 `gorm:"column:cpayr;not null;default:0" json:"cpayr"`
	CPayC string  `gorm:"column:cpayc;size:8;not null;default:''" json:"cpayc"`

	Meta  map[string]string `gorm:"type:text;serializer:json" json:"meta"`
	Files map[string]File   `gorm:"type:longtext;serializer:json" json:"files,omitempty"`

	// Delivery bookkeeping.
	IntegrationID int64  `gorm:"column:integration;not null;default:0;index;index:idx_leads_due,priority:3" json:"integration"`
	Campaign      string `gorm:"size:191;not null;default:''" json:"campaign"`
	Attempts      int    `gorm:"not null;default:0" json:"attempts"`
	Failed        bool   `gorm:"not null;default:false;index:idx_leads_due,priority:2" json:"failed"`
	// NextAt is when the lead is next due, in Unix milliseconds. While a sweep
	// holds the lead it is the end of the claim's lease, so a claim whose
	// process died simply falls due again.
	NextAt      int64  `gorm:"not null;default:0;index:idx_leads_due,priority:4" json:"-"`
	ClaimToken  string `gorm:"size:64;not null;default:''" json:"-"`
	LastMessage string `gorm:"type:text" json:"last_message,omitempty"`
	// Uncertain marks a lead whose send may have reached the target with no
	// answer (SPEC §9), until a check finds it there or support re-queues it.
	Uncertain bool `gorm:"not null;default:false;index" json:"uncertain"`
	// CheckDue says the lead's next attempt is its integration's check mode,
	// not a second send.
	CheckDue bool `gorm:"not null;default:false" json:"-"`

	CreatedAt time.Time `gorm:"index" json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Item is one product line of an order: quantity, unit price and unit cost, in
// the order's currency. It reads and writes as the platform's array [qty, price, cost].
type Item struct {
	Qty   float64
	Price float64
	Cost  float64
}

// Items maps a product id to its line.
type Items map[int64]Item

// MarshalJSON writes the item as [qty, price, cost].
func (it Item) MarshalJSON() ([]byte, error) {
	return it.appendJSON(make([]byte, 0, 32))
}

// MarshalJSON writes the items as encoding/json writes the map, with no
// reflection: {"id": [qty, price, cost], …}, ids in the order of their text.
// Every lead a script sees has its items encoded for o.items.
func (items Items) MarshalJSON() ([]byte, error) {
	if items == nil {
		return []byte("null"), nil
	}
	type entry struct {
		key  string
		item Item
	}
	entries := make([]entry, 0, len(items))
	for id, it := range items {
		entries = append(entries, entry{strconv.FormatInt(id, 10), it})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	b := make([]byte, 0, 2+len(items)*40)
	b = append(b, '{')
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, e.key)
		b = append(b, ':')
		var err error
		if b, err = e.item.appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func (it Item) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '[')
	for i, f := range [3]float64{it.Qty, it.Price, it.Cost} {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendFloat(b, f); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendFloat writes f as encoding/json does: the shortest text that reads
// back as f, in exponent form only below 1e-6 or from 1e21 on.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("an item holds %v, which JSON cannot carry", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-07 is written e-7
		b = b[:n-1]
	}
	return b, nil
}

// UnmarshalJSON reads [qty], [qty, price] or [qty, price, cost].
func (it *Item) UnmarshalJSON(b []byte) error {
	var arr []float64
	if err := json.Unmarshal(b, &arr); err != nil {
		return fmt.Errorf("an item is [quantity, unit price, unit cost]: %w", err)
	}
	if len(arr) == 0 || len(arr) > 3 {
		return fmt.Errorf("an item is [quantity, unit price, unit cost], got %d numbers", len(arr))
	}
	*it = Item{}
	it.Qty = arr[0]
	if len(arr) > 1 {
		it.Price = arr[1]
	}
	if len(arr) > 2 {
		it.Cost = arr[2]
	}
	return nil
}

// File is an uploaded file kept in a custom field.
type File struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// TableName names the table for gorm.
func (Lead) TableName() string { return "leads" }

// ClickIDOrSub1 is the tracker's click id: click_id from the intake, else sub1.
func (l *Lead) ClickIDOrSub1() string {
	if l.ClickID != "" {
		return l.ClickID
	}
	return l.Sub1
}
