package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// guideExample is a request of the guide, written in an http block
// ("METHOD PATH", then the JSON body), and the answer the guide shows in
// the json block that follows it.
type guideExample struct {
	method, path, body string
	answer             string
}

// guideExamples reads the guide's http blocks, in order.
func guideExamples(t *testing.T, guide string) []guideExample {
	t.Helper()
	var out []guideExample
	blocks := strings.Split(guide, "```")
	for i := 1; i+1 < len(blocks); i += 2 {
		text, ok := strings.CutPrefix(blocks[i], "http\n")
		if !ok {
			continue
		}
		line, body, _ := strings.Cut(text, "\n")
		method, path, _ := strings.Cut(line, " ")
		ex := guideExample{method: method, path: path, body: strings.TrimSpace(body)}
		if i+2 < len(blocks) && strings.TrimSpace(blocks[i+1]) == "" {
			if answer, ok := strings.CutPrefix(blocks[i+2], "json\n"); ok {
				ex.answer = answer
			}
		}
		if ex.answer == "" {
			t.Errorf("the guide's example %s %s shows no answer (a json block right after it)", method, path)
		}
		out = append(out, ex)
	}
	return out
}

// TestGuideExamplesRun runs the guide's HTTP examples, in order, on one
// fresh installation, and checks each answer holds what the guide shows
// (the keys shown, with the values shown).
func TestGuideExamplesRun(t *testing.T) {
	t.Parallel()
	examples := guideExamples(t, readGuide(t))
	if len(examples) < 5 {
		t.Fatalf("the guide has %d runnable examples", len(examples))
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		d, err := dispatcher.New(dispatcher.Config{Store: s, Engine: scripting.NewEngine(scripting.Config{Timeout: time.Second}),
			Tokens: macros.NewTokens([]byte("guide")), FlushInterval: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		srv, err := api.New(api.Options{Store: s, Dispatcher: d, AdminToken: "guide-token"})
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range examples {
			r := httptest.NewRequestWithContext(context.Background(), ex.method, ex.path, strings.NewReader(ex.body))
			r.Header.Set("Authorization", "Bearer guide-token")
			r.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, r)
			var want, got map[string]any
			if err := json.Unmarshal([]byte(ex.answer), &want); err != nil {
				t.Fatalf("%s %s: the guide's answer is not JSON: %v", ex.method, ex.path, err)
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("%s %s: %d %s", ex.method, ex.path, rec.Code, rec.Body)
			}
			if _, isError := want["error"]; !isError && rec.Code >= http.StatusBadRequest {
				t.Errorf("%s %s: %d %s", ex.method, ex.path, rec.Code, rec.Body)
			}
			shown := map[string]any{}
			for k := range want {
				shown[k] = got[k]
			}
			if diff := cmp.Diff(want, shown); diff != "" {
				t.Errorf("%s %s: the answer differs from the guide's (-guide +answer):\n%s", ex.method, ex.path, diff)
			}
		}
	})
}
