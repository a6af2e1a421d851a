package dispatcher_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestChangesAreNotClearedByAnEarlierSend: a change made while the previous
// change is in flight is sent in the next sweep, not cleared.
func TestChangesAreNotClearedByAnEarlierSend(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		var leadID int64
		changedMidFlight := false
		target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			if !changedMidFlight {
				changedMidFlight = true
				if err := b.d.MarkChanged(context.Background(), leadID, map[string]any{"city": "Leeds"}); err != nil {
					t.Errorf("changing mid-flight: %v", err)
				}
			}
			_, _ = w.Write([]byte(`{"status":"ok"}`))
		})
		b.integration(t, map[string]any{"name": "crm", "enabled": true,
			"new": map[string]any{"enabled": true},
			"changes": map[string]any{"enabled": true, "url": target.URL + "/update", "format": "json",
				"fields": "id {ext}\ncity {city}",
				"post":   `local r = json.decode(result) return r.status == "ok"`}})
		l := b.newLead(t, &lead.Lead{Name: "Ann", City: "York", Ext: "CRM-7"})
		leadID = l.ID
		if err := b.d.MarkChanged(context.Background(), l.ID, map[string]any{"city": "Hull"}); err != nil {
			t.Fatal(err)
		}
		if counts := b.sweep(t, "changes"); counts["SUCCESS"] != 1 {
			t.Fatalf("first changes sweep = %v", counts)
		}
		if changed(t, s, l.ID) != true {
			t.Fatal("the change made mid-flight was cleared")
		}
		b.clock.Advance(time.Minute)
		b.sweep(t, "changes")
		reqs := target.got()
		if len(reqs) != 2 || !contains(reqs[0].Body, `"city":"Hull"`) || !contains(reqs[1].Body, `"city":"Leeds"`) {
			t.Fatalf("requests = %+v", reqs)
		}
		if changed(t, s, l.ID) {
			t.Error("the lead is still marked changed after its last change went out")
		}
		if k0, k1 := reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key"); k0 == k1 {
			t.Errorf("two different changes share the idempotency key %q", k0)
		}
		b.clock.Advance(time.Minute)
		b.sweep(t, "changes")
		if n := len(target.got()); n != 2 {
			t.Errorf("requests after nothing changed = %d, want 2", n)
		}
	})
}

func changed(t *testing.T, s *storage.Store, id int64) bool {
	t.Helper()
	m, err := s.ChangedLeads(context.Background(), []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	return m[id]
}

// TestApprovedSendsOncePerIntegration: a lead reaching from_status is sent
// once, and the value returned is kept as that integration's external id.
func TestApprovedSendsOncePerIntegration(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(200, `{"status":"ok","id":"FUL-1"}`))
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": map[string]any{"enabled": true}})
		b.integration(t, map[string]any{"name": "fulfilment", "enabled": true, "offers": []int{1},
			"approved": map[string]any{"enabled": true, "from_status": "packaging", "url": target.URL, "format": "json",
				"fields": "order {id}", "post": `local r = json.decode(result) if r.status == "ok" then return r.id end`}})
		waiting := b.newLead(t, &lead.Lead{Name: "Ann"})
		other := b.newLead(t, &lead.Lead{Name: "Bob"})
		b.sweep(t, "new")
		if err := b.d.ChangeStatus(context.Background(), dispatcher.StatusChange{LeadID: waiting.ID, Status: lead.Packaging, Source: "test"}); err != nil {
			t.Fatal(err)
		}
		if counts := b.sweep(t, "approved"); counts["SUCCESS"] != 1 {
			t.Fatalf("approved sweep = %v", counts)
		}
		b.clock.Advance(time.Minute)
		b.sweep(t, "approved")
		reqs := target.got()
		if len(reqs) != 1 || !contains(reqs[0].Body, `"order":"`) {
			t.Fatalf("requests = %+v, want one for lead %d", reqs, waiting.ID)
		}
		if got := b.lead(t, other.ID); got.Status != lead.Processing {
			t.Errorf("the other lead moved: %v", got.Status)
		}
	})
}

