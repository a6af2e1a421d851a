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
// are skipped. To redact many strings with the same secrets, make a
// Redactor once.
func Redact(s string, secrets map[string]string) string {
	return NewRedactor(secrets).Redact(s)
}

// Redactor redacts the values of one set of secrets, as Redact does; it is
// safe for concurrent use, and a nil Redactor redacts nothing.
type Redactor struct {
	r *strings.Replacer // nil: no secret to redact
}

// NewRedactor prepares the redaction of secrets' values.
func NewRedactor(secrets map[string]string) *Redactor {
	var forms []string
	for _, v := range secrets {
		if v != "" && v != RedactedSecret {
			forms = append(forms, secretForms(v)...)
		}
	}
	if len(forms) == 0 {
		return &Redactor{}
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, RedactedSecret)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// Redact replaces every secret value in s with "***".
func (r *Redactor) Redact(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// secretForms is a secret's value as it may read in a request: as is,
// escaped for a URL, a form or JSON, and in base64.
func secretForms(v string) []string {
	forms := []string{v,
		macros.InURL.Escape(v), url.QueryEscape(v), url.PathEscape(v),
		base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)),
		base64.URLEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v))}
	if b, err := marshalJSON(v); err == nil {
		forms = append(forms, strings.Trim(string(b), `"`))
	}
	if b, err := json.Marshal(v); err == nil {
		forms = append(forms, strings.Trim(string(b), `"`))
	}
	return forms
}
