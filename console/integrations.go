package console

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage/user"
)

// integrationRow is one line of the integrations list.
type integrationRow struct {
	ID      string
	Name    string
	Enabled bool
	Modes   []string
	Today   map[string]int64
}

func (c *Console) integrations(w http.ResponseWriter, r *http.Request) {
	a := c.call(r, http.MethodGet, "/api/v1/admin/integrations", nil)
	var list struct {
		Integrations []map[string]any `json:"integrations"`
	}
	if !a.OK() || a.decode(&list) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	now := c.opts.Now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	counts, err := c.opts.Store.CountAttempts(r.Context(), midnight, attemptModes)
	if err != nil {
		c.log.Error("counting today's attempts", "err", err)
	}
	today := map[string]map[string]int64{}
	for _, n := range counts {
		id := strconv.FormatInt(n.Integration, 10)
		if today[id] == nil {
			today[id] = map[string]int64{}
		}
		today[id][n.Outcome] += n.N
	}
	rows := make([]integrationRow, 0, len(list.Integrations))
	for _, doc := range list.Integrations {
		row := integrationRow{ID: num(doc["id"]), Name: text(doc["name"]), Enabled: doc["enabled"] == true}
		for _, m := range integrations.Modes() {
			if mode, ok := doc[string(m)].(map[string]any); ok && mode["enabled"] == true {
				row.Modes = append(row.Modes, string(m))
			}
		}
		row.Today = today[row.ID]
		rows = append(rows, row)
	}
	c.render(w, r, http.StatusOK, "integrations", view{Title: "Integrations", Data: rows})
}

// editor is the integration editor's page: the document without what its
// form controls show, each mode a section of controls with its scripts in
// editors of their own, and the hook's script.
type editor struct {
	ID       string
	Name     string
	Enabled  bool
	Controls controls
	Document string
	Modes    []modeForm
	Scripts  []script
	Problem  *apiError
	Problems []string
	Warnings []string
	Saved    bool
}

// script is one Lua editor: new.pre, new.post, …, hook.
type script struct {
	Key       string
	Text      string
	ErrorLine int
}

// scriptKeys are the scripts an integration may have, in the document's order.
func scriptKeys() []string {
	var keys []string
	for _, m := range integrations.Modes() {
		keys = append(keys, string(m)+".pre", string(m)+".post")
	}
	return append(keys, string(mode.Hook))
}

// scripts are every script editor of the page: the modes' and the hook's.
func (ed *editor) scripts() []*script {
	var out []*script
	for i := range ed.Modes {
		out = append(out, &ed.Modes[i].Pre, &ed.Modes[i].Post)
	}
	for i := range ed.Scripts {
		out = append(out, &ed.Scripts[i])
	}
	return out
}

// controls are the document's keys the editor shows as form controls, as
// the form has them: "" for a key the document leaves out.
type controls struct {
	Priority, Timezone, OnUncertain, PauseAfter string
	// Offers are the ticked list: the document's offers, then the
	// catalog's others.
	Offers     []tick
	OffersNull bool
	// Countries are ISO codes separated by commas or spaces.
	Countries string
	// Secrets and Hours are rows, with blanks to add.
	Secrets, Hours []pair
	// MaxAttempts, CapsDaily and CapsHourly are retry.max_attempts,
	// caps.daily and caps.hourly.
	MaxAttempts, CapsDaily, CapsHourly string
}

// controlKeys are the document's keys of the editor's controls.
var controlKeys = []string{"priority", "timezone", "on_uncertain", "pause_after", "offers", "countries", "secrets", "hours"}

// onUncertain are the choices of on_uncertain; "" leaves the key out.
var onUncertain = []string{integrations.OnUncertainRetry, integrations.OnUncertainCheck, integrations.OnUncertainHold}