// TestPostbacksOncePerStatus: integration postbacks go once per (lead,
// integration, status); campaign postbacks once per (lead, label), with the
// label in {status}.
func TestPostbacksOncePerStatus(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		tracker := newCRM(t, answer(200, "OK"))
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": map[string]any{"enabled": true},
			"postback": map[string]any{"enabled": true, "method": "GET", "format": "query",
				"url": tracker.URL + "/int?st={status}&lead={lead_id}", "statuses": []string{"packaging", "cancel"}},
			"postback_labels": map[string]string{"approve": "accepted", "cancel": "rejected"}})
		camp := &catalog.Campaign{Alias: "cpa_uk", Offer: 1,
			PostbackURL:      tracker.URL + "/camp?clickid={click_id}&status={status}&payout={amount}",
			PostbackStatuses: []string{"accepted", "rejected"},
			PostbackLabels:   map[string]string{"wait": "pending", "approve": "accepted", "cancel": "rejected", "trash": "rejected"}}
		if err := storage.PutObject(context.Background(), s, camp); err != nil {
			t.Fatal(err)
		}
		l := b.newLead(t, &lead.Lead{Name: "Ann", Campaign: "cpa_uk", ClickID: "abc 123", CWM: 12.5})
		b.sweep(t, "new")
		for _, st := range []lead.Status{lead.Packaging, lead.Send, lead.Packaging} {
			if err := b.d.ChangeStatus(context.Background(), dispatcher.StatusChange{LeadID: l.ID, Status: st, Source: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		b.sweep(t, "postback")
		b.clock.Advance(time.Minute)
		b.sweep(t, "postback")
		var paths []string
		for _, r := range tracker.got() {
			paths = append(paths, r.Path+"?"+r.Query)
		}
		want := map[string]bool{
			"/int?st=accepted&lead=" + itoa(l.ID):                  true,
			"/camp?clickid=abc%20123&status=accepted&payout=12.50": true,
		}
		if len(paths) != len(want) {
			t.Fatalf("postbacks = %v, want %d", paths, len(want))
		}
		for _, p := range paths {
			if !want[p] {
				t.Errorf("unexpected postback %s (want %v)", p, want)
			}
		}
		if row := b.lastAttempt(t, l.ID, "postback"); contains(row.Request, `\u0026`) || !contains(row.Request, "&") {
			t.Errorf("the logged request does not read as sent: %s", row.Request)
		}
	})
}

// TestSyncRules covers the sync send's return rules (SPEC §3 sync).
func TestSyncRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		post   string
		result string
		status lead.Status
		ext    string
		reason lead.Reason
	}{
		{"url", `return "https://crm.example/autologin?t=1"`, "redirect", lead.New, "", 0},
		{"url with ext", `lead.edit(o.order_id, {exto = "R-1"}) return "https://crm.example/a"`, "redirect", lead.New, "R-1", 0},
		{"positive id", `return 4242`, "accepted", lead.Processing, "4242", 0},
		{"id: prefix", `return "id:abc-9"`, "accepted", lead.Processing, "abc-9", 0},
		{"negative", `return -12`, "cancelled", lead.Cancel, "", lead.ReasonBanned},
		{"text", `return "Registration failed, try again later"`, "error", lead.Deleted, "", 0},
		{"empty", `return nil`, "queued", lead.New, "", 0},
		{"registered without url", `lead.edit(o.order_id, {exto = "R-2"}) return nil`, "queued", lead.New, "R-2", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				target := newCRM(t, answer(200, `{}`))
				b.integration(t, map[string]any{"name": "reg", "enabled": true,
					"new":  newMode(target.URL, `return "CLASSIC"`),
					"sync": map[string]any{"enabled": true, "url": target.URL + "/register", "format": "json", "fields": "phone {phone}", "post": tt.post}})
				l := &lead.Lead{Name: "Ann", Phone: "447123456789", Country: "gb", OfferID: 1}
				received, err := b.d.Intake(context.Background(), dispatcher.Intake{Lead: l, Sync: true})
				if err != nil {
					t.Fatal(err)
				}
				res := received.Sync
				if res.Result != tt.result {
					t.Errorf("sync result = %+v, want %s", res, tt.result)
				}
				got := b.lead(t, l.ID)
				if got.Status != tt.status || got.Ext != tt.ext || got.Reason != tt.reason {
					t.Errorf("lead = %v %q %d, want %v %q %d", got.Status, got.Ext, got.Reason, tt.status, tt.ext, tt.reason)
				}
				// The classic send then never sends a lead twice: a lead
				// with an ext is only moved to processing.
				b.sweep(t, "new")
				sends := len(target.got())
				wantSends := 1
				if got.Status == lead.New && got.Ext == "" {
					wantSends = 2
				}
				if sends != wantSends {
					t.Errorf("requests = %d, want %d", sends, wantSends)
				}
			})
		})
	}
}

