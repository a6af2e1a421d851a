package groupcommit_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/leadrelay/leadrelay/storage/groupcommit"
)

// TestALoneItemCommitsAtOnce: with nothing in flight an item is its own
// group, committed without waiting for company.
func TestALoneItemCommitsAtOnce(t *testing.T) {
	t.Parallel()
	groups := make(chan []int, 1)
	c := groupcommit.New(2, 10, func(g []int) { groups <- g })
	c.Add(7)
	if g := <-groups; !slices.Equal(g, []int{7}) {
		t.Errorf("group = %v, want [7]", g)
	}
	c.Wait()
	if pending, taken := c.Queue(); pending != 0 || taken != 1 {
		t.Errorf("Queue() = %d, %d; want 0 pending, 1 group", pending, taken)
	}
}

// TestGroupsGatherWhileCommitsAreInFlight: items added while every
// committer is busy wait, and go in groups of at most most; every item is
// committed once, and no more than limit groups commit at once.
func TestGroupsGatherWhileCommitsAreInFlight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ limit, most, items int }{
		{limit: 1, most: 5, items: 23},
		{limit: 3, most: 4, items: 40},
		{limit: 4, most: 128, items: 1000},
	} {
		var (
			mu      sync.Mutex
			seen    = map[int]int{}
			atOnce  atomic.Int32
			peak    atomic.Int32
			biggest int
		)
		release := make(chan struct{})
		c := groupcommit.New(tc.limit, tc.most, func(g []int) {
			n := atOnce.Add(1)
			for {
				m := peak.Load()
				if n <= m || peak.CompareAndSwap(m, n) {
					break
				}
			}
			<-release
			mu.Lock()
			for _, i := range g {
				seen[i]++
			}
			biggest = max(biggest, len(g))
			mu.Unlock()
			atOnce.Add(-1)
		})
		for i := range tc.items {
			c.Add(i)
		}
		close(release)
		c.Wait()
		if len(seen) != tc.items {
			t.Errorf("%+v: %d items committed, want %d", tc, len(seen), tc.items)
		}
		for i, n := range seen {
			if n != 1 {
				t.Errorf("%+v: item %d committed %d times", tc, i, n)
			}
		}
		if got := int(peak.Load()); got > tc.limit {
			t.Errorf("%+v: %d groups committed at once, limit %d", tc, got, tc.limit)
		}
		if biggest > tc.most {
			t.Errorf("%+v: a group of %d items, most %d", tc, biggest, tc.most)
		}
		if tc.items > tc.limit && biggest < 2 {
			t.Errorf("%+v: no group gathered more than one item while commits were in flight", tc)
		}
	}
}
