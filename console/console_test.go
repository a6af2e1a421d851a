package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

const password = "correct horse battery"

func TestSignIn(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()

		if p := br.get("/admin/"); !strings.Contains(p.body, `action="/admin/signin"`) {
			t.Fatalf("a visitor is not sent to the sign-in form: %d %s", p.code, p.body)
		}
		unknown := br.signIn("nobody", password)
		wrong := br.signIn("ann", "wrong horse battery")
		if unknown.code != http.StatusUnauthorized || wrong.code != unknown.code ||
			!strings.Contains(unknown.body, "That name and password do not match.") ||
			!strings.Contains(wrong.body, "That name and password do not match.") {
			t.Errorf("an unknown name and a wrong password answer differently: %d, %d", unknown.code, wrong.code)
		}
		if p := br.post("/admin/signin", url.Values{"name": {"ann"}, "password": {password}}); p.code != http.StatusForbidden {
			t.Errorf("a sign-in without its CSRF token = %d", p.code)
		}

		resp, err := br.client.Get(b.srv.URL + "/admin/signin")
		if err != nil {
			t.Fatal(err)
		}
		form := read(t, resp)
		resp, err = (&http.Client{Jar: br.client.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
			PostForm(b.srv.URL+"/admin/signin", url.Values{"csrf": {form.csrf(t)}, "name": {"ann"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		signed := read(t, resp)
		cookie := ""
		for _, c := range signed.hdr.Values("Set-Cookie") {
			if strings.HasPrefix(c, "leadrelay_session=") {
				cookie = c
			}
		}
		if signed.code != http.StatusSeeOther || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
			t.Errorf("signing in: %d, cookie %q", signed.code, cookie)
		}
		home := br.get("/admin/")
		contains(t, home, "ann (admin)", "Dashboard")
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
			if home.hdr.Get(h) == "" {
				t.Errorf("the dashboard lacks %s", h)
			}
		}
		if csp := home.hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP = %q", csp)
		}
		if strings.Contains(home.body, "<script>") || strings.Contains(home.body, " style=") {
			t.Errorf("the dashboard has inline script or style")
		}

		b.clock.Advance(11 * time.Hour)
		if p := br.get("/admin/"); !strings.Contains(p.body, "ann (admin)") {
			t.Errorf("the session ended within 12 hours of use")
		}
		b.clock.Advance(12*time.Hour + time.Minute)
		if p := br.get("/admin/"); strings.Contains(p.body, "ann (admin)") {
			t.Errorf("the session lives on after 12 hours idle")
		}
	})
}

func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		for i := range 10 {
			if p := br.signIn("ann", "wrong"); p.code != http.StatusUnauthorized {
				t.Fatalf("failure %d = %d", i+1, p.code)
			}
		}
		if p := br.signIn("ann", password); p.code != http.StatusTooManyRequests {
			t.Errorf("the 11th sign-in in a minute = %d, want 429", p.code)
		}
		b.clock.Advance(61 * time.Second)
		if p := br.signIn("ann", password); !strings.Contains(p.body, "ann (admin)") {
			t.Errorf("a minute later the right password does not sign in: %d", p.code)
		}
	})
}

func TestSignInRateLimitHoldsAcrossProcesses(t *testing.T) {
	t.Parallel()
	for _, be := range storagetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			procs := storagetest.Processes(t, be.DSN(t), 2)
			servers := []*bundle{setup(t, procs[0]), setup(t, procs[1])}
			servers[0].person("ann", user.Admin, password)
			tests := []struct {
				name  string
				names func(i int) string
			}{
				{"one name", func(int) string { return "ann" }},
				{"one address", func(i int) string { return fmt.Sprintf("guess%d", i) }},
			}
			for _, tt := range tests {
				for i := range 10 {
					if p := servers[i%2].browser().signIn(tt.names(i), "wrong"); p.code != http.StatusUnauthorized {
						t.Fatalf("%s: failure %d on server %d = %d", tt.name, i+1, i%2, p.code)
					}
				}
				for n, b := range servers {
					if p := b.browser().signIn("ann", password); p.code != http.StatusTooManyRequests {
						t.Errorf("%s: after 10 failures on two servers, server %d answers %d, want 429", tt.name, n, p.code)
					}
				}
				for _, b := range servers {
					b.clock.Advance(61 * time.Second)
				}
				if p := servers[1].browser().signIn("ann", password); !strings.Contains(p.body, "ann (admin)") {
					t.Errorf("%s: a minute later the right password does not sign in: %d", tt.name, p.code)
				}
			}
		})
	}
}

