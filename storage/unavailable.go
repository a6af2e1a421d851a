package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	sqlite "github.com/glebarez/go-sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
)

// unavailable tells an error of the database itself (unreachable, shut
// down, out of room, read-only, locked past the busy timeout) from one of
// the rows a statement wrote. Storing the same rows again, alone or in
// other company, cannot help with the first kind.
func unavailable(err error) bool {
	var netErr net.Error
	var myErr *mysqldriver.MySQLError
	var liteErr *sqlite.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysqldriver.ErrInvalidConn),
		errors.Is(err, sql.ErrConnDone), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
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
// shutting down, lock wait timeout, read-only.
var mysqlUnavailable = map[uint16]bool{1040: true, 1045: true, 1049: true, 1053: true, 1205: true, 1290: true, 1836: true}

// sqliteUnavailable are the SQLite primary result codes of a database that
// cannot take writes now: busy, locked, out of memory, read-only, I/O
// error, corrupt, full, cannot open.
var sqliteUnavailable = map[int]bool{5: true, 6: true, 7: true, 8: true, 10: true, 11: true, 13: true, 14: true}
