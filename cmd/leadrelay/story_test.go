package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// TestWordsSayWhatHappened: the words' messages and exit codes tell the
// whole story.
func TestWordsSayWhatHappened(t *testing.T) {
	t.Parallel()
	t.Run("no arguments", func(t *testing.T) {
		t.Parallel()
		code, out, errOut := newCLI(t).run()
		if code != exitUsage || out != "" || !strings.Contains(errOut, "Commands:") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("a word's -h lists its own flags", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		_, _, sweep := c.run("sweep", "-h")
		_, _, serve := c.run("serve", "-h")
		if strings.Contains(sweep, "-workers") || strings.Contains(sweep, "-addr") || !strings.Contains(sweep, "-mode") || !strings.Contains(sweep, "-dsn") {
			t.Errorf("sweep -h:\n%s", sweep)
		}
		if !strings.Contains(serve, "-addr") || !strings.Contains(serve, "-workers") {
			t.Errorf("serve -h:\n%s", serve)
		}
	})
	t.Run("test without a database", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		code, _, errOut := c.run("test", "--integration", "7", "--lead", "1")
		if code != 1 || !strings.Contains(errOut, c.dsn) {
			t.Errorf("exit %d, stderr %q; want 1 and the DSN", code, errOut)
		}
		if _, err := os.Stat(strings.TrimPrefix(c.dsn, "sqlite:")); err == nil {
			t.Error("test created the database")
		}
	})
	t.Run("test whose script fails", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		c.mustRun("import", c.file("in.json", `{"id":7,"name":"x","offers":[1],"new":{"enabled":true,"url":"https://x.example","post":"error('no')"}}`))
		lead := c.file("lead.json", `{"phone":"447000000000"}`)
		code, out, _ := c.run("test", "--integration", "7", "--lead-file", lead, "--response-file", c.file("body.txt", "busy"), "--response-code", "503")
		if code != 1 || !strings.Contains(out, "response\n  503") || !strings.Contains(out, "error    integration 7 new.post:1: no") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("import twice", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		in := c.file("in.json", `{"integrations":[{"name":"crm","offers":[1]}],"offers":[{"name":"Slim"}]}`)
		c.mustRun("import", in)
		c.mustRun("import", in)
		if n := strings.Count(c.mustRun("export"), `"id"`); n != 2 {
			t.Errorf("two imports of one file stored %d objects, want 2", n)
		}
	})
	t.Run("import errors", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		c.mustRun("migrate")
		bad := c.file("bad.json", `{"integrations":[{"id":9,"name":"x","new":{"enabled":true,"url":"https://x","post":"return +"}}]}`)
		if _, _, errOut := c.run("import", bad); !strings.Contains(errOut, `integration 9 ("x"): new.post`) {
			t.Errorf("stderr %q", errOut)
		}
		missing, err := filepath.Abs("nope.json")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, errOut := c.run("import", "nope.json"); !strings.Contains(errOut, "open "+missing+":") {
			t.Errorf("stderr %q, want the path %s", errOut, missing)
		}
	})
}

