// Package lead holds the plain domain types of a lead: its statuses, stages,
// cancel reasons and the stored row itself. It imports nothing of ours, so every
// other package may use it.
package lead

import (
	"fmt"
	"strconv"
	"strings"
)

// Status is a lead's status, with the ids of the platform leads move over from.
type Status int

// The statuses of SPEC §1.
const (
	New        Status = 1
	Processing Status = 2
	Callback   Status = 3
	NoAnswer   Status = 4
	Cancel     Status = 5
	Packaging  Status = 6
	Send       Status = 7
	Delivery   Status = 8
	Delivered  Status = 9
	Paid       Status = 10
	Return     Status = 11
	Deleted    Status = 12
)

// Stage groups statuses the way trackers and advertisers see them.
type Stage string

// The four stages.
const (
	StageWait    Stage = "wait"
	StageApprove Stage = "approve"
	StageCancel  Stage = "cancel"
	StageTrash   Stage = "trash"
)

type statusInfo struct {
	name  string
	stage Stage
}

var statuses = map[Status]statusInfo{
	New:        {"new", StageWait},
	Processing: {"processing", StageWait},
	Callback:   {"callback", StageWait},
	NoAnswer:   {"noanswer", StageWait},
	Cancel:     {"cancel", StageCancel},
	Packaging:  {"packaging", StageApprove},
	Send:       {"send", StageApprove},
	Delivery:   {"delivery", StageApprove},
	Delivered:  {"delivered", StageApprove},
	Paid:       {"paid", StageApprove},
	Return:     {"return", StageApprove},
	Deleted:    {"deleted", StageTrash},
}

// Statuses lists every status in id order.
func Statuses() []Status {
	out := make([]Status, 0, len(statuses))
	for s := New; s <= Deleted; s++ {
		out = append(out, s)
	}
	return out
}

// Valid reports whether s is one of the twelve statuses.
func (s Status) Valid() bool {
	_, ok := statuses[s]
	return ok
}

// String returns the status name ("processing"), or "status N" for an unknown id.
func (s Status) String() string {
	if info, ok := statuses[s]; ok {
		return info.name
	}
	return "status " + strconv.Itoa(int(s))
}

// Stage returns the stage the status belongs to; unknown statuses are in no stage.
func (s Status) Stage() Stage {
	return statuses[s].stage
}

// ParseStatus accepts a status id ("2") or name ("processing"), in any case.
func ParseStatus(v string) (Status, error) {
	v = strings.TrimSpace(strings.ToLower(v))
	if n, err := strconv.Atoi(v); err == nil {
		s := Status(n)
		if !s.Valid() {
			return 0, fmt.Errorf("unknown status id %d (valid: 1 to 12)", n)
		}
		return s, nil
	}
	for s, info := range statuses {
		if info.name == v {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown status %q (valid: %s)", v, statusNames())
}

func statusNames() string {
	names := make([]string, 0, len(statuses))
	for _, s := range Statuses() {
		names = append(names, s.String())
	}
	return strings.Join(names, ", ")
}
