package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
)

// Query answers an admin GET (path under /api/v1/admin, query q) as the API
// would, with the server's admin token: the answer's body, or the API's
// error. The command line's support words read leads and the log through
// it, so that they take the same filters and answer the same shapes.
func (s *Server) Query(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return s.admin(ctx, http.MethodGet, u, nil)
}

// Post answers an admin POST of v as JSON, as Query answers a GET.
func (s *Server) Post(ctx context.Context, path string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return s.admin(ctx, http.MethodPost, path, bytes.NewReader(body))
}

func (s *Server) admin(ctx context.Context, method, path string, body io.Reader) ([]byte, error) {
	u := "/api/v1/admin" + path
	r, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+s.opts.AdminToken)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.engine.ServeHTTP(rec, r)
	if rec.Code == http.StatusOK {
		return rec.Body.Bytes(), nil
	}
	e := &Error{HTTPStatus: rec.Code}
	if err := json.Unmarshal(rec.Body.Bytes(), e); err != nil || e.Message == "" {
		return nil, newError(rec.Code, CodeInternal, "%s %s answered %d", method, u, rec.Code)
	}
	return nil, e
}
