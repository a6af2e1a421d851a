package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
)

// Query answers an admin GET (path under /api/v1/admin, query q) as the API
// would, with the server's admin token: the answer's body, or the API's
// error. The command line's support words read leads and the log through
// it, so that they take the same filters and answer the same shapes.
func (s *Server) Query(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := "/api/v1/admin" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+s.opts.AdminToken)
	rec := httptest.NewRecorder()
	s.engine.ServeHTTP(rec, r)
	if rec.Code == http.StatusOK {
		return rec.Body.Bytes(), nil
	}
	e := &Error{HTTPStatus: rec.Code}
	if err := json.Unmarshal(rec.Body.Bytes(), e); err != nil || e.Message == "" {
		return nil, newError(rec.Code, CodeInternal, "GET %s answered %d", u, rec.Code)
	}
	return nil, e
}