// TestDryRunWritesNothing: the dry run reports request, return and effect,
// and leaves the lead and the log alone.
func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		id := b.integration(t, map[string]any{"name": "crm", "enabled": true, "secrets": map[string]string{"token": "s3cr3t-value"},
			"new": map[string]any{"enabled": true, "url": "https://crm.invalid/orders?key={secret:token}", "format": "json",
				"fields": "phone {phone}", "headers": "Authorization: Bearer {secret:token}",
				"post": `log("code", response.code) local r = json.decode(result) if r.error == "double" then return -7 end return r.id`}})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		before := len(b.log(t, l.ID))
		res, err := b.d.DryRun(context.Background(), dispatcher.DryRun{IntegrationID: id, Mode: "new", LeadID: l.ID,
			Response: &dispatcher.StubResponse{Code: 409, Body: `{"error":"double"}`}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Effect.Status == nil || *res.Effect.Status != "cancel" || res.Effect.Reason != 7 {
			t.Errorf("effect = %+v", res.Effect)
		}
		if len(res.ScriptLog) != 1 || res.ScriptLog[0] != "code\t409" {
			t.Errorf("script log = %q", res.ScriptLog)
		}
		shown, _ := json.Marshal(res)
		if contains(string(shown), "s3cr3t-value") || !contains(string(shown), "Bearer ***") {
			t.Errorf("the dry run does not hide the secret: %s", shown)
		}
		if got := b.lead(t, l.ID); got.Status != lead.New || got.Attempts != 0 {
			t.Errorf("the dry run changed the lead: %v attempts %d", got.Status, got.Attempts)
		}
		if after := len(b.log(t, l.ID)); after != before {
			t.Errorf("the dry run wrote %d log rows", after-before)
		}
		bad, err := b.d.DryRun(context.Background(), dispatcher.DryRun{IntegrationID: id, Mode: "new", LeadID: l.ID,
			Response: &dispatcher.StubResponse{Code: 200, Body: `not json`}})
		if err != nil {
			t.Fatal(err)
		}
		if bad.Error == nil || bad.Error.Script != "integration "+itoa(id)+" new.post" || bad.Error.Line != 1 {
			t.Errorf("script error = %+v", bad.Error)
		}
	})
}

// TestHookToPostback: a CRM webhook read by the hook script gives the status.
func TestHook(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		id := b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": map[string]any{"enabled": true},
			"hook": `local r = json.decode(result)
return {lead_id = r.order.externalId, ext = r.order.id, status = r.order.statusId, comment = r.order.comment}`})
		res, err := b.d.Hook(context.Background(), id, []byte(`{"order":{"id":84921,"externalId":"17","statusId":3,"comment":"confirmed"}}`), map[string]any{"method": "POST"})
		if err != nil {
			t.Fatal(err)
		}
		if res.LeadID != 17 || res.Ext != "84921" || res.Status != "3" || res.Comment != "confirmed" {
			t.Errorf("hook = %+v", res)
		}
		if _, err := b.d.Hook(context.Background(), id, []byte(`{"order":"not a table"}`), nil); err == nil {
			t.Fatal("a webhook the script cannot read was accepted")
		}
		bad := b.integration(t, map[string]any{"name": "odd", "enabled": true, "hook": `return "ok"`})
		if _, err := b.d.Hook(context.Background(), bad, []byte(`{}`), nil); !errors.Is(err, dispatcher.ErrHookResult) {
			t.Errorf("a hook returning text: %v, want ErrHookResult", err)
		}
		rows, err := s.ListLog(context.Background(), storage.LogFilter{Outcome: "ERROR"})
		if err != nil || len(rows) != 2 || rows[0].Request != `{"order":"not a table"}` || rows[0].Mode != "hook" {
			t.Errorf("failed webhooks in the log = %+v, %v", rows, err)
		}
	})
}

