package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/console"
	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/examples"
	"github.com/leadrelay/leadrelay/examples/democrm"
	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/user"
)

// demoStart is when the demo's clock starts: its minutes pass as the demo
// sweeps, without waiting.
var demoStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// demoMaxAttempts is retrack's max_attempts in the demo, so that a lead
// fails while it runs.
const demoMaxAttempts = 3

const demoHelp = `
Runs leadrelay on an SQLite database in a temporary folder (removed at the
end), with the examples of examples/ imported and their URLs pointed at a
fake CRM on a loopback port. About thirty leads come in through the HTTP
API; the clock moves a minute at a time, and each minute sweeps every mode. The
CRM's webhooks, advertisers' status updates, an upsell and the call
centre's edits happen along the way; one lead fails after its attempts and
is re-queued. A summary of the log and of the leads is printed at the end.`

func runDemo(ctx context.Context, a *app, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, commandDetail("demo")+"\n"+demoHelp+"\n\nFlags:")
		fs.PrintDefaults()
	}
	serve := fs.Bool("serve", false, "keep the API and the console open after the summary, until Ctrl-C")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return playDemo(ctx, a.stdout, *serve)
}

// playDemo runs the demo in a temporary folder, printing what happens and
// then the summary of the database it leaves; with serve it keeps the API
// and the console open until ctx ends.
func playDemo(ctx context.Context, out io.Writer, serve bool) error {
	dir, err := os.MkdirTemp("", "leadrelay-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dm, err := startDemo(ctx, out, filepath.Join(dir, "demo.db"))
	if err != nil {
		return err
	}
	defer dm.close()
	steps := []func(context.Context) error{
		dm.importExamples, dm.intake, dm.minute, dm.events, dm.minute, dm.minute, dm.requeue, dm.minute, dm.showRequest,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	sum, err := dm.summary(ctx)
	if err != nil {
		return err
	}
	sum.print(out)
	if serve {
		fmt.Fprintf(out, "\nthe console stays open at %s/admin/ until Ctrl-C\n", dm.apiURL)
		<-ctx.Done()
	}
	return nil
}

// demo is one run: leadrelay's database, dispatcher and API, and the fake
// CRM, each API on a loopback port.
type demo struct {
	out    io.Writer
	store  *storage.Store
	clock  *clock.Fake
	d      *dispatcher.Dispatcher
	crm    *democrm.CRM
	apiURL string
	crmURL string
	admin  string
	client *http.Client
	// names are the integrations' names by id; leads and tokens the
	// visitors' lead ids and lead tokens by name.
	names  map[int64]string
	leads  map[string]int64
	tokens map[string]string
	stop   []func()
}

func startDemo(ctx context.Context, out io.Writer, dbPath string) (*demo, error) {
	store, err := storage.Open(ctx, "sqlite:"+dbPath)
	if err != nil {
		return nil, err
	}
	dm := &demo{out: out, store: store, clock: clock.NewFake(demoStart), crm: democrm.New(), admin: randomSecret(),
		client: &http.Client{Timeout: 30 * time.Second},
		names:  map[int64]string{}, leads: map[string]int64{}, tokens: map[string]string{}}
	dm.stop = append(dm.stop, func() { _ = store.Close() })
	if err := dm.wire(ctx); err != nil {
		dm.close()
		return nil, err
	}
	return dm, nil
}

// wire migrates the database, builds the dispatcher on the demo's clock and
// serves the API and the fake CRM.
func (dm *demo) wire(ctx context.Context) error {
	if err := dm.store.Migrate(ctx); err != nil {
		return err
	}
	d, err := dispatcher.New(dispatcher.Config{
		Store: dm.store, Engine: scripting.NewEngine(scripting.Config{}), Tokens: macros.NewTokens([]byte(randomSecret())),
		Clock: dm.clock,
	})
	if err != nil {
		return err
	}
	dm.d = d
	dm.stop = append(dm.stop, d.Close)
	srv, err := api.New(api.Options{Store: dm.store, Dispatcher: d, AdminToken: dm.admin})
	if err != nil {
		return err
	}
	con, err := console.New(console.Options{Store: dm.store, API: srv.Handler()})
	if err != nil {
		return err
	}
	if dm.apiURL, err = dm.serve(con.Handler()); err != nil {
		return err
	}
	if err := dm.addPerson(ctx); err != nil {
		return err
	}
	dm.crmURL, err = dm.serve(dm.crm)
	return err
}

// addPerson adds the admin who may sign in to the console while the demo
// runs, and says where and how.
func (dm *demo) addPerson(ctx context.Context) error {
	password := randomSecret()[:16]
	hash, err := user.HashPassword(password)
	if err != nil {
		return err
	}
	if err := dm.store.CreateUser(ctx, &storage.User{Name: "demo", Role: user.Admin, PasswordHash: hash}); err != nil {
		return err
	}
	fmt.Fprintf(dm.out, "console: %s/admin/ (sign in as demo, password %s; demo --serve keeps it open after the summary)\n", dm.apiURL, password)
	return nil
}

// serve runs h on a loopback port until close, and returns its URL. By
// then every request has been answered, so close need not drain.
func (dm *demo) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	dm.stop = append(dm.stop, func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), nil
}

// close stops the servers, then the dispatcher, then the database.
func (dm *demo) close() {
	for i := len(dm.stop) - 1; i >= 0; i-- {
		dm.stop[i]()
	}
}

// say prints a line of the story, at the clock's time.
func (dm *demo) say(format string, args ...any) {
	fmt.Fprintf(dm.out, "%s  %s\n", dm.clock.Now().Format("15:04"), fmt.Sprintf(format, args...))
}

// importExamples imports every example, its URLs pointed at the fake CRM
// under the example's folder.
func (dm *demo) importExamples(ctx context.Context) error {
	all, err := examples.All()
	if err != nil {
		return err
	}
	b := &api.Bundle{}
	for _, ex := range all {
		examples.PointAt(ex.Bundle, dm.crmURL+"/"+ex.Folder)
		b.Append(ex.Bundle)
	}
	for _, doc := range b.Integrations {
		dm.names[doc.ID] = doc.Name
		if doc.Name == "retrack" {
			n := demoMaxAttempts
			doc.Retry.MaxAttempts = &n
		}
	}
	counts, err := api.Import(ctx, dm.store, dm.d, b)
	if err != nil {
		return err
	}
	dm.say("imported %d integrations, %d offers and %d campaigns from %d example files; the fake CRM listens on %s",
		counts["integrations"], counts["offers"], counts["campaigns"], len(all), dm.crmURL)
	dm.say("retrack gives up after %d attempts in this demo (max_attempts %d), so that a lead fails", demoMaxAttempts, demoMaxAttempts)
	return nil
}

// visitor is a demo lead: its campaign, name and country, and whether its
// landing page waits for the synchronous send. A word in the name decides
// what the fake CRM answers (see democrm): dup, ban, msg, flaky, down.
type visitor struct {
	alias, name, country string
	sync                 bool
}

var visitors = []visitor{
	{"sr_uk_wl", "John Smith", "gb", false}, {"sr_uk_wl", "Emma Brown", "gb", false},
	{"sr_uk_wl", "Oliver Jones", "gb", false}, {"sr_uk_wl", "Amelia Taylor", "gb", false},
	{"sr_uk_wl", "Harry Wilson", "gb", false}, {"sr_uk_wl", "Dup Davies", "gb", false},
	{"sr_uk_wl", "Flaky Evans", "gb", false},
	{"fb_uk_wl", "Jack Thomas", "gb", false}, {"fb_uk_wl", "Isla Roberts", "gb", false},
	{"fb_uk_wl", "Dup Walker", "gb", false},
	{"retrack_se", "Anna Berg", "se", false}, {"retrack_se", "Erik Lind", "se", false},
	{"retrack_se", "Sara Holm", "se", false}, {"retrack_se", "Down Nilsson", "se", false},
	{"ap_us", "Mia Lopez", "us", false}, {"ap_us", "Noah Hill", "us", false},
	{"ap_us", "Liam Reed", "us", false}, {"ap_us", "Ban Carter", "us", false},
	{"binom_pub", "Ava King", "gb", false}, {"binom_pub", "Leo Scott", "gb", false},
	{"binom_pub", "Zoe Green", "gb", false},
	{"broker_de", "Max Müller", "de", true}, {"broker_de", "Lena Becker", "de", true},
	{"broker_de", "Dup Schmidt", "de", true}, {"broker_de", "Msg Weber", "de", true},
	{"broker_de", "Ban Fischer", "de", true}, {"broker_de", "Flaky Wagner", "de", true},
}

// phones are a phone number per country, the visitor's number added.
var phones = map[string]string{"gb": "4477009000", "se": "467012345", "us": "120255501", "de": "4915123456"}

// fields are what the visitor's landing page posts.
func (v visitor) fields(n int) map[string]any {
	first := strings.ToLower(strings.Fields(v.name)[0])
	f := map[string]any{"alias": v.alias, "name": v.name, "country": v.country,
		"phone": phones[v.country] + fmt.Sprintf("%02d", n), "email": first + "@example.org", "pass": "Demo-pass-1",
		"click_id": first + "-" + strconv.Itoa(n), "ip": "203.0.113." + strconv.Itoa(n), "price": 49,
		"currency": "usd", "items": map[string]any{"17": []any{1, 49, 12}}}
	if v.sync {
		f["sync"] = 1
	}
	return f
}

// intakeAnswer is the answer of POST /api/v1/leads.
type intakeAnswer struct {
	LeadID int64                  `json:"lead_id"`
	Token  string                 `json:"token"`
	Sync   *dispatcher.SyncResult `json:"sync"`
}

// intake posts every visitor's lead to the API, as their landing pages do.
func (dm *demo) intake(ctx context.Context) error {
	syncs := map[string]int{}
	for i, v := range visitors {
		var ans intakeAnswer
		if err := dm.call(ctx, http.MethodPost, "/api/v1/leads", v.fields(i+1), http.StatusCreated, &ans); err != nil {
			return err
		}
		dm.leads[v.name], dm.tokens[v.name] = ans.LeadID, ans.Token
		if ans.Sync != nil {
			syncs[ans.Sync.Result]++
		}
	}
	dm.say("%d leads came in through the API; the landing pages that waited for the synchronous send were told: %s",
		len(visitors), formatCounts(syncs))
	return nil
}

// call sends a request to leadrelay's API, JSON in and out, and checks the
// answer's code; admin calls carry the admin token.
func (dm *demo) call(ctx context.Context, method, path string, body any, want int, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, dm.apiURL+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if strings.HasPrefix(path, "/api/v1/admin/") {
		req.Header.Set("Authorization", "Bearer "+dm.admin)
	}
	resp, err := dm.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("demo: %s %s answered %d, not %d: %s", method, path, resp.StatusCode, want, answer)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(answer, out)
}

// minute moves the clock on a minute and sweeps every mode, as the
// scheduler of leadrelay serve does, but one mode after the other: a
// postback that a new lead's send fires then goes out in the same minute,
// so the story reads the same on every run (the scheduler's sweep runs the
// modes side by side, and sends such a postback now or a minute later).
func (dm *demo) minute(ctx context.Context) error {
	dm.clock.Advance(time.Minute)
	var parts []string
	for _, mode := range []string{integrations.ModeNew, integrations.ModeChanges, integrations.ModeApproved, integrations.ModePostback} {
		counts, err := dm.d.Sweep(ctx, mode)
		if err != nil {
			return err
		}
		if len(counts) > 0 {
			parts = append(parts, mode+": "+formatCounts(counts))
		}
	}
	dm.say("sweep  %s", cmp.Or(strings.Join(parts, "; "), "nothing was due"))
	return dm.reportFailed(ctx)
}

// reportFailed says which leads have failed by now.
func (dm *demo) reportFailed(ctx context.Context) error {
	failed := true
	leads, err := dm.store.ListLeads(ctx, storage.LeadFilter{Failed: &failed})
	for _, l := range leads {
		dm.say("  lead %d (%s) failed after %d attempts: it waits for support", l.ID, l.Name, l.Attempts)
	}
	return err
}

// event is something that happens to leads between sweeps: a request to
// leadrelay's API from a CRM, an advertiser, a thank-you page or support.
type event struct {
	what         string
	method, path string
	body         map[string]any
	want         int
}

// events plays the CRM's webhooks, the advertiser's status updates, an
// upsell and the call centre's edits.
func (dm *demo) events(ctx context.Context) error {
	evs, err := dm.eventList(ctx)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if err := dm.call(ctx, ev.method, ev.path, ev.body, ev.want, nil); err != nil {
			return err
		}
		dm.say("%s → %d", ev.what, ev.want)
	}
	return nil
}

