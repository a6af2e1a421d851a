package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/leadrelay/leadrelay/storage/groupcommit"
)

// ErrNotFound is returned when the asked-for row does not exist. The error
// returned names the row ("lead 12 does not exist") and errors.Is it
// ErrNotFound.
var ErrNotFound = errors.New("not found")

// notFoundError names the row that does not exist.
type notFoundError struct{ what string }

func (e *notFoundError) Error() string { return e.what + " does not exist" }

// Is makes errors.Is(err, ErrNotFound) hold.
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

// missing is the ErrNotFound of the row that format and args name.
func missing(format string, args ...any) error {
	return &notFoundError{what: fmt.Sprintf(format, args...)}
}

// Dialect names the SQL backend a Store runs on.
type Dialect string

// The two backends.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// Store is the one storage seam: every query the other packages need.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	intake  *groupcommit.Committer[*newLead]
	changes *groupcommit.Committer[*statusChange]
	// file is the SQLite file, watched for deletion; nil on MySQL.
	file *sqliteFile
	// prepared are the SQLite store's prepared statements; nil on MySQL.
	prepared *preparedStatements
}

// Open connects to the database a DSN names ("sqlite:PATH" or
// "mysql://user:pass@host:port/db") and checks that it answers.
func Open(ctx context.Context, dsn string) (*Store, error) {
	dialect, dialector, err := dialectorFor(dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		TranslateError:         true,
	})
	if err != nil {
		return nil, openError(dsn, fmt.Errorf("reaching the %s database: %w", dialect, err))
	}
	s := &Store{db: db, dialect: dialect}
	s.intake = newCommitter(s, s.createLeads)
	s.changes = newCommitter(s, s.writeStatusChanges)
	if err := s.configurePool(); err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, openError(dsn, err)
	}
	if dialect == SQLite {
		if err := s.registerPrepared(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
		if s.file = watchSQLiteFile(sqlitePath(dsn)); s.file != nil {
			if err := s.file.refuseWrites(db); err != nil {
				_ = s.Close()
				return nil, err
			}
		}
	}
	return s, nil
}

// registerPrepared registers a SQLite store's prepared statements (see
// preparedStatements), and prepares them if its tables are there; Migrate
// prepares them otherwise.
func (s *Store) registerPrepared(ctx context.Context) error {
	s.prepared = &preparedStatements{}
	if err := s.db.Use(s.prepared); err != nil {
		return fmt.Errorf("registering the prepared statements: %w", err)
	}
	_ = s.prepared.prepare(ctx)
	return nil
}

func (s *Store) configurePool() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("getting the connection pool: %w", err)
	}
	if s.dialect == SQLite {
		// One connection, for good: it holds the file in exclusive locking
		// mode (see sqliteDSN), which no second connection could open.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
		return nil
	}
	sqlDB.SetMaxOpenConns(32)
	sqlDB.SetMaxIdleConns(32)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	return nil
}

// Dialect tells which backend the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Exec runs one statement on the store's own connections: for tests that
// change the schema under a store (a SQLite store keeps its file to its one
// connection, so no other may).
func (s *Store) Exec(ctx context.Context, statement string) error {
	return s.db.WithContext(ctx).Exec(statement).Error
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("getting the connection pool: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("reaching the %s database: %w", s.dialect, err)
	}
	if s.file != nil {
		return s.file.check()
	}
	return nil
}

// Close releases the connection pool.
func (s *Store) Close() error {
	if s.prepared != nil {
		s.prepared.close()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// openError says why a database could not be opened, plainly when a SQLite
// file is held by another process.
func openError(dsn string, err error) error {
	if sqliteBusy(err) {
		return fmt.Errorf("the SQLite file %s is in use by another process (a leadrelay serve?): "+
			"SQLite takes one process at a time; stop that one, or run on MySQL/MariaDB: %w", sqlitePath(dsn), err)
	}
	return err
}

func dialectorFor(dsn string) (Dialect, gorm.Dialector, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := sqlitePath(dsn)
		if path == "" {
			return "", nil, errors.New("the DSN sqlite: needs a file path, as in sqlite:leadrelay.db")
		}
		return SQLite, sqlite.Open(sqliteDSN(path)), nil
	case strings.HasPrefix(dsn, "mysql://"):
		driverDSN, err := MySQLDriverDSN(dsn)
		if err != nil {
			return "", nil, err
		}
		return MySQL, mysql.Open(driverDSN), nil
	default:
		return "", nil, fmt.Errorf("cannot read the DSN %q: it starts with sqlite: or mysql://", RedactDSN(dsn))
	}
}

func sqlitePath(dsn string) string { return strings.TrimPrefix(dsn, "sqlite:") }

// sqliteDSN opens the file in exclusive locking mode, set before WAL: the
// WAL index then lives in the connection's memory instead of a shared
// memory map of the -shm file. A file made read-only under the process
// (chattr +i) makes writes fail with SQLITE_READONLY instead of a SIGBUS in
// that map, which killed the process. The price is one connection, and no
// second process on the file while this one runs.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "locking_mode(EXCLUSIVE)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// MySQLDriverDSN turns "mysql://user:pass@host:port/db?param=v" into the
// go-sql-driver form, with utf8mb4, parseTime and UTC always set.
func MySQLDriverDSN(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("cannot read the DSN %q: want mysql://user:pass@host:3306/db", RedactDSN(dsn))
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return "", fmt.Errorf("the DSN %q names no database: want mysql://user:pass@host:3306/db", RedactDSN(dsn))
	}
	cfg := mysqldriver.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = u.Host + ":3306"
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.DBName = db
	cfg.ParseTime = true
	// Matched rather than changed rows, so a guarded write that leaves a row
	// as it was still counts as done, as on SQLite.
	cfg.ClientFoundRows = true
	// Arguments are written into the statement text: one round trip a
	// statement instead of prepare, execute and close.
	cfg.InterpolateParams = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	for k, v := range u.Query() {
		cfg.Params[k] = v[0]
	}
	return cfg.FormatDSN(), nil
}

// RedactDSN hides a DSN's password, for logs and error messages, also in a
// DSN the URL parser refuses (a password with a bare %, # or space).
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return redactUnparsed(dsn)
	}
	if u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	return u.String()
}

// redactUnparsed hides what stands between the user's colon and the last @
// of a DSN that is not a URL.
func redactUnparsed(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	at := strings.LastIndex(rest, "@")
	if !ok || at < 0 {
		return dsn
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return dsn
	}
	return scheme + "://" + user + ":***" + rest[at:]
}

// sqliteStatementValues is how many values one SQLite statement binds at
// most. The SQLite driver binds each value after a scan over all of them,
// so a statement costs the square of its values: 3,000 leads took 2.0 s to
// store in statements of 300 rows and 0.26 s in statements of 13.
const sqliteStatementValues = 1000

// rowsPerStatement is how many rows of columns values one INSERT on db
// takes: mysqlRows on MySQL, as many as fit sqliteStatementValues on SQLite.
func rowsPerStatement(db *gorm.DB, columns, mysqlRows int) int {
	if db.Dialector.Name() == string(SQLite) {
		return max(1, sqliteStatementValues/columns)
	}
	return mysqlRows
}