func TestDashboardShowsTheLastSweepOfAnyProcess(t *testing.T) {
	t.Parallel()
	for _, be := range storagetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			procs := storagetest.Processes(t, be.DSN(t), 2)
			servers := []*bundle{setup(t, procs[0]), setup(t, procs[1])}
			servers[0].person("sam", user.Support, password)
			browsers := []*browser{servers[0].browser(), servers[1].browser()}
			for _, br := range browsers {
				if p := br.signIn("sam", password); strings.Contains(p.body, "Last sweep") {
					t.Errorf("a dashboard tells of a sweep before any")
				}
			}
			for i, mode := range []string{"postback", "changes"} {
				if _, err := servers[i].d.Sweep(context.Background(), mode); err != nil {
					t.Fatal(err)
				}
				started := servers[i].clock.Now().UTC().Format("2006-01-02 15:04:05")
				for n, br := range browsers {
					if p := br.get("/admin/"); !strings.Contains(p.body, "Last sweep: "+mode+", started "+started) {
						t.Errorf("after server %d's %s sweep, server %d's dashboard lacks it:\n%s", i, mode, n, p.body)
					}
				}
				for _, b := range servers {
					b.clock.Advance(time.Minute)
				}
			}
		})
	}
}

func TestFormsNeedTheirCSRFToken(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		if p := br.post("/admin/sweep", url.Values{}); p.code != http.StatusForbidden || !strings.Contains(p.body, "CSRF") {
			t.Errorf("a sweep without the CSRF token = %d", p.code)
		}
		if p := br.post("/admin/sweep", url.Values{"csrf": {"0123"}}); p.code != http.StatusForbidden {
			t.Errorf("a sweep with a wrong CSRF token = %d", p.code)
		}
		if p := br.submit(home, "/admin/sweep", url.Values{}); p.code != http.StatusOK || !strings.Contains(p.body, "Swept") {
			t.Errorf("a sweep with the CSRF token = %d", p.code)
		}
	})
}

func TestLeadDataIsEscaped(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("sam", user.Support, password)
		l := &lead.Lead{Name: "<script>alert(1)</script>", City: `"><img src=x onerror=alert(2)>`, Phone: "447123456789", Country: "gb"}
		if err := s.CreateLeadWith(context.Background(), l, nil, nil); err != nil {
			t.Fatal(err)
		}
		br := b.browser()
		br.signIn("sam", password)
		for _, path := range []string{"/admin/leads", fmt.Sprintf("/admin/leads/%d", l.ID)} {
			p := br.get(path)
			if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "<img src=x") {
				t.Errorf("%s renders lead data as markup", path)
			}
			contains(t, p, "&lt;script&gt;alert(1)&lt;/script&gt;")
		}
	})
}

