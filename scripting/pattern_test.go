package scripting

import (
	"strings"
	"testing"
)

// TestPatterns checks string.find, match, gmatch and gsub against what
// Lua 5.1 answers.
func TestPatterns(t *testing.T) {
	t.Parallel()
	n := func(i int) any { return int64(i) }
	evalCases(t, NewEngine(Config{}), sampleEnv, []evalCase{
		// find
		{`return {string.find("hello world", "wor")}`, []any{n(7), n(9)}},
		{`return {string.find("hello", "l+")}`, []any{n(3), n(4)}},
		{`return string.find("hello", "xyz")`, nil},
		{`return {string.find("a.b", ".", 1, true)}`, []any{n(2), n(2)}},
		{`return {string.find("a+b", "+", 1, true)}`, []any{n(2), n(2)}},
		{`return {string.find("abc", "c", -1)}`, []any{n(3), n(3)}},
		{`return string.find("abc", "a", -1)`, nil},
		{`return {string.find("abc", "")}`, []any{n(1), n(0)}},
		{`return {string.find("abc", "", 10)}`, []any{n(4), n(3)}},
		{`return {string.find("abc", "b", -10)}`, []any{n(2), n(2)}},
		{`return {string.find("key=val", "(%w+)=(%w+)")}`, []any{n(1), n(7), "key", "val"}},
		{`return {("x=1"):find("=")}`, []any{n(2), n(2)}},
		// match
		{`return {string.match("key = value", "(%w+)%s*=%s*(%w+)")}`, []any{"key", "value"}},
		{`return {string.match("2024-01-15", "(%d+)-(%d+)-(%d+)")}`, []any{"2024", "01", "15"}},
		{`return {string.match("hello", "()ll()")}`, []any{n(3), n(5)}},
		{`return string.match("  trim me  ", "^%s*(.-)%s*$")`, "trim me"},
		{`return string.match("[[x]]", "%[(%b[])%]")`, "[x]"},
		{`return string.match("f(a(b)c) d", "%b()")`, "(a(b)c)"},
		{`return string.match("THE (quick) fox", "%f[%a]%a+")`, "THE"},
		{`return string.match("hello", "%f[%l]l")`, nil},
		{`return string.match("abc123", "%a+")`, "abc"},
		{`return string.match("abc123", "%D+")`, "abc"},
		{`return string.match("_id9 x", "[%a_][%w_]*")`, "_id9"},
		{`return string.match("x-y", "[a-z]%-[a-z]")`, "x-y"},
		{`return string.match("]", "[]]")`, "]"},
		{`return string.match("a^b", "[%^]")`, "^"},
		{`return string.match("path/to/file", "[^/]+$")`, "file"},
		{`return string.match("abc", "^(a)")`, "a"},
		{`return string.match("xabc", "^a")`, nil},
		{`return string.match("abc", "b$")`, nil},
		{`return string.match("a$b", "a$b")`, "a$b"},
		{`return string.match("aXbXc", "(X).-%1")`, "X"},
		{`return string.match("say 'hi' now", "(['\"])(.-)%1")`, "'"},
		{`return string.match("v1.25", "%d+%.?%d*")`, "1.25"},
		{`return string.match("  x", "%s-x")`, "  x"},
		{`return string.match("ab", "a?b")`, "ab"},
		{`return string.match("b", "a?b")`, "b"},
		{`return string.match("caaab", "a*")`, ""},
		{`return string.match("caaab", "ca*")`, "caaa"},
		{`return string.match("\0x", "%z")`, "\x00"},
		{`return string.match("tab\there", "%c")`, "\t"},
		{`return string.match("Hi!", "%p")`, "!"},
		{`return string.match("ff0A", "%x+")`, "ff0A"},
		{`return string.match("aB", "%u")`, "B"},
		{`return string.match("{\"id\":84921}", '"id":(%d+)')`, "84921"},
		{`return string.match("hello", ".", 5)`, "o"},
		{`return string.match("hello", ".", -2)`, "l"},
		// gmatch
		{`local t = {} for w in string.gmatch("one two  three", "%a+") do t[#t + 1] = w end return t`, []any{"one", "two", "three"}},
		{`local t = {} for k, v in ("a=1, b=2"):gmatch("(%w+)=(%w+)") do t[#t + 1] = k .. v end return t`, []any{"a1", "b2"}},
		{`local t = {} for p in ("abc"):gmatch("()") do t[#t + 1] = p end return t`, []any{n(1), n(2), n(3), n(4)}},
		{`local t = {} for w in ("^a^a"):gmatch("^a") do t[#t + 1] = w end return #t`, n(2)},
		// gsub
		{`return {string.gsub("hello world", "(%w+)", "<%1>")}`, []any{"<hello> <world>", n(2)}},
		{`return {string.gsub("abc", "", "-")}`, []any{"-a-b-c-", n(4)}},
		{`return {string.gsub("hello world", "o", "0", 1)}`, []any{"hell0 world", n(1)}},
		{`return {string.gsub("hello", "l", "L", 0)}`, []any{"hello", n(0)}},
		{`return (string.gsub("$name is $age", "%$(%w+)", {name = "Bob", age = 42}))`, "Bob is 42"},
		{`return (string.gsub("$name $none", "%$(%w+)", {name = "Bob"}))`, "Bob $none"},
		{`return (string.gsub("abc", "%w", function(c) return c:upper() .. "." end))`, "A.B.C."},
		{`return (string.gsub("abc", "%w", function(c) if c == "b" then return false end return 1 end))`, "1b1"},
		{`return (string.gsub("abc", "%w", "%%"))`, "%%%"},
		{`return (string.gsub("abc", "b", "[%0]"))`, "a[b]c"},
		{`return (string.gsub("abc", "b", "%1"))`, "abc"},
		{`return (string.gsub("abc", "b", "x%"))`, "ax%c"},
		{`return (string.gsub("hello", "()l", "%1"))`, "he34o"},
		{`return {string.gsub("aaa", "^a", "b")}`, []any{"baa", n(1)}},
		{`return (string.gsub("a,b,,c", ",", ";"))`, "a;b;;c"},
		{`return (string.gsub(" x  y ", "^%s*(.-)%s*$", "%1"))`, "x  y"},
		{`return (string.gsub("x", "x", 5))`, "5"},
		{`return (string.gsub(12345, "3", ""))`, "1245"},
	})
}

