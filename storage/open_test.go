package storage_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestStoreDialectExecPingClose: each store says its backend, runs a
// statement or says why not, answers a ping while open and not once closed.
func TestStoreDialectExecPingClose(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, err := storage.Open(ctx, b.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			if want := storage.Dialect(b.Name); s.Dialect() != want {
				t.Errorf("Dialect = %q, want %q", s.Dialect(), want)
			}
			if err := s.Exec(ctx, "CREATE TABLE probe (id INTEGER)"); err != nil {
				t.Fatalf("Exec: %v", err)
			}
			if err := s.Exec(ctx, "INSERT INTO probe (id) VALUES (1)"); err != nil {
				t.Fatalf("Exec: %v", err)
			}
			if err := s.Exec(ctx, "INSERT INTO nowhere (id) VALUES (1)"); err == nil {
				t.Error("Exec into a table that does not exist succeeded")
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping of an open store: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := s.Ping(ctx); err == nil {
				t.Error("Ping of a closed store succeeded")
			}
		})
	}
}

// TestSchemaVersion: 0 before any migration, the highest applied after.
func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, err := storage.Open(ctx, b.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			if v, err := s.SchemaVersion(ctx); err != nil || v != 0 {
				t.Fatalf("SchemaVersion of an empty database = %d, %v; want 0", v, err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if v, err := s.SchemaVersion(ctx); err != nil || v < 8 {
				t.Fatalf("SchemaVersion after Migrate = %d, %v; want 8 or more", v, err)
			}
			if err := s.Exec(ctx, "DELETE FROM schema_migrations WHERE version > 4"); err != nil {
				t.Fatal(err)
			}
			if v, err := s.SchemaVersion(ctx); err != nil || v != 4 {
				t.Errorf("SchemaVersion with steps up to 4 recorded = %d, %v; want 4", v, err)
			}
			if err := s.Exec(ctx, "DELETE FROM schema_migrations"); err != nil {
				t.Fatal(err)
			}
			if v, err := s.SchemaVersion(ctx); err != nil || v != 0 {
				t.Errorf("SchemaVersion with no step recorded = %d, %v; want 0", v, err)
			}
		})
	}
}

// TestSettingOneValueAcrossStores: processes that ask for an unset setting
// at once, each generating its own value, all get the one that was stored.
func TestSettingOneValueAcrossStores(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			stores := storagetest.Processes(t, b.DSN(t), 2)
			const n = 12
			got := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					v, err := stores[i%2].Setting(context.Background(), "secret", func() string { return fmt.Sprint("value ", i) })
					if err != nil {
						t.Error(err)
					}
					got[i] = v
				})
			}
			wg.Wait()
			for i, v := range got {
				if v != got[0] || !strings.HasPrefix(v, "value ") {
					t.Fatalf("store %d got %q, store 0 %q: want one stored value", i, v, got[0])
				}
			}
			other, err := stores[1].Setting(context.Background(), "other", func() string { return "own" })
			if err != nil || other != "own" {
				t.Errorf("another setting = %q, %v; want its own value", other, err)
			}
		})
	}
}

func TestMySQLDriverDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dsn                  string
		user, pass, addr, db string
		params               map[string]string
	}{
		{"mysql://root@127.0.0.1:3306/test", "root", "", "127.0.0.1:3306", "test", map[string]string{"time_zone": "'+00:00'"}},
		{"mysql://app:s%40cret@db.example/leads", "app", "s@cret", "db.example:3306", "leads", map[string]string{"time_zone": "'+00:00'"}},
		{"mysql://u:p@h:3307/d?lock_wait_timeout=1", "u", "p", "h:3307", "d",
			map[string]string{"time_zone": "'+00:00'", "lock_wait_timeout": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			t.Parallel()
			out, err := storage.MySQLDriverDSN(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := mysqldriver.ParseDSN(out)
			if err != nil {
				t.Fatalf("the driver cannot read %q: %v", out, err)
			}
			if cfg.User != tt.user || cfg.Passwd != tt.pass || cfg.Net != "tcp" || cfg.Addr != tt.addr || cfg.DBName != tt.db {
				t.Errorf("user %q pass %q net %q addr %q db %q", cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName)
			}
			if !cfg.ParseTime || !cfg.ClientFoundRows || !cfg.InterpolateParams || cfg.Loc != time.UTC || cfg.Collation != "utf8mb4_unicode_ci" {
				t.Errorf("parseTime %v clientFoundRows %v interpolateParams %v loc %v collation %q",
					cfg.ParseTime, cfg.ClientFoundRows, cfg.InterpolateParams, cfg.Loc, cfg.Collation)
			}
			for k, v := range tt.params {
				if cfg.Params[k] != v {
					t.Errorf("param %s = %q, want %q", k, cfg.Params[k], v)
				}
			}
		})
	}
	for _, bad := range []string{"mysql://", "mysql://root@host", "mysql://root@host/", "mysql://root@host/a/b", "mysql://root:pw@%zz/db"} {
		if out, err := storage.MySQLDriverDSN(bad); err == nil {
			t.Errorf("MySQLDriverDSN(%q) = %q, want an error", bad, out)
		} else if strings.Contains(err.Error(), ":pw@") {
			t.Errorf("MySQLDriverDSN(%q): the error shows the password: %v", bad, err)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"mysql://app:hunter2@db:3306/leads", "mysql://app:%2A%2A%2A@db:3306/leads"},
		{"mysql://root@db:3306/leads", "mysql://root@db:3306/leads"},
		{"sqlite:leadrelay.db", "sqlite:leadrelay.db"},
		{"mysql://app:@db/leads", "mysql://app:%2A%2A%2A@db/leads"},
		// Passwords the URL parser refuses are hidden all the same.
		{"mysql://app:50%off@db/leads", "mysql://app:***@db/leads"},
		{"mysql://app:pa#ss@db/leads", "mysql://app:***@db/leads"},
		{"mysql://app:pa ss@db/leads", "mysql://app:***@db/leads"},
		{"not a url %zz", "not a url %zz"},
	} {
		if got := storage.RedactDSN(tt.in); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
