package integrations

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"token": "tk/a+b c&d",
		"short": "tk",
		"empty": "",
		"json":  `p"w\d`,
		"stars": RedactedSecret,
	}
	tests := []struct{ in, want string }{
		{"https://crm.example/add?token=tk%2Fa%2Bb%20c%26d&x=1", "https://crm.example/add?token=***&x=1"},
		{"token=tk%2Fa%2Bb+c%26d&name=tkach", "token=***&name=***ach"},
		{"Authorization: Bearer tk/a+b c&d", "Authorization: Bearer ***"},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("tk/a+b c&d")), "Basic ***"},
		{`{"pw":"p\"w\\d"}`, `{"pw":"***"}`},
		{`p"w\d`, `***`},
		{"nothing here", "nothing here"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Redact(tt.in, secrets); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Redact("a tk b", nil); got != "a tk b" {
		t.Errorf("no secrets: %q", got)
	}
	for name, v := range map[string]string{"query": url.QueryEscape("tk/a+b c&d"), "path": url.PathEscape("tk/a+b c&d")} {
		if got := Redact("x"+v+"x", secrets); got != "x***x" {
			t.Errorf("%s-escaped secret: %q", name, got)
		}
	}
}

func TestRedactedAndMergeSecrets(t *testing.T) {
	t.Parallel()
	stored, err := Parse([]byte(specDoc))
	if err != nil {
		t.Fatal(err)
	}
	stored.Secrets["key"] = "k-456"

	shown := Redacted(stored)
	if diff := cmp.Diff(map[string]string{"token": "***", "key": "***"}, shown.Secrets); diff != "" {
		t.Errorf("Redacted secrets (-want +got):\n%s", diff)
	}
	if stored.Secrets["token"] != "tk-123" {
		t.Error("Redacted changed the stored document")
	}
	body, err := json.Marshal(shown)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), "tk-123") || strings.Contains(string(body), "k-456") {
		t.Errorf("a secret is in the API's answer: %s", body)
	}

	// The document comes back from the API with one secret changed, one
	// kept as ***, one new, and one left out.
	next, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	next.Secrets = map[string]string{"token": "***", "new": "n-1", "key": "k-789"}
	MergeSecrets(next, stored)
	if diff := cmp.Diff(map[string]string{"token": "tk-123", "new": "n-1", "key": "k-789"}, next.Secrets); diff != "" {
		t.Errorf("merged secrets (-want +got):\n%s", diff)
	}
	if err := next.Validate(); err != nil {
		t.Errorf("merged document: %v", err)
	}

	// Created anew: *** has nothing to keep, and Validate says so.
	fresh, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	MergeSecrets(fresh, nil)
	if err := fresh.Validate(); err == nil || !strings.Contains(err.Error(), "secrets.token") {
		t.Errorf("*** without a stored value: %v", err)
	}
}

// TestRedactorOfNoSecrets: a Redactor without secrets, or nil, leaves text
// alone; one with secrets redacts as Redact does.
func TestRedactorOfNoSecrets(t *testing.T) {
	t.Parallel()
	var none *Redactor
	if got := none.Redact("token=abc"); got != "token=abc" {
		t.Errorf("nil Redactor: %q", got)
	}
	if got := NewRedactor(nil).Redact("token=abc"); got != "token=abc" {
		t.Errorf("empty Redactor: %q", got)
	}
	if got := NewRedactor(map[string]string{"t": "abc"}).Redact("token=abc"); got != "token="+RedactedSecret {
		t.Errorf("Redactor: %q", got)
	}
}
