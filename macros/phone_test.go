package macros

import (
	"strconv"
	"testing"
)

// BenchmarkSplitPhone splits a different phone each time, as a sweep of new
// leads does (the cache does not help).
func BenchmarkSplitPhone(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		splitPhone("4477009"+strconv.Itoa(10000+i%90000), "", "gb")
	}
}

// TestSplitByLengthAgreesWithTheParser: wherever the length-only split
// answers, it answers as the full parse does.
func TestSplitByLengthAgreesWithTheParser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		digits, country string
		fast            bool
	}{
		{"447123456789", "gb", true},
		{"79001234567", "ru", true},
		{"12125551234", "us", true},
		{"4915112345678", "de", false}, // German national numbers run to 13 digits too
		{"33612345678", "fr", true},
		{"919123456789", "in", false}, // so do India's 12-digit ones
		{"9123456789", "in", false},
		{"07123456789", "gb", false},
		{"390612345678", "it", false},
	}
	for _, tt := range tests {
		t.Run(tt.digits, func(t *testing.T) {
			t.Parallel()
			region := regionOf(tt.country)
			want := countryCallingCode(region)
			parts, ok := splitByLength(tt.digits, want)
			if ok != tt.fast {
				t.Fatalf("fast path taken = %v, want %v", ok, tt.fast)
			}
			if parsed := parsePhone(tt.digits, want, region); ok && parts != parsed {
				t.Errorf("fast %+v, parser %+v", parts, parsed)
			}
		})
	}
}