func TestSupportIsRefusedTheEditor(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		b.person("sam", user.Support, password)
		admin := b.browser()
		form := admin.signIn("ann", password)
		created := admin.submit(form, "/admin/integrations/new", url.Values{"document": {`{"name":"crm","enabled":true,"secrets":{"token":"tok-123"},"new":{"enabled":true,"url":"https://crm.example/x"}}`}})
		contains(t, created, "Saved integration 1.")
		if strings.Contains(created.body, "tok-123") {
			t.Errorf("the editor shows a secret")
		}
		support := b.browser()
		support.signIn("sam", password)
		if p := support.get("/admin/integrations/1/edit"); p.code != http.StatusForbidden || !strings.Contains(p.body, "sam is support, and support may not") {
			t.Errorf("support's editor = %d:\n%s", p.code, p.body)
		}
		view := support.get("/admin/integrations/1")
		contains(t, view, `&#34;token&#34;: &#34;***&#34;`)
		if strings.Contains(view.body, "tok-123") || strings.Contains(view.body, `id="edit"`) {
			t.Errorf("support sees a secret or the editor's link")
		}
		if p := support.get("/admin/users"); p.code != http.StatusForbidden {
			t.Errorf("support's users page = %d", p.code)
		}
		if p := support.post("/admin/integrations/1/edit", url.Values{"csrf": {view.csrf(t)}, "document": {"{}"}}); p.code != http.StatusForbidden {
			t.Errorf("support's save = %d", p.code)
		}
	})
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("sam", user.Support, password)
		ctx := context.Background()
		now := b.clock.Now()
		rec := &storage.IntegrationRecord{Name: "crm-<b>", Enabled: true, Document: `{"name":"crm-<b>","enabled":true}`}
		if err := s.SaveIntegration(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendLog(ctx,
			&storage.LogEntry{Time: now, IntegrationID: rec.ID, LeadID: 5, Mode: "new", Outcome: "SUCCESS"},
			&storage.LogEntry{Time: now, IntegrationID: rec.ID, LeadID: 6, Mode: "new", Outcome: "SUCCESS"},
			&storage.LogEntry{Time: now, IntegrationID: rec.ID, LeadID: 7, Mode: "new", Outcome: "HTTP_FAIL", Message: "crm.example: connection refused"},
		); err != nil {
			t.Fatal(err)
		}
		if err := s.PauseUntil(ctx, rec.ID, "new", now.Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		unsure := &lead.Lead{Phone: "447123456789", Country: "gb", IntegrationID: rec.ID}
		if err := s.CreateLeadWith(ctx, unsure, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateLead(ctx, unsure.ID, map[string]any{"uncertain": true}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.d.Sweep(ctx, "postback"); err != nil {
			t.Fatal(err)
		}
		br := b.browser()
		p := br.signIn("sam", password)
		contains(t, p, "crm-&lt;b&gt;", "new: attempts in the last 24 h", `<rect class="o-SUCCESS" x="90" y="0" width="240"`,
			`<rect class="o-HTTP_FAIL" x="90" y="0" width="120"`, "HTTP_FAIL crm.example: connection refused",
			"new paused until", "Last sweep: postback",
			fmt.Sprintf(`<a href="/admin/leads?integration=%d&amp;uncertain=true" class="uncertain-count">1</a>`, rec.ID),
			fmt.Sprintf(`action="/admin/integrations/%d/resume"`, rec.ID), `<button type="submit" class="resume">Resume new</button>`)
		// Support resumes the paused mode from the dashboard.
		after := br.submit(p, fmt.Sprintf("/admin/integrations/%d/resume", rec.ID), url.Values{"mode": {"new"}})
		if after.code != http.StatusOK || strings.Contains(after.body, "new paused until") {
			t.Errorf("after the resume: %d, still paused: %v", after.code, strings.Contains(after.body, "new paused until"))
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{Integration: rec.ID, Outcome: "RESUMED"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].By != "sam" {
			t.Errorf("RESUMED rows %+v, want one by sam", rows)
		}
	})
}

func TestCatalogPages(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		list := br.submit(home, "/admin/catalog/offers", url.Values{"name": {"Slim <tea>"}, "params.name": {"price", ""}, "params.value": {"49", ""}})
		contains(t, list, `value="Slim &lt;tea&gt;"`, `<input name="params.name" value="price"`)
		bad := br.submit(home, "/admin/catalog/offers", url.Values{"name": {"x"}, "duplicates.days": {"a month"}})
		if bad.code != http.StatusUnprocessableEntity {
			t.Errorf("a bad offer = %d", bad.code)
		}
		contains(t, bad, `duplicates.days: &#34;a month&#34; is not a number of days`, `value="a month"`)
		edit := br.get("/admin/catalog/offers/1")
		contains(t, edit, `<input name="params.value" value="49"`)
		contains(t, br.submit(edit, "/admin/catalog/offers/1", url.Values{"name": {"Slim tea 2"}}), `value="Slim tea 2"`, "Saved.")
		if p := br.submit(edit, "/admin/catalog/offers/1/delete", url.Values{}); strings.Contains(p.body, "Slim tea 2") {
			t.Errorf("the deleted offer is still listed")
		}
		if p := br.get("/admin/catalog/planets"); p.code != http.StatusNotFound {
			t.Errorf("an unknown kind = %d", p.code)
		}
		rows, err := s.ListLog(context.Background(), storage.LogFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var by []string
		for _, r := range rows {
			by = append(by, r.By+": "+r.Message)
		}
		if got := strings.Join(by, "\n"); got != "ann: offer 1 saved\nann: offer 1 saved\nann: offer 1 deleted" {
			t.Errorf("the log of the catalog's changes:\n%s", got)
		}
	})
}

func TestUsersPage(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		added := br.submit(home, "/admin/users", url.Values{"name": {"sam"}, "role": {"support"}})
		contains(t, added, "Added sam (support).", "Password of sam, shown this once: ")
		generated := strings.Fields(strings.SplitN(added.body, "shown this once: ", 2)[1])[0]
		generated = strings.TrimSuffix(generated, "</p>")
		if p := b.browser().signIn("sam", generated); !strings.Contains(p.body, "sam (support)") {
			t.Errorf("sam cannot sign in with the password shown: %q", generated)
		}
		token := br.submit(home, "/admin/users/sam/token", url.Values{})
		contains(t, token, "API token of sam, shown this once: ")
		tok := strings.TrimSuffix(strings.Fields(strings.SplitN(token.body, "shown this once: ", 2)[1])[0], "</p>")
		if _, err := s.UserByToken(context.Background(), storage.HashToken(tok)); err != nil {
			t.Errorf("the token shown is not sam's: %v", err)
		}
		contains(t, br.submit(home, "/admin/users/sam/revoke", url.Values{}), "Revoked 1 tokens of sam.")
		contains(t, br.submit(home, "/admin/users", url.Values{"name": {"sam"}, "role": {"admin"}, "password": {password}}), "There is a user sam already.")
		contains(t, br.submit(home, "/admin/users/sam/remove", url.Values{}), "Removed sam.")
		if _, err := s.UserByName(context.Background(), "sam"); err == nil {
			t.Errorf("sam is still there")
		}
	})
}

