package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// crmKey is an integration's secret that the CRMs of these tests echo.
const crmKey = "sk_live_9fQ2xLm7Tz"

// basicKey is the key in the derived form scripts build for Basic auth.
var basicKey = base64.StdEncoding.EncodeToString([]byte("api:" + crmKey))

// leaksKey reports whether text holds the key, as it is or as basicKey.
func leaksKey(text string) bool {
	return strings.Contains(text, crmKey) || strings.Contains(text, basicKey) || strings.Contains(text, basicKey[:20])
}

// TestSyncAnswerHidesSecrets: whatever the target echoes of the key, the
// visitor's answer (message, URL, ext) and the thank-you page's ext show it
// as ***.
func TestSyncAnswerHidesSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, reply, result string
	}{
		{"an error message", `{"answer":"invalid api key ` + crmKey + `"}`, "error"},
		{"a derived form in the message", `{"answer":"rejected credentials Basic ` + basicKey + `"}`, "error"},
		{"a redirect URL", `{"answer":"https://crm.example/autologin?key=` + crmKey + `"}`, "redirect"},
		{"an ext", `{"answer":"id:` + crmKey + `"}`, "accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T, s *storage.Store) {
				b := setup(t, s)
				crm := newFakeServer(t, respondWith(http.StatusOK, tt.reply))
				doc := syncIntegration(crm.URL)
				doc["secrets"] = map[string]string{"token": crmKey}
				id := b.integration(doc)
				b.campaign(catalog.Campaign{Alias: "reg", Offer: 1, Integration: id})
				a := b.sendJSON(http.MethodPost, "/api/v1/leads", map[string]any{"alias": "reg", "phone": "447123456789", "sync": 1}, false)
				m := expect(t, a, http.StatusCreated, "")
				if sync, _ := m["sync"].(map[string]any); sync["result"] != tt.result || !strings.Contains(string(a.body), "***") {
					t.Errorf("sync = %v, want result %s with the key as ***", sync, tt.result)
				}
				if leaksKey(string(a.body)) {
					t.Errorf("the visitor sees the key: %s", a.body)
				}
				leadID := int64(m["lead_id"].(float64))
				status := b.do(http.MethodGet, fmt.Sprintf("/api/v1/leads/%d?token=%s", leadID, b.token(leadID)), "", nil, false)
				if expect(t, status, http.StatusOK, ""); leaksKey(string(status.body)) {
					t.Errorf("the thank-you page sees the key: %s", status.body)
				}
			})
		})
	}
}

// TestLastMessageHidesSecrets: a script error that quotes the key is stored
// as the lead's last message with the key as ***.
func TestLastMessageHidesSecrets(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		crm := newFakeServer(t, respondWith(http.StatusUnauthorized, `{"error":"invalid key"}`))
		id := b.integration(map[string]any{
			"name": "crm", "enabled": true, "offers": []int{1}, "secrets": map[string]string{"token": crmKey},
			"new": map[string]any{"enabled": true, "url": crm.URL, "fields": "phone {phone}",
				"post": `error("the CRM refused the key " .. secrets.token .. " (" .. base64_encode("api:" .. secrets.token) .. ")")`},
		})
		b.campaign(catalog.Campaign{Alias: "c", Offer: 1, Integration: id})
		leadID := b.intake(map[string]any{"alias": "c", "phone": "447123456789"})
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "new"}, true), http.StatusOK, "")
		if l := b.lead(leadID); !strings.Contains(l.LastMessage, "the CRM refused the key ***") || leaksKey(l.LastMessage) {
			t.Errorf("last message %q", l.LastMessage)
		}
		a := b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/leads/%d", leadID), "", nil, true)
		if expect(t, a, http.StatusOK, ""); leaksKey(string(a.body)) {
			t.Errorf("the admin's lead shows the key: %s", a.body)
		}
	})
}

// echoCRM answers with the credentials it was sent: in a cookie, a header
// and the body.
func echoCRM(t *testing.T) *fakeServer {
	return newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil
		w.Header().Set("Set-Cookie", "sid="+crmKey+"; HttpOnly")
		w.Header().Set("X-Seen-Auth", r.Header.Get("Authorization"))
		w.Header().Set("X-Request-Signature", "sha256=abc")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":77,"seen":"`+r.Header.Get("Authorization")+`","key":"`+r.Header.Get("X-Api-Key")+`"}`)
	})
}

// credentialsIntegration sends the key in a header as it is and in Basic
// auth built by the pre script, and logs it in a derived form.
func credentialsIntegration(url string) map[string]any {
	return map[string]any{
		"name": "crm", "enabled": true, "offers": []int{1}, "secrets": map[string]string{"token": crmKey},
		"new": map[string]any{"enabled": true, "url": url + "/leads", "format": "json",
			"headers": "X-Api-Key: {secret:token}", "fields": "phone {phone}",
			"pre":  `headers["Authorization"] = "Basic " .. base64_encode("api:" .. secrets.token)`,
			"post": "log('auth ' .. base64_encode('api:' .. secrets.token))\nlog('hex ' .. secrets.token:gsub('.', function(c) return string.format('%02x', c:byte()) end))\nreturn json.decode(result).id"},
	}
}

