package storage

import (
	"context"
	"time"
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