func TestLeadPages(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("sam", user.Support, password)
		ctx := context.Background()
		var ids []int64
		for i := range 3 {
			l := &lead.Lead{Name: fmt.Sprintf("Lead %d", i), Phone: "447123456789", Country: "gb", Failed: i > 0}
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, l.ID)
		}
		br := b.browser()
		home := br.signIn("sam", password)
		contains(t, br.get("/admin/leads?failed=true"), "Lead 1", "Lead 2")
		if p := br.get("/admin/leads?failed=false"); strings.Contains(p.body, "Lead 1") || !strings.Contains(p.body, "Lead 0") {
			t.Errorf("the failed=false filter shows failed leads")
		}
		if p := br.get("/admin/leads?status=bogus"); p.code != http.StatusUnprocessableEntity || !strings.Contains(p.body, "bogus") {
			t.Errorf("a bad filter = %d", p.code)
		}
		edited := br.submit(home, fmt.Sprintf("/admin/leads/%d", ids[0]), url.Values{"status": {"cancel"}, "reason": {"7"}, "comment": {"called twice"}, "city": {"Leeds"}})
		contains(t, edited, "Saved: city, comment, reason, status.", "7 duplicate", "Leeds", `by <span class="by">sam</span>`)
		unchanged := br.submit(home, fmt.Sprintf("/admin/leads/%d", ids[0]), url.Values{"status": {"cancel"}, "reason": {"7"}, "comment": {"called twice"}, "city": {"Leeds"}})
		contains(t, unchanged, "Nothing changed.")

		failed := br.get("/admin/failed")
		contains(t, failed, "Lead 1", "Lead 2")
		if strings.Contains(failed.body, "Lead 0") {
			t.Errorf("the failed list shows a lead that did not fail")
		}
		contains(t, br.submit(failed, "/admin/failed", url.Values{}), "Tick the leads to re-queue")
		contains(t, br.submit(failed, "/admin/failed", url.Values{"all": {"1"}}), "Re-queued 2 leads.", "No failed leads.")
		log := br.get(fmt.Sprintf("/admin/log?lead_id=%d", ids[1]))
		contains(t, log, "re-queued", `by <span class="by">sam</span>`)
	})
}

func TestImportExport(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		contains(t, br.submit(home, "/admin/integrations/new", url.Values{"document": {`{"name":"crm","enabled":true,"secrets":{"token":"tok-1"},"new":{"enabled":true,"url":"https://crm.example/x"}}`},
			"script:new.post": {"return 1\n"}}), "Saved integration 1.")
		exported := br.get("/admin/integrations/1/export")
		if exported.hdr.Get("Content-Disposition") == "" || !strings.Contains(exported.body, `"post": "return 1\n"`) || strings.Contains(exported.body, "tok-1") {
			t.Fatalf("export = %s", exported.body)
		}
		again := strings.Replace(exported.body, `"name": "crm"`, `"name": "crm two"`, 1)
		p := br.submit(home, "/admin/integrations/import", url.Values{"json": {again}})
		contains(t, p, "crm two")
		rec, err := s.GetIntegration(context.Background(), 1)
		if err != nil || !strings.Contains(rec.Document, "tok-1") || rec.Name != "crm two" {
			t.Errorf("the import lost the secret or the name: %+v, %v", rec, err)
		}
	})
}

