package console_test

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/net/html"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/console"
	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/user"
)

// bundle is leadrelay serving the console and the API on a test server.
type bundle struct {
	t     testing.TB
	store *storage.Store
	d     *dispatcher.Dispatcher
	clock *clock.Fake
	srv   *httptest.Server
}

func setup(t testing.TB, s *storage.Store) *bundle {
	t.Helper()
	b := &bundle{t: t, store: s, clock: clock.NewFake(time.Now().UTC())}
	reg := prometheus.NewRegistry()
	d, err := dispatcher.New(dispatcher.Config{
		Store: s, Engine: scripting.NewEngine(scripting.Config{Timeout: time.Second}),
		Tokens: macros.NewTokens([]byte("test secret")), Registerer: reg, Clock: b.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	b.d = d
	srv, err := api.New(api.Options{Store: s, Dispatcher: d, Registry: reg, AdminToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	con, err := console.New(console.Options{Store: s, API: srv.Handler(), Now: b.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	b.srv = httptest.NewServer(con.Handler())
	t.Cleanup(b.srv.Close)
	return b
}

// adminToken is the environment's admin token of the tests' API, for
// checking what the API shows after a change in the console.
const adminToken = "test-admin-token"

// api reads the admin API's JSON answer at path with the admin token.
func (b *bundle) api(path string) (int, map[string]any) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	p := read(b.t, resp)
	var obj map[string]any
	if err := json.Unmarshal([]byte(p.body), &obj); err != nil {
		b.t.Fatalf("GET %s: %d %s", path, p.code, p.body)
	}
	return p.code, obj
}

// person adds a user with a password.
func (b *bundle) person(name string, role user.Role, password string) {
	b.t.Helper()
	// The cheapest cost bcrypt allows: sign-in checks read the cost from
	// the hash, and tests need not pay for the real one.
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.store.CreateUser(context.Background(), &storage.User{Name: name, Role: role, PasswordHash: string(hash)}); err != nil {
		b.t.Fatal(err)
	}
}

// browser is a client with its own cookies.
type browser struct {
	b      *bundle
	client *http.Client
}

func (b *bundle) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{b: b, client: &http.Client{Jar: jar}}
}

// page is a response read whole.
type page struct {
	code int
	hdr  http.Header
	body string
}

func (br *browser) get(path string) page {
	br.b.t.Helper()
	resp, err := br.client.Get(br.b.srv.URL + path)
	if err != nil {
		br.b.t.Fatal(err)
	}
	return read(br.b.t, resp)
}

func (br *browser) post(path string, form url.Values) page {
	br.b.t.Helper()
	resp, err := br.client.PostForm(br.b.srv.URL+path, form)
	if err != nil {
		br.b.t.Fatal(err)
	}
	return read(br.b.t, resp)
}

func read(t testing.TB, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{code: resp.StatusCode, hdr: resp.Header, body: string(body)}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf is the CSRF token a page's forms carry.
func (p page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("the page has no CSRF token:\n%s", p.body)
	}
	return m[1]
}

// signIn signs in through the form and returns the page it lands on.
func (br *browser) signIn(name, password string) page {
	br.b.t.Helper()
	form := br.get("/admin/signin")
	return br.post("/admin/signin", url.Values{"csrf": {form.csrf(br.b.t)}, "name": {name}, "password": {password}})
}

// submit posts a form from a page, with its CSRF token.
func (br *browser) submit(from page, path string, form url.Values) page {
	br.b.t.Helper()
	form.Set("csrf", from.csrf(br.b.t))
	return br.post(path, form)
}

func contains(t testing.TB, p page, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("the page (%d) lacks %q:\n%s", p.code, w, p.body)
		}
	}
}

// formValues are what a browser without JavaScript sends when the form
// with that id is submitted unchanged: its inputs, ticked boxes, textareas
// and selected options, in the page's order.
func (p page) formValues(t testing.TB, id string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(p.body))
	if err != nil {
		t.Fatal(err)
	}
	var form *html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" && attr(n, "id") == id {
			form = n
			break
		}
	}
	if form == nil {
		t.Fatalf("the page has no form %q:\n%s", id, p.body)
	}
	values := url.Values{}
	for n := range form.Descendants() {
		if n.Type != html.ElementNode || attr(n, "name") == "" {
			continue
		}
		name := attr(n, "name")
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "checkbox", "radio":
				if hasAttr(n, "checked") {
					values.Add(name, cmp.Or(attr(n, "value"), "on"))
				}
			case "submit", "button", "file":
			default:
				values.Add(name, attr(n, "value"))
			}
		case "textarea":
			var text strings.Builder
			for c := range n.Descendants() {
				if c.Type == html.TextNode {
					text.WriteString(c.Data)
				}
			}
			values.Add(name, text.String())
		case "select":
			values.Add(name, selected(n))
		}
	}
	return values
}

// selected is the value a select sends: its selected option's, else its
// first option's.
func selected(sel *html.Node) string {
	var first *html.Node
	for o := range sel.Descendants() {
		if o.Type != html.ElementNode || o.Data != "option" {
			continue
		}
		if first == nil {
			first = o
		}
		if hasAttr(o, "selected") {
			return optionValue(o)
		}
	}
	if first == nil {
		return ""
	}
	return optionValue(first)
}

func optionValue(o *html.Node) string {
	if hasAttr(o, "value") {
		return attr(o, "value")
	}
	if o.FirstChild != nil {
		return o.FirstChild.Data
	}
	return ""
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}