func (dm *demo) eventList(ctx context.Context) ([]event, error) {
	ext, err := dm.exts(ctx, "John Smith", "Emma Brown", "Oliver Jones")
	if err != nil {
		return nil, err
	}
	john, emma, oliver := ext["John Smith"], ext["Emma Brown"], ext["Oliver Jones"]
	hook := "/api/v1/hooks/101?token=sr-hook-secret"
	evs := []event{
		{"SalesRender webhook: John Smith's order is status 3, with the call centre's comment", http.MethodPost, hook,
			map[string]any{"order": map[string]any{"id": json.Number(john), "statusId": 3, "comment": "Client confirmed. Wants standard package."}}, http.StatusOK},
		{"SalesRender webhook: Emma Brown's order is status 4", http.MethodPost, hook,
			map[string]any{"order": map[string]any{"id": json.Number(emma), "statusId": 4, "comment": "Wrong number, not reachable after 3 attempts"}}, http.StatusOK},
		{"advertiser: Oliver Jones is accepted", http.MethodPost, "/api/v1/status",
			map[string]any{"alias": "sr_uk_wl", "ext": oliver, "order_status": "accepted", "comment": "Client confirmed, shipped today"}, http.StatusOK},
		{"advertiser: Oliver Jones is 'shipped', a label the status_map does not know: refused", http.MethodPost, "/api/v1/status",
			map[string]any{"alias": "sr_uk_wl", "ext": oliver, "order_status": "shipped"}, http.StatusUnprocessableEntity},
		{"thank-you page: Amelia Taylor adds a second pack", http.MethodPost, "/api/v1/leads/" + dm.leadID("Amelia Taylor") + "/changes?token=" + dm.tokens["Amelia Taylor"],
			map[string]any{"items": map[string]any{"17": []any{2, 49, 12}}}, http.StatusOK},
	}
	for _, e := range []struct{ name, status string }{
		{"Anna Berg", "packaging"}, {"Erik Lind", "cancel"}, {"Mia Lopez", "packaging"}, {"Noah Hill", "packaging"},
		{"Ava King", "packaging"}, {"Leo Scott", "packaging"}, {"Zoe Green", "cancel"},
	} {
		evs = append(evs, event{"call centre: " + e.name + " → " + e.status, http.MethodPatch, "/api/v1/admin/leads/" + dm.leadID(e.name),
			map[string]any{"status": e.status}, http.StatusOK})
	}
	return evs, nil
}

