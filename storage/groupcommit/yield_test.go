package groupcommit_test

import (
	"runtime"
	"testing"

	"github.com/leadrelay/leadrelay/storage/groupcommit"
)

// answeredFirst commits two groups of one item on one processor and
// reports whether the caller that the first commit answers ran before the
// second commit began.
func answeredFirst(yield bool) bool {
	release, answered := make(chan struct{}), make(chan struct{})
	order := make(chan string, 2)
	c := groupcommit.New(1, 1, func(g []int) {
		if g[0] == 1 {
			<-release
			close(answered)
			return
		}
		order <- "second commit"
	})
	if yield {
		c.YieldAfterCommit()
	}
	callerDone := make(chan struct{})
	go func() {
		<-answered
		order <- "answered caller"
		close(callerDone)
	}()
	runtime.Gosched() // the caller waits on answered
	c.Add(1)
	c.Add(2)
	close(release)
	c.Wait()
	<-callerDone
	return <-order == "answered caller"
}

// TestAFlusherThatYieldsLetsItsAnsweredCallersRunFirst counts, over many
// rounds on one processor, how often the caller a commit answered ran
// before the next group's commit: the scheduler's order, which it takes
// from the run queue it keeps for the processor except on one schedule in
// 61 (and at random under the race detector), so most rounds, not all.
// Not parallel: it sets GOMAXPROCS.
func TestAFlusherThatYieldsLetsItsAnsweredCallersRunFirst(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const rounds = 200
	first := 0
	for range rounds {
		if answeredFirst(true) {
			first++
		}
	}
	if first < rounds/2 {
		t.Errorf("the answered caller ran before the next commit in %d of %d rounds, want most", first, rounds)
	}
}