// TestLogHidesCredentials: credential headers keep their scheme word alone,
// and the key in derived forms is redacted in the request, the response
// and the script log.
func TestLogHidesCredentials(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		id := b.integration(credentialsIntegration(echoCRM(t).URL))
		b.campaign(catalog.Campaign{Alias: "c", Offer: 1, Integration: id})
		leadID := b.intake(map[string]any{"alias": "c", "phone": "447123456789"})
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "new"}, true), http.StatusOK, "")
		row := sentRow(t, b, leadID)
		if leaksKey(string(mustJSON(t, row))) {
			t.Errorf("the log shows the key: %s", mustJSON(t, row))
		}
		want := map[string]string{"Authorization": "Basic ***", "X-Api-Key": "***"}
		for name, v := range want {
			if got := row.Request.Headers[name]; got != v {
				t.Errorf("request header %s = %q, want %q", name, got, v)
			}
		}
		for name, v := range map[string]string{"Set-Cookie": "***", "X-Seen-Auth": "Basic ***", "X-Request-Signature": "***"} {
			if got := row.Response.Headers[name]; got != v {
				t.Errorf("response header %s = %q, want %q", name, got, v)
			}
		}
		if diff := cmp.Diff([]string{"auth ***", "hex ***"}, row.ScriptLog); diff != "" {
			t.Errorf("script log (-want +got):\n%s", diff)
		}
	})
}

// TestDryRunRedactsAsTheLog: a dry run that really sends shows the request,
// the response and the script log exactly as the log stores them.
func TestDryRunRedactsAsTheLog(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		id := b.integration(credentialsIntegration(echoCRM(t).URL))
		b.campaign(catalog.Campaign{Alias: "c", Offer: 1, Integration: id})
		leadID := b.intake(map[string]any{"alias": "c", "phone": "447123456789"})
		a := b.sendJSON(http.MethodPost, fmt.Sprintf("/api/v1/admin/integrations/%d/test", id),
			map[string]any{"mode": "new", "lead_id": leadID, "send": true}, true)
		expect(t, a, http.StatusOK, "")
		var dry loggedAttempt
		if err := json.Unmarshal(a.body, &dry); err != nil {
			t.Fatal(err)
		}
		if leaksKey(string(a.body)) {
			t.Errorf("the dry run shows the key: %s", a.body)
		}
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "new"}, true), http.StatusOK, "")
		logged := sentRow(t, b, leadID)
		for _, f := range []struct {
			name      string
			dry, logd any
		}{
			{"request.url", dry.Request.URL, logged.Request.URL},
			{"request.headers", dry.Request.Headers, logged.Request.Headers},
			{"request.body", dry.Request.Body, logged.Request.Body},
			{"response.code", dry.Response.Code, logged.Response.Code},
			{"response.headers", dry.Response.Headers, logged.Response.Headers},
			{"response.body", dry.Response.Body, logged.Response.Body},
			{"script_log", dry.ScriptLog, logged.ScriptLog},
		} {
			if diff := cmp.Diff(f.logd, f.dry); diff != "" {
				t.Errorf("%s (-log +dry run):\n%s", f.name, diff)
			}
		}
	})
}

// loggedAttempt is what a log row and a dry run both show of an attempt.
type loggedAttempt struct {
	Mode    string `json:"mode"`
	Request struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"request"`
	Response struct {
		Code    int               `json:"code"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"response"`
	ScriptLog []string `json:"script_log"`
}

// sentRow is the log row of the lead's new send, as the admin API shows it.
func sentRow(t *testing.T, b *bundle, leadID int64) loggedAttempt {
	t.Helper()
	a := b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/leads/%d", leadID), "", nil, true)
	expect(t, a, http.StatusOK, "")
	var l struct {
		Log []loggedAttempt `json:"log"`
	}
	if err := json.Unmarshal(a.body, &l); err != nil {
		t.Fatal(err)
	}
	for _, row := range l.Log {
		if row.Mode == "new" {
			return row
		}
	}
	t.Fatalf("no log row of the new send: %s", a.body)
	return loggedAttempt{}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLogCapsResponseHeaders: 250 response headers of 4 KB are kept in the
// log up to 64 KiB in all, and the log says they were cut.
func TestLogCapsResponseHeaders(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		crm := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request) {
			for i := range 250 {
				w.Header().Set(fmt.Sprintf("X-Filler-%03d", i), strings.Repeat("f", 4000))
			}
			_, _ = io.WriteString(w, `{"id":5}`)
		})
		id := b.integration(map[string]any{"name": "crm", "enabled": true, "offers": []int{1},
			"new": map[string]any{"enabled": true, "url": crm.URL, "fields": "phone {phone}"}})
		b.campaign(catalog.Campaign{Alias: "c", Offer: 1, Integration: id})
		leadID := b.intake(map[string]any{"alias": "c", "phone": "447123456789"})
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/admin/sweep", map[string]any{"mode": "new"}, true), http.StatusOK, "")
		a := b.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/leads/%d", leadID), "", nil, true)
		var l struct {
			Log []struct {
				Mode     string `json:"mode"`
				Response struct {
					Headers          map[string]string `json:"headers"`
					HeadersTruncated bool              `json:"headers_truncated"`
				} `json:"response"`
			} `json:"log"`
		}
		if err := json.Unmarshal(okBody(t, a), &l); err != nil {
			t.Fatal(err)
		}
		for _, row := range l.Log {
			if row.Mode != "new" {
				continue
			}
			size := 0
			for k, v := range row.Response.Headers {
				size += len(k) + len(v)
			}
			if size > 64<<10 || size < 60<<10 || !row.Response.HeadersTruncated {
				t.Errorf("logged headers: %d bytes in %d headers, cut %v; want at most 64 KiB, marked cut",
					size, len(row.Response.Headers), row.Response.HeadersTruncated)
			}
			return
		}
		t.Fatalf("no log row of the send: %s", a.body)
	})
}

// okBody checks a 200 answer and returns its body.
func okBody(t *testing.T, a answer) []byte {
	t.Helper()
	expect(t, a, http.StatusOK, "")
	return a.body
}