func controlsOf(doc map[string]any) controls {
	f := controls{Priority: num(doc["priority"]), Timezone: text(doc["timezone"]),
		OnUncertain: text(doc["on_uncertain"]), PauseAfter: num(doc["pause_after"]),
		Countries: countriesOf(doc["countries"]), Secrets: pairsOf(doc["secrets"]), Hours: pairsOf(doc["hours"]),
		MaxAttempts: nestedOf(doc, "retry.max_attempts"), CapsDaily: nestedOf(doc, "caps.daily"), CapsHourly: nestedOf(doc, "caps.hourly")}
	f.Offers, f.OffersNull = offersOf(doc["offers"])
	return f
}

// values are the controls as the document's values: nil for a key to leave
// out, a whole number where the document wants one.
func (f controls) values() (map[string]any, error) {
	out := map[string]any{"timezone": f.Timezone, "on_uncertain": f.OnUncertain}
	for k, v := range out {
		if v == "" {
			out[k] = nil
		}
	}
	for k, v := range map[string]string{"priority": f.Priority, "pause_after": f.PauseAfter} {
		if v == "" {
			out[k] = nil
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%s: not a whole number: %q", k, v)
		}
		out[k] = n
	}
	if err := f.keyValues(out); err != nil {
		return nil, err
	}
	return out, nil
}

const newDocument = `{
  "name": "",
  "enabled": true,
  "offers": [],
  "countries": [],
  "secrets": {},
  "new": {"enabled": true, "url": "https://crm.example/api/orders", "method": "POST", "format": "json",
          "headers": "", "fields": "phone {phone}\nname {name}"}
}`

func (c *Console) newIntegration(w http.ResponseWriter, r *http.Request) {
	ed, err := splitDocument([]byte(newDocument))
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	c.offerNames(r, &ed.Controls)
	c.render(w, r, http.StatusOK, "editor", view{Title: "New integration", Data: ed})
}

func (c *Console) editIntegration(w http.ResponseWriter, r *http.Request) {
	a := c.call(r, http.MethodGet, "/api/v1/admin/integrations/"+r.PathValue("id"), nil)
	if !a.OK() {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	ed, err := splitDocument(a.Body)
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	c.offerNames(r, &ed.Controls)
	c.render(w, r, http.StatusOK, "editor", view{Title: "Integration " + ed.Name, Data: ed})
}

// splitDocument takes what the editor's controls show out of an
// integration document: its name, enabled and controls, each mode's
// section, and the hook's script. A mode left with none of its keys leaves
// the rest of the document.
func splitDocument(body []byte) (*editor, error) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("reading the integration: %w", err)
	}
	ed := &editor{ID: num(doc["id"]), Name: text(doc["name"]), Enabled: doc["enabled"] == true, Controls: controlsOf(doc)}
	for _, k := range append([]string{"id", "name", "enabled"}, controlKeys...) {
		delete(doc, k)
	}
	takeNested(doc)
	for _, mode := range integrations.Modes() {
		m, _ := doc[string(mode)].(map[string]any)
		ed.Modes = append(ed.Modes, modeFormOf(string(mode), m))
		if m != nil && len(m) == 0 {
			delete(doc, string(mode))
		}
	}
	hookKey := string(mode.Hook)
	hook, _ := doc[hookKey].(string)
	delete(doc, hookKey)
	ed.Scripts = append(ed.Scripts, script{Key: hookKey, Text: hook})
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	ed.Document = string(b)
	return ed, nil
}

