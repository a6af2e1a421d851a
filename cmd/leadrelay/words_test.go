package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// cli runs leadrelay's words on a temporary SQLite database.
type cli struct {
	t   *testing.T
	dir string
	dsn string
}

func newCLI(t *testing.T) *cli {
	dir := t.TempDir()
	return &cli{t: t, dir: dir, dsn: "sqlite:" + filepath.Join(dir, "lr.db")}
}

// run runs one command line and returns its exit code and output.
func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"LEADRELAY_DSN": c.dsn, "LEADRELAY_SECRET": "cli test secret"}
	a := &app{stdout: &out, stderr: &errOut, env: func(k string) string { return env[k] }}
	code = a.main(context.Background(), args)
	return code, out.String(), errOut.String()
}

// mustRun runs a command that must succeed.
func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != 0 {
		c.t.Fatalf("leadrelay %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// file writes a file in the test folder and returns its path.
func (c *cli) file(name, content string) string {
	c.t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// store opens the CLI's database beside it, as a second process would.
func (c *cli) store() *storage.Store {
	return storagetest.Open(c.t, c.dsn)
}

func fakeCRM(t *testing.T, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// bundleFile is an import file: an integration whose post script sits in a
// .lua file beside it, an offer and a campaign.
func (c *cli) bundleFile(crmURL string) string {
	c.file("post.lua", "local r = json.decode(result)\nlog('got', r.id)\nreturn r.id\n")
	doc := map[string]any{
		"integrations": []any{map[string]any{
			"id": 7, "name": "crm", "enabled": true, "offers": []int{1}, "secrets": map[string]any{"token": "tok-123"},
			"new": map[string]any{"enabled": true, "url": crmURL, "format": "json", "headers": "Authorization: {secret:token}",
				"fields": "phone {phone}", "post": "@post.lua"},
		}},
		"offers":    []any{map[string]any{"id": 1, "name": "Slim"}},
		"campaigns": []any{map[string]any{"alias": "cpa_uk", "offer": 1, "integration": 7}},
	}
	raw, _ := json.Marshal(doc)
	return c.file("bundle.json", string(raw))
}

func TestImportExport(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	bundle := c.bundleFile("https://crm.example/orders")
	out := c.mustRun("import", bundle)
	if !strings.Contains(out, "imported 1 integration\n") || !strings.Contains(out, "imported 1 campaign\n") {
		t.Errorf("import said %q", out)
	}
	exported := c.mustRun("export")
	for _, want := range []string{`"token": "***"`, `log('got', r.id)`, `"alias": "cpa_uk"`, `"name": "Slim"`} {
		if !strings.Contains(exported, want) {
			t.Errorf("export lacks %s:\n%s", want, exported)
		}
	}
	if strings.Contains(exported, "tok-123") {
		t.Errorf("export shows a secret:\n%s", exported)
	}
	again := c.file("exported.json", exported)
	c.mustRun("import", again)
	if n := strings.Count(c.mustRun("export"), `"alias"`); n != 1 {
		t.Errorf("re-importing the export made %d campaigns, want 1", n)
	}
	code, clear, warning := c.run("export", "--with-secrets")
	if code != 0 || !strings.Contains(clear, `"token": "tok-123"`) || !strings.Contains(warning, "in clear") {
		t.Errorf("export --with-secrets: exit %d, stderr %q; after re-importing *** the secret should be kept:\n%s", code, warning, clear)
	}
	fresh := newCLI(t)
	code, _, errOut := fresh.run("import", fresh.file("exported.json", exported))
	if code != 1 || !strings.Contains(errOut, "secrets.token") || !strings.Contains(errOut, "***") {
		t.Errorf("importing *** into a database without the secret: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := fresh.run("import", fresh.file("clear.json", clear)); code != 0 {
		t.Errorf("importing the export --with-secrets elsewhere: exit %d, %s", code, errOut)
	}
	single := c.file("one.json", `{"name":"second","enabled":false,"offers":[2]}`)
	if out := c.mustRun("import", single); !strings.Contains(out, "imported 1 integration\n") {
		t.Errorf("a single document: %q", out)
	}
}

func TestImportRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content, want string
		code                int
	}{
		{"a script that does not compile", `{"name":"x","new":{"enabled":true,"url":"https://x","post":"return +"}}`, "new.post", 1},
		{"a missing script file", `{"name":"x","hook":"@nope.lua"}`, "reading the script", 1},
		{"an unknown key in a bundle section", `{"offers":[{"id":1,"nmae":"x"}]}`, "unknown field", 1},
		{"a bad campaign", `{"campaigns":[{"alias":"a b"}]}`, "campaign 1", 1},
		{"a second integration whose name is too long", `{"integrations":[{"name":"ok"},{"name":"` + strings.Repeat("x", 300) + `"}]}`,
			"at most 255 characters", 1},
		{"not JSON", `name: x`, "not a JSON object", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			c.mustRun("migrate")
			code, _, errOut := c.run("import", c.file("in.json", tt.content))
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tt.code, tt.want)
			}
			if out := c.mustRun("export"); strings.Contains(out, `"id": 1`) {
				t.Errorf("a refused import stored something:\n%s", out)
			}
		})
	}
	if code, _, _ := newCLI(t).run("import"); code != exitUsage {
		t.Errorf("import with no file: exit %d", code)
	}
}

