package integrations

import (
	"bytes"
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

// Redact replaces every secret value in s with "***", as a Redactor of
// secrets does. To redact many strings with the same secrets, make a
// Redactor once.
func Redact(s string, secrets map[string]string) string {
	return NewRedactor(secrets).Redact(s)
}

// Redactor redacts the values of one set of secrets wherever they may read
// in a URL, a header, a body or a message:
//
//   - as they are, and as they read escaped in a URL, a form or JSON, and in
//     base64, each replaced by "***";
//   - inside a run of base64 (standard or URL alphabet, padded or not, at any
//     alignment), hex or percent-encoding that decodes to text holding a
//     secret, such as base64("api:" + secret); runs are decoded up to
//     MaxDecodeLayers deep, and the whole run is replaced by "***". Secrets
//     shorter than MinDecodedSecret bytes are looked for as they are only:
//     in decoded bytes they would turn up by chance.
//
// A Redactor is safe for concurrent use, and a nil Redactor redacts nothing
// but credential headers (Header).
type Redactor struct {
	r *strings.Replacer // nil: no secret to redact
	// forms are the texts r replaces: a text holding none of them is left
	// as it is without the replacer's walk of every byte.
	forms []string
	// values are the secrets searched for in decoded runs.
	values [][]byte
	// minLen is the length of the shortest of values.
	minLen int
	// reach is Reach's answer.
	reach int
}

// MaxDecodeLayers is how many encodings deep a Redactor looks for a secret.
const MaxDecodeLayers = 3

// MinDecodedSecret is the length of the shortest secret a Redactor looks for
// inside decoded runs.
const MinDecodedSecret = 4

// NewRedactor prepares the redaction of secrets' values.
func NewRedactor(secrets map[string]string) *Redactor {
	var forms []string
	var values [][]byte
	for _, v := range secrets {
		if v == "" || v == RedactedSecret {
			continue
		}
		forms = append(forms, secretForms(v)...)
		if len(v) >= MinDecodedSecret {
			values = append(values, []byte(v))
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
	r := &Redactor{r: strings.NewReplacer(pairs...), forms: forms, values: values, reach: len(forms[0])}
	for i, v := range values {
		if i == 0 || len(v) < r.minLen {
			r.minLen = len(v)
		}
	}
	return r
}

// Reach is how far past a cut a secret's encoding may run: text about to be
// cut to n bytes is redacted whole up to n + Reach bytes, then cut, so no
// part of a secret is left at the cut. It allows for each of
// MaxDecodeLayers to triple the length (percent-encoding does), plus a
// prefix of 64 bytes at each.
func (r *Redactor) Reach() int {
	if r == nil {
		return 0
	}
	n := r.reach
	for range MaxDecodeLayers {
		n = 3*n + 64
	}
	return n
}

// Redact replaces every secret value in s with "***".
func (r *Redactor) Redact(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	s = r.redactRuns(s)
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return r.r.Replace(s)
		}
	}
	return s
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

// span is a run of a string, [start, end).
type span struct{ start, end int }

// redactRuns replaces each run of s that decodes to text holding a secret
// with "***".
func (r *Redactor) redactRuns(s string) string {
	if len(r.values) == 0 {
		return s
	}
	var cuts []span
	r.eachDecoding(s, func(run span, decoded []byte) bool {
		if !r.holds(decoded, 1) {
			return false
		}
		cuts = append(cuts, run)
		return true
	})
	if len(cuts) == 0 {
		return s
	}
	slices.SortFunc(cuts, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for _, c := range cuts {
		if c.end <= at {
			continue
		}
		if c.start >= at {
			b.WriteString(s[at:c.start])
			b.WriteString(RedactedSecret)
		}
		at = c.end
	}
	b.WriteString(s[at:])
	return b.String()
}

// holds reports whether decoded text, layer encodings deep, holds a secret
// as it is or in a run that decodes further.
func (r *Redactor) holds(decoded []byte, layer int) bool {
	for _, v := range r.values {
		if bytes.Contains(decoded, v) {
			return true
		}
	}
	if layer >= MaxDecodeLayers || !mostlyText(decoded) {
		return false
	}
	found := false
	r.eachDecoding(string(decoded), func(_ span, deeper []byte) bool {
		found = r.holds(deeper, layer+1)
		return found
	})
	return found
}

// mostlyText reports whether b reads as ASCII text but for a few bytes at
// its ends, as a run decoded at another alignment than its own gives. Only
// such text is decoded further: an encoding of a secret is ASCII.
func mostlyText(b []byte) bool {
	odd := 0
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7f {
			if odd++; odd > 3 {
				return false
			}
		}
	}
	return true
}

// eachDecoding calls fn with every run of s long enough to hold an encoded
// secret and each way it decodes: base64 at each of its four alignments,
// hex at each of its two, and percent-decoding with and without "+" read as
// a space. Once fn returns true for a run, the run's other decodings are
// skipped. decoded is valid only during the call.
func (r *Redactor) eachDecoding(s string, fn func(run span, decoded []byte) bool) {
	var d decoder
	minB64 := (r.minLen*4 + 2) / 3
	eachRun(s, base64Chars, minB64, func(run span) {
		end := run.end
		for end < len(s) && end < run.end+2 && s[end] == '=' {
			end++
		}
		for off := 0; off < 4 && run.end-run.start-off >= minB64; off++ {
			if fn(span{run.start, end}, d.base64(s[run.start+off:run.end])) {
				return
			}
		}
	})
	eachRun(s, hexChars, 2*r.minLen, func(run span) {
		for off := 0; off < 2; off++ {
			if fn(run, d.hex(s[run.start+off:run.end])) {
				return
			}
		}
	})
	if !strings.Contains(s, "%") {
		return
	}
	eachRun(s, percentRunChars, r.minLen, func(run span) {
		text := s[run.start:run.end]
		if !strings.Contains(text, "%") {
			return
		}
		for _, plus := range []bool{false, true} {
			if fn(run, d.percent(text, plus)) {
				return
			}
		}
	})
}

// charClass is a set of bytes.
type charClass [256]bool

func newCharClass(in func(c byte) bool) *charClass {
	var cc charClass
	for c := range 256 {
		cc[c] = in(byte(c))
	}
	return &cc
}

var (
	base64Chars = newCharClass(func(c byte) bool {
		return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("+/-_", c) >= 0
	})
	hexChars = newCharClass(func(c byte) bool {
		return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
	})
	// percentRunChars are the bytes of a URL or form value: not a space, a
	// quote, or a byte that separates values (& = ? # ; ,).
	percentRunChars = newCharClass(func(c byte) bool {
		return c > ' ' && c < 0x7f && strings.IndexByte("\"'&=?#;,<>\\{}[]|`^", c) < 0
	})
)

// eachRun calls fn with every maximal run of s of bytes in class, at least
// min long.
func eachRun(s string, class *charClass, min int, fn func(span)) {
	for i := 0; i < len(s); {
		if !class[s[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && class[s[j]] {
			j++
		}
		if j-i >= min {
			fn(span{i, j})
		}
		i = j
	}
}

// decoder decodes runs into a buffer it reuses.
type decoder struct{ dst []byte }

// base64Values maps a character of either base64 alphabet to its value.
var base64Values = func() (v [256]byte) {
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		v[c] = byte(i)
	}
	v['-'], v['_'] = 62, 63
	return v
}()

// base64 decodes a run of either base64 alphabet, unpadded; a last
// character that cannot end an encoding is dropped. The spare bits of the
// last character are ignored.
func (d *decoder) base64(text string) []byte {
	n := len(text) / 4 * 3
	switch len(text) % 4 {
	case 2:
		n++
	case 3:
		n += 2
	}
	d.dst = slices.Grow(d.dst[:0], n)[:n]
	out := d.dst
	i, o := 0, 0
	for ; i+4 <= len(text); i, o = i+4, o+3 {
		v := uint(base64Values[text[i]])<<18 | uint(base64Values[text[i+1]])<<12 | uint(base64Values[text[i+2]])<<6 | uint(base64Values[text[i+3]])
		out[o], out[o+1], out[o+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	switch len(text) - i {
	case 2:
		out[o] = base64Values[text[i]]<<2 | base64Values[text[i+1]]>>4
	case 3:
		v := uint(base64Values[text[i]])<<12 | uint(base64Values[text[i+1]])<<6 | uint(base64Values[text[i+2]])
		out[o], out[o+1] = byte(v>>10), byte(v>>2)
	}
	return out
}

// hex decodes hex digits; an odd last digit is dropped.
func (d *decoder) hex(text string) []byte {
	n := len(text) / 2
	d.dst = slices.Grow(d.dst[:0], n)[:n]
	for i := range n {
		d.dst[i] = unhex(text[2*i])<<4 | unhex(text[2*i+1])
	}
	return d.dst
}

// percent decodes %XX escapes (others are kept as they are), and "+" as a
// space when plus is set.
func (d *decoder) percent(text string, plus bool) []byte {
	d.dst = d.dst[:0]
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '%' && i+2 < len(text) && hexChars[text[i+1]] && hexChars[text[i+2]]:
			d.dst = append(d.dst, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		case c == '+' && plus:
			d.dst = append(d.dst, ' ')
		default:
			d.dst = append(d.dst, c)
		}
	}
	return d.dst
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// credentialWords are the parts of a header's name that say its value is a
// credential.
var credentialWords = []string{"token", "key", "secret", "auth", "signature", "cookie"}

// IsCredentialHeader reports whether a header's value is a credential by its
// name: Authorization, Proxy-Authorization, Cookie, Set-Cookie, and any name
// that holds token, key, secret, auth or signature, whatever the case. The
// Idempotency-Key leadrelay sends is not: its value is made from the
// lead's id, and support matches it with the target's records.
func IsCredentialHeader(name string) bool {
	lower := strings.ToLower(name)
	if lower == "idempotency-key" {
		return false
	}
	for _, w := range credentialWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// Header redacts a header's value for the log: a credential header
// (IsCredentialHeader) keeps its scheme word alone ("Basic ***", "Bearer
// ***", or "***" when it has none); any other value is redacted as Redact
// does.
func (r *Redactor) Header(name, value string) string {
	if !IsCredentialHeader(name) {
		return r.Redact(value)
	}
	scheme, rest, ok := strings.Cut(strings.TrimSpace(value), " ")
	if ok && strings.TrimSpace(rest) != "" && isSchemeWord(scheme) {
		return scheme + " " + RedactedSecret
	}
	return RedactedSecret
}

// isSchemeWord reports whether w reads as an authorization scheme: a letter,
// then letters, digits and "-", "_" or ".".
func isSchemeWord(w string) bool {
	if w == "" || !('A' <= w[0] && w[0] <= 'Z' || 'a' <= w[0] && w[0] <= 'z') {
		return false
	}
	for i := range len(w) {
		c := w[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