func (dm *demo) leadID(name string) string { return strconv.FormatInt(dm.leads[name], 10) }

// exts are the exts the visitors' leads got from their integration, by name.
func (dm *demo) exts(ctx context.Context, names ...string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	for _, name := range names {
		l, err := dm.store.GetLead(ctx, dm.leads[name])
		if err != nil {
			return nil, err
		}
		if l.Ext == "" {
			return nil, fmt.Errorf("demo: %s's lead has no ext", name)
		}
		out[name] = l.Ext
	}
	return out, nil
}

// requeue brings the CRM back and puts the failed leads back in the queue.
func (dm *demo) requeue(ctx context.Context) error {
	dm.crm.Recover()
	var ans struct {
		Requeued int `json:"requeued"`
	}
	body := map[string]any{"filter": map[string]any{"failed": true}}
	if err := dm.call(ctx, http.MethodPost, "/api/v1/admin/leads/requeue", body, http.StatusOK, &ans); err != nil {
		return err
	}
	dm.say("the CRM is back; support re-queues the failed leads: %d re-queued", ans.Requeued)
	return nil
}

// formatCounts writes counts as "A 2, B 1", by name.
func formatCounts(counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

// demoSummary is what the demo's database holds at the end: the outcomes
// of the attempts by integration and mode, and the leads' statuses by
// integration.
type demoSummary struct {
	outcomes map[demoRow]map[string]int
	statuses map[string]map[string]int
}

// demoRow names a row of the outcomes table.
type demoRow struct{ integration, mode string }

// campaignRow names the campaign postbacks, which belong to no integration.
const campaignRow = "(campaign postbacks)"

// noIntegration names the leads no integration sends: their offer is taken
// only by postback integrations, and campaign postbacks report on them.
const noIntegration = "(no integration)"

func (dm *demo) summary(ctx context.Context) (*demoSummary, error) {
	s := &demoSummary{outcomes: map[demoRow]map[string]int{}, statuses: map[string]map[string]int{}}
	if err := dm.countAttempts(ctx, s); err != nil {
		return nil, err
	}
	leads, err := dm.store.ListLeads(ctx, storage.LeadFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	for _, l := range leads {
		status := l.Status.String()
		if l.Failed {
			status = "failed"
		}
		owner := noIntegration
		if l.IntegrationID != 0 {
			owner = dm.name(l.IntegrationID)
		}
		add(s.statuses, owner, status)
	}
	return s, nil
}

// countAttempts counts the log's attempts (rows of arrivals, status changes
// and changed marks have no attempt number).
func (dm *demo) countAttempts(ctx context.Context, s *demoSummary) error {
	var after int64
	for {
		rows, err := dm.store.ListLog(ctx, storage.LogFilter{After: after, Limit: 1000})
		if err != nil || len(rows) == 0 {
			return err
		}
		for _, r := range rows {
			if r.Attempt > 0 {
				add(s.outcomes, demoRow{dm.name(r.IntegrationID), r.Mode}, r.Outcome)
			}
		}
		after = rows[len(rows)-1].ID
	}
}

func (dm *demo) name(id int64) string {
	if id == 0 {
		return campaignRow
	}
	return dm.names[id]
}

func add[K comparable](m map[K]map[string]int, k K, col string) {
	if m[k] == nil {
		m[k] = map[string]int{}
	}
	m[k][col]++
}

// outcomeOrder and modeOrder are the orders of the summary's columns and rows.
var (
	outcomeOrder = []string{dispatcher.OutcomeSuccess, dispatcher.OutcomeRejected, dispatcher.OutcomeError, dispatcher.OutcomeHTTPFail,
		dispatcher.OutcomeNoID, dispatcher.OutcomeSkipped, dispatcher.OutcomeRedirect, dispatcher.OutcomeDeleted}
	modeOrder = []string{integrations.ModeNew, integrations.ModeSync, integrations.ModeChanges, integrations.ModeApproved, integrations.ModePostback}
)

// demoNext is printed under the tables: what the outcomes that need no
// request mean, and where to go from here.
const demoNext = `
SKIPPED: no request was needed (a stub, or a lead that had its ext already); REDIRECT: a sync send sent the visitor to a URL; DELETED: a sync send's target refused the lead with a message the visitor saw.
Next: docs/guide.md connects a CRM of your own; leadrelay serve runs the API and the minute sweeps on your database; leadrelay leads and leadrelay log show what happened there.
`

// showRequest prints one request as the log keeps it, with its answer: the
// first lead a CRM took.
func (dm *demo) showRequest(ctx context.Context) error {
	rows, err := dm.store.ListLog(ctx, storage.LogFilter{Outcome: dispatcher.OutcomeSuccess, Limit: 1000})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Mode != integrations.ModeNew || r.Request == "" || r.Response == "" {
			continue
		}
		var req struct{ Method, URL, Body string }
		var resp struct {
			Code int
			Body string
		}
		if json.Unmarshal([]byte(r.Request), &req) != nil || json.Unmarshal([]byte(r.Response), &resp) != nil {
			continue
		}
		dm.say("one request as the log keeps it: lead %d to %s, and the answer", r.LeadID, dm.name(r.IntegrationID))
		fmt.Fprintf(dm.out, "         %s %s\n         %s\n       answer %d %s\n", req.Method, req.URL, oneLine(req.Body), resp.Code, oneLine(resp.Body))
		return nil
	}
	return nil
}

// print writes the two tables and what to do next.
func (s *demoSummary) print(w io.Writer) {
	fmt.Fprintln(w, "\nattempts by integration and mode")
	rows := slices.SortedFunc(maps.Keys(s.outcomes), func(a, b demoRow) int {
		return cmp.Or(cmp.Compare(a.integration, b.integration), cmp.Compare(slices.Index(modeOrder, a.mode), slices.Index(modeOrder, b.mode)))
	})
	cols := present(outcomeOrder, s.outcomes)
	table(w, append([]string{"integration", "mode"}, cols...), len(rows), func(i int) []string {
		return append([]string{rows[i].integration, rows[i].mode}, counts(s.outcomes[rows[i]], cols)...)
	})
	fmt.Fprintln(w, "\nleads by integration and status")
	names := slices.Sorted(maps.Keys(s.statuses))
	var statusOrder []string
	for st := lead.New; st <= lead.Deleted; st++ {
		statusOrder = append(statusOrder, st.String())
	}
	cols = present(append(statusOrder, "failed"), s.statuses)
	table(w, append([]string{"integration"}, cols...), len(names), func(i int) []string {
		return append([]string{names[i]}, counts(s.statuses[names[i]], cols)...)
	})
	fmt.Fprint(w, demoNext)
}

// present keeps the columns of order that some row has.
func present[K comparable](order []string, m map[K]map[string]int) []string {
	var out []string
	for _, col := range order {
		for _, row := range m {
			if row[col] > 0 {
				out = append(out, col)
				break
			}
		}
	}
	return out
}

func counts(row map[string]int, cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "-"
		if n := row[c]; n > 0 {
			out[i] = strconv.Itoa(n)
		}
	}
	return out
}

// table writes a header and n rows in aligned columns.
func table(w io.Writer, header []string, n int, row func(i int) []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for i := range n {
		fmt.Fprintln(tw, strings.Join(row(i), "\t"))
	}
	_ = tw.Flush()
}
