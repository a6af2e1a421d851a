package dispatcher_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestRetryIsDueForTheNextMinutesSweep: a sending error in a sweep is sent
// again by the next minute's sweep, in every swept mode, although the
// attempt (and so the outcome's write) ends after the sweep's cut-off: the
// CRM moves the clock on while it answers.
func TestRetryIsDueForTheNextMinutesSweep(t *testing.T) {
	t.Parallel()
	stub := map[string]any{"enabled": true}
	toPackaging := func(t *testing.T, b *bundle, l *lead.Lead) {
		t.Helper()
		if err := b.d.ChangeStatus(context.Background(), dispatcher.StatusChange{LeadID: l.ID, Status: lead.Packaging, Source: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		mode string
		doc  func(url string) map[string]any
		// due makes the lead's row due in mode.
		due func(t *testing.T, b *bundle, l *lead.Lead)
	}{
		{"new", "new", func(url string) map[string]any {
			return map[string]any{"new": newMode(url, "")}
		}, func(*testing.T, *bundle, *lead.Lead) {}},
		{"changes", "changes", func(url string) map[string]any {
			return map[string]any{"new": stub, "changes": map[string]any{"enabled": true, "url": url, "format": "json", "fields": "id {ext}"}}
		}, func(t *testing.T, b *bundle, l *lead.Lead) {
			if err := b.d.MarkChanged(context.Background(), l.ID, map[string]any{"city": "Leeds"}); err != nil {
				t.Fatal(err)
			}
		}},
		{"approved", "approved", func(url string) map[string]any {
			return map[string]any{"new": stub, "approved": map[string]any{"enabled": true, "from_status": "packaging",
				"url": url, "format": "json", "fields": "order {id}"}}
		}, toPackaging},
		{"postback", "postback", func(url string) map[string]any {
			return map[string]any{"new": stub, "postback": map[string]any{"enabled": true, "url": url, "method": "GET",
				"statuses": []string{"packaging"}}}
		}, toPackaging},
		{"campaign postback", "postback", func(string) map[string]any {
			return map[string]any{"new": stub}
		}, toPackaging},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				cutoff := b.clock.Now()
				target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
					b.clock.Advance(2 * time.Second)
					w.WriteHeader(http.StatusServiceUnavailable)
				})
				doc := tt.doc(target.URL)
				doc["name"], doc["enabled"] = "crm", true
				b.integration(t, doc)
				camp := &catalog.Campaign{Alias: "cpa", Offer: 1, PostbackURL: target.URL + "/camp?s={status}",
					PostbackStatuses: []string{"packaging"}}
				if tt.name == "campaign postback" {
					if err := storage.PutObject(context.Background(), s, camp); err != nil {
						t.Fatal(err)
					}
				}
				l := &lead.Lead{Name: "Ann", Campaign: "cpa"}
				if tt.mode != "new" {
					l.Ext = "CRM-7" // sent before: changes need an ext
				}
				b.newLead(t, l)
				tt.due(t, b, l)
				if counts := b.sweep(t, tt.mode); counts["ERROR"] != 1 {
					t.Fatalf("first sweep = %v, want one ERROR", counts)
				}
				b.clock.Advance(cutoff.Add(time.Minute).Sub(b.clock.Now()))
				b.sweep(t, tt.mode)
				if n := len(target.got()); n != 2 {
					t.Errorf("requests after the next minute's sweep = %d, want 2: the retry was not due at its cut-off", n)
				}
			})
		})
	}
}

// TestScheduledSweepsRetryEveryMinute: a scheduled sweep takes the minute it
// was due at as its cut-off, so a lead that fails at each scheduled minute
// is tried at each one, even when the sweeps start late.
func TestScheduledSweepsRetryEveryMinute(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			b.clock.Advance(2 * time.Second)
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": newMode(target.URL, "")})
		b.newLead(t, &lead.Lead{Name: "Ann"})
		for minute := 1; minute <= 3; minute++ {
			due := b.clock.Now().Truncate(time.Minute).Add(time.Minute)
			b.clock.Advance(due.Add(5 * time.Second).Sub(b.clock.Now())) // the sweep starts late
			dispatcher.Tick(b.d, context.Background(), due)
		}
		if n := len(target.got()); n != 3 {
			t.Errorf("requests in three scheduled sweeps = %d, want 3", n)
		}
	})
}

// TestRetryAfterOutlastsTheNextMinute: a 429's Retry-After counts from the
// answer, not from the sweep's cut-off: a minute's pause answered two
// seconds into a sweep still holds at the next minute's sweep, although
// the lead itself is due then.
func TestRetryAfterOutlastsTheNextMinute(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			b.clock.Advance(2 * time.Second)
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": newMode(target.URL, "")})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		cutoff := b.clock.Now()
		b.sweep(t, "new")
		if due := time.UnixMilli(b.lead(t, l.ID).NextAt); !due.Equal(cutoff.Add(time.Minute)) {
			t.Errorf("the lead is due at %v, want %v", due, cutoff.Add(time.Minute))
		}
		b.clock.Advance(cutoff.Add(time.Minute).Sub(b.clock.Now()))
		b.sweep(t, "new")
		if n := len(target.got()); n != 1 {
			t.Errorf("requests within the pause = %d, want 1", n)
		}
		b.clock.Advance(time.Minute)
		b.sweep(t, "new")
		if n := len(target.got()); n != 2 {
			t.Errorf("requests after the pause = %d, want 2", n)
		}
	})
}
