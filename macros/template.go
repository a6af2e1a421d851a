package macros

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Position is where an expanded value goes; it decides how the value is escaped.
type Position int

// The positions of a value.
const (
	// InField is a body field: values are raw, the body's encoder escapes them.
	InField Position = iota
	// InURL is the request URL: values are percent-encoded (RFC 3986: all but
	// letters, digits and "-._~"), so a value is safe in a path or a query.
	InURL
	// InHeader is a header value: control characters are removed (CR and LF,
	// and every other one but the tab, which HTTP refuses in a header anyway).
	InHeader
)

// Template is a parsed text with macros. It is immutable and safe for
// concurrent use; parse it once and expand it for every lead.
type Template struct {
	src  string
	segs []segment
}

// segment is a run of literal text or one macro with its argument.
type segment struct {
	text string
	m    *macro
	arg  string
}

// ParseError is a macro that is known but used wrongly, such as {meta} without
// the name of a field.
type ParseError struct {
	Offset  int    // byte offset of the macro in the template
	Macro   string // the macro as written, "{meta}"
	Message string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s at offset %d: %s", e.Macro, e.Offset, e.Message)
}

// Parse reads a template. A brace sequence that is not a known macro is text,
// kept exactly as written, and so is an unterminated brace. The only errors
// are known macros used wrongly: a macro that needs an argument written
// without one ({ofp}), and {offer:x} with a field the offer does not have.
func Parse(s string) (*Template, error) {
	t := &Template{src: s}
	textStart := 0
	for i := 0; i < len(s); {
		open := strings.IndexByte(s[i:], '{')
		if open < 0 {
			break
		}
		open += i
		seg, end, err := scanMacro(s, open)
		if err != nil {
			return nil, err
		}
		if seg.m == nil {
			i = open + 1
			continue
		}
		if open > textStart {
			t.segs = append(t.segs, segment{text: s[textStart:open]})
		}
		t.segs = append(t.segs, seg)
		i, textStart = end, end
	}
	if textStart < len(s) {
		t.segs = append(t.segs, segment{text: s[textStart:]})
	}
	return t, nil
}

// MustParse is Parse for templates known to be good; it panics on an error.
func MustParse(s string) *Template {
	t, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// scanMacro reads the brace sequence at s[open] ('{'). It returns a segment
// with a nil macro when the sequence is text, and the offset after the
// closing brace when it is a macro.
func scanMacro(s string, open int) (segment, int, error) {
	i := open + 1
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	name := s[open+1 : i]
	if name == "" || i == len(s) {
		return segment{}, 0, nil
	}
	switch s[i] {
	case '}':
		if m := plain[name]; m != nil {
			return segment{m: m}, i + 1, nil
		}
		if withArg[name] != nil {
			return segment{}, 0, &ParseError{Offset: open, Macro: s[open : i+1],
				Message: fmt.Sprintf("needs an argument, as in {%s:x}; write \"{ %s }\" for the text itself", name, name)}
		}
	case ':':
		argStart := i + 1
		i = argStart
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !isArgRune(r) {
				break
			}
			i += size
		}
		if i == argStart || i == len(s) || s[i] != '}' {
			return segment{}, 0, nil
		}
		m := withArg[name]
		if m == nil {
			return segment{}, 0, nil
		}
		arg := s[argStart:i]
		if m.check != nil {
			if msg := m.check(arg); msg != "" {
				return segment{}, 0, &ParseError{Offset: open, Macro: s[open : i+1], Message: msg}
			}
		}
		return segment{m: m, arg: arg}, i + 1, nil
	}
	return segment{}, 0, nil
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
}

// ValidArg reports whether s can be a macro's argument, as in {secret:s}:
// letters and digits of any script, "_", "-" and ".", at least one.
func ValidArg(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !isArgRune(r) }) < 0
}

// isArgRune reports whether r may appear in a macro's argument: letters and
// digits of any script, and "_", "-", ".".
func isArgRune(r rune) bool {
	return r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// String returns the template's source text.
func (t *Template) String() string { return t.src }

// File reports whether the template is exactly one {file:x} macro, and names
// the custom field x. A body field written so is attached as a file by the
// multipart encoder.
func (t *Template) File() (field string, ok bool) {
	if len(t.segs) == 1 && t.segs[0].m == fileMacro {
		return t.segs[0].arg, true
	}
	return "", false
}

// Expand returns the text with every macro replaced by its value for d,
// escaped for pos. A nil d expands every macro to the empty string.
func (t *Template) Expand(d *Data, pos Position) string {
	if d == nil {
		d = &noData
	}
	switch {
	case len(t.segs) == 0:
		return ""
	case len(t.segs) == 1 && t.segs[0].m == nil:
		return t.segs[0].text
	case len(t.segs) == 1:
		return pos.Escape(t.segs[0].m.value(d, t.segs[0].arg))
	}
	var b strings.Builder
	b.Grow(len(t.src) + 16*len(t.segs))
	for _, seg := range t.segs {
		if seg.m == nil {
			b.WriteString(seg.text)
			continue
		}
		writeValue(&b, seg.m.value(d, seg.arg), pos)
	}
	return b.String()
}

// Escape returns v escaped as Expand escapes a value in p.
func (p Position) Escape(v string) string {
	if isSafe(v, p) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) * 3)
	writeValue(&b, v, p)
	return b.String()
}

func writeValue(b *strings.Builder, v string, pos Position) {
	switch pos {
	case InURL:
		writeURLEscaped(b, v)
	case InHeader:
		writeHeaderSafe(b, v)
	default:
		b.WriteString(v)
	}
}

// isSafe reports whether v needs no escaping in pos.
func isSafe(v string, pos Position) bool {
	switch pos {
	case InURL:
		for i := 0; i < len(v); i++ {
			if !isUnreserved(v[i]) {
				return false
			}
		}
	case InHeader:
		for i := 0; i < len(v); i++ {
			if !isHeaderSafe(v[i]) {
				return false
			}
		}
	}
	return true
}

const hexDigits = "0123456789ABCDEF"

func writeURLEscaped(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func writeHeaderSafe(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		if isHeaderSafe(v[i]) {
			b.WriteByte(v[i])
		}
	}
}

func isHeaderSafe(c byte) bool {
	return c >= 0x20 && c != 0x7f || c == '\t'
}
