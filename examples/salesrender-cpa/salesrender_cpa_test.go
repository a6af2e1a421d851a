package salesrendercpa_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/examples/examplestest"
	"github.com/leadrelay/leadrelay/storage/lead"
)

var files = []string{"salesrender-cpa.json"}

const (
	added     = `{"data":{"leadMutation":{"addLead":{"id":"7731"}}}}`
	duplicate = `{"errors":[{"message":"Duplicate lead: externalId click_abc123 exists"}],"data":null}`
)

// cpa is the request to SalesRender's CPA endpoint carrying query.
func cpa(query string) examplestest.Request {
	return examplestest.Request{Method: http.MethodPost, Path: "/companies/1234/CPA",
		Header: examplestest.Headers("Authorization", "sr-webmaster-token", "Content-Type", "application/json"),
		Body:   `{"query":"` + strings.ReplaceAll(query, `"`, `\"`) + `"}`}
}

func addLead(externalID, tag, source string) string {
	q := `mutation { leadMutation { addLead(input: { offerId: 1 externalId: "` + externalID + `" externalTag: "` + tag +
		`" data: { phone_1: "447123456789" humanName_1: { firstName: "John" lastName: "Doe" } }`
	if source != "" {
		q += ` source: { utm_source: "` + source + `" }`
	}
	return q + ` }) { id } } }`
}

// TestAddLead sends leads through leadMutation.addLead: the externalId is
// the click id, else the lead id; the tag is the campaign alias; the source
// is left out without a utm_source.
func TestAddLead(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		h.Target.Always(examplestest.OK(added))
		withClick := h.NewLead(map[string]any{"alias": "fb_uk_wl", "name": "John Doe", "phone": "447123456789", "country": "gb",
			"click_id": "click_abc123", "utm_source": "facebook"})
		h.Sweep("new")
		if diff := cmp.Diff(cpa(addLead("click_abc123", "fb_uk_wl", "facebook")), h.Target.TakeOne(t)); diff != "" {
			t.Errorf("request (-want +got):\n%s", diff)
		}
		if l := h.Lead(withClick); l.Status != lead.Processing || l.Ext != "7731" {
			t.Errorf("lead = %s ext %q, want processing 7731", l.Status, l.Ext)
		}
		bare := h.NewLead(map[string]any{"alias": "fb_uk_wl", "name": "John Doe", "phone": "447123456789", "country": "gb"})
		h.Sweep("new")
		if diff := cmp.Diff(cpa(addLead(strconv.FormatInt(bare, 10), "fb_uk_wl", "")), h.Target.TakeOne(t)); diff != "" {
			t.Errorf("request without click id (-want +got):\n%s", diff)
		}
	})
}

// TestOutcomes: a duplicate cancels the lead, unless it answers a retry, in
// which case the earlier attempt went through; errors are sent again.
func TestOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		replies  []examplestest.Reply
		outcomes []string
		status   lead.Status
		ext      string // "=id": the lead's own id
		reason   lead.Reason
	}{
		{"added", []examplestest.Reply{examplestest.OK(added)}, []string{"SUCCESS"}, lead.Processing, "7731", 0},
		{"duplicate", []examplestest.Reply{examplestest.OK(duplicate)}, []string{"REJECTED"}, lead.Cancel, "", lead.ReasonDuplicate},
		{"timeout answer, then duplicate", []examplestest.Reply{{Code: http.StatusGatewayTimeout, Body: "timeout"}, examplestest.OK(duplicate)},
			[]string{"ERROR", "SUCCESS"}, lead.Processing, "=id", 0},
		{"validation error, then added", []examplestest.Reply{examplestest.OK(`{"errors":[{"message":"offerId: offer is paused"}]}`), examplestest.OK(added)},
			[]string{"ERROR", "SUCCESS"}, lead.Processing, "7731", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
				id := h.NewLead(map[string]any{"alias": "fb_uk_wl", "name": "John Doe", "phone": "447123456789", "country": "gb",
					"click_id": "click_abc123", "utm_source": "facebook"})
				for i, outcome := range tt.outcomes {
					h.Target.Always(tt.replies[i])
					if got := h.Sweep("new"); got[outcome] != 1 {
						t.Fatalf("minute %d: outcomes %v, want one %s", i, got, outcome)
					}
					if diff := cmp.Diff(cpa(addLead("click_abc123", "fb_uk_wl", "facebook")), h.Target.TakeOne(t)); diff != "" {
						t.Errorf("minute %d: request (-want +got):\n%s", i, diff)
					}
					h.NextMinute()
				}
				want := tt.ext
				if want == "=id" {
					want = strconv.FormatInt(id, 10)
				}
				if l := h.Lead(id); l.Status != tt.status || l.Ext != want || l.Reason != tt.reason {
					t.Errorf("lead = %s ext %q reason %d, want %s %q %d", l.Status, l.Ext, l.Reason, tt.status, want, tt.reason)
				}
			})
		})
	}
}
