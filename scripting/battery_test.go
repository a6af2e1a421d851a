package scripting

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// batteryCases are the ways a script may try to take more memory than its
// run's limit, each with what its error must contain (a limit, or ""
// for a script that must succeed).
var batteryCases = []struct{ name, source, want string }{
	{"sparse array", `local t = {} t[67108863] = 1 return 1`, "memory limit"},
	{"sparse array of a CRM id", `local r = {id = "9000000"} local t = {} t[tonumber(r.id)] = "x" return 1`, "memory limit"},
	{"sparse arrays, one at a time", `local t = {} for i = 1, 64 do local a = {} a[1048575] = i t[i] = a end`, "memory limit"},
	{"sparse constructor", `local k = 67108863 local t = {[k] = 1}`, "memory limit"},
	{"sparse arguments", `local function f(...) return select("#", ...) end local k = 1000000
return f({[k] = 1}, {[k] = 1}, {[k] = 1}, {[k] = 1}, {[k] = 1}, {[k] = 1}, {[k] = 1}, {[k] = 1})`, "memory limit"},
	{"sparse in a multiple assignment", `local a, t = 0, {} a, t[67108863] = 1, 2`, "memory limit"},
	{"sparse rawset", `rawset({}, 67108863, 1)`, "memory limit"},
	{"sparse table.insert", `table.insert({}, 67108863, 1)`, "memory limit"},
	{"sparse o", `o[67108863] = 1`, "memory limit"},
	{"sparse behind __newindex", `local t = setmetatable({}, {__newindex = {}}) t[67108863] = 1`, "memory limit"},
	{"sparse in pcall", `local ok = pcall(function() local t = {} t[67108863] = 1 end) return ok`, "memory limit"},
	{"format %x", `local s = string.rep("x", 4194303) local t = {} for i = 1, 64 do t[i] = string.format("%x", s) end`, "string.format: result larger than the limit of 4 MiB"},
	{"format %d and %c", `local s = string.rep("x", 4194000) local t = {} for i = 1, 64 do t[i] = string.format(i % 2 == 0 and "%d" or "%c", s) end`, "limit of"},
	{"format %q", `local s = string.rep("\0", 2000000) local t = {} for i = 1, 64 do t[i] = string.format("%q", s) end`, "string.format: result larger than the limit of 4 MiB"},
	{"format of a table", `local t = json.decode("[" .. string.rep("1,", 99999) .. "1]") local u = {} for i = 1, 64 do u[i] = string.format("%d", t) end return #u`, ""},
	{"log", `local s = string.rep("x", 4194304) for i = 1, 16 do log(s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s) end`, ""},
	{"json.decode of empty objects", `local s = "[" .. string.rep("{},", 1000000) .. "{}]" local t = json.decode(s) return #t`, "memory limit"},
	{"json.decode of objects", `local s = "[" .. string.rep('{"a":1},', 400000) .. "{}]" local t = json.decode(s) return #t`, "memory limit"},
	{"json.decode of numbers", `local s = "[" .. string.rep("0,", 1500000) .. "0]" local t = {} for i = 1, 8 do t[i] = json.decode(s) end`, "memory limit"},
	{"json.decode too deep", `local s = "[" .. string.rep("0,", 1500000) .. string.rep("[", 1100) .. string.rep("]", 1101) return #json.decode(s)`, "memory limit"},
	{"json.encode", `local t = {} for i = 1, 1000 do t[i] = {a = i, b = string.rep("x", 2000)} end local u = {} for i = 1, 64 do u[i] = json.encode(t) end`, "memory limit"},
	{"xpcall handler loops", `return xpcall(function() error("x") end, function() while true do end end)`, "time limit"},
	{"string.rep ladder", `local t, s = {}, "x" for i = 1, 10 do s = string.rep(s, 10) t[i] = s end`, "limit of"},
	{"string.rep ladder kept", `local t = {} for i = 1, 10 do for j = 1, 10 do t[#t + 1] = string.rep(tostring(i * j), 2 ^ (i + 10)) end end`, "limit of"},
	{"__index chain", `local t = {} while true do t = setmetatable({}, {__index = t}) end`, "limit of"},
	{"table.insert loop", `local t = {} while true do table.insert(t, "x") end`, "limit of"},
	{"gsub with big replacements", `local big = string.rep("y", 1048576) local t = {} for i = 1, 64 do t[i] = string.gsub("xxx", "x", function() return big end) end`, "limit of"},
	{"gsub held in nested calls", `local big = string.rep("y", 3000000)
local function r(d) return (string.gsub("ab", "%a", function(c) if c == "a" then return big end if d == 0 then return "" end return r(d - 1) end)) end
r(60)`, "memory limit"},
	{"gsub %0 repeated", `string.gsub(string.rep("x", 1000000), ".+", string.rep("%0", 100000))`, "limit of"},
	{"upper of text that is not UTF-8", `local s = string.rep("\255", 4000000) local t = {} for i = 1, 64 do t[i] = s:upper() end`, "limit of"},
	{"doubling string", `local s = "x" while true do s = s .. s end`, "limit of"},
	{"table.concat", `local t = {} for i = 1, 4096 do t[i] = string.rep("x", 1024) end local u = {} for i = 1, 64 do u[i] = table.concat(t) end`, "limit of"},
	{"url_encode", `local s = string.rep("/", 1398000) local t = {} for i = 1, 64 do t[i] = url_encode(s) end`, "limit of"},
	{"base64", `local s = string.rep("x", 3000000) local t = {} for i = 1, 64 do t[i] = base64_encode(s) end`, "limit of"},
	{"closures", `local t = {} while true do local n = #t t[n + 1] = function() return n end end`, "limit of"},
	{"coroutines", `coroutine.wrap(function() end)()`, "coroutine is not available"},
}

