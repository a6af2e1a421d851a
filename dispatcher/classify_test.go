package dispatcher

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/mode"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	retry := Verdict{Kind: KindRetry}
	accept := func(ext string) Verdict { return Verdict{Kind: KindAccept, Ext: ext} }
	reject := func(reason int) Verdict { return Verdict{Kind: KindReject, Reason: reason} }
	done := func(value string) Verdict { return Verdict{Kind: KindDone, Value: value} }
	useLeadExt := Verdict{Kind: KindAccept, UseLeadExt: true}
	message := func(text string) Verdict { return Verdict{Kind: KindMessage, Message: text} }
	redirect := func(url string) Verdict { return Verdict{Kind: KindRedirect, URL: url} }

	// Each case: the value, and what new, sync and the done modes
	// (changes, approved, postback, hook) make of it.
	tests := []struct {
		name                        string
		value                       any
		wantNew, wantSync, wantDone Verdict
	}{
		{"nil", nil, retry, retry, retry},
		{"false", false, retry, retry, retry},
		{"empty string", "", retry, retry, retry},
		{"zero", int64(0), retry, retry, retry},
		{"zero float", float64(0), retry, retry, retry},
		{"negative zero float", math.Copysign(0, -1), retry, retry, retry},
		{"true", true, useLeadExt, useLeadExt, done("true")},
		{"whole number", int64(84921), accept("84921"), accept("84921"), done("84921")},
		{"whole float", 84921.0, accept("84921"), accept("84921"), done("84921")},
		{"exponent float", 8.4921e4, accept("84921"), accept("84921"), done("84921")},
		{"digits", "84921", accept("84921"), accept("84921"), done("84921")},
		{"digits kept as written", "007", accept("007"), accept("007"), done("007")},
		{"digit zero as text", "0", accept("0"), accept("0"), done("0")},
		{"large whole float", 1e20, accept("100000000000000000000"), accept("100000000000000000000"), done("100000000000000000000")},
		{"negative integer", int64(-7), reject(7), reject(7), done("-7")},
		{"negative whole float", -7.0, reject(7), reject(7), done("-7")},
		{"negative digits", "-7", reject(7), reject(7), done("-7")},
		{"negative zero digits", "-0", reject(0), reject(0), done("-0")},
		{"huge negative digits", "-99999999999999999999", reject(math.MaxInt32), reject(math.MaxInt32), done("-99999999999999999999")},
		{"huge negative float", -1e30, reject(math.MaxInt32), reject(math.MaxInt32), done("-1000000000000000000000000000000")},
		{"negative with letters", "-7x", accept("-7x"), message("-7x"), done("-7x")},
		{"minus alone", "-", accept("-"), message("-"), done("-")},
		{"negative fraction", -7.5, accept("-7.5"), retry, done("-7.5")},
		{"positive fraction", 1.5, accept("1.5"), retry, done("1.5")},
		{"signed digits", "+5", accept("+5"), message("+5"), done("+5")},
		{"spaced digits", " 5", accept(" 5"), message(" 5"), done(" 5")},
		{"id prefix", "id:abc", accept("id:abc"), accept("abc"), done("id:abc")},
		{"id prefix with digits", "id:-7", accept("id:-7"), accept("-7"), done("id:-7")},
		{"id prefix alone", "id:", accept("id:"), message("id:"), done("id:")},
		{"id prefix upper case", "ID:abc", accept("ID:abc"), message("ID:abc"), done("ID:abc")},
		{"https URL", "https://crm.example/login?t=1", accept("https://crm.example/login?t=1"), redirect("https://crm.example/login?t=1"), done("https://crm.example/login?t=1")},
		{"http URL", "http://crm.example", accept("http://crm.example"), redirect("http://crm.example"), done("http://crm.example")},
		{"URL in upper case", "HTTPS://crm.example/x", accept("HTTPS://crm.example/x"), redirect("HTTPS://crm.example/x"), done("HTTPS://crm.example/x")},
		{"URL with spaces around", " https://crm.example/x\n", accept(" https://crm.example/x\n"), redirect("https://crm.example/x"), done(" https://crm.example/x\n")},
		{"URL without host", "https://", accept("https://"), message("https://"), done("https://")},
		{"other scheme", "ftp://crm.example", accept("ftp://crm.example"), message("ftp://crm.example"), done("ftp://crm.example")},
		{"text", "Registration failed, try again later", accept("Registration failed, try again later"), message("Registration failed, try again later"), done("Registration failed, try again later")},
		{"object", map[string]any{"id": int64(5)}, accept(`{"id":5}`), retry, done(`{"id":5}`)},
		{"array", []any{int64(1), "a"}, accept(`[1,"a"]`), retry, done(`[1,"a"]`)},
		{"empty table", []any{}, accept(`[]`), retry, done(`[]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for m, want := range map[mode.Mode]Verdict{
				mode.New: tt.wantNew, mode.Check: tt.wantNew, mode.Sync: tt.wantSync,
				mode.Changes: tt.wantDone, mode.Approved: tt.wantDone, mode.Postback: tt.wantDone, mode.Hook: tt.wantDone,
			} {
				if diff := cmp.Diff(want, Classify(m, tt.value)); diff != "" {
					t.Errorf("Classify(%q, %#v) (-want +got):\n%s", m, tt.value, diff)
				}
			}
		})
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	for kind, want := range map[Kind]string{
		KindRetry: "retry", KindReject: "reject", KindAccept: "accept", KindRedirect: "redirect",
		KindMessage: "message", KindDone: "done", Kind(42): "Kind(42)", Kind(-1): "Kind(-1)",
	} {
		if got := kind.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(kind), got, want)
		}
	}
}

func TestNoScriptReturn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mode mode.Mode
		code int
		body string
		want any
	}{
		{"200 without body", mode.New, 200, "", true},
		{"204", mode.Changes, 204, "", true},
		{"299", mode.Postback, 299, "", true},
		{"3xx", mode.New, 302, `{"id":5}`, nil},
		{"4xx", mode.New, 409, `{"id":5}`, nil},
		{"5xx", mode.Sync, 500, "", nil},
		{"no request", mode.New, 0, "", nil},
		{"numeric id", mode.New, 201, `{"status":"ok","id":84921}`, int64(84921)},
		{"check: the id found", mode.Check, 200, `{"id":"A-9"}`, "A-9"},
		{"id written as float", mode.New, 200, `{"id":84921.0}`, 84921.0},
		{"text id", mode.New, 200, `{"id":"A-17"}`, "A-17"},
		{"id beyond int64", mode.New, 200, `{"id":123456789012345678901}`, "123456789012345678901"},
		{"fractional id", mode.New, 200, `{"id":1.5}`, 1.5},
		{"zero id", mode.New, 200, `{"id":0}`, true},
		{"empty id", mode.New, 200, `{"id":""}`, true},
		{"negative id", mode.New, 200, `{"id":-5}`, true},
		{"negative text id", mode.New, 200, `{"id":"-5"}`, true},
		{"null id", mode.New, 200, `{"id":null}`, true},
		{"object id", mode.New, 200, `{"id":{"x":1}}`, true},
		{"id in other case", mode.New, 200, `{"ID":5}`, true},
		{"nested id", mode.New, 200, `{"data":{"id":5}}`, true},
		{"array body", mode.New, 200, `[{"id":5}]`, true},
		{"not JSON", mode.New, 200, `<html>ok</html>`, true},
		{"id outside new", mode.Changes, 200, `{"id":5}`, true},
		{"id in sync", mode.Sync, 200, `{"id":5}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, NoScriptReturn(tt.mode, tt.code, []byte(tt.body))); diff != "" {
				t.Errorf("NoScriptReturn(%q, %d, %q) (-want +got):\n%s", tt.mode, tt.code, tt.body, diff)
			}
		})
	}
}
