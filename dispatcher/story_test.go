package dispatcher_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestDryRunSaysWhy: a dry run tells what it would do and why, as a sweep
// would do it.
func TestDryRunSaysWhy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		post    string
		ext     string
		send    bool
		status  string // "" for no change
		message string
		log     []string
	}{
		{"no return", `log("read")`, "", false, "", "the processing code returned nothing (no return statement?): sent again in a minute", []string{"read"}},
		{"false", `return false`, "", false, "", "the new processing code returned an empty result (false): sent again in a minute", []string{}},
		{"script fails after logging", "log(\"step 1\")\nlog(\"step 2\")\nerror(\"boom\")", "", false, "", "", []string{"step 1", "step 2", "new.post:3: boom"}},
		{"lead with ext, send", `return 1`, "E-1", true, "processing", `already has ext "E-1": not sent again`, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				target := newCRM(t, answer(200, `{"id":5}`))
				id := b.integration(t, map[string]any{"name": "crm", "enabled": true, "new": newMode(target.URL, tt.post)})
				l := b.newLead(t, &lead.Lead{Name: "Ann", Ext: tt.ext})
				run := dispatcher.DryRun{IntegrationID: id, Mode: "new", LeadID: l.ID, Send: tt.send}
				if !tt.send {
					run.Response = &dispatcher.StubResponse{Code: 200, Body: "{}"}
				}
				res, err := b.d.DryRun(context.Background(), run)
				if err != nil {
					t.Fatal(err)
				}
				status := ""
				if res.Effect.Status != nil {
					status = *res.Effect.Status
				}
				if status != tt.status || res.Effect.Message != tt.message {
					t.Errorf("effect = %q %q, want %q %q", status, res.Effect.Message, tt.status, tt.message)
				}
				if len(res.ScriptLog) != len(tt.log) {
					t.Fatalf("script log = %q, want %q", res.ScriptLog, tt.log)
				}
				for i, want := range tt.log {
					if !strings.HasSuffix(res.ScriptLog[i], want) {
						t.Errorf("script log line %d = %q, want it to end %q", i, res.ScriptLog[i], want)
					}
				}
				if n := len(target.got()); n != 0 {
					t.Errorf("the dry run sent %d requests", n)
				}
			})
		})
	}
}

// TestFailingScriptKeepsItsLog: the ERROR row of a script that fails keeps
// the lines it logged, the failure's message last.
func TestFailingScriptKeepsItsLog(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(200, `{}`))
		id := b.integration(t, map[string]any{"name": "crm", "enabled": true,
			"new": newMode(target.URL, "log(\"answer\", result)\nerror(\"no id\")")})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		b.sweep(t, "new")
		row := b.lastAttempt(t, l.ID, "new")
		want := `["answer\t{}","integration ` + itoa(id) + ` new.post:2: no id"]`
		if row.Outcome != dispatcher.OutcomeError || row.ScriptLog != want {
			t.Errorf("row = %s %s, want ERROR %s", row.Outcome, row.ScriptLog, want)
		}
	})
}

// TestSyncAnswersSayWhat: a cancelled sync answer names its reason, and the
// ERROR row of an empty sync return says the lead goes the classic way.
func TestSyncAnswersSayWhat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, post string
		want       dispatcher.SyncResult
		message    string
	}{
		{"cancelled", `return -12`, dispatcher.SyncResult{Result: "cancelled", Reason: 12, Message: "banned"}, "cancelled with reason 12, banned"},
		{"empty", `return ""`, dispatcher.SyncResult{Result: "queued", Message: "the synchronous send did not succeed; the lead goes the classic way"},
			`the sync processing code returned an empty result (""): the lead goes the classic way`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				target := newCRM(t, answer(200, `{}`))
				b.integration(t, map[string]any{"name": "reg", "enabled": true,
					"sync": map[string]any{"enabled": true, "url": target.URL, "format": "json", "fields": "phone {phone}", "post": tt.post}})
				l := &lead.Lead{Name: "Ann", Phone: "447123456789", Country: "gb", OfferID: 1}
				received, err := b.d.Intake(context.Background(), dispatcher.Intake{Lead: l, Sync: true})
				if err != nil {
					t.Fatal(err)
				}
				res := received.Sync
				if *res != tt.want {
					t.Errorf("sync = %+v, want %+v", *res, tt.want)
				}
				if row := b.lastAttempt(t, l.ID, "sync"); row.Message != tt.message {
					t.Errorf("row message = %q, want %q", row.Message, tt.message)
				}
			})
		})
	}
}

// TestFailedLeadIsAServeLogLine: a lead that fails after its attempts is a
// warning in the process's log.
func TestFailedLeadIsAServeLogLine(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		lines := make(chan string, 16)
		d, err := dispatcher.New(dispatcher.Config{Store: s, Engine: scripting.NewEngine(scripting.Config{Timeout: time.Second}),
			Tokens: macros.NewTokens([]byte("test secret")), Clock: newFakeClock(),
			Logger: slog.New(messages{lines})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		b := &bundle{store: s, d: d}
		target := newCRM(t, answer(503, "busy"))
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "retry": map[string]any{"max_attempts": 1},
			"new": newMode(target.URL, `return response.code == 200`)})
		b.newLead(t, &lead.Lead{Name: "Ann"})
		b.sweep(t, "new")
		var got []string
		for len(lines) > 0 {
			got = append(got, <-lines)
		}
		if !slices.Contains(got, "lead failed after its attempts; it waits for a re-queue") {
			t.Errorf("log lines = %q", got)
		}
	})
}

// TestRequeueOfAFailedLeadIsLogged: putting a failed new lead back in its
// queue is a log row, as every re-queue is.
func TestRequeueOfAFailedLeadIsLogged(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		target := newCRM(t, answer(503, "busy"))
		b.integration(t, map[string]any{"name": "crm", "enabled": true, "retry": map[string]any{"max_attempts": 2},
			"new": newMode(target.URL, `return response.code == 200`)})
		l := b.newLead(t, &lead.Lead{Name: "Ann"})
		for range 2 {
			b.sweep(t, "new")
			b.clock.Advance(time.Minute)
		}
		if n, err := b.d.Requeue(context.Background(), dispatcherRequeue(l.ID)); err != nil || n != 1 {
			t.Fatalf("requeue = %d, %v", n, err)
		}
		rows := b.log(t, l.ID)
		last := rows[len(rows)-1]
		if last.Mode != "requeue" || last.Message != "re-queued after 2 attempts (failed): due now" {
			t.Errorf("last row = %s %q", last.Mode, last.Message)
		}
	})
}
