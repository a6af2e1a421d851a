package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

// A mode paused after failures shows in GET …/integrations/{id}; support
// resumes it with POST …/resume, which logs who did; a 429's pause shows
// the same way.
func TestPausedAndResume(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		sam := b.person("sam", user.Support)
		id := b.integration(crmDoc("https://crm.example"))
		ctx := context.Background()
		k := storage.PauseKey{Integration: id, Mode: "new"}
		if _, err := s.AttemptFailed(ctx, k, 1, time.Now().UnixMilli(), "HTTP 502"); err != nil {
			t.Fatal(err)
		}
		if err := s.PauseUntil(ctx, id, "changes", time.Now().Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/admin/integrations/%d", id)
		m := expect(t, b.sendJSON(http.MethodGet, path, nil, true), http.StatusOK, "")
		paused, _ := m["paused"].(map[string]any)
		newMode, _ := paused["new"].(map[string]any)
		if newMode["message"] != "HTTP 502" || newMode["since"] == nil || paused["changes"] == nil {
			t.Fatalf("paused = %v, want new since … with HTTP 502, and changes", m["paused"])
		}
		a := b.as(sam, http.MethodPost, path+"/resume", map[string]any{"mode": "new"})
		if got := expect(t, a, http.StatusOK, ""); got["resumed"] != true {
			t.Errorf("resume answered %v", got)
		}
		m = expect(t, b.sendJSON(http.MethodGet, path, nil, true), http.StatusOK, "")
		if paused, _ := m["paused"].(map[string]any); paused["new"] != nil {
			t.Errorf("paused after the resume = %v", paused)
		}
		rows, err := s.ListLog(ctx, storage.LogFilter{Integration: id, Outcome: "RESUMED"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].By != "sam" {
			t.Errorf("RESUMED rows %+v, want one by sam", rows)
		}
		// The 429's pause of changes has no failed attempt to name.
		a = b.as(sam, http.MethodPost, path+"/resume", map[string]any{"mode": "changes"})
		if got := expect(t, a, http.StatusOK, ""); got["resumed"] != true {
			t.Errorf("resuming a 429's pause answered %v", got)
		}
		rows, err = s.ListLog(ctx, storage.LogFilter{Integration: id, Outcome: "RESUMED"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[1].Mode != "changes" || rows[1].Message != "resumed" {
			t.Errorf("RESUMED rows %+v, want a second one for changes saying \"resumed\"", rows)
		}
		expect(t, b.sendJSON(http.MethodPost, path+"/resume", `{"mode":"nope"}`, true), http.StatusUnprocessableEntity, "VALIDATION")
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/integrations/999/resume", `{"mode":"new"}`, true), http.StatusNotFound, "")
	})
}

// A negative pause_after is refused naming the key.
func TestPauseAfterValidation(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		doc := crmDoc("https://crm.example")
		doc["pause_after"] = -1
		a := b.sendJSON(http.MethodPost, "/api/v1/admin/integrations", doc, true)
		expect(t, a, http.StatusUnprocessableEntity, "VALIDATION")
		if !strings.Contains(string(a.body), "pause_after") {
			t.Errorf("the error does not name pause_after: %s", a.body)
		}
		doc["pause_after"] = 0
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/integrations", doc, true), http.StatusCreated, "")
	})
}
