package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/user"
)

//go:embed templates static
var files embed.FS

// Options wires the console to the rest of leadrelay.
type Options struct {
	// Store keeps the people, their sessions and failed sign-ins, and
	// answers the dashboard. Required.
	Store *storage.Store
	// API is the admin API's handler, called in the process. Required.
	API http.Handler
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives unexpected errors. Default: discarded.
	Logger *slog.Logger
}

// Console serves the web console under /admin/.
type Console struct {
	opts    Options
	log     *slog.Logger
	pages   map[string]*template.Template
	mux     *http.ServeMux
	limiter *limiter
}

// IdleTimeout is how long a session lasts unused.
const IdleTimeout = 12 * time.Hour

// New builds the console and parses its templates.
func New(opts Options) (*Console, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Console{opts: opts, log: log, mux: http.NewServeMux(), limiter: &limiter{store: opts.Store, now: opts.Now}}
	if err := c.parse(); err != nil {
		return nil, err
	}
	c.routes()
	return c, nil
}

// parse reads each page's template with the layout and the parts pages
// share (templates/parts).
func (c *Console) parse() error {
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return err
	}
	c.pages = map[string]*template.Template{}
	for _, p := range pages {
		name := p[len("templates/") : len(p)-len(".html")]
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts/*.html", p)
		if err != nil {
			return fmt.Errorf("parsing the console's %s page: %w", name, err)
		}
		c.pages[name] = t
	}
	return nil
}

// Handler serves the console at /admin/ and the API everywhere else, on
// one address.
func (c *Console) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/admin":
			http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, "/admin/"):
			c.serve(w, r)
		default:
			w.Header().Set("Content-Security-Policy", apiCSP)
			w.Header().Set("X-Frame-Options", "DENY")
			c.opts.API.ServeHTTP(w, r)
		}
	})
}

// csp allows the console's own scripts, styles and images only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// maxForm bounds a form's body: an integration's JSON and its scripts, as
// the API takes them, and room for the form's own fields.
const maxForm = 2 << 20

// apiCSP is the API's policy: its answers are data, never a page.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

func (c *Console) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	c.mux.ServeHTTP(w, r)
}

// view is what every page's template gets.
type view struct {
	Title  string
	Person user.Person
	CSRF   string
	Flash  string
	Error  string
	Data   any
}

// render writes a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	t, ok := c.pages[page]
	if !ok {
		c.log.Error("the console has no page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if s, ok := sessionOf(r); ok {
		v.Person, v.CSRF = s.person, s.csrf
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.Error("rendering a console page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// problem renders the error page.
func (c *Console) problem(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.render(w, r, status, "problem", view{Title: http.StatusText(status), Error: msg, Data: status})
}

// answer is what the admin API said.
type answer struct {
	Code int
	Body []byte
}

// OK reports a 2xx.
func (a answer) OK() bool { return a.Code >= 200 && a.Code < 300 }

// decode reads the answer's JSON into v.
func (a answer) decode(v any) error { return json.Unmarshal(a.Body, v) }

// apiError is the API's error answer.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"error"`
	Field   string `json:"field"`
	Script  string `json:"script"`
	Line    int    `json:"line"`
	Errors  []struct {
		Field   string `json:"field"`
		Message string `json:"error"`
	} `json:"errors"`
}

// NamesField says the error's field is worth showing before its message:
// it has one, and the message does not start with it already.
func (e apiError) NamesField() bool {
	return e.Field != "" && !strings.HasPrefix(e.Message, e.Field)
}

// failure reads an error answer; a body that is not one says so.
func (a answer) failure() apiError {
	var e apiError
	if a.decode(&e) != nil || e.Message == "" {
		e.Message = fmt.Sprintf("the API answered %d", a.Code)
	}
	return e
}

// call makes a request of the admin API in the process, as the signed-in
// person; body is JSON (a []byte as it is, anything else marshalled).
func (c *Console) call(r *http.Request, method, path string, body any) answer {
	s, _ := sessionOf(r)
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return answer{Code: http.StatusInternalServerError, Body: []byte(`{"error":"` + err.Error() + `"}`)}
		}
		rd = bytes.NewReader(raw)
	}
	ctx := user.WithPerson(r.Context(), s.person)
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return answer{Code: http.StatusInternalServerError}
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	c.opts.API.ServeHTTP(rec, req)
	return answer{Code: rec.Code, Body: rec.Body.Bytes()}
}