func TestEveryAnswerForbidsFramesAndInlineScript(t *testing.T) {
	t.Parallel()
	b := setup(t, storagetest.Open(t, "sqlite:"+t.TempDir()+"/lr.db"))
	br := b.browser()
	for _, path := range []string{"/admin/signin", "/admin/", "/admin/static/console.css", "/healthz", "/api/v1/admin/offers", "/nowhere"} {
		p := br.get(path)
		if p.hdr.Get("X-Frame-Options") != "DENY" || !strings.Contains(p.hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			strings.Contains(p.hdr.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("%s: X-Frame-Options %q, CSP %q", path, p.hdr.Get("X-Frame-Options"), p.hdr.Get("Content-Security-Policy"))
		}
	}
}

func TestEditorFields(t *testing.T) {
	t.Parallel()
	b := setup(t, storagetest.Open(t, "sqlite:"+t.TempDir()+"/lr.db"))
	b.person("ann", user.Admin, password)
	br := b.browser()
	home := br.signIn("ann", password)
	form := br.get("/admin/integrations/new")
	contains(t, form, `name="name"`, `name="enabled" id="enabled" value="1" checked`)
	saved := br.submit(home, "/admin/integrations/new", url.Values{"fields": {"1"}, "name": {"from the form"},
		"document": {`{"name":"from the JSON","enabled":true,"new":{"enabled":true,"url":"https://crm.example/x"}}`}})
	contains(t, saved, "Saved integration 1.", `value="from the form"`)
	rec, err := b.store.GetIntegration(context.Background(), 1)
	if err != nil || rec.Name != "from the form" || !strings.Contains(rec.Document, `"name":"from the form","enabled":false`) {
		t.Errorf("the form's name and enabled were not saved: %+v, %v", rec, err)
	}
	if strings.Contains(saved.body, "from the JSON") {
		t.Errorf("the JSON's name shows beside the form's")
	}
}

func TestHookDryRun(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		saved := br.submit(home, "/admin/integrations/new", url.Values{"document": {`{"name":"crm","enabled":true,
			"status_map":{"3":"packaging"},
			"hook":"log('signed', request.headers['X-Signature'], request.query.shop)\nlocal b = json.decode(result)\nreturn {lead_id = b.id, status = b.status, comment = b.note}"}`}})
		contains(t, saved, "Saved integration 1.")
		l := &lead.Lead{Name: "Lead", Phone: "447123456789", Country: "gb", IntegrationID: 1}
		if err := s.CreateLeadWith(context.Background(), l, nil, nil); err != nil {
			t.Fatal(err)
		}
		view := br.get("/admin/integrations/1")
		contains(t, view, `id="hook-test"`)
		tests := []struct {
			name, body, headers string
			code                int
			want                []string
		}{
			{"a change", fmt.Sprintf(`{"id":%d,"status":"3","note":"<b>packed</b>"}`, l.ID), "X-Signature: abc\n\n", http.StatusOK,
				[]string{fmt.Sprintf("lead %d, new → packaging", l.ID), "signed\tabc\tuk", "&lt;b&gt;packed&lt;/b&gt;"}},
			{"a refusal", fmt.Sprintf(`{"id":%d,"status":"won"}`, l.ID), "", http.StatusOK,
				[]string{"refused (422):", "&#34;won&#34; is not in integration"}},
			{"a failing script", "not json", "", http.StatusOK, []string{`id="hook-result"`, "Script integration 1 hook, line 3"}},
			{"a header line without a colon", "{}", "X-Signature abc", http.StatusUnprocessableEntity,
				[]string{`headers: a line is not &#34;Name: value&#34;: X-Signature abc`}},
		}
		for _, tt := range tests {
			p := br.submit(view, "/admin/integrations/1/test", url.Values{"mode": {"hook"}, "hook_body": {tt.body},
				"hook_headers": {tt.headers}, "query": {"shop=uk"}})
			if p.code != tt.code {
				t.Errorf("%s: %d", tt.name, p.code)
			}
			contains(t, p, tt.want...)
			if strings.Contains(p.body, "<b>packed") {
				t.Errorf("%s: the webhook's text is not escaped", tt.name)
			}
		}
		if got, err := s.GetLead(context.Background(), l.ID); err != nil || got.Status != lead.New {
			t.Errorf("the dry run changed the lead: %+v, %v", got, err)
		}
	})
}

