package integrations

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "time/tzdata" // zones load on machines without zoneinfo
)

// Schedule is an integration's working hours and caps (SPEC §9), parsed
// once per version: Open and the cap periods cost no parsing per lead.
type Schedule struct {
	// Location is the integration's timezone, UTC by default.
	Location *time.Location
	// Daily and Hourly are the caps; 0 means none.
	Daily, Hourly int
	// days holds each weekday's windows (time.Sunday first); nil when the
	// integration has no hours and is always open.
	days *[7][]window
}

// window is a span of minutes from the start of the day it belongs to; to
// is above 24*60 for a window that crosses midnight.
type window struct{ from, to int }

const minutesPerDay = 24 * 60

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Open reports whether t falls in a window of the integration's hours,
// read on the wall clock of its timezone. A window that crosses midnight
// belongs to the day it starts.
func (s *Schedule) Open(t time.Time) bool {
	if s.days == nil {
		return true
	}
	lt := t.In(s.Location)
	m := lt.Hour()*60 + lt.Minute()
	for _, w := range s.days[lt.Weekday()] {
		if w.from <= m && m < w.to {
			return true
		}
	}
	for _, w := range s.days[(lt.Weekday()+6)%7] {
		if m < w.to-minutesPerDay {
			return true
		}
	}
	return false
}

// Capped reports whether the integration has a cap.
func (s *Schedule) Capped() bool { return s.Daily > 0 || s.Hourly > 0 }

// CapPeriod is one counted period of a cap: its key and its limit.
type CapPeriod struct {
	Key   string
	Limit int
}

// CapPeriods are the periods t counts in, day first: keys name the local
// date ("d2026-03-29") and hour with its offset ("h2026-03-29T02+01"), so
// the hour repeated when clocks go back is two periods.
func (s *Schedule) CapPeriods(t time.Time) []CapPeriod {
	lt := t.In(s.Location)
	var out []CapPeriod
	if s.Daily > 0 {
		out = append(out, CapPeriod{Key: lt.Format("d2006-01-02"), Limit: s.Daily})
	}
	if s.Hourly > 0 {
		out = append(out, CapPeriod{Key: lt.Format("h2006-01-02T15-0700"), Limit: s.Hourly})
	}
	return out
}

// compileSchedule parses the document's timezone, hours and caps; Validate
// has checked them.
func compileSchedule(i *Integration) (*Schedule, error) {
	loc, err := loadZone(i.Timezone)
	if err != nil {
		return nil, &ValidationError{Field: "timezone", Message: err.Error()}
	}
	s := &Schedule{Location: loc}
	if i.Caps != nil {
		s.Daily, s.Hourly = i.Caps.Daily, i.Caps.Hourly
	}
	if len(i.Hours) == 0 {
		return s, nil
	}
	s.days = &[7][]window{}
	for key, spec := range i.Hours {
		days, err := parseDays(key)
		if err != nil {
			return nil, &ValidationError{Field: "hours." + key, Message: err.Error()}
		}
		ws, err := parseWindows(spec)
		if err != nil {
			return nil, &ValidationError{Field: "hours." + key, Message: err.Error()}
		}
		for _, d := range days {
			s.days[d] = append(s.days[d], ws...)
		}
	}
	return s, nil
}

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA timezone such as \"Europe/Berlin\"", name)
	}
	return loc, nil
}

// parseDays reads "mon" or a range "mon-fri" (which may wrap: "fri-mon").
func parseDays(key string) ([]time.Weekday, error) {
	first, last, isRange := strings.Cut(key, "-")
	if !isRange {
		last = first
	}
	from, okFrom := weekdays[first]
	to, okTo := weekdays[last]
	if !okFrom || !okTo {
		return nil, fmt.Errorf("%q is not a day (mon … sun) or a range of days such as \"mon-fri\"", key)
	}
	days := []time.Weekday{from}
	for d := from; d != to; {
		d = (d + 1) % 7
		days = append(days, d)
	}
	return days, nil
}

// parseWindows reads "09:00-18:00,20:00-02:00".
func parseWindows(spec string) ([]window, error) {
	var out []window
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		a, b, ok := strings.Cut(part, "-")
		from, errA := parseClock(a)
		to, errB := parseClock(b)
		if !ok || errA != nil || errB != nil {
			return nil, fmt.Errorf("%q is not a window HH:MM-HH:MM such as \"09:00-18:00\"", part)
		}
		if from == to {
			return nil, fmt.Errorf("the window %q is empty", part)
		}
		if to < from {
			to += minutesPerDay
		}
		out = append(out, window{from: from, to: to})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].from < out[j].from })
	return out, nil
}

// parseClock reads "HH:MM" (00:00 … 24:00) as minutes since midnight.
func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, errH := strconv.Atoi(hh)
	m, errM := strconv.Atoi(mm)
	if !ok || len(hh) != 2 || len(mm) != 2 || errH != nil || errM != nil || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, fmt.Errorf("%q is not a time HH:MM", s)
	}
	return h*60 + m, nil
}

// validateControl checks priority's neighbours: timezone, hours and caps.
// A negative priority is an order like any other.
func (i *Integration) validateControl(v *validator) {
	if _, err := loadZone(i.Timezone); err != nil {
		v.add("timezone", err.Error())
	}
	for _, key := range sortedKeys(i.Hours) {
		if _, err := parseDays(key); err != nil {
			v.add("hours."+key, err.Error())
		}
		if _, err := parseWindows(i.Hours[key]); err != nil {
			v.add("hours."+key, err.Error())
		}
	}
	if i.Caps != nil && i.Caps.Daily < 0 {
		v.add("caps.daily", "a cap is not negative (0 means none)")
	}
	if i.Caps != nil && i.Caps.Hourly < 0 {
		v.add("caps.hourly", "a cap is not negative (0 means none)")
	}
}