// TestLeadsAndLogWords: support reads leads and the log from the terminal,
// as tables or as the API's JSON, with the API's filters.
func TestLeadsAndLogWords(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	crm := fakeCRM(t, `{"id":84921}`)
	c.mustRun("import", c.bundleFile(crm.URL))
	s := c.store()
	l := &lead.Lead{Phone: "447123456789", OfferID: 1, IntegrationID: 7, Campaign: "cpa_uk", Status: lead.Cancel, Reason: lead.ReasonFakeData}
	if err := s.CreateLeadWith(context.Background(), l, &storage.LogEntry{Mode: "intake", Outcome: "SUCCESS", Message: "lead received"}, nil); err != nil {
		t.Fatal(err)
	}
	leads := c.mustRun("leads", "--status", "cancel")
	for _, want := range []string{"id  time", "status", "1   ", "cancel", "fake data", "crm (7)"} {
		if !strings.Contains(leads, want) {
			t.Errorf("leads lacks %q:\n%s", want, leads)
		}
	}
	if out := c.mustRun("leads", "--status", "new"); strings.TrimSpace(out) != "no leads" {
		t.Errorf("leads --status new:\n%s", out)
	}
	if out := c.mustRun("leads", "--uncertain"); strings.TrimSpace(out) != "no leads" {
		t.Errorf("leads --uncertain before any uncertain send:\n%s", out)
	}
	held := &lead.Lead{Phone: "447123456780", OfferID: 1, IntegrationID: 7, Campaign: "cpa_uk", Uncertain: true, Failed: true}
	if err := s.CreateLeadWith(context.Background(), held, nil, nil); err != nil {
		t.Fatal(err)
	}
	if out := c.mustRun("leads", "--uncertain"); !strings.Contains(out, "new (failed) (uncertain)") || strings.Contains(out, "cancel") {
		t.Errorf("leads --uncertain:\n%s", out)
	}
	logOut := c.mustRun("log", "--lead", "1")
	if !strings.Contains(logOut, "intake") || !strings.Contains(logOut, "lead received") {
		t.Errorf("log:\n%s", logOut)
	}
	var answer struct {
		Log []map[string]any `json:"log"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("log", "--json", "--outcome", "SUCCESS")), &answer); err != nil || len(answer.Log) != 1 {
		t.Errorf("log --json: %v %v", answer, err)
	}
	if code, _, errOut := c.run("log", "--outcome", "BOGUS"); code != 1 || !strings.Contains(errOut, `outcome: "BOGUS" is not an outcome`) {
		t.Errorf("log --outcome BOGUS: exit %d %q", code, errOut)
	}
	if code, _, _ := c.run("leads", "--phone", "123"); code != exitUsage {
		t.Errorf("leads --phone: exit %d", code)
	}
}

// TestImportWarns: import prints the warnings of what it stored.
func TestImportWarns(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.mustRun("import", c.file("in.json", `{"id":7,"name":"crm","new":{"enabled":true,"url":"https://x.example","headers":"X-Key: {secret:key}"}}`))
	if want := `warning: integration 7 ("crm") new.headers:1: {secret:key}: the integration has no secret "key" (it has none)`; !strings.Contains(out, want) {
		t.Errorf("import said %q, want %q", out, want)
	}
}

// TestHookTestWord: leadrelay test --mode hook shows what a webhook would do.
func TestHookTestWord(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.mustRun("import", c.file("in.json", `{"id":7,"name":"crm","enabled":true,"offers":[1],"status_map":{"3":"packaging"},
		"postback":{"enabled":true,"url":"https://t.example/?s={status}","method":"GET","statuses":["packaging"]},
		"hook":"log('sig', request.headers['X-Signature'])\nlocal b = json.decode(result)\nreturn {lead_id = b.id, status = b.status}"}`))
	s := c.store()
	l := &lead.Lead{Phone: "447123456789", OfferID: 1, IntegrationID: 7}
	if err := s.CreateLeadWith(context.Background(), l, nil, nil); err != nil {
		t.Fatal(err)
	}
	body := c.file("hook.json", `{"id":1,"status":"3"}`)
	out := c.mustRun("test", "--integration", "7", "--mode", "hook", "--body-file", body, "--header", "X-Signature: abc")
	want := "script log\n  sig\tabc\nreturn   {\"lead_id\":1,\"status\":\"3\"}\nlead     1 (new)\neffect   status new → packaging\npostbacks\n  integration 7: packaging\n"
	if out != want {
		t.Errorf("test --mode hook:\n%s\nwant:\n%s", out, want)
	}
	if code, _, _ := c.run("test", "--integration", "7", "--mode", "hook", "--body-file", c.file("bad.json", "not json")); code != 1 {
		t.Errorf("a failing hook script: exit %d", code)
	}
	if got, _ := s.GetLead(context.Background(), l.ID); got.Status != lead.New {
		t.Errorf("the dry run changed the lead: %s", got.Status)
	}
}
