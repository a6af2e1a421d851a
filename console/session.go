package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/user"
)

// The cookies: the session, and the sign-in form's CSRF token (before
// there is a session to hold one).
const (
	sessionCookie = "leadrelay_session"
	signinCookie  = "leadrelay_signin"
)

// session is a signed-in request's person and CSRF token.
type session struct {
	hash   string
	person user.Person
	csrf   string
}

type sessionKey struct{}

func sessionOf(r *http.Request) (session, bool) {
	s, ok := r.Context().Value(sessionKey{}).(session)
	return s, ok
}

// signedIn lets a request through only with a live session, sending anyone
// else to the sign-in page; a POST must carry the session's CSRF token.
func (c *Console) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.lookup(r)
		if errors.Is(err, storage.ErrNotFound) {
			http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
			return
		}
		if err != nil {
			c.log.Error("reading a console session", "err", err)
			c.problem(w, r, http.StatusInternalServerError, "the session could not be read; the server log has the details")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameSecret(r.PostFormValue("csrf"), s.csrf) {
			c.problem(w, r, http.StatusForbidden, "this form is stale or did not come from the console (no CSRF token): reload the page and try again")
			return
		}
		next(w, r)
	}
}

// may lets a request through only when its person's role allows a; others
// get the 403 page.
func (c *Console) may(a user.Action, next http.HandlerFunc) http.HandlerFunc {
	return c.signedIn(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionOf(r)
		if !s.person.Role.May(a) {
			c.problem(w, r, http.StatusForbidden, s.person.Refusal(a))
			return
		}
		next(w, r)
	})
}

func (c *Console) lookup(r *http.Request) (session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return session{}, storage.ErrNotFound
	}
	hash := storage.HashToken(ck.Value)
	now := c.opts.Now().UTC()
	sess, u, err := c.opts.Store.TouchSession(r.Context(), hash, now.Add(-IdleTimeout), now)
	if err != nil {
		return session{}, err
	}
	return session{hash: hash, person: user.Person{Name: u.Name, Role: u.Role}, csrf: sess.CSRF}, nil
}

// signinForm shows the sign-in form with a fresh CSRF cookie.
func (c *Console) signinForm(w http.ResponseWriter, r *http.Request) {
	c.showSignin(w, r, http.StatusOK, "")
}

func (c *Console) showSignin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	token := user.NewSecret()
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: token, Path: "/admin/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 3600})
	c.render(w, r, status, "signin", view{Title: "Sign in", CSRF: token, Error: msg})
}

// wrongSignin is the one answer for an unknown name and a wrong password.
const wrongSignin = "That name and password do not match."

// signin checks a name and password and starts a session.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(signinCookie)
	if err != nil || !sameSecret(r.PostFormValue("csrf"), ck.Value) {
		c.showSignin(w, r, http.StatusForbidden, "The sign-in form was stale: try again.")
		return
	}
	name, password := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	keys := []string{"name " + name, "address " + clientAddress(r)}
	blocked, err := c.limiter.blocked(r.Context(), keys...)
	if err != nil {
		c.log.Error("signing in", "err", err)
		c.problem(w, r, http.StatusInternalServerError, "signing in failed; the server log has the details")
		return
	}
	if blocked {
		w.Header().Set("Retry-After", "60")
		c.showSignin(w, r, http.StatusTooManyRequests, "Too many failed sign-ins: wait a minute and try again.")
		return
	}
	u, err := c.opts.Store.UserByName(r.Context(), name)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		user.SpendCheck(password)
	case err != nil:
		c.log.Error("signing in", "err", err)
		c.problem(w, r, http.StatusInternalServerError, "signing in failed; the server log has the details")
		return
	}
	if u == nil || !user.CheckPassword(u.PasswordHash, password) {
		if err := c.limiter.fail(r.Context(), keys...); err != nil {
			c.log.Error("counting a failed sign-in", "err", err)
		}
		c.showSignin(w, r, http.StatusUnauthorized, wrongSignin)
		return
	}
	token, csrf := user.NewSecret(), user.NewSecret()
	err = c.opts.Store.CreateSession(r.Context(), &storage.Session{Hash: storage.HashToken(token), UserID: u.ID,
		CSRF: csrf, LastSeen: c.opts.Now().UTC()})
	if err != nil {
		c.log.Error("starting a session", "err", err)
		c.problem(w, r, http.StatusInternalServerError, "signing in failed; the server log has the details")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Path: "/admin/", MaxAge: -1})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

// signout ends the session.
func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionOf(r)
	if err := c.opts.Store.DeleteSession(r.Context(), s.hash); err != nil {
		c.log.Error("signing out", "err", err)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
}

func sameSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Sign-in limits: this many failures in a window, per name and per address.
const (
	maxFailures   = 10
	failureWindow = time.Minute
)

// limiter counts failed sign-ins per key over the last minute in the
// database, so that every process on it keeps one limit.
type limiter struct {
	store *storage.Store
	now   func() time.Time
}

// blocked reports whether any key has had maxFailures in the window.
func (l *limiter) blocked(ctx context.Context, keys ...string) (bool, error) {
	n, err := l.store.MostSigninFailures(ctx, keys, l.now().Add(-failureWindow).UnixMilli())
	return n >= maxFailures, err
}

// fail counts a failure against each key.
func (l *limiter) fail(ctx context.Context, keys ...string) error {
	now := l.now()
	return l.store.AddSigninFailures(ctx, keys, now.UnixMilli(), now.Add(-failureWindow).UnixMilli())
}
