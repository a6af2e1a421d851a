package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	sqlitedriver "github.com/glebarez/go-sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
)

// ErrUnavailable is returned when the database cannot take a statement now:
// the SQLite file was deleted or replaced under the process, for one.
var ErrUnavailable = errors.New("the database is unavailable")

// Unavailable says whether err means the database does not answer or refuses
// for now, so that the same statement may succeed later: a connection
// refused, reset or cut, a deadline, a server shutting down, a lock wait or
// deadlock, a SQLite file that is busy, read-only or failing its I/O.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr *net.OpError
	var my *mysqldriver.MySQLError
	var lite *sqlitedriver.Error
	switch {
	case errors.Is(err, ErrUnavailable), errors.Is(err, driver.ErrBadConn), errors.Is(err, mysqldriver.ErrInvalidConn),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	case errors.As(err, &my):
		return unavailableMySQL[my.Number]
	case errors.As(err, &lite):
		return unavailableSQLite[lite.Code()&0xff]
	}
	return false
}

// The MySQL/MariaDB error numbers of a server that refuses for now.
var unavailableMySQL = map[uint16]bool{
	1040: true, // too many connections
	1053: true, // server shutdown in progress
	1205: true, // lock wait timeout
	1213: true, // deadlock
	1290: true, // read-only (--read-only)
	1927: true, // connection killed
	4031: true, // disconnected for inactivity
}

// The SQLite primary result codes of a file that refuses for now.
var unavailableSQLite = map[int]bool{
	5:  true, // SQLITE_BUSY
	6:  true, // SQLITE_LOCKED
	8:  true, // SQLITE_READONLY
	10: true, // SQLITE_IOERR
	13: true, // SQLITE_FULL
	14: true, // SQLITE_CANTOPEN
}

// sqliteBusy says whether err is SQLite's "database is locked": another
// connection holds the file.
func sqliteBusy(err error) bool {
	var lite *sqlitedriver.Error
	return errors.As(err, &lite) && (lite.Code()&0xff == 5 || lite.Code()&0xff == 6)
}
