package integrations

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
	// A query-escaped secret is one run, read whole; a path-escaped one is
	// cut by its "&", and found as it is.
	for name, tt := range map[string]struct{ in, want string }{
		"query": {url.QueryEscape("tk/a+b c&d"), "***"},
		"path":  {url.PathEscape("tk/a+b c&d"), "x***x"},
	} {
		if got := Redact("x"+tt.in+"x", secrets); got != tt.want {
			t.Errorf("%s-escaped secret: %q, want %q", name, got, tt.want)
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

// TestRedactDerivedForms: a secret inside a run of base64, hex or
// percent-encoding, with text around it and encodings nested, is found by
// decoding, and the whole run reads ***.
func TestRedactDerivedForms(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Key/9"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	b64url := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct{ name, in, want string }{
		{"basic auth", "Basic " + b64("api:"+secret), "Basic ***"},
		{"one byte before", "x " + b64("a"+secret) + " y", "x *** y"},
		{"two bytes before, text after", b64("ab" + secret + "&more"), "***"},
		{"url alphabet, unpadded", `{"t":"` + b64url("user:"+secret+":1") + `"}`, `{"t":"***"}`},
		{"inside a path", "https://crm.example/v1/" + b64("k="+secret) + "/send", "https://crm.***/send"},
		{"hex", "sig=" + hex.EncodeToString([]byte("api:"+secret)), "sig=***"},
		{"upper-case hex at an odd place", "x" + strings.ToUpper(hex.EncodeToString([]byte("k"+secret))), "x***"},
		{"every byte percent-encoded", "k=" + percentAll(secret) + "&x=1", "k=***&x=1"},
		{"lower-case escapes", "k=s3cr3t-Key%2f9&x=1", "k=***&x=1"},
		{"base64 in a form", "auth=" + url.QueryEscape(b64("api:"+secret)), "auth=***"},
		{"base64 of hex", b64(hex.EncodeToString([]byte(secret))), "***"},
		{"three layers", "t=" + b64(b64(b64("x"+secret))), "t=***"},
		{"base64 of another value stays", "Basic " + b64("api:something-else"), "Basic " + b64("api:something-else")},
		{"a digest stays", "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"},
	}
	r := NewRedactor(map[string]string{"token": secret})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := r.Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func percentAll(s string) string {
	var b strings.Builder
	for i := range len(s) {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// TestRedactorHeader: a credential header keeps its scheme word alone; any
// other header is redacted as text.
func TestRedactorHeader(t *testing.T) {
	t.Parallel()
	r := NewRedactor(map[string]string{"token": "tk-12345"})
	tests := []struct{ name, value, want string }{
		{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("api:unknown")), "Basic ***"},
		{"authorization", "Bearer eyJhbGciOi.eyJzdWIi.sig", "Bearer ***"},
		{"Proxy-Authorization", "Digest username=\"a\", response=\"b\"", "Digest ***"},
		{"Cookie", "session=abc; theme=dark", "***"},
		{"Set-Cookie", "sid=xyz; Path=/; HttpOnly", "***"},
		{"X-Api-Key", "k-999", "***"},
		{"X-Auth-Token", "Token abc", "Token ***"},
		{"X-Client-Secret", "abc def", "abc ***"},
		{"X-Hub-Signature-256", "sha256=abcdef", "***"},
		{"Authorization", "Bearer", "***"},
		{"Content-Type", "application/json", "application/json"},
		{"X-Reference", "order tk-12345", "order ***"},
		{"Idempotency-Key", "lr-42-new-301", "lr-42-new-301"},
	}
	for _, tt := range tests {
		if got := r.Header(tt.name, tt.value); got != tt.want {
			t.Errorf("Header(%q, %q) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
	var none *Redactor
	if got := none.Header("Authorization", "Bearer x"); got != "Bearer ***" {
		t.Errorf("nil Redactor: %q", got)
	}
}

// TestDecoderBase64 reads both alphabets, unpadded, as encoding/base64 writes
// them.
func TestDecoderBase64(t *testing.T) {
	t.Parallel()
	var d decoder
	for n := range 40 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i*37 + n*11)
		}
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if got := d.base64(enc.EncodeToString(src)); !bytes.Equal(got, src) {
				t.Errorf("%d bytes: decoded %x, want %x", n, got, src)
			}
		}
	}
}
