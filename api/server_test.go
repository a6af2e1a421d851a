package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		h := api.New(api.Options{Store: s}).Handler()
		for _, path := range []string{"/healthz", "/readyz"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != http.StatusOK {
				t.Errorf("%s = %d %s", path, rec.Code, rec.Body)
			}
		}
		_ = s.Close()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("/readyz with the database closed = %d, want 503", rec.Code)
		}
	})
}
