// Package groupcommit gathers the items of concurrent callers into groups
// that one function commits together, as databases group the commits of
// concurrent transactions.
//
// It has no timer. A group starts as soon as fewer than a limit of groups
// are committing, and takes every item waiting then, up to a most. A lone
// item is committed at once; items that arrive while commits are in flight
// wait for the next group, which is bigger the longer a commit takes. So a
// busy database gets bigger groups and fewer commits, an idle one no delay.
//
// The commit function answers each item's caller itself (an item carries
// its own channel, say); Add only queues.
package groupcommit

import (
	"runtime"
	"sync"
)

// Committer commits the items added to it in groups.
type Committer[T any] struct {
	commit func(group []T)
	limit  int
	most   int

	mu      sync.Mutex
	idle    sync.Cond // signalled when no group is committing
	waiting []T
	running int
	// pending counts the items added and not yet committed; groups, the
	// groups taken.
	pending int
	groups  int64
	// yield is set by YieldAfterCommit.
	yield bool
}

// New returns a Committer that runs commit on up to limit groups at once,
// each of at most most items.
func New[T any](limit, most int, commit func(group []T)) *Committer[T] {
	c := &Committer[T]{commit: commit, limit: max(1, limit), most: max(1, most)}
	c.idle.L = &c.mu
	return c
}

// YieldAfterCommit makes a flusher let the goroutines it has readied run
// once a group is committed, before it takes the next; call it before the
// first Add. The callers a commit answers wait on the flusher's processor
// otherwise, behind the next group's whole commit, while their answers are
// ready: with one flusher and the processors busy, that was most of a
// caller's wait. With four flushers on MySQL it cost more than it saved,
// as each yield delays a commit; with two it did not.
func (c *Committer[T]) YieldAfterCommit() { c.yield = true }

// Add queues an item, and starts a committing goroutine when fewer than the
// limit are at work.
func (c *Committer[T]) Add(item T) {
	c.mu.Lock()
	c.waiting = append(c.waiting, item)
	c.pending++
	start := c.running < c.limit
	if start {
		c.running++
	}
	c.mu.Unlock()
	if start {
		go c.run()
	}
}

// run commits groups until no item waits.
func (c *Committer[T]) run() {
	for {
		group := c.next()
		if group == nil {
			return
		}
		c.commit(group)
		c.mu.Lock()
		c.pending -= len(group)
		c.mu.Unlock()
		if c.yield {
			runtime.Gosched()
		}
	}
}

// next takes the next group off the waiting items; nil, and one goroutine
// fewer at work, when none waits.
func (c *Committer[T]) next() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := min(len(c.waiting), c.most)
	if k == 0 {
		if c.running--; c.running == 0 {
			c.idle.Broadcast()
		}
		return nil
	}
	c.groups++
	group := make([]T, k)
	copy(group, c.waiting)
	rest := copy(c.waiting, c.waiting[k:])
	clear(c.waiting[rest:])
	c.waiting = c.waiting[:rest]
	return group
}

// Wait returns once every item added before it is committed and no group
// is committing.
func (c *Committer[T]) Wait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.running > 0 {
		c.idle.Wait()
	}
}

// Limit is how many groups commit at once.
func (c *Committer[T]) Limit() int { return c.limit }

// Queue says how many items wait for their group's commit to end, and how
// many groups were taken so far.
func (c *Committer[T]) Queue() (pending int, groups int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pending, c.groups
}
