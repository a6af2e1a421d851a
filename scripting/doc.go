// Package scripting runs the Lua scripts of integrations: the preprocessing
// script (pre) that may change a request before it is sent, the processing
// script (post) whose return value decides what happens to the lead, and
// the hook script that reads a CRM's webhook. Scripts are Lua 5.1, run by
// github.com/yuin/gopher-lua in a sandbox with time, memory and stack limits.
//
// # Compile once, run many times
//
// An Engine compiles a script once (Compile caches the compiled function by
// name and source, so each version of an integration is compiled once) and
// runs it on a pooled Lua state. A run sees a fresh environment: globals a
// script sets, and changes it makes to library tables (string.upper = …)
// or to its data (o, items, post, …), are gone when it ends. A state whose
// run failed is dropped, not pooled.
//
// Fresh does not mean new. In gopher-lua a table pays several allocations
// for each key it is given for the first time and none for a key it has
// held before, so a state keeps the tables it built for a run (the
// environment, ofps, items, post, …) and refills them for the next one,
// clearing whatever the last run added (see slot). o, the lead's 73 fields
// of which a script reads a few, reads each field when the script first
// asks for it (see lazyRow). json.decode reads JSON straight into Lua
// tables. BenchmarkPrePost measures a pooled pre+post pair of a typical CRM
// integration.
//
//	s, err := engine.Compile("integration 7 new.post", source)
//	res, err := engine.Run(ctx, s, &scripting.Env{Mode: mode.New, Result: body, …})
//	// res.Return is the script's return value; the dispatcher reads it.
//
// # What a script sees
//
// Globals (SPEC §5): o (the lead's raw row), ofps, ofpg, gpar, spar, vars,
// meta, items ({id=, qty=, price=, cost=} each), mode, secrets; url, method,
// headers and post (the request; pre may change them, and url = false or
// nil cancels it); result (in post, the response body) and response
// ({code=, headers=, body=, time_ms=}). Data globals that are only read are
// built when the script first uses them, or, once a script has used them,
// before its later runs start; so pairs(_G) lists only the globals a script
// uses or sets.
//
// Functions: the Lua base functions that cannot escape the sandbox (assert,
// error, ipairs, next, pairs, pcall, rawequal, rawget, rawset, select,
// setmetatable on tables, getmetatable, tonumber, tostring, type, unpack,
// xpcall); string, table and math; os.time, os.date and os.clock; and
// leadrelay's own:
//
//   - json.decode(s), json.encode(v), and the seed's names xxdec and xxenc.
//     decode keeps integers exact (as numbers up to 2^53, as text beyond),
//     turns null into nil, and answers nil and a message for text that is
//     not JSON. encode writes a table whose keys are exactly 1..n as an
//     array, and any other as an object with sorted keys; the empty table is
//     written [] (Lua cannot tell an empty object from an empty array);
//     whole numbers are written without exponent.
//   - macro(s): s with the lead's {macros} expanded.
//   - lead.edit(id, {exto=, ext=, comment=, meta={…}}): changes to the lead
//     in hand, applied with the outcome; id must be that lead's id.
//   - cpa.get("vpar", offer_id, name): product params, product id → value.
//   - url_encode, base64_encode, base64_decode, md5, sha1, sha256 (hex),
//     hmac_sha256(key, s) (hex).
//   - log(...) and print(...): a line of the attempt's log, the arguments
//     joined by tabs (at most 500 lines and 64 KiB a run).
//
// Left out: io, os.execute and the rest of os, debug, package, require,
// load, loadstring, dofile, loadfile, getfenv, setfenv, collectgarbage,
// coroutine and string.dump. The metatables of strings, of the library
// tables and of the environment are protected: getmetatable returns false
// for them and setmetatable refuses them, so a script cannot reach what the
// runs of a state share. The library tables are empty proxies in front of
// the real ones, so pairs(string) lists nothing.
//
// # Limits
//
// Each run has a time limit (Config.Timeout, default 2s), a memory limit
// (Config.MaxMemoryBytes, default 32 MiB), a call depth
// (Config.CallStackSize) and a Lua stack size (Config.RegistryMaxSize). The
// library functions that build strings (string.rep, string.format,
// string.gsub, table.concat, json.encode, …) refuse results over
// Config.MaxStringBytes before they build them, and string.format takes at
// most two-digit widths, as in Lua 5.1. Lua patterns are matched by a port
// of Lua 5.1's matcher that checks the time limit as it goes, so a
// pathological pattern ends with the run's time limit instead of running
// on. The runs of an Engine hold at most Config.BudgetBytes together: each
// reserves its memory limit for as long as it runs, and waits for room.
//
// Memory is metered: the run's context, which gopher-lua consults before
// every instruction, walks what the script can reach (its globals and the
// values of every active call) every so often and ends the run once the
// estimate passes the limit; library functions charge what they are about
// to hand out, and hold what they keep while they work, before they take
// it. What gopher-lua does within one instruction is out of the meter's
// sight, so scripts are compiled with those instructions rewritten into
// calls of the sandbox's own functions (see rewrite): every a .. b, and
// every t[k] = v and {[k] = v} whose key is not a constant (gopher-lua
// fills every array slot below a number key, so t[67108863] = 1 would take
// a gigabyte at once). A limit of time or memory hit inside pcall or
// xpcall still ends the run.
//
// The meter reads a few unexported fields of gopher-lua through reflect
// (see tableArray); tests fail when an upgrade changes them, and so do
// tests of the rewriter when the syntax tree gains a node.
//
// Every failure is an *Error with the script's name, the line (when known)
// and the message: "integration 7 new.post:12: attempt to index a nil
// value", "integration 7 new.pre:3: time limit of 2s exceeded".
//
// # Values between Go and Lua
//
// A script's return value and globals come back as Go data: nil, bool,
// int64 (whole numbers that fit), float64, string, []any (tables whose keys
// are exactly 1..n, the empty table included) or map[string]any (other
// tables; number keys become text). Functions are not data and are an
// error. Go values going in convert the same way back. FormatValue writes
// a value as text (84921, never 84921.0 or 8.4921e+04), and JSONNumber
// turns a JSON number into the value json.decode gives.
//
// # What it leaves to others
//
// scripting runs Lua and nothing else. The request and response a script
// sees are wire.Request and wire.Response (integrations/wire), which
// integrations builds and sends; the mode names are integrations/mode's.
// What a return value does to the lead (SPEC §3) is the dispatcher's to
// read: dispatcher.Classify.
package scripting
