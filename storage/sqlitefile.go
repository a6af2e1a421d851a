package storage

import (
	"fmt"
	"os"

	"gorm.io/gorm"
)

// sqliteFile is the SQLite file a store opened. A file deleted or replaced
// under a running process is not noticed by SQLite: the process goes on
// writing into the open, unlinked file, and all of it is lost at the next
// start. check compares the path with the file opened, so Ping reports it
// and writes are refused with ErrUnavailable.
type sqliteFile struct {
	path   string
	opened os.FileInfo
}

// watchSQLiteFile remembers the file at path, once the store has opened it;
// nil when there is no file to watch.
func watchSQLiteFile(path string) *sqliteFile {
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	return &sqliteFile{path: path, opened: fi}
}

// check says whether path is still the file that was opened.
func (f *sqliteFile) check() error {
	fi, err := os.Stat(f.path)
	switch {
	case err != nil:
		return fmt.Errorf("%w: the SQLite file %s is gone (%v): restart leadrelay once it is back", ErrUnavailable, f.path, err)
	case !os.SameFile(fi, f.opened):
		return fmt.Errorf("%w: the SQLite file %s was replaced while open: restart leadrelay to use the new one", ErrUnavailable, f.path)
	}
	return nil
}

// refuseWrites makes every write statement check the file first.
func (f *sqliteFile) refuseWrites(db *gorm.DB) error {
	guard := func(tx *gorm.DB) {
		if err := f.check(); err != nil {
			_ = tx.AddError(err)
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:create").Register("leadrelay:sqlite_file", guard),
		cb.Update().Before("gorm:update").Register("leadrelay:sqlite_file", guard),
		cb.Delete().Before("gorm:delete").Register("leadrelay:sqlite_file", guard),
		cb.Raw().Before("gorm:raw").Register("leadrelay:sqlite_file", guard),
	} {
		if err != nil {
			return fmt.Errorf("registering the SQLite file check: %w", err)
		}
	}
	return nil
}