// TestAllocationBattery runs each case of batteryCases under the default
// limits and checks that it ends as wanted, within twice the time limit,
// and that the Go heap did not grow by more than twice the memory limit
// while it ran. A heap growth over the bound is measured again, up to three
// times, as a collection may fall in the middle of one measure.
//
// The collector runs at GOGC=25 meanwhile, so that the growth measured is
// what the run holds and takes at once, not the collector's headroom: by
// default the heap grows to twice what is live before a collection, and a
// run that holds its limit while it makes garbage would reach the bound
// whatever the meter does.
func TestAllocationBattery(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	cfg := Config{}.WithDefaults()
	// The race detector slows the runs down, and a busy machine too: a case
	// that should meet the memory limit must not meet the time limit first.
	cfg.Timeout *= raceSlowdown
	e := NewEngine(cfg)
	maxGrowth := uint64(2 * cfg.MaxMemoryBytes)
	maxTime := 2 * cfg.Timeout
	for _, tt := range batteryCases {
		t.Run(tt.name, func(t *testing.T) {
			s, err := e.Compile("test", tt.source)
			if err != nil {
				t.Fatal(err)
			}
			var growth uint64
			for range 3 {
				var took time.Duration
				growth, took, err = measureRun(e, s)
				if took > maxTime {
					t.Errorf("took %s, more than %s", took, maxTime)
				}
				if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
					t.Fatalf("got error %v, want %q", err, tt.want)
				}
				var serr *Error
				if err != nil && (!errors.As(err, &serr) || serr.Line == 0 && !strings.Contains(tt.want, "time")) {
					t.Errorf("error %q does not name the line", err)
				}
				t.Logf("heap growth %d MiB, %s: %v", growth>>20, took.Round(time.Millisecond), err)
				if growth <= maxGrowth {
					break
				}
			}
			if growth > maxGrowth {
				t.Errorf("the heap grew by %d MiB, more than %d MiB", growth>>20, maxGrowth>>20)
			}
		})
	}
	checkHealthy(t, e)
}

// measureRun runs s once on e and returns how much the Go heap the runtime
// keeps from the OS grew at most while it ran, how long it took, and its
// error.
func measureRun(e *Engine, s *Script) (growth uint64, took time.Duration, err error) {
	debug.FreeOSMemory()
	base := heapKept()
	peak := base
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			peak = max(peak, heapKept())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	_, err = e.Run(context.Background(), s, &Env{Order: Fields{"id": int64(1)}})
	took = time.Since(start)
	close(done)
	wg.Wait()
	peak = max(peak, heapKept())
	runtime.KeepAlive(s)
	return peak - base, took, err
}

// heapKept is the heap the Go runtime keeps from the OS: its objects, and
// the free and unused space it has not given back. A run that took memory,
// even for an instant, leaves it grown until the scavenger gives the space
// back, which takes far longer than a run.
func heapKept() uint64 {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(samples)
	var sum uint64
	for _, s := range samples {
		sum += s.Value.Uint64()
	}
	return sum
}