// joinDocument puts the editor's fields, mode sections and scripts back
// into its document. The fields are the form's when it has them (the
// editor's form always does), else the document's; values are the
// controls' (nil leaves a key out). A mode whose section the form has
// takes the section's keys; the document's other keys of the mode stay.
func joinDocument(document string, fields *editor, values map[string]any, modes []modeForm, scripts map[string]string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(document), &doc); err != nil {
		return nil, fmt.Errorf("the document is not JSON: %v", err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	if fields != nil {
		doc["name"], doc["enabled"] = fields.Name, fields.Enabled
		for k, v := range values {
			if strings.Contains(k, ".") {
				setNested(doc, k, v)
				continue
			}
			if v == nil {
				delete(doc, k)
				continue
			}
			doc[k] = v
		}
	}
	for i := range modes {
		if err := modes[i].mergeInto(doc); err != nil {
			return nil, err
		}
		delete(scripts, modes[i].Pre.Key)
		delete(scripts, modes[i].Post.Key)
	}
	for _, key := range scriptKeys() {
		src, ok := scripts[key]
		if !ok {
			continue
		}
		mode, part, nested := strings.Cut(key, ".")
		if !nested {
			setOrDrop(doc, key, src)
			continue
		}
		m, ok := doc[mode].(map[string]any)
		if !ok {
			continue
		}
		setOrDrop(m, part, src)
	}
	return json.Marshal(doc)
}

func setOrDrop(m map[string]any, key, src string) {
	if strings.TrimSpace(src) == "" {
		delete(m, key)
		return
	}
	m[key] = strings.ReplaceAll(src, "\r\n", "\n")
}

// saveIntegration saves the editor's document through the API: a new one
// by POST, an existing one by PUT. A refusal shows again in the editor, a
// script's error at its line.
func (c *Console) saveIntegration(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ed := &editor{ID: id, Document: r.PostFormValue("document"),
		Name: strings.TrimSpace(r.PostFormValue("name")), Enabled: r.PostFormValue("enabled") != "",
		Controls: controls{Priority: strings.TrimSpace(r.PostFormValue("priority")), Timezone: strings.TrimSpace(r.PostFormValue("timezone")),
			OnUncertain: r.PostFormValue("on_uncertain"), PauseAfter: strings.TrimSpace(r.PostFormValue("pause_after"))}}
	var fields *editor
	var values map[string]any
	if r.PostFormValue("fields") != "" {
		fields = ed
		keysOf(r, &ed.Controls)
		var err error
		if values, err = ed.Controls.values(); err != nil {
			ed.Problem = &apiError{Message: err.Error()}
		}
	}
	modes, err := modeFormsOf(r)
	if err != nil && ed.Problem == nil {
		ed.Problem = &apiError{Message: err.Error()}
	}
	ed.Modes = modes
	inSection := map[string]bool{}
	for _, m := range modes {
		inSection[m.Pre.Key], inSection[m.Post.Key] = true, true
	}
	scripts := map[string]string{}
	for _, key := range scriptKeys() {
		if vals, ok := r.PostForm["script:"+key]; ok {
			scripts[key] = vals[0]
			if !inSection[key] {
				ed.Scripts = append(ed.Scripts, script{Key: key, Text: vals[0]})
			}
		}
	}
	body, err := joinDocument(ed.Document, fields, values, modes, scripts)
	if err != nil && ed.Problem == nil {
		ed.Problem = &apiError{Message: err.Error()}
	}
	if ed.Problem != nil {
		c.offerNames(r, &ed.Controls)
		c.render(w, r, http.StatusUnprocessableEntity, "editor", view{Title: "Integration", Data: ed})
		return
	}
	method, path := http.MethodPost, "/api/v1/admin/integrations"
	if id != "" {
		method, path = http.MethodPut, path+"/"+id
	}
	a := c.call(r, method, path, body)
	if !a.OK() {
		e := a.failure()
		ed.Problem = &e
		for _, p := range e.Errors {
			ed.Problems = append(ed.Problems, p.Message)
		}
		for _, sc := range ed.scripts() {
			if e.Script != "" && (e.Script == sc.Key || strings.HasSuffix(e.Script, " "+sc.Key)) {
				sc.ErrorLine = e.Line
			}
		}
		markRows(ed.Modes, e)
		c.offerNames(r, &ed.Controls)
		c.render(w, r, a.Code, "editor", view{Title: "Integration", Data: ed})
		return
	}
	saved, err := splitDocument(a.Body)
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	saved.Saved, saved.Warnings = true, warningsOf(a.Body)
	c.offerNames(r, &saved.Controls)
	c.render(w, r, http.StatusOK, "editor", view{Title: "Integration " + saved.Name, Data: saved,
		Flash: "Saved integration " + saved.ID + "."})
}

// warningsOf reads the "warnings" of a save's answer, each as a line of text.
func warningsOf(body []byte) []string {
	var ans struct {
		Warnings []any `json:"warnings"`
	}
	if json.Unmarshal(body, &ans) != nil {
		return nil
	}
	out := make([]string, 0, len(ans.Warnings))
	for _, w := range ans.Warnings {
		if m, ok := w.(map[string]any); ok {
			var parts []string
			for _, k := range sortedKeys(m) {
				parts = append(parts, k+": "+text(m[k]))
			}
			out = append(out, strings.Join(parts, "; "))
			continue
		}
		out = append(out, text(w))
	}
	return out
}

func (c *Console) deleteIntegration(w http.ResponseWriter, r *http.Request) {
	a := c.call(r, http.MethodDelete, "/api/v1/admin/integrations/"+r.PathValue("id"), nil)
	if !a.OK() {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	http.Redirect(w, r, "/admin/integrations", http.StatusSeeOther)
}

func (c *Console) exportIntegration(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	a := c.call(r, http.MethodGet, "/api/v1/admin/integrations/"+id, nil)
	if !a.OK() {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="integration-%s.json"`, strings.Trim(strconv.Quote(id), `"`)))
	_, _ = w.Write([]byte(pretty(json.RawMessage(a.Body)) + "\n"))
}

// maxImport is the most of an uploaded file the import reads, as the API
// refuses bodies over 1 MiB.
const maxImport = 1 << 20

// importIntegration stores one integration's JSON, pasted or uploaded: with
// an id it replaces that integration (secrets sent as *** keep their
// values), without one it is new.
func (c *Console) importIntegration(w http.ResponseWriter, r *http.Request) {
	raw := []byte(r.PostFormValue("json"))
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if raw, err = io.ReadAll(io.LimitReader(f, maxImport)); err != nil {
			c.problem(w, r, http.StatusBadRequest, "The file could not be read: "+err.Error())
			return
		}
	}
	var head struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		c.problem(w, r, http.StatusUnprocessableEntity, "The imported file is not an integration's JSON: "+err.Error())
		return
	}
	method, path := http.MethodPost, "/api/v1/admin/integrations"
	if head.ID > 0 {
		method, path = http.MethodPut, fmt.Sprintf("%s/%d", path, head.ID)
	}
	a := c.call(r, method, path, raw)
	if !a.OK() {
		c.problem(w, r, a.Code, "The import was refused: "+a.failure().Message)
		return
	}
	ed, err := splitDocument(a.Body)
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	http.Redirect(w, r, "/admin/integrations/"+ed.ID, http.StatusSeeOther)
}

// integrationPage is an integration read-only, with its Test panel.
type integrationPage struct {
	ID       string
	Name     string
	Document string
	MaySend  bool
	MayEdit  bool
	Modes    []string
	HasHook  bool
	Form     testForm
	Result   map[string]any
	Problem  string
}

// testForm is what the Test panel was given: a lead and an answer, or
// (mode hook) a webhook's body, headers as "Name: value" lines and query.
type testForm struct {
	Mode, LeadID, Lead, Code, Body string
	Send                           bool
	HookBody, HookHeaders, Query   string
}

func (c *Console) integration(w http.ResponseWriter, r *http.Request) {
	p, ok := c.integrationPage(w, r)
	if !ok {
		return
	}
	p.Form = testForm{Mode: string(mode.New), Code: "200"}
	c.render(w, r, http.StatusOK, "integration", view{Title: "Integration " + p.Name, Data: p})
}

func (c *Console) integrationPage(w http.ResponseWriter, r *http.Request) (*integrationPage, bool) {
	a := c.call(r, http.MethodGet, "/api/v1/admin/integrations/"+r.PathValue("id"), nil)
	var doc map[string]any
	if !a.OK() || a.decode(&doc) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return nil, false
	}
	s, _ := sessionOf(r)
	p := &integrationPage{ID: num(doc["id"]), Name: text(doc["name"]), Document: pretty(doc),
		MaySend: s.person.Role.May(user.Send), MayEdit: s.person.Role.May(user.Configure)}
	for _, m := range integrations.Modes() {
		if _, ok := doc[string(m)].(map[string]any); ok {
			p.Modes = append(p.Modes, string(m))
		}
	}
	p.HasHook = text(doc[string(mode.Hook)]) != ""
	return p, true
}

