package api

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// oneLine cleans a single-line field: each run of CR, LF and tabs becomes one
// space, NUL and the other control characters go, and the ends are trimmed.
// Landing pages send names with a stray newline from a textarea; refusing
// the lead for it would lose an order, and keeping the newline would let it
// reach a CRM's headers or CSV.
func oneLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n' || r == '\t':
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// multiLine cleans a multi-line field (comment, custom fields): line breaks
// become LF, NUL and the other control characters but tab go.
func multiLine(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s))
}

// digits keeps the ASCII digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// metaKey checks a custom field's name: 1 to 64 characters, no control
// characters.
func metaKey(k string) error {
	if k == "" || !utf8.ValidString(k) || utf8.RuneCountInString(k) > 64 || strings.IndexFunc(k, unicode.IsControl) >= 0 {
		return invalid("%q is not a usable field name: 1 to 64 characters, no control characters", k)
	}
	return nil
}
