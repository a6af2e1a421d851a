package console_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

// chromium finds Debian's chromium (or another Chrome) for the browser
// tests. Outside CI a machine without one skips them; in CI (CI=true) that
// is a failure, since .ci/run installs the chromium package.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found: the browser journeys need Debian's chromium package (.ci/run installs it)")
	}
	t.Skip("no Chromium found: install Debian's chromium package to run the browser journeys")
	return ""
}

// outputDir is where the journeys' screenshots go: -test.outputdir when
// given, else the test's temporary folder.
func outputDir(t *testing.T) string {
	if f := flag.Lookup("test.outputdir"); f != nil && f.Value.String() != "" {
		dir := filepath.Join(f.Value.String(), "console-journeys")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// crm is a fake CRM whose answer the journeys set.
type crm struct {
	*httptest.Server
	code atomic.Int64
	body atomic.Value
}

func newCRM(t *testing.T) *crm {
	c := &crm{}
	c.code.Store(200)
	c.body.Store(`{"id":"84921"}`)
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(int(c.code.Load()))
		_, _ = io.WriteString(w, c.body.Load().(string))
	}))
	t.Cleanup(c.Close)
	return c
}

// journeys is one browser and one leadrelay for all the journeys.
type journeys struct {
	t       *testing.T
	b       *bundle
	crm     *crm
	browser context.Context
	shots   string
}

func TestBrowserJourneys(t *testing.T) {
	path := chromium(t)
	s := storagetest.Open(t, "sqlite:"+filepath.Join(t.TempDir(), "console.db"))
	b := setup(t, s)
	b.person("ann", user.Admin, password)
	b.person("sam", user.Support, password)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	j := &journeys{t: t, b: b, crm: newCRM(t), browser: browser, shots: outputDir(t)}
	t.Logf("screenshots in %s", j.shots)

	var integrationID int64
	t.Run("1 admin writes an integration", func(t *testing.T) { integrationID = j.writeIntegration(t) })
	t.Run("2 test panel with a duplicate answer", func(t *testing.T) { j.testPanel(t, integrationID) })
	t.Run("3 support re-queues a failed lead", func(t *testing.T) { j.requeueFailed(t, integrationID) })
	t.Run("4 support is refused the editor", func(t *testing.T) { j.supportRefused(t, integrationID) })
	t.Run("5 a hostile lead name is text", func(t *testing.T) { j.hostileName(t) })
	t.Run("6 admin edits a mode's field and header", func(t *testing.T) { j.editMode(t, integrationID) })
	t.Run("7 admin creates and edits a campaign", func(t *testing.T) { j.editCampaign(t) })
}

// tab opens a fresh browser context (its own cookies) at a viewport size.
func (j *journeys) tab(t *testing.T, width, height int64) context.Context {
	ctx, cancel := chromedp.NewContext(j.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTime)
	j.do(t, ctx, chromedp.EmulateViewport(width, height))
	return ctx
}

func (j *journeys) do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// page follows a click or a submit to the page it loads.
func (j *journeys) page(t *testing.T, ctx context.Context, step chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, step); err != nil {
		t.Fatal(err)
	}
}

func (j *journeys) signIn(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	j.do(t, ctx, chromedp.Navigate(j.b.srv.URL+"/admin/signin"),
		chromedp.SetValue(chromedp.ID("name"), name), chromedp.SetValue(chromedp.ID("password"), password))
	j.page(t, ctx, chromedp.Click(chromedp.ID("signin")))
	j.sees(t, ctx, chromedp.CSS("header .who"), name)
}

// text is an element's visible text.
func (j *journeys) text(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return got
}

// sees checks that an element's text holds want.
func (j *journeys) sees(t *testing.T, ctx context.Context, sel chromedp.CSS, want string) {
	t.Helper()
	if got := j.text(t, ctx, sel); !strings.Contains(got, want) {
		t.Fatalf("%s reads %q, want %q in it", sel, got, want)
	}
}

// screenshot keeps the journey's last page for review.
func (j *journeys) screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("taking a screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(j.shots, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	brokenPost = "local r = json.decode(result)\nif r.status == \"duplicate\" then return -7 end end\nreturn r.id\n"
	fixedPost  = "local r = json.decode(result)\nif r.status == \"duplicate\" then return -7 end\nreturn r.id\n"
)

