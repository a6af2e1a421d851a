package storage

import (
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// LeadOutcome is what one attempt on a claimed lead decided. WriteOutcomes
// turns it into the lead's columns, applied only while the lead still
// carries the claim's token, and clears the token.
type LeadOutcome struct {
	ID    int64
	Token string
	// Result moves the lead: LeadProcessing, LeadSkipped, LeadCancelled,
	// LeadDeleted or LeadRetry. Nil leaves its status and due time as they are.
	Result LeadResult
	// Edit is what the scripts set with lead.edit. An ext that Result
	// writes wins over the edit's.
	Edit LeadEdit
	// Attempts, when above 0, is the lead's count of attempts so far, and
	// Message the last one's message; both are written together.
	Attempts int
	Message  string
	// At is the time of the write, the lead's updated_at (zero: left as it is).
	At time.Time
	// Uncertain and CheckDue set or clear the lead's marks of SPEC §9.
	Uncertain, CheckDue Mark
	// Hold marks the lead failed: it waits for support and is not sent again.
	Hold bool
}

// LeadResult is where an attempt moves a lead: one of LeadProcessing,
// LeadSkipped, LeadCancelled, LeadDeleted and LeadRetry.
type LeadResult interface {
	setLead(cols map[string]any)
}

// LeadProcessing: the target took the lead. It moves to processing, its
// reason is cleared and Ext, when not empty, becomes its ext.
type LeadProcessing struct{ Ext string }

// LeadSkipped: the lead needed no request (it has an ext already, or its
// integration is a stub). It moves to processing with Ext when not empty;
// its reason stays.
type LeadSkipped struct{ Ext string }

// LeadCancelled: the target rejected the lead with a reason.
type LeadCancelled struct{ Reason int }

// LeadDeleted: the target answered with a message for the visitor (sync);
// the lead is deleted, its reason cleared.
type LeadDeleted struct{}

// LeadRetry: the lead stays new and is due again at Due; Failed marks it
// failed, its attempts spent.
type LeadRetry struct {
	Due    time.Time
	Failed bool
}

func (r LeadProcessing) setLead(cols map[string]any) {
	cols["status"], cols["reason"] = lead.Processing, 0
	if r.Ext != "" {
		cols["ext"] = r.Ext
	}
}

func (r LeadSkipped) setLead(cols map[string]any) {
	cols["status"] = lead.Processing
	if r.Ext != "" {
		cols["ext"] = r.Ext
	}
}

func (r LeadCancelled) setLead(cols map[string]any) {
	cols["status"], cols["reason"] = lead.Cancel, r.Reason
}

func (LeadDeleted) setLead(cols map[string]any) {
	cols["status"], cols["reason"] = lead.Deleted, 0
}

func (r LeadRetry) setLead(cols map[string]any) {
	cols["next_at"] = r.Due.UnixMilli()
	if r.Failed {
		cols["failed"] = true
	}
}

// LeadEdit is what lead.edit set; nil fields are left as they are.
type LeadEdit struct {
	Ext, Comment *string
	// Meta, when not nil, is the lead's whole meta after the edit.
	Meta map[string]string
}

// Mark sets or clears one of a lead's marks; the zero value leaves it.
type Mark int8

// The marks.
const (
	MarkKept Mark = iota
	MarkSet
	MarkCleared
)

func (m Mark) set(cols map[string]any, col string) {
	if m != MarkKept {
		cols[col] = m == MarkSet
	}
}

// row is the outcome as the columns it writes.
func (o *LeadOutcome) row() rowUpdate {
	cols := map[string]any{}
	if o.Edit.Ext != nil {
		cols["ext"] = *o.Edit.Ext
	}
	if o.Edit.Comment != nil {
		cols["comment"] = *o.Edit.Comment
	}
	if o.Edit.Meta != nil {
		b, _ := json.Marshal(o.Edit.Meta)
		cols["meta"] = string(b)
	}
	if o.Result != nil {
		o.Result.setLead(cols)
	}
	if o.Attempts > 0 {
		cols["attempts"], cols["last_message"] = o.Attempts, o.Message
	}
	if !o.At.IsZero() {
		cols["updated_at"] = o.At
	}
	o.Uncertain.set(cols, "uncertain")
	o.CheckDue.set(cols, "check_due")
	if o.Hold {
		cols["failed"] = true
	}
	return rowUpdate{id: o.ID, token: o.Token, cols: cols}
}

// DeliveryOutcome is what one attempt on a claimed delivery (changes,
// approved, postback) decided, written as LeadOutcome is.
type DeliveryOutcome struct {
	ID    int64
	Token string
	// Result is one of DeliverySent, DeliveryRetry and DeliveryClosed.
	Result DeliveryResult
	// Attempts, when above 0, is the delivery's count of attempts so far,
	// and Message the last one's message; both are written together.
	Attempts int
	Message  string
	// At is the time of the write, the delivery's updated_at (zero: left
	// as it is).
	At time.Time
}

// DeliveryResult is where an attempt moves a delivery: one of DeliverySent,
// DeliveryRetry and DeliveryClosed.
type DeliveryResult interface {
	setDelivery(cols map[string]any, at time.Time)
}

// DeliverySent: the target took version Version of the delivery. The
// delivery is done, unless a change made while it was in flight raised the
// version: then it stays pending for that change, due at the outcome's At.
// Ext, when not empty, is stored as the delivery's ext (approved).
type DeliverySent struct {
	Version int64
	Ext     string
}

// DeliveryRetry: the delivery is due again at Due; Failed marks it failed,
// its attempts spent.
type DeliveryRetry struct {
	Due    time.Time
	Failed bool
}

// DeliveryClosed: the delivery cannot be sent (its lead or campaign is
// gone); it is marked failed with Why as its message.
type DeliveryClosed struct{ Why string }

func (r DeliverySent) setDelivery(cols map[string]any, at time.Time) {
	cols["sent_version"] = r.Version
	cols["next_at"] = at.UnixMilli()
	cols["state"] = gorm.Expr("CASE WHEN version = ? THEN ? ELSE ? END", r.Version, DeliveryDone, DeliveryPending)
	if r.Ext != "" {
		cols["ext"] = r.Ext
	}
}

func (r DeliveryRetry) setDelivery(cols map[string]any, _ time.Time) {
	cols["next_at"] = r.Due.UnixMilli()
	if r.Failed {
		cols["state"] = DeliveryFailed
	}
}

func (r DeliveryClosed) setDelivery(cols map[string]any, _ time.Time) {
	cols["state"], cols["last_message"] = DeliveryFailed, r.Why
}

// row is the outcome as the columns it writes.
func (o *DeliveryOutcome) row() rowUpdate {
	cols := map[string]any{}
	if o.Attempts > 0 {
		cols["attempts"], cols["last_message"] = o.Attempts, o.Message
	}
	if o.Result != nil {
		o.Result.setDelivery(cols, o.At)
	}
	if !o.At.IsZero() {
		cols["updated_at"] = o.At
	}
	return rowUpdate{id: o.ID, token: o.Token, cols: cols}
}
