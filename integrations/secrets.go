package integrations

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/leadrelay/leadrelay/macros"
)

// Redacted returns a copy of i with each secret's value RedactedSecret, as
// the API answers it.
func Redacted(i *Integration) *Integration {
	c := i.Clone()
	for k := range c.Secrets {
		c.Secrets[k] = RedactedSecret
	}
	return c
}

// MergeSecrets gives each secret that next sends as RedactedSecret the value
// stored has for it, so a document read from the API can be saved back
// unchanged. Secrets next leaves out are gone; a RedactedSecret with no stored
// value stays, and Validate refuses it. stored may be nil.
func MergeSecrets(next, stored *Integration) {
	if stored == nil {
		return
	}
	for k, v := range next.Secrets {
		if old, ok := stored.Secrets[k]; ok && v == RedactedSecret {
			next.Secrets[k] = old
		}
	}
}

// Redact replaces every secret value in s with "***", before s (a URL, a
// header value, a body) is logged. Each value is also looked for as it reads
// escaped in a URL, a form or JSON body, and in base64. Longer values go
// first, so a secret that contains another is redacted whole; empty values
// are skipped.
func Redact(s string, secrets map[string]string) string {
	var forms []string
	for _, v := range secrets {
		if v == "" || v == RedactedSecret {
			continue
		}
		forms = append(forms, v,
			macros.InURL.Escape(v), url.QueryEscape(v), url.PathEscape(v),
			base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)),
			base64.URLEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)))
		if b, err := marshalJSON(v); err == nil {
			forms = append(forms, strings.Trim(string(b), `"`))
		}
		if b, err := json.Marshal(v); err == nil {
			forms = append(forms, strings.Trim(string(b), `"`))
		}
	}
	if len(forms) == 0 {
		return s
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, RedactedSecret)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}
