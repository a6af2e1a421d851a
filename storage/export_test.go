package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// MigrateAsVersion1 builds the schema the way an install before migration 2
// did: migration 1 with the tables in the database's default charset.
func MigrateAsVersion1(ctx context.Context, s *Store) error {
	db := s.db.WithContext(ctx)
	if err := db.AutoMigrate(&schemaMigration{}); err != nil {
		return err
	}
	if err := migrations[0].apply(db); err != nil {
		return err
	}
	return db.Create(&schemaMigration{Version: 1, Name: migrations[0].name, AppliedAt: time.Now().UTC()}).Error
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
func IntakeQueue(s *Store) (pending int, groups int64) { return s.intake.Queue() }

// StatusQueue says how many status changes wait for their answer, and how
// many groups the store has committed or begun.
func StatusQueue(s *Store) (pending int, groups int64) { return s.changes.Queue() }

// GroupsAtOnce is how many groups of new leads, or of status changes,
// commit at once on the store.
func GroupsAtOnce(s *Store) int { return s.intake.Limit() }

// MaxGroup is the most leads a group takes.
const MaxGroup = maxGroup

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

// Cancelled is cancelled, for its test.
var Cancelled = cancelled

// ShapesPrepared is how many shapes of a lead's INSERT the store keeps
// prepared.
func ShapesPrepared(s *Store) int {
	if s.prepared == nil {
		return 0
	}
	s.prepared.shapes.mu.Lock()
	defer s.prepared.shapes.mu.Unlock()
	return len(s.prepared.shapes.ready)
}

// MaxShapes is the most shapes a store keeps prepared.
const MaxShapes = maxShapes
