package lead

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Reason is a cancel reason code. Codes without a built-in name are kept as given.
type Reason int

// The built-in cancel reasons of SPEC §1.
const (
	ReasonIncorrectPhone   Reason = 1
	ReasonChangedMind      Reason = 2
	ReasonDidNotOrder      Reason = 3
	ReasonNeedsCertificate Reason = 4
	ReasonGeo              Reason = 5
	ReasonFakeData         Reason = 6
	ReasonDuplicate        Reason = 7
	ReasonOrderedElsewhere Reason = 8
	ReasonBanned           Reason = 12
	ReasonBadTraffic       Reason = 15
)

var reasonNames = map[Reason]string{
	ReasonIncorrectPhone:   "incorrect phone",
	ReasonChangedMind:      "changed mind",
	ReasonDidNotOrder:      "did not order",
	ReasonNeedsCertificate: "requires certificate",
	ReasonGeo:              "delivery impossible (geo)",
	ReasonFakeData:         "fake data",
	ReasonDuplicate:        "duplicate",
	ReasonOrderedElsewhere: "ordered elsewhere",
	ReasonBanned:           "banned",
	ReasonBadTraffic:       "bad traffic",
}

// String returns the reason's name, "reason N" for a code without one, and ""
// for no reason (0).
func (r Reason) String() string {
	if r == 0 {
		return ""
	}
	if name, ok := reasonNames[r]; ok {
		return name
	}
	return "reason " + strconv.Itoa(int(r))
}

// Name is the reason's built-in name; false for a code without one.
func (r Reason) Name() (string, bool) {
	name, ok := reasonNames[r]
	return name, ok
}

// Reasons lists the reasons that have a built-in name, by code.
func Reasons() []Reason {
	return slices.Sorted(maps.Keys(reasonNames))
}

// ParseReason accepts a positive code ("7") or a built-in name ("duplicate").
func ParseReason(v string) (Reason, error) {
	v = strings.TrimSpace(strings.ToLower(v))
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("reason %d: a reason code is not negative", n)
		}
		return Reason(n), nil
	}
	for r, name := range reasonNames {
		if name == v {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown reason %q: give a code or a built-in name", v)
}