// Journey 1: an admin creates an integration whose Lua does not compile,
// sees the error at its line, fixes it and saves.
func (j *journeys) writeIntegration(t *testing.T) int64 {
	ctx := j.tab(t, 1280, 1000)
	j.signIn(t, ctx, "ann")
	if err := storage.PutObject(context.Background(), j.b.store, &catalog.Offer{ID: 1, Name: "Journey tea"}); err != nil {
		t.Fatal(err)
	}
	j.do(t, ctx, chromedp.Navigate(j.b.srv.URL+"/admin/integrations/new"),
		chromedp.SetValue(chromedp.ID("name"), "journey-crm"),
		chromedp.Click(chromedp.CSS(`input[name="offers"][value="1"]`)),
		chromedp.SetValue(chromedp.ID("retry-max_attempts"), "1"),
		chromedp.SetValue(rowInput("secrets", 1, "name"), "token"),
		chromedp.SetValue(rowInput("secrets", 1, "value"), "tok-secret"),
		chromedp.SetValue(chromedp.ID("new-url"), j.crm.URL+"/orders"),
		chromedp.SetValue(chromedp.ID("new-format"), "json"),
		chromedp.SetValue(rowInput("new.headers", 1, "name"), "Authorization"),
		chromedp.SetValue(rowInput("new.headers", 1, "value"), "{secret:token}"),
		chromedp.SetValue(chromedp.CSS(`textarea[name="script:new.post"]`), brokenPost))
	j.page(t, ctx, chromedp.Click(chromedp.ID("save")))
	j.sees(t, ctx, chromedp.CSS("#save-error"), "new.post, line 2")
	j.sees(t, ctx, chromedp.CSS(".errline"), "error at line 2")
	j.do(t, ctx, chromedp.SetValue(chromedp.CSS(`textarea[name="script:new.post"]`), fixedPost))
	j.page(t, ctx, chromedp.Click(chromedp.ID("save")))
	j.sees(t, ctx, chromedp.CSS("#flash"), "Saved integration")
	j.sees(t, ctx, chromedp.CSS("h1"), "Integration journey-crm")
	id := strings.TrimSuffix(strings.TrimPrefix(j.text(t, ctx, chromedp.CSS("#flash")), "Saved integration "), ".")
	j.screenshot(t, ctx, "1-integration-saved")
	var n int64
	if _, err := fmt.Sscan(id, &n); err != nil {
		t.Fatalf("the saved integration's id %q: %v", id, err)
	}
	return n
}

// rowInput is the name or value input of a template's row n (from 1):
// rowInput("new.fields", 2, "value").
func rowInput(prefix string, n int, part string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`fieldset[data-prefix=%q] tbody tr:nth-child(%d) input[name=%q]`, prefix, n, prefix+"."+part))
}

