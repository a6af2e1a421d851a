package integrations

import (
	"errors"
	"testing"
	"time"
)

func TestScheduleOpen(t *testing.T) {
	t.Parallel()
	hours := map[string]string{"mon-fri": "09:00-18:00", "sat": "10:00-14:00,20:00-02:00"}
	berlin := map[string]string{"sun": "03:00-04:00"}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		tz    string
		hours map[string]string
		at    string
		want  bool
	}{
		{"no hours is always open", "", nil, "2026-03-29T03:00:00Z", true},
		{"inside a weekday window", "", hours, "2026-03-30T09:00:00Z", true},
		{"the window's end is closed", "", hours, "2026-03-30T18:00:00Z", false},
		{"a day not named is closed", "", hours, "2026-03-29T12:00:00Z", false},
		{"a window crossing midnight, before", "", hours, "2026-03-28T23:30:00Z", true},
		{"a window crossing midnight, after, belongs to saturday", "", hours, "2026-03-29T01:59:00Z", true},
		{"a window crossing midnight ends", "", hours, "2026-03-29T02:00:00Z", false},
		{"in the timezone: 08:30 UTC is 09:30 in Berlin", "Europe/Berlin", hours, "2026-03-30T07:30:00Z", true},
		{"DST day in Berlin: 00:30 UTC is 01:30 CET, closed", "Europe/Berlin", berlin, "2026-03-29T00:30:00Z", false},
		{"DST day in Berlin: 01:00 UTC is 03:00 CEST, open", "Europe/Berlin", berlin, "2026-03-29T01:00:00Z", true},
		{"DST day in Berlin: 02:00 UTC is 04:00 CEST, closed", "Europe/Berlin", berlin, "2026-03-29T02:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := compileSchedule(&Integration{Timezone: tt.tz, Hours: tt.hours})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Open(utc(tt.at)); got != tt.want {
				t.Errorf("Open(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestCapPeriods(t *testing.T) {
	t.Parallel()
	s, err := compileSchedule(&Integration{Timezone: "Europe/Berlin", Caps: &Caps{Daily: 100, Hourly: 10}})
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC on the 28th is already the 29th in Berlin; the hour repeated
	// when clocks go back on 25 October is two periods.
	got := s.CapPeriods(time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC))
	want := []CapPeriod{{"d2026-03-29", 100}, {"h2026-03-29T00+0100", 10}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("CapPeriods = %v, want %v", got, want)
	}
	first := s.CapPeriods(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC))[1].Key
	second := s.CapPeriods(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC))[1].Key
	if first == second {
		t.Errorf("both 02:30s of 25 October count in %s", first)
	}
}

func TestValidateControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(i *Integration)
		field string
	}{
		{"unknown day", func(i *Integration) { i.Hours = map[string]string{"mondays": "09:00-18:00"} }, "hours.mondays"},
		{"25:00", func(i *Integration) { i.Hours = map[string]string{"mon": "09:00-25:00"} }, "hours.mon"},
		{"empty window", func(i *Integration) { i.Hours = map[string]string{"mon": "09:00-09:00"} }, "hours.mon"},
		{"no window", func(i *Integration) { i.Hours = map[string]string{"mon": ""} }, "hours.mon"},
		{"unknown timezone", func(i *Integration) { i.Timezone = "Mars/Olympus" }, "timezone"},
		{"negative daily cap", func(i *Integration) { i.Caps = &Caps{Daily: -1} }, "caps.daily"},
		{"negative hourly cap", func(i *Integration) { i.Caps = &Caps{Hourly: -1} }, "caps.hourly"},
		{"negative priority is an order", func(i *Integration) { i.Priority = -5 }, ""},
		{"all good", func(i *Integration) {
			i.Timezone, i.Hours, i.Caps = "Europe/Berlin", map[string]string{"fri-mon": "20:00-02:00, 09:00-12:00"}, &Caps{Daily: 5}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			i := &Integration{Name: "x", Enabled: true}
			tt.edit(i)
			err := i.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("Validate = %v, want an error naming %s", err, tt.field)
			}
		})
	}
}
