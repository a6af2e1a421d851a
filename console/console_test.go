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