// intake posts a lead through the public API and returns its id.
func (j *journeys) intake(t *testing.T, fields map[string]any) int64 {
	t.Helper()
	raw, _ := json.Marshal(fields)
	resp, err := http.Post(j.b.srv.URL+"/api/v1/leads", "application/json", strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct {
		LeadID int64 `json:"lead_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || ans.LeadID == 0 {
		t.Fatalf("intake: %d, %v", resp.StatusCode, err)
	}
	return ans.LeadID
}

// Journey 2: the Test panel on a lead with a stubbed duplicate answer.
func (j *journeys) testPanel(t *testing.T, integrationID int64) {
	if integrationID == 0 {
		t.Skip("journey 1 made no integration")
	}
	if err := storage.PutObject(context.Background(), j.b.store, &catalog.Campaign{Alias: "journeys", Offer: 1, Integration: integrationID}); err != nil {
		t.Fatal(err)
	}
	leadID := j.intake(t, map[string]any{"alias": "journeys", "name": "Ann", "phone": "447123456789", "country": "gb"})
	ctx := j.tab(t, 1280, 1200)
	j.signIn(t, ctx, "ann")
	j.do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/integrations/%d", j.b.srv.URL, integrationID)),
		chromedp.SetValue(chromedp.ID("test-lead"), fmt.Sprint(leadID)),
		chromedp.SetValue(chromedp.ID("test-code"), "200"),
		chromedp.SetValue(chromedp.ID("test-body"), `{"status":"duplicate"}`))
	j.page(t, ctx, chromedp.Click(chromedp.ID("run-test")))
	j.sees(t, ctx, chromedp.CSS("#effect"), "cancel, reason 7 duplicate")
	j.screenshot(t, ctx, "2-test-panel")
}

// Journey 3: a lead fails after its attempts; support finds it in the
// failed list, re-queues it, sweeps, and sees it processing, the log row
// by them.
func (j *journeys) requeueFailed(t *testing.T, integrationID int64) {
	if integrationID == 0 {
		t.Skip("journey 1 made no integration")
	}
	leadID := j.intake(t, map[string]any{"alias": "journeys", "name": "Bea", "phone": "447123456780", "country": "gb"})
	j.crm.code.Store(500)
	j.crm.body.Store("down")
	if _, err := j.b.d.Sweep(context.Background(), "new"); err != nil {
		t.Fatal(err)
	}
	if l, err := j.b.store.GetLead(context.Background(), leadID); err != nil || !l.Failed {
		t.Fatalf("the lead did not fail after its attempt: %+v, %v", l, err)
	}
	j.crm.code.Store(200)
	j.crm.body.Store(`{"id":"84921"}`)

	ctx := j.tab(t, 1100, 900)
	j.signIn(t, ctx, "sam")
	j.do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/failed?integration=%d", j.b.srv.URL, integrationID)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input.pick[value="%d"]`, leadID))))
	j.page(t, ctx, chromedp.Click(chromedp.ID("requeue")))
	j.sees(t, ctx, chromedp.CSS("#flash"), "Re-queued 1 leads.")
	j.page(t, ctx, chromedp.Click(chromedp.ID("sweep")))
	j.sees(t, ctx, chromedp.CSS("#flash"), "Swept: SUCCESS")
	j.do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/leads/%d", j.b.srv.URL, leadID)))
	j.sees(t, ctx, chromedp.CSS("#status"), "processing")
	j.sees(t, ctx, chromedp.CSS("#timeline"), "re-queued after 1 attempt (failed): due now · by sam")
	j.screenshot(t, ctx, "3-requeued-lead")
}

