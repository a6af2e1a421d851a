package storage

import (
	"context"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// ForgetUncertain takes the database back to before migration 5: its
// columns dropped and its step unrecorded.
func (s *Store) ForgetUncertain(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	m := db.Migrator()
	if err := m.DropIndex(&lead.Lead{}, "Uncertain"); err != nil {
		return err
	}
	for _, col := range []string{"Uncertain", "CheckDue"} {
		if err := m.DropColumn(&lead.Lead{}, col); err != nil {
			return err
		}
	}
	if err := m.DropColumn(&LogEntry{}, "Uncertain"); err != nil {
		return err
	}
	return db.Exec("DELETE FROM schema_migrations WHERE version = 5").Error
}
