package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	mysqldriver "github.com/go-sql-driver/mysql"
	sqlite "modernc.org/sqlite"
)

// ErrUnavailable is returned when the database cannot take a statement now:
// the SQLite file was deleted or replaced under the process, for one.
var ErrUnavailable = errors.New("the database is unavailable")

// Unavailable tells an error of the database itself (unreachable, shut
// down, out of room, read-only, locked past the busy timeout, a deadline)
// from one of the rows a statement wrote. Storing the same rows again,
// alone or in other company, cannot help with the first kind; the same
// statement may succeed once the database is back.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	var myErr *mysqldriver.MySQLError
	var liteErr *sqlite.Error
	switch {
	case errors.Is(err, ErrUnavailable), errors.Is(err, driver.ErrBadConn), errors.Is(err, mysqldriver.ErrInvalidConn),
		errors.Is(err, sql.ErrConnDone), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	case errors.As(err, &myErr):
		return mysqlUnavailable[myErr.Number]
	case errors.As(err, &liteErr):
		return sqliteUnavailable[liteErr.Code()&0xff]
	}
	return false
}

// mysqlUnavailable are the MySQL server errors that say the server cannot
// take writes now: too many connections, access denied, unknown database,
// shutting down, lock wait timeout, deadlock, read-only, connection killed,
// read-only mode, disconnected for inactivity.
var mysqlUnavailable = map[uint16]bool{1040: true, 1045: true, 1049: true, 1053: true, 1205: true, mysqlDeadlock: true,
	1290: true, 1836: true, 1927: true, 4031: true}

// mysqlDeadlock is MySQL's error for a transaction it rolled back to end a
// deadlock ("try restarting transaction").
const mysqlDeadlock = 1213

// deadlocked says whether err is a transaction the database rolled back
// to end a deadlock; the same transaction may succeed when run again.
func deadlocked(err error) bool {
	var myErr *mysqldriver.MySQLError
	return errors.As(err, &myErr) && myErr.Number == mysqlDeadlock
}

// sqliteUnavailable are the SQLite primary result codes of a database that
// cannot take writes now: busy, locked, out of memory, read-only, I/O
// error, corrupt, full, cannot open.
var sqliteUnavailable = map[int]bool{5: true, 6: true, 7: true, 8: true, 10: true, 11: true, 13: true, 14: true}

// sqliteBusy says whether err is SQLite's "database is locked": another
// connection holds the file.
func sqliteBusy(err error) bool {
	var liteErr *sqlite.Error
	return errors.As(err, &liteErr) && (liteErr.Code()&0xff == 5 || liteErr.Code()&0xff == 6)
}

// cancelled is err, or ctx's error when ctx ended: a statement cut short by
// its context fails with the driver's own error (SQLite's "interrupted"),
// and the caller, stopping on purpose, looks for context.Canceled.
func cancelled(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	return err
}
