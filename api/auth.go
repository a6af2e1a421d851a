package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// requireAdmin lets a request through only with the admin bearer token. With
// no token configured the admin API is off and says how to turn it on.
func (s *Server) requireAdmin(c *gin.Context) {
	switch {
	case s.opts.AdminToken == "":
		s.fail(c, newError(http.StatusServiceUnavailable, CodeAdminDisabled,
			"the admin API is off: set LEADRELAY_ADMIN_TOKEN (or serve --admin-token) and restart"))
	case !s.isAdmin(c.Request):
		c.Header("WWW-Authenticate", `Bearer realm="leadrelay admin"`)
		s.fail(c, newError(http.StatusUnauthorized, CodeUnauthorized,
			"the admin API needs the header Authorization: Bearer <LEADRELAY_ADMIN_TOKEN>"))
	}
}

// isAdmin reports whether r carries the admin token, compared in constant time.
func (s *Server) isAdmin(r *http.Request) bool {
	if s.opts.AdminToken == "" {
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return equalSecret(strings.TrimSpace(token), s.opts.AdminToken)
}

// equalSecret compares two secrets in time that depends on neither: it
// compares their hashes, so even the length of the right value does not leak.
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
