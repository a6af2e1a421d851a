package scripting

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzPatterns feeds patterns and subjects to find, match, gmatch and
// gsub: a bad pattern must fail as a Lua error, never as a Go panic, and
// no pattern may hold a run long past its time limit.
func FuzzPatterns(f *testing.F) {
	for _, seed := range [][2]string{
		{"hello world", "(%w+)"}, {"a.b", "%."}, {"[x]", "%b[]"}, {"THE end", "%f[%a]%a+"},
		{"aaa", "a-b"}, {"x", "[%"}, {"x", "(()"}, {"abc", "^(a)(b)%2"}, {"", "$"}, {"]", "[]]"},
	} {
		f.Add(seed[0], seed[1])
	}
	const timeout = 100 * time.Millisecond
	e := NewEngine(Config{Timeout: timeout})
	s, err := e.Compile("fuzz", `
string.find(subject, pattern)
string.match(subject, pattern, 2)
for a in string.gmatch(subject, pattern) do end
string.gsub(subject, pattern, "%0")
string.gsub(subject, pattern, function(...) return select("#", ...) end)`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, subject, pattern string) {
		start := time.Now()
		_, err := e.Run(context.Background(), s, &Env{Extra: map[string]any{"subject": subject, "pattern": pattern}})
		if took := time.Since(start); took > 10*timeout {
			t.Fatalf("subject %q, pattern %q: ran %v, past the time limit of %v", subject, pattern, took, timeout)
		}
		var serr *Error
		if err != nil && (!errors.As(err, &serr) || serr.Line == 0 || strings.Contains(serr.Message, "runtime error")) {
			t.Fatalf("subject %q, pattern %q: %v", subject, pattern, err)
		}
	})
}