// Journey 4: support is refused the integration editor and sees its
// secrets as ***.
func (j *journeys) supportRefused(t *testing.T, integrationID int64) {
	if integrationID == 0 {
		t.Skip("journey 1 made no integration")
	}
	ctx := j.tab(t, 1024, 768)
	j.signIn(t, ctx, "sam")
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(fmt.Sprintf("%s/admin/integrations/%d/edit", j.b.srv.URL, integrationID)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusForbidden {
		t.Errorf("support's editor answered %d, want 403", resp.Status)
	}
	j.sees(t, ctx, chromedp.CSS("#error"), "sam is support, and support may not change integrations")
	j.do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/integrations/%d", j.b.srv.URL, integrationID)))
	j.sees(t, ctx, chromedp.CSS("#document"), `"token": "***"`)
	if doc := j.text(t, ctx, chromedp.CSS("#document")); strings.Contains(doc, "tok-secret") {
		t.Errorf("support sees the secret: %s", doc)
	}
	j.screenshot(t, ctx, "4-support-sees-stars")
}

// Journey 5: a lead named like markup renders as text, and no dialog opens.
func (j *journeys) hostileName(t *testing.T) {
	const name = `<img src=x onerror=alert(1)>`
	leadID := j.intake(t, map[string]any{"alias": "journeys", "name": name, "phone": "447123456781", "country": "gb"})
	ctx := j.tab(t, 1280, 800)
	var dialogs atomic.Int64
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	j.signIn(t, ctx, "ann")
	j.do(t, ctx, chromedp.Navigate(j.b.srv.URL+"/admin/leads"))
	j.sees(t, ctx, chromedp.CSS("table.leads tbody tr td.name"), name)
	j.do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/leads/%d", j.b.srv.URL, leadID)))
	j.sees(t, ctx, chromedp.CSS("table.fields"), name)
	images, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll('main img').length"))
	if err != nil {
		t.Fatal(err)
	}
	if images != 0 || dialogs.Load() != 0 {
		t.Errorf("the lead's name became markup: %d images, %d dialogs", images, dialogs.Load())
	}
	j.screenshot(t, ctx, "5-hostile-name")
}

// Journey 6: an admin changes a field and a header of the new mode in its
// rows, adds a field with the "Add a row" button, saves, and the API shows
// the change.
func (j *journeys) editMode(t *testing.T, integrationID int64) {
	if integrationID == 0 {
		t.Skip("journey 1 made no integration")
	}
	ctx := j.tab(t, 1280, 1400)
	j.signIn(t, ctx, "ann")
	path := fmt.Sprintf("/admin/integrations/%d/edit", integrationID)
	j.do(t, ctx, chromedp.Navigate(j.b.srv.URL+path),
		chromedp.SetValue(rowInput("new.fields", 1, "value"), "{iphone}"),
		chromedp.SetValue(rowInput("new.headers", 1, "value"), "Bearer {secret:token}"),
		chromedp.Click(chromedp.CSS(`fieldset[data-prefix="new.fields"] button.add-row`)),
		chromedp.SetValue(rowInput("new.fields", 6, "name"), "source"),
		chromedp.SetValue(rowInput("new.fields", 6, "value"), "console"))
	j.page(t, ctx, chromedp.Click(chromedp.ID("save")))
	j.sees(t, ctx, chromedp.CSS("#flash"), "Saved integration")
	code, doc := j.b.api(fmt.Sprintf("/api/v1/admin/integrations/%d", integrationID))
	mode, _ := doc["new"].(map[string]any)
	if code != http.StatusOK || mode["fields"] != "phone {iphone}\nname {name}\nsource console" || mode["headers"] != "Authorization: Bearer {secret:token}" {
		t.Errorf("the API shows %d, fields %q, headers %q", code, mode["fields"], mode["headers"])
	}
	j.screenshot(t, ctx, "6-mode-edited")
}

// Journey 7: an admin creates a campaign through the catalog's form, then
// changes its payout and adds a postback label, and the API shows both.
func (j *journeys) editCampaign(t *testing.T) {
	ctx := j.tab(t, 1280, 1400)
	j.signIn(t, ctx, "ann")
	j.do(t, ctx, chromedp.Navigate(j.b.srv.URL+"/admin/catalog/campaigns"),
		chromedp.SetValue(chromedp.ID("f-alias"), "cpa_console"),
		chromedp.SetValue(chromedp.ID("f-offer"), "1"),
		chromedp.SetValue(chromedp.ID("f-payout"), "12.5"),
		chromedp.SetValue(chromedp.ID("f-postback_url"), "https://tracker.example/pb?clickid={click_id}&status={status}"),
		chromedp.SetValue(rowInput("postback_labels", 1, "name"), "approve"),
		chromedp.SetValue(rowInput("postback_labels", 1, "value"), "accepted"))
	j.page(t, ctx, chromedp.Click(chromedp.ID("create")))
	j.sees(t, ctx, chromedp.CSS("h1"), "campaigns")
	id := strings.TrimPrefix(j.text(t, ctx, chromedp.CSS("h1")), "campaigns ")
	j.do(t, ctx, chromedp.SetValue(chromedp.ID("f-payout"), "15"),
		chromedp.SetValue(rowInput("postback_labels", 2, "name"), "cancel"),
		chromedp.SetValue(rowInput("postback_labels", 2, "value"), "rejected"))
	j.page(t, ctx, chromedp.Click(chromedp.ID("save")))
	j.sees(t, ctx, chromedp.CSS("#flash"), "Saved.")
	code, camp := j.b.api("/api/v1/admin/campaigns/" + id)
	labels, _ := camp["postback_labels"].(map[string]any)
	if code != http.StatusOK || camp["alias"] != "cpa_console" || camp["payout"] != 15.0 ||
		labels["approve"] != "accepted" || labels["cancel"] != "rejected" {
		t.Errorf("the API shows %d %v", code, camp)
	}
	j.screenshot(t, ctx, "7-campaign-edited")
}
