// Package storagetest gives tests a fresh, migrated database on every backend:
// SQLite always, and MySQL/MariaDB when LEADRELAY_TEST_MYSQL_DSN is set (as
// mysql://user:pass@host:3306/db). Each store lives in its own file or schema
// and is removed when the test ends.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql" // the driver behind the schema setup

	"github.com/leadrelay/leadrelay/storage"
)

// EnvMySQL names the variable holding the MySQL/MariaDB DSN for tests.
const EnvMySQL = "LEADRELAY_TEST_MYSQL_DSN"

// Backend is a way to get a fresh store.
type Backend struct {
	Name string
	// DSN returns the DSN of a new, empty database, dropped when t ends.
	DSN func(t testing.TB) string
}

// Backends lists SQLite and, when configured, MySQL.
func Backends() []Backend {
	out := []Backend{{Name: "sqlite", DSN: sqliteDSN}}
	if base := mysqlBase(); base != "" {
		out = append(out, Backend{Name: "mysql", DSN: func(t testing.TB) string { return mysqlDSN(t, base) }})
	}
	return out
}

// Run runs fn as a subtest on every backend, each with a fresh migrated store.
func Run(t *testing.T, fn func(t *testing.T, s *storage.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, Open(t, b.DSN(t)))
		})
	}
}

// Open opens and migrates the store at dsn, closing it when t ends.
func Open(t testing.TB, dsn string) *storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("opening %s: %v", storage.RedactDSN(dsn), err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating: %v", err)
	}
	return s
}

// Processes opens n stores on the database at dsn, as n processes would
// have them, each with its own connections. A SQLite file takes one process
// at a time, so there all n are one store.
func Processes(t testing.TB, dsn string, n int) []*storage.Store {
	t.Helper()
	stores := make([]*storage.Store, n)
	for i := range stores {
		if i > 0 && strings.HasPrefix(dsn, "sqlite:") {
			stores[i] = stores[0]
			continue
		}
		stores[i] = Open(t, dsn)
	}
	return stores
}

// RefuseInserts makes store s refuse every new row of table, with the
// message "insert refused", through a trigger: as a crash between two
// statements would, it shows what a write leaves behind when its last part
// fails.
func RefuseInserts(t testing.TB, s *storage.Store, table string) {
	t.Helper()
	trigger := "CREATE TRIGGER refuse_" + table + " BEFORE INSERT ON `" + table + "` BEGIN SELECT RAISE(ABORT, 'insert refused'); END"
	if s.Dialect() == storage.MySQL {
		trigger = "CREATE TRIGGER refuse_" + table + " BEFORE INSERT ON `" + table + "` FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'insert refused'"
	}
	if err := s.Exec(context.Background(), trigger); err != nil {
		t.Fatalf("creating a trigger that refuses rows of %s: %v", table, err)
	}
}

func sqliteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "leadrelay.db")
}

func mysqlBase() string { return strings.TrimSpace(os.Getenv(EnvMySQL)) }

// mysqlDSN creates a schema of its own for the test and drops it afterwards.
func mysqlDSN(t testing.TB, base string) string {
	t.Helper()
	driverDSN, err := storage.MySQLDriverDSN(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	admin, err := sql.Open("mysql", driverDSN)
	if err != nil {
		t.Fatalf("connecting to MySQL: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	name := "lrtest_" + randomHex(6)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
