package storage

import (
	"context"
	"time"

	"github.com/leadrelay/leadrelay/storage/groupcommit"
)

// Group commit bounds, for new leads and status changes alike. A group is
// at most maxGroup items. SQLite has one writer, so one group commits at a
// time. On MySQL two groups at once overlap one group's statements with
// the other's commit: in five interleaved pairs against one at a time
// (leadbench -intake, MariaDB on the same two cores) they took 1-11 % more
// leads a second, with p99s within the runs' spread. Four at once made
// smaller groups, each with a connection and a share of the database's
// CPU, and took fewer.
const (
	maxGroup        = 128
	groupsOnSQLite  = 1
	groupsOnMySQL   = 2
	groupCommitTime = 30 * time.Second
)

// groupCall is one caller's item in a group commit.
type groupCall interface {
	// caller is the caller's context: once it is done, the item is not
	// written.
	caller() context.Context
	// answer gives the caller its outcome.
	answer(error)
}

// newCommitter gathers calls into groups (see groupcommit), each written
// in one transaction by write (see commitEach), by flushers that yield
// once they have answered a group (see YieldAfterCommit).
func newCommitter[T groupCall](s *Store, write func(context.Context, []T) error) *groupcommit.Committer[T] {
	limit := groupsOnMySQL
	if s.dialect == SQLite {
		limit = groupsOnSQLite
	}
	c := groupcommit.New(limit, maxGroup, func(group []T) { commitEach(group, write) })
	c.YieldAfterCommit()
	return c
}

// deadlockRetries is how many times a transaction MySQL rolled back to end
// a deadlock is run again. Two groups commit at once on MySQL, and other
// processes write too: two groups of leads that repeat each other's phones
// can each hold a value the other wants next, and MySQL fails one of them.
// Run again, it finds the other committed.
const deadlockRetries = 5

// commitEach writes a group in one transaction and answers each of its
// callers. A caller that gave up before its group began is answered with
// its context's error and its item is not written. The transaction does not
// end with one caller's context, so no caller's leaving undoes its
// neighbours'. A transaction the database ended as a deadlock is run again
// (deadlockRetries). When the database is unavailable every item gets the
// error; when the group fails otherwise, each item is written again in a
// transaction of its own, so that a bad item fails alone.
func commitEach[T groupCall](group []T, write func(context.Context, []T) error) {
	live := group[:0]
	for _, c := range group {
		if err := c.caller().Err(); err != nil {
			c.answer(err)
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), groupCommitTime)
	defer cancel()
	run := func(items []T) error {
		err := write(ctx, items)
		for try := 0; try < deadlockRetries && deadlocked(err); try++ {
			err = write(ctx, items)
		}
		return err
	}
	err := run(live)
	if err == nil || len(live) == 1 || Unavailable(err) {
		for _, c := range live {
			c.answer(err)
		}
		return
	}
	for _, c := range live {
		c.answer(run([]T{c}))
	}
}
