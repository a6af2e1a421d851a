package s2spostback_test

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/examples/examplestest"
)

var files = []string{"s2s-postback.json", "cake.json", "hasoffers.json", "keitaro.json"}

// tracking is the tracker value of seed 004: letters, digits and special
// characters, to be returned whole.
const (
	tracking = "befwueicjfn93q4/urc+nq8=3x&n fj~em"
	escaped  = "befwueicjfn93q4%2Furc%2Bnq8%3D3x%26n%20fj~em"
)

func get(path, query string) examplestest.Request {
	return examplestest.Request{Method: http.MethodGet, Path: path, Query: query, Header: examplestest.Headers()}
}

// take returns the requests since the last take, by path.
func take(t *testing.T, h *examplestest.Harness) []examplestest.Request {
	t.Helper()
	reqs := h.Target.Take(t)
	slices.SortFunc(reqs, func(a, b examplestest.Request) int { return cmp.Compare(a.Path, b.Path) })
	return reqs
}

// arrived takes a lead of offer 501 in and sends Keitaro its "lead".
func arrived(t *testing.T, h *examplestest.Harness) int64 {
	t.Helper()
	id := h.AdminLead(map[string]any{"offer": 501, "name": "Ann", "phone": "447123456789", "country": "gb", "click_id": tracking, "cwm": 12.5})
	if got := h.Sweep("postback"); got["SUCCESS"] != 1 {
		t.Fatalf("on arrival: outcomes %v, want Keitaro's lead postback", got)
	}
	want := []examplestest.Request{get("/7d3a1b2/postback", "subid="+escaped+"&status=lead&payout=12.5")}
	if diff := gocmp.Diff(want, take(t, h)); diff != "" {
		t.Fatalf("on arrival (-want +got):\n%s", diff)
	}
	return id
}

// TestConversion: an approved lead goes to every tracker once, the tracking
// value whole and URL-encoded, the amount as 0.00.
func TestConversion(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		id := arrived(t, h)
		h.SetStatus(id, "packaging")
		if got := h.Sweep("postback"); got["SUCCESS"] != 4 || len(got) != 1 {
			t.Errorf("outcomes %v, want four SUCCESS", got)
		}
		lid := strconv.FormatInt(id, 10)
		want := []examplestest.Request{
			get("/7d3a1b2/postback", "subid="+escaped+"&status=sale&payout=12.5"),
			get("/aff_lsr", "offer_id=12&transaction_id="+escaped+"&amount=12.50&adv_sub="+lid),
			get("/p.ashx", "o=128&e=4&f=pb&r="+escaped+"&t="+lid+"&p=12.50"),
			get("/postback", "key=21432hruweihdfc9fwne92fn8294jd29j289f298dj&tracking="+escaped+"&amount=12.50"),
		}
		if diff := gocmp.Diff(want, take(t, h)); diff != "" {
			t.Errorf("postbacks (-want +got):\n%s", diff)
		}
		for _, row := range h.Attempts(id, "postback") {
			if row.IntegrationID == 501 && (!strings.Contains(row.Request, "key=***") || strings.Contains(row.Request, "21432hru")) {
				t.Errorf("the log shows the request as %s, want the key as ***", row.Request)
			}
		}
		h.SetStatus(id, "send")
		h.SetStatus(id, "packaging")
		h.NextMinute()
		if got := h.Sweep("postback"); len(got) != 0 {
			t.Errorf("packaging again: outcomes %v, want none", got)
		}
	})
}

// TestRejected: a cancelled lead is "rejected" at Keitaro only; the
// conversion trackers hear of approved leads alone.
func TestRejected(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		id := arrived(t, h)
		h.SetStatus(id, "cancel")
		h.Sweep("postback")
		want := []examplestest.Request{get("/7d3a1b2/postback", "subid="+escaped+"&status=rejected&payout=12.5")}
		if diff := gocmp.Diff(want, take(t, h)); diff != "" {
			t.Errorf("postbacks (-want +got):\n%s", diff)
		}
	})
}

// TestTrackerDown: a tracker that does not answer 2xx gets the postback
// again a minute later; the others are not sent twice.
func TestTrackerDown(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		id := arrived(t, h)
		h.Target.Reply(func(r examplestest.Request) examplestest.Reply {
			if r.Path == "/p.ashx" {
				return examplestest.Reply{Code: http.StatusServiceUnavailable, Body: "down"}
			}
			return examplestest.OK("")
		})
		h.SetStatus(id, "packaging")
		if got := h.Sweep("postback"); got["SUCCESS"] != 3 || got["ERROR"] != 1 {
			t.Errorf("outcomes %v, want three SUCCESS and one ERROR", got)
		}
		take(t, h)
		h.Target.Always(examplestest.OK("ok"))
		h.NextMinute()
		if got := h.Sweep("postback"); got["SUCCESS"] != 1 || len(got) != 1 {
			t.Errorf("a minute later: outcomes %v, want one SUCCESS", got)
		}
		want := []examplestest.Request{get("/p.ashx", "o=128&e=4&f=pb&r="+escaped+"&t="+strconv.FormatInt(id, 10)+"&p=12.50")}
		if diff := gocmp.Diff(want, take(t, h)); diff != "" {
			t.Errorf("a minute later (-want +got):\n%s", diff)
		}
	})
}

// TestCampaignPostback: the publisher's Binom gets its campaign's labels,
// approved and rejected only, once each.
func TestCampaignPostback(t *testing.T) {
	t.Parallel()
	examplestest.Run(t, files, func(t *testing.T, h *examplestest.Harness) {
		id := h.NewLead(map[string]any{"alias": "binom_pub", "name": "Ann", "phone": "447123456789", "country": "gb",
			"click_id": "bn-5f2a9"})
		h.SetStatus(id, "processing")
		h.Sweep("postback")
		take(t, h) // Keitaro's "lead": the campaign has no label for wait
		h.SetStatus(id, "packaging")
		h.Target.Always(examplestest.OK(""))
		h.Sweep("postback")
		var binom []examplestest.Request
		for _, r := range take(t, h) {
			if r.Path == "/click.php" {
				binom = append(binom, r)
			}
		}
		want := []examplestest.Request{get("/click.php", "cnv_id=bn-5f2a9&payout=7&cnv_status=approved")}
		if diff := gocmp.Diff(want, binom); diff != "" {
			t.Errorf("Binom's postbacks (-want +got):\n%s", diff)
		}
		h.SetStatus(id, "cancel")
		h.Sweep("postback")
		for _, r := range take(t, h) {
			if r.Path == "/click.php" && r.Query != "cnv_id=bn-5f2a9&payout=7&cnv_status=rejected" {
				t.Errorf("Binom's postback on cancel: %+v", r)
			}
		}
	})
}
