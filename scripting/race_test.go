//go:build race

package scripting

// raceSlowdown scales the time bounds of tests that measure how long a run
// takes: the race detector makes the VM several times slower.
const raceSlowdown = 4
