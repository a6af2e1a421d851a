package scripting

import (
	"testing"
)

// TestConcat: .. in scripts (see meterConcat) joins as Lua's does, wherever
// it stands.
func TestConcat(t *testing.T) {
	t.Parallel()
	evalCases(t, NewEngine(Config{}), func() *Env { return &Env{} }, []evalCase{
		{`return "a" .. "b"`, "ab"},
		{`return 1 .. 2`, "12"},
		{`return 1.5 .. "|" .. -0.25 .. "|" .. 84921`, "1.5|-0.25|84921"},
		{`local a, b, c = "x", 2, "z" return a .. b .. c`, "x2z"},
		{`local a = "n" local t = {a .. "1", ["k" .. 2] = "v" .. 3} return t[1] .. t.k2`, "n1v3"},
		{`local function f(s) return s .. "!" end return f("hi") .. f("yo")`, "hi!yo!"},
		{`local n = 0 for i = 1, #("ab" .. "cd") do n = n + i end return n`, int64(10)},
		{`if "a" .. "b" == "ab" then return "yes" end return "no"`, "yes"},
		{`local s = "" for _, w in ipairs({"a", "b", "c"}) do s = s .. w end return s`, "abc"},
		{`return ("x"):rep(2) .. ("y"):upper()`, "xxY"},
		{`local mt = {__concat = function(a, b) return "meta" end}
return {setmetatable({}, mt) .. "x", "x" .. setmetatable({}, mt)}`, []any{"meta", "meta"}},
		{`local order = {} local mt = {__concat = function(a, b)
  order[#order + 1] = (type(a) == "table" and a.n or a) .. "+" .. (type(b) == "table" and b.n or b) return "r" end}
local x, y = setmetatable({n = "x"}, mt), setmetatable({n = "y"}, mt)
local _ = x .. y .. "z" return order`, []any{"y+z", "x+r"}},
		{`local ok, err = pcall(function() return "a" .. nil end) return {ok, err}`,
			[]any{false, "test:1: cannot perform concat operation between string and nil"}},
		{`local ok, err = pcall(function() return {} .. "a" end) return err`,
			"test:1: cannot perform concat operation between table and string"},
		{`return _G["..concat"] ~= nil`, true},
	})
}