func TestUncertainLeads(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("sam", user.Support, password)
		ctx := context.Background()
		var ids []int64
		for i, l := range []*lead.Lead{{Name: "Sure"}, {Name: "Held"}, {Name: "Failed unsure", Failed: true}} {
			l.Phone, l.Country = "447123456789", "gb"
			if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
				t.Fatal(err)
			}
			if i > 0 {
				if err := s.UpdateLead(ctx, l.ID, map[string]any{"uncertain": true}); err != nil {
					t.Fatal(err)
				}
			}
			ids = append(ids, l.ID)
		}
		br := b.browser()
		br.signIn("sam", password)
		uncertain := br.get("/admin/leads?uncertain=true")
		contains(t, uncertain, "Held", "Failed unsure", `id="filter-uncertain"><option value="">any</option><option selected>true</option>`, `<span class="uncertain">uncertain</span>`)
		if strings.Contains(uncertain.body, "Sure<") {
			t.Errorf("the uncertain filter shows a lead that is not")
		}
		if p := br.get("/admin/leads?uncertain=false"); strings.Contains(p.body, "Held") || !strings.Contains(p.body, "Sure") {
			t.Errorf("the uncertain=false filter shows an uncertain lead")
		}
		contains(t, br.get(fmt.Sprintf("/admin/leads/%d", ids[1])), `id="uncertain"`)
		if p := br.get(fmt.Sprintf("/admin/leads/%d", ids[0])); strings.Contains(p.body, `id="uncertain"`) {
			t.Errorf("a lead that is not uncertain is marked")
		}
		contains(t, br.get("/admin/failed"), `Failed unsure</td>`, `new <span class="uncertain">uncertain</span>`, `href="/admin/leads?uncertain=true"`)
	})
}

func TestEditorControls(t *testing.T) {
	t.Parallel()
	b := setup(t, storagetest.Open(t, "sqlite:"+t.TempDir()+"/lr.db"))
	b.person("ann", user.Admin, password)
	br := b.browser()
	home := br.signIn("ann", password)
	doc := `{"enabled":true,"priority":3,"new":{"enabled":true,"url":"https://crm.example/x"}}`
	tests := []struct {
		name                               string
		priority, timezone, on, pauseAfter string
		code                               int
		stored                             []string
		missing                            []string
		shown                              []string
	}{
		{"every control", "10", "Europe/Berlin", "hold", "0", http.StatusOK,
			[]string{`"priority":10`, `"timezone":"Europe/Berlin"`, `"on_uncertain":"hold"`, `"pause_after":0`}, nil,
			[]string{`id="priority" value="10"`, `id="timezone" value="Europe/Berlin"`, `<option selected>hold</option>`, `id="pause_after" value="0"`}},
		{"empty controls leave their keys out", "", "", "", "", http.StatusOK,
			nil, []string{"priority", "timezone", "on_uncertain", "pause_after"},
			[]string{`id="priority" value=""`, `<option value="" selected>retry (the default)</option>`}},
		{"a priority that is not a number", "ten", "", "", "", http.StatusUnprocessableEntity,
			nil, nil, []string{`priority: not a whole number: &#34;ten&#34;`, `id="priority" value="ten"`}},
		{"an unknown zone", "", "Mars/Olympus", "", "", http.StatusUnprocessableEntity,
			nil, nil, []string{"Mars/Olympus"}},
	}
	for i, tt := range tests {
		path := "/admin/integrations/new"
		if i > 0 {
			path = "/admin/integrations/1/edit"
		}
		p := br.submit(home, path, url.Values{"fields": {"1"}, "name": {"crm"}, "enabled": {"1"}, "document": {doc},
			"priority": {tt.priority}, "timezone": {tt.timezone}, "on_uncertain": {tt.on}, "pause_after": {tt.pauseAfter}})
		if p.code != tt.code {
			t.Errorf("%s: %d:\n%s", tt.name, p.code, p.body)
		}
		contains(t, p, tt.shown...)
		rec, err := b.store.GetIntegration(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range tt.stored {
			if !strings.Contains(rec.Document, want) {
				t.Errorf("%s: the stored document lacks %s: %s", tt.name, want, rec.Document)
			}
		}
		for _, key := range tt.missing {
			if strings.Contains(rec.Document, `"`+key+`"`) {
				t.Errorf("%s: the stored document keeps %s: %s", tt.name, key, rec.Document)
			}
		}
	}
	edit := br.get("/admin/integrations/1/edit")
	if strings.Contains(edit.body, "&#34;priority&#34;") {
		t.Errorf("the editor's JSON repeats a key its controls show")
	}
}