// testIntegration runs the Test panel: the API's dry run on a stored lead or
// a pasted one, with a made-up response or (admins) a real send.
func (c *Console) testIntegration(w http.ResponseWriter, r *http.Request) {
	p, ok := c.integrationPage(w, r)
	if !ok {
		return
	}
	f := testForm{Mode: r.PostFormValue("mode"), LeadID: strings.TrimSpace(r.PostFormValue("lead_id")),
		Lead: r.PostFormValue("lead"), Code: strings.TrimSpace(r.PostFormValue("code")),
		Body: r.PostFormValue("body"), Send: r.PostFormValue("send") != ""}
	p.Form = f
	if f.Mode == string(mode.Hook) {
		c.testHook(w, r, p)
		return
	}
	req := map[string]any{"mode": f.Mode}
	if f.LeadID != "" {
		id, err := strconv.ParseInt(f.LeadID, 10, 64)
		if err != nil {
			p.Problem = "lead id: not a number: " + f.LeadID
		}
		req["lead_id"] = id
	}
	if strings.TrimSpace(f.Lead) != "" {
		req["lead"] = json.RawMessage(f.Lead)
		if !json.Valid([]byte(f.Lead)) {
			p.Problem = "the pasted lead is not JSON"
		}
	}
	if f.Send {
		req["send"] = true
	} else {
		code, err := strconv.Atoi(f.Code)
		if err != nil {
			p.Problem = "response code: not a number: " + f.Code
		}
		req["response"] = map[string]any{"code": code, "body": f.Body}
	}
	c.runTest(w, r, p, req)
}

