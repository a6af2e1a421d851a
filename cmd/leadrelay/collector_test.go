package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneCollector is not parallel: the collector's target is the
// process's.
func TestTuneCollector(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tt := range []struct {
		gogc string
		want int
	}{
		{gogc: "", want: collectorPercent},
		{gogc: "50", want: 100}, // GOGC is the runtime's to read: left as it is
	} {
		debug.SetGCPercent(100)
		a := &app{env: func(k string) string {
			if k == "GOGC" {
				return tt.gogc
			}
			return ""
		}}
		a.tuneCollector()
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("GOGC=%q: the collector's target is %d, want %d", tt.gogc, got, tt.want)
		}
	}
}
