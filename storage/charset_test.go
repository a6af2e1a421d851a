package storage_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestLatin1DatabaseStoresCyrillic: on a database whose default charset is
// latin1, a fresh install creates utf8mb4 tables and an earlier install's
// latin1 tables are converted, so a Cyrillic name is stored either way.
func TestLatin1DatabaseStoresCyrillic(t *testing.T) {
	t.Parallel()
	base := os.Getenv(storagetest.EnvMySQL)
	if base == "" {
		t.Skip("a latin1 database needs MySQL: set " + storagetest.EnvMySQL)
	}
	for _, tc := range []struct {
		name    string
		earlier bool
	}{{"fresh install", false}, {"install before utf8mb4 tables", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn, admin := latin1Database(t, base)
			s, err := storage.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			if tc.earlier {
				if err := storage.MigrateAsVersion1(ctx, s); err != nil {
					t.Fatal(err)
				}
				if n := notUTF8MB4(t, admin, dsn); n == 0 {
					t.Fatal("the earlier install's tables are utf8mb4 already: the test proves nothing")
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if n := notUTF8MB4(t, admin, dsn); n != 0 {
				t.Errorf("%d tables or columns are not utf8mb4 after Migrate", n)
			}
			in := &lead.Lead{Name: "Иван", Last: "Петров", Phone: "79001234567", Country: "ru", City: "Москва"}
			if err := s.CreateLeadWith(ctx, in, nil, nil); err != nil {
				t.Fatalf("storing a Cyrillic name: %v", err)
			}
			got, err := s.GetLead(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != in.Name || got.Last != in.Last || got.City != in.City {
				t.Errorf("stored %q %q %q, want %q %q %q", got.Name, got.Last, got.City, in.Name, in.Last, in.City)
			}
		})
	}
}

// latin1Database creates a database whose default charset is latin1,
// dropped when t ends, and returns its DSN and a connection to the server.
func latin1Database(t *testing.T, base string) (string, *sql.DB) {
	t.Helper()
	driverDSN, err := storage.MySQLDriverDSN(base)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("mysql", driverDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "lrlatin1_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET latin1 COLLATE latin1_swedish_ci"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String(), admin
}

// notUTF8MB4 counts the tables and text columns of the DSN's database that
// are in another charset.
func notUTF8MB4(t *testing.T, admin *sql.DB, dsn string) int {
	t.Helper()
	u, _ := url.Parse(dsn)
	name := u.Path[1:]
	var n int
	err := admin.QueryRow(`SELECT
		(SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_COLLATION NOT LIKE 'utf8mb4%') +
		(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND CHARACTER_SET_NAME <> 'utf8mb4')`,
		name, name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
