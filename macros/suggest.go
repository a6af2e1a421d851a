package macros

import "strings"

// Unknown is a brace sequence of a template that looks like a macro but is
// none, with the known macro it is closest to, if any.
type Unknown struct {
	Text       string // as written, "{phnoe}"
	Suggestion string // "{phone}", or "" when no macro is close
}

// Used is a known macro a template uses, with its argument.
type Used struct {
	Name, Arg string
}

// Uses lists the known macros that s uses, in order.
func Uses(s string) []Used {
	t, err := Parse(s)
	if err != nil {
		return nil
	}
	var out []Used
	for _, seg := range t.segs {
		if seg.m != nil {
			out = append(out, Used{Name: seg.m.name, Arg: seg.arg})
		}
	}
	return out
}

// Unknowns lists the brace sequences of s that are written as a macro,
// {name} or {name:arg} with name of lower-case letters and digits, but name
// none. They are legal text (JSON bodies are full of braces), and often a
// typo: each comes with the macro of the closest name, when one is within
// two edits.
func Unknowns(s string) []Unknown {
	var out []Unknown
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			break
		}
		inner := s[i+1 : i+end]
		name, arg, hasArg := strings.Cut(inner, ":")
		if !macroLike(name) || (hasArg && !ValidArg(arg)) || Known(name) {
			continue
		}
		u := Unknown{Text: s[i : i+end+1]}
		if best := closest(name); best != "" {
			u.Suggestion = "{" + best + "}"
			if hasArg {
				u.Suggestion = "{" + best + ":" + arg + "}"
			}
		}
		out = append(out, u)
	}
	return out
}

// macroLike tells whether name is written as a macro's name.
func macroLike(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isNameByte(name[i]) {
			return false
		}
	}
	return true
}

// closest is the known macro name within two edits of name (one for names
// of three letters or fewer), the nearest first; "" when there is none.
func closest(name string) string {
	limit := 2
	if len(name) <= 3 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, m := range table {
		if d := editDistance(name, m.name); d < bestDist {
			best, bestDist = m.name, d
		}
	}
	return best
}

// editDistance is the Damerau–Levenshtein distance (adjacent swaps count
// one) between a and b.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