// TestSchedulerOnFakeClock: each minute of fake time runs the job once, told
// the minute it was due at, and a run that overruns its minute is not
// joined by another.
func TestSchedulerOnFakeClock(t *testing.T) {
	t.Parallel()
	fake := newFakeClock()
	runs := make(chan time.Time, 10)
	finished := make(chan struct{}, 10)
	release := make(chan struct{})
	logged := make(chan string, 10)
	s, err := dispatcher.NewScheduler("* * * * *", fake, slog.New(messages{logged}), func(due time.Time) {
		runs <- due
		<-release
		finished <- struct{}{}
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	fake.WaitForWaiter()
	fake.Advance(time.Minute)
	if due, want := <-runs, fake.Now().Truncate(time.Minute); !due.Equal(want) {
		t.Errorf("the run was told %v, want the minute it was due at, %v", due, want)
	}
	fake.WaitForWaiter()
	fake.Advance(time.Minute) // the first run is still going: skipped
	if msg := <-logged; msg != "scheduler: skip" {
		t.Fatalf("the scheduler logged %q, want the skip", msg)
	}
	fake.WaitForWaiter()
	close(release)
	<-finished
	fake.Advance(time.Minute)
	<-runs
	select {
	case <-runs:
		t.Fatal("an overlapping run was started")
	default:
	}
	if _, err := dispatcher.NewScheduler("every minute", fake, discardLogger(), func(time.Time) {}); err == nil {
		t.Error("a bad schedule was accepted")
	}
}

// TestStatusChangesAreWrittenWhole: a status change or a change of order data
// whose log row the database refuses leaves the lead as it was, and queues
// nothing.
func TestStatusChangesAreWrittenWhole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(b *bundle, id int64) error
	}{
		{"status", func(b *bundle, id int64) error {
			return b.d.ChangeStatus(context.Background(), dispatcher.StatusChange{LeadID: id, Status: lead.Cancel, Reason: 3, Source: "test"})
		}},
		{"order data", func(b *bundle, id int64) error {
			return b.d.MarkChanged(context.Background(), id, map[string]any{"city": "Leeds"})
		}},
	}
	for _, backend := range storagetest.Backends() {
		for _, tt := range tests {
			t.Run(backend.Name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				s := storagetest.Open(t, backend.DSN(t))
				b := setup(t, s)
				b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": map[string]any{"enabled": true},
					"changes":  map[string]any{"enabled": true, "url": "http://127.0.0.1:1/", "format": "json", "fields": "id {ext}"},
					"postback": map[string]any{"enabled": true, "url": "http://127.0.0.1:1/", "method": "GET", "statuses": []string{"cancel"}}})
				l := b.newLead(t, &lead.Lead{Name: "Ann", City: "York", Ext: "CRM-1"})
				storagetest.RefuseInserts(t, s, "log")
				if err := tt.change(b, l.ID); err == nil {
					t.Fatal("the change was taken with its log row refused")
				}
				if got := b.lead(t, l.ID); got.Status != lead.New || got.Reason != 0 || got.City != "York" {
					t.Errorf("lead = status %v reason %d city %q: written without its log row", got.Status, got.Reason, got.City)
				}
				depth, err := b.store.QueueDepth(context.Background(), b.clock.Now().Add(time.Hour).UnixMilli())
				if err != nil {
					t.Fatal(err)
				}
				if depth["postback"] != 0 || depth["changes"] != 0 {
					t.Errorf("deliveries queued without the log row: %v", depth)
				}
			})
		}
	}
}