// runTest asks the API for the dry run req unless the form had a problem,
// and shows its answer.
func (c *Console) runTest(w http.ResponseWriter, r *http.Request, p *integrationPage, req map[string]any) {
	status := http.StatusOK
	if p.Problem == "" {
		a := c.call(r, http.MethodPost, "/api/v1/admin/integrations/"+p.ID+"/test", req)
		if a.OK() {
			_ = a.decode(&p.Result)
		} else {
			status, p.Problem = a.Code, a.failure().Message
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, status, "integration", view{Title: "Integration " + p.Name, Data: p})
}

// testHook runs the hook script on a pasted webhook: what it logs and
// returns, and what the webhook would do to which lead.
func (c *Console) testHook(w http.ResponseWriter, r *http.Request, p *integrationPage) {
	f := &p.Form
	f.HookBody, f.HookHeaders, f.Query = r.PostFormValue("hook_body"), r.PostFormValue("hook_headers"), strings.TrimSpace(r.PostFormValue("query"))
	headers := map[string]string{}
	for _, line := range strings.Split(f.HookHeaders, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			p.Problem = "headers: a line is not \"Name: value\": " + line
			break
		}
		headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	query := map[string]string{}
	values, err := url.ParseQuery(strings.TrimPrefix(f.Query, "?"))
	if err != nil {
		p.Problem = "query: not a query string: " + err.Error()
	}
	for k, v := range values {
		query[k] = v[0]
	}
	c.runTest(w, r, p, map[string]any{"mode": mode.Hook, "body": f.HookBody, "headers": headers, "query": query})
}

// attemptModes are the modes whose log rows are attempts at a send.
var attemptModes = func() []string {
	var names []string
	for _, m := range append(integrations.Modes(), mode.Hook) {
		names = append(names, string(m))
	}
	return names
}()
