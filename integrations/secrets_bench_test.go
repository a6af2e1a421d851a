package integrations

import (
	"strings"
	"testing"
)

// BenchmarkRedact64KiB redacts a 64 KiB response body, as large as the log
// keeps one: JSON text with ids, words and a base64 field, no secret in it.
func BenchmarkRedact64KiB(b *testing.B) {
	r := NewRedactor(map[string]string{"token": "sk_live_51HxY2aKq9", "user": "api-user-7731"})
	var sb strings.Builder
	for i := 0; sb.Len() < 64<<10; i++ {
		sb.WriteString(`{"id":84921,"status":"accepted","comment":"the customer asked for a call back tomorrow","hash":"d41d8cd98f00b204e9800998ecf8427e","photo":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"},`)
	}
	body := sb.String()[:64<<10]
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r.Redact(body)
	}
}

// BenchmarkRedactSmall redacts what one attempt's log row shows: a URL, a
// JSON body and a few headers, no secret in any of them.
func BenchmarkRedactSmall(b *testing.B) {
	r := NewRedactor(map[string]string{"token": "sk_live_51HxY2aKq9", "user": "api-user-7731"})
	texts := []string{
		"https://crm.example/api/v2/orders?source=leadrelay&campaign=summer",
		`{"name":"John Doe","phone":"+447123456789","country":"GB","order_id":"84921","click":"abc123xyz"}`,
		"application/json; charset=utf-8", "Mon, 07 Dec 2026 06:16:04 GMT", "97",
		`{"status":"ok","id":"c84921"}`,
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range texts {
			r.Redact(t)
		}
	}
}
