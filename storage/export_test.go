package storage

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// Exec runs a statement on the store's database.
func Exec(ctx context.Context, s *Store, sql string) error {
	return s.db.WithContext(ctx).Exec(sql).Error
}

// HoldLeadWrites keeps every other connection from writing leads until
// release is called.
func HoldLeadWrites(ctx context.Context, s *Store) (release func(), err error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	hold, free := "LOCK TABLES `leads` WRITE", "UNLOCK TABLES"
	if s.dialect == SQLite {
		hold, free = "BEGIN IMMEDIATE", "ROLLBACK"
	}
	if _, err := conn.ExecContext(ctx, hold); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("holding lead writes: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), free)
		_ = conn.Close()
	}, nil
}

// IntakeQueue says how many new leads wait for their answer, and how many
// groups the store has committed or begun.
func IntakeQueue(s *Store) (pending int, groups int64) {
	s.intake.mu.Lock()
	defer s.intake.mu.Unlock()
	return s.intake.pending, s.intake.groups
}

// IntakeGroupsAtOnce is how many groups commit at once on the store.
func IntakeGroupsAtOnce(s *Store) int { return s.intake.limit }

// MaxGroup is the most leads a group takes.
const MaxGroup = maxGroup

// Unavailable is unavailable.
var Unavailable = unavailable

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

// DB is the store's gorm handle, for tests that take the schema back in time.
func DB(s *Store) *gorm.DB { return s.db }
