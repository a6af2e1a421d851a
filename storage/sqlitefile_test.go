package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestSQLiteFileGoneRefusesWrites: a SQLite file deleted or replaced while
// the store has it open fails Ping and refuses writes with ErrUnavailable,
// instead of taking leads into a file that the next start will not see.
func TestSQLiteFileGoneRefusesWrites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		lose func(path string) error
	}{
		{"deleted", os.Remove},
		{"replaced", func(path string) error {
			if err := os.WriteFile(path+".new", nil, 0o644); err != nil {
				return err
			}
			return os.Rename(path+".new", path)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "leadrelay.db")
			s := storagetest.Open(t, "sqlite:"+path)
			if err := s.CreateLeadWith(ctx, &lead.Lead{Name: "Ann"}, nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := tc.lose(path); err != nil {
				t.Fatal(err)
			}
			if err := s.Ping(ctx); !errors.Is(err, storage.ErrUnavailable) {
				t.Errorf("Ping = %v, want ErrUnavailable", err)
			}
			err := s.CreateLeadWith(ctx, &lead.Lead{Name: "Bob"}, nil, nil)
			if !errors.Is(err, storage.ErrUnavailable) || !storage.Unavailable(err) {
				t.Errorf("storing a lead = %v, want ErrUnavailable", err)
			}
		})
	}
}

// TestSQLiteFileMadeImmutable: files made immutable (chattr +i) under a
// running store make writes fail with an error that says the database is
// unavailable, the process stays up, and writes work again once the files
// are writable.
func TestSQLiteFileMadeImmutable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := storagetest.Open(t, "sqlite:"+filepath.Join(dir, "leadrelay.db"))
	if err := s.CreateLeadWith(ctx, &lead.Lead{Name: "Ann"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	writable := storagetest.MakeImmutable(t, filepath.Join(dir, "leadrelay.db"))
	for i := range 50 {
		err := s.CreateLeadWith(ctx, &lead.Lead{Name: "Bob"}, nil, nil)
		if err == nil {
			t.Fatalf("write %d to an immutable file was taken", i)
		}
		if !storage.Unavailable(err) {
			t.Fatalf("write %d to an immutable file: %v, want an error Unavailable knows", i, err)
		}
		if _, err := s.GetLead(ctx, 1); err != nil {
			t.Fatalf("reading an immutable file: %v", err)
		}
	}
	writable()
	if err := s.CreateLeadWith(ctx, &lead.Lead{Name: "Cy"}, nil, nil); err != nil {
		t.Errorf("writing once the file is writable again: %v", err)
	}
}

// TestSQLiteFileTakesOneProcess: a second store on a SQLite file that one
// holds is refused with an error that says why.
func TestSQLiteFileTakesOneProcess(t *testing.T) {
	t.Parallel()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "leadrelay.db")
	storagetest.Open(t, dsn)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	s, err := storage.Open(ctx, dsn)
	if err == nil {
		_ = s.Close()
		t.Fatal("a second store opened a SQLite file the first one holds")
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("error = %v, want one saying the file is in use by another process", err)
	}
}
