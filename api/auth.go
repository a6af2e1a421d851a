package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/user"
)

// ginPersonKey is where a request's person is kept in the gin context.
const ginPersonKey = "leadrelay.person"

// requirePerson lets a request through only with the admin token or a
// user's API token, and only to what the person's role allows (SPEC §10).
// The person goes on with the request, for the log's "by". With neither an
// admin token nor any user the admin API is off and says how to turn it on.
// A request made in the process by the console comes with its signed-in
// person in its context (user.WithPerson), which nothing on the wire can set.
func (s *Server) requirePerson(c *gin.Context) {
	p, ok := user.From(c.Request.Context())
	var err error
	if !ok {
		p, err = s.Person(c.Request)
	}
	switch {
	case errors.Is(err, errNoPerson):
		if s.opts.AdminToken == "" {
			if n, err := s.opts.Store.CountUsers(c.Request.Context()); err != nil || n == 0 {
				s.fail(c, newError(http.StatusServiceUnavailable, CodeAdminDisabled,
					"the admin API is off: set LEADRELAY_ADMIN_TOKEN (or serve --admin-token) and restart, "+
						"or add a person with leadrelay user add NAME --role admin and send the token of leadrelay user token NAME"))
				return
			}
		}
		c.Header("WWW-Authenticate", `Bearer realm="leadrelay admin"`)
		s.fail(c, newError(http.StatusUnauthorized, CodeUnauthorized,
			"the admin API needs the header Authorization: Bearer TOKEN, with LEADRELAY_ADMIN_TOKEN or a token of leadrelay user token NAME"))
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	c.Set(ginPersonKey, p)
	c.Request = c.Request.WithContext(user.WithPerson(c.Request.Context(), p))
	if err := allow(c, actionOf(c)); err != nil {
		s.fail(c, err)
	}
}

// errNoPerson says a request carries no token of anyone.
var errNoPerson = errors.New("no admin or user token")

// Person is who the request's bearer token belongs to: the admin token is
// an admin named admin-token, a user's API token that user. A request with
// no token, or one that is nobody's, is errNoPerson.
func (s *Server) Person(r *http.Request) (user.Person, error) {
	token, ok := bearer(r)
	if !ok {
		return user.Person{}, errNoPerson
	}
	if s.opts.AdminToken != "" && equalSecret(token, s.opts.AdminToken) {
		return user.Person{Name: user.AdminToken, Role: user.Admin}, nil
	}
	u, err := s.opts.Store.UserByToken(r.Context(), storage.HashToken(token))
	if errors.Is(err, storage.ErrNotFound) {
		return user.Person{}, errNoPerson
	}
	if err != nil {
		return user.Person{}, err
	}
	return user.Person{Name: u.Name, Role: u.Role}, nil
}

// allow refuses, with 403 and a sentence, an action the request's person
// may not take.
func allow(c *gin.Context, a user.Action) error {
	p := person(c)
	if p.Role.May(a) {
		return nil
	}
	return newError(http.StatusForbidden, CodeForbidden, "%s", p.Refusal(a))
}

// person is who made an admin request.
func person(c *gin.Context) user.Person {
	p, _ := c.Get(ginPersonKey)
	pp, _ := p.(user.Person)
	return pp
}

// logChange writes the log row of a change a person made to an integration
// (integrationID) or to the catalog (0).
func (s *Server) logChange(c *gin.Context, integrationID int64, format string, args ...any) error {
	return s.opts.Store.AppendLog(c.Request.Context(), &storage.LogEntry{IntegrationID: integrationID,
		Mode: "config", Outcome: dispatcher.OutcomeSuccess, Message: fmt.Sprintf(format, args...), By: person(c).Name})
}

// actionOf is what an admin request does, by its method and route.
func actionOf(c *gin.Context) user.Action {
	route := strings.TrimPrefix(c.FullPath(), "/api/v1/admin")
	switch m := c.Request.Method; {
	case m == http.MethodGet || m == http.MethodHead:
		return user.Read
	case m == http.MethodPatch && route == "/leads/:id":
		return user.EditLead
	case m == http.MethodPost && route == "/leads/requeue":
		return user.Requeue
	case m == http.MethodPost && route == "/sweep":
		return user.Sweep
	case m == http.MethodPost && strings.HasSuffix(route, "/resume"):
		return user.Resume
	case m == http.MethodPost && route == "/integrations/:id/test":
		return user.DryRun
	}
	return user.Configure
}

// bearer is the request's bearer token.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// equalSecret compares two secrets in time that depends on neither: it
// compares their hashes, so even the length of the right value does not leak.
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
