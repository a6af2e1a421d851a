// Package mode names the modes a lead is delivered in: the keys of an
// integration's document (SPEC §3 and the check of SPEC §9), the words
// scripts see in their mode global, the mode column of the deliveries and
// the log. It imports nothing of ours, so every other package may use it.
package mode

// Mode is the name of a delivery mode, as the document, scripts and the
// database write it.
type Mode string

// The modes of SPEC §3, the check of SPEC §9 and the hook.
const (
	// New sends a new lead from the leads table.
	New Mode = "new"
	// Changes sends a lead's edits to the integration that holds it.
	Changes Mode = "changes"
	// Approved tells the integration that holds a lead it was approved.
	Approved Mode = "approved"
	// Sync sends a lead while its visitor waits for the answer.
	Sync Mode = "sync"
	// Postback tells a tracker or a campaign about a status change.
	Postback Mode = "postback"
	// Check asks the target whether it has a lead whose send was
	// uncertain; its return value reads as new's does.
	Check Mode = "check"
	// Hook reads a CRM's webhook; it has no request of its own.
	Hook Mode = "hook"
)
