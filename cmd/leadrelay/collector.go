package main

import "runtime/debug"

// collectorPercent is serve's garbage collector target (GOGC) when the
// environment sets none: the heap may grow to three times what is live
// before a collection, not twice. A serve process keeps little alive (a
// few tens of MB) and allocates for every lead it takes in or sends, so
// at Go's default of 100 the collector took an eighth of its CPU; at 200
// it runs half as often, for about 8 MB more peak RSS (see README, load
// table).
const collectorPercent = 200

// tuneCollector sets the collector's target to collectorPercent unless GOGC
// is set, which keeps its say.
func (a *app) tuneCollector() {
	if a.env("GOGC") != "" {
		return
	}
	debug.SetGCPercent(collectorPercent)
}