func TestSweepRequeueAndTest(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	crm := fakeCRM(t, `{"id":84921}`)
	c.mustRun("import", c.bundleFile(crm.URL))
	s := c.store()
	ctx := context.Background()
	l := &lead.Lead{Phone: "447123456789", OfferID: 1, IntegrationID: 7, Campaign: "cpa_uk"}
	if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
		t.Fatal(err)
	}
	resp := c.file("resp.json", `{"code":200,"headers":{"Content-Type":"application/json"},"body":"{\"id\":5}"}`)
	out := c.mustRun("test", "--integration", "7", "--mode", "new", "--lead", "1", "--response-file", resp, "--response-json")
	for _, want := range []string{"request\n  POST " + crm.URL, "Authorization: ***", "response\n  200", "script log\n  got\t5", "return   5", "effect   status processing, ext 5"} {
		if !strings.Contains(out, want) {
			t.Errorf("test output lacks %q:\n%s", want, out)
		}
	}
	leadFile := c.file("lead.json", `{"phone":"447000000000","country":"gb"}`)
	if out := c.mustRun("test", "--integration", "7", "--lead-file", leadFile, "--send"); !strings.Contains(out, "ext 84921") {
		t.Errorf("test --send:\n%s", out)
	}
	if out := c.mustRun("sweep", "--mode", "new"); strings.TrimSpace(out) != "SUCCESS    1" {
		t.Errorf("sweep said %q", out)
	}
	if got, _ := s.GetLead(ctx, l.ID); got.Status != lead.Processing || got.Ext != "84921" {
		t.Errorf("after the sweep: %s %q", got.Status, got.Ext)
	}
	if out := c.mustRun("sweep"); strings.TrimSpace(out) != "nothing was due" {
		t.Errorf("second sweep said %q", out)
	}
	if err := s.UpdateLead(ctx, l.ID, map[string]any{"status": lead.Cancel, "reason": lead.ReasonFakeData}); err != nil {
		t.Fatal(err)
	}
	if out := c.mustRun("requeue", "--status", "cancel", "--reason", "fake data", "--since", "2020-01-01"); strings.TrimSpace(out) != "requeued 1" {
		t.Errorf("requeue said %q", out)
	}
	if got, _ := s.GetLead(ctx, l.ID); got.Status != lead.New || got.Reason != 0 {
		t.Errorf("after requeue: %s %d", got.Status, got.Reason)
	}
}

func TestWordsRefuseBadFlags(t *testing.T) {
	t.Parallel()
	tests := [][]string{
		{"sweep", "extra"},
		{"requeue"},
		{"requeue", "--ids", "1,x"},
		{"requeue", "--status", "won"},
		{"requeue", "--since", "yesterday", "--failed"},
		{"test", "--lead", "1"},
		{"test", "--integration", "7"},
		{"test", "--integration", "7", "--lead", "1", "--send", "--response-file", "x"},
		{"export", "extra"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			if code, _, errOut := c.run(args...); code != exitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want %d and one line", code, errOut, exitUsage)
			}
		})
	}
	c := newCLI(t)
	c.mustRun("migrate")
	if code, _, errOut := c.run("sweep", "--mode", "sync"); code != 1 || !strings.Contains(errOut, "not swept") {
		t.Errorf("sweep --mode sync: exit %d %q", code, errOut)
	}
}

// TestTestSendHidesSecrets: leadrelay test --send prints what the target
// echoes of the key as the log stores it, ***.
func TestTestSendHidesSecrets(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "sid="+r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, `{"id":84921,"echo":"invalid key `+r.Header.Get("Authorization")+`"}`)
	}))
	t.Cleanup(crm.Close)
	c.mustRun("import", c.bundleFile(crm.URL))
	leadFile := c.file("lead.json", `{"phone":"447000000000","country":"gb"}`)
	out := c.mustRun("test", "--integration", "7", "--lead-file", leadFile, "--send")
	for _, want := range []string{"Set-Cookie: ***", `"echo":"invalid key ***"`, "ext 84921"} {
		if !strings.Contains(out, want) {
			t.Errorf("test --send lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "tok-123") {
		t.Errorf("test --send shows the key:\n%s", out)
	}
}