func TestPatternErrors(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{})
	tests := []struct{ source, want string }{
		{`string.match("x", "(")`, "unfinished capture"},
		{`string.match("x", ")")`, "invalid pattern capture"},
		{`string.find("x", "%")`, "malformed pattern (ends with '%')"},
		{`string.find("x", "[a")`, "malformed pattern (missing ']')"},
		{`string.find("x", "[%")`, "malformed pattern (missing ']')"},
		{`string.find("x", "%b")`, "unbalanced pattern"},
		{`string.find("x", "%fx")`, "missing '[' after '%f' in pattern"},
		{`string.find("x", "(x)%2")`, "invalid capture index"},
		{`string.gsub("x", "x", "%2")`, "invalid capture index"},
		{`string.find("x", "` + strings.Repeat("()", 33) + `")`, "too many captures"},
		{`string.gsub("x", "x", true)`, "bad argument #3 to 'gsub' (string/function/table expected, got boolean)"},
		{`string.gsub("x", "x", function() return {} end)`, "invalid replacement value (a table)"},
		{`string.gsub("x", "x", function() return true end)`, "invalid replacement value (a boolean)"},
	}
	for _, tt := range tests {
		if err := runError(t, e, tt.source, nil); err.Message != tt.want || err.Line != 1 {
			t.Errorf("%s: got %q, want %q on line 1", tt.source, err.Error(), tt.want)
		}
	}
	checkHealthy(t, e)
}
