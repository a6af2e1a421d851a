package storage

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"
)

// Setting returns the named setting, storing generate() first if it is unset.
// Processes that race on the first call all end up with the value that won.
func (s *Store) Setting(ctx context.Context, name string, generate func() string) (string, error) {
	db := s.db.WithContext(ctx)
	fresh := Setting{Name: name, Value: generate()}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh).Error; err != nil {
		return "", fmt.Errorf("storing setting %s: %w", name, err)
	}
	var got Setting
	if err := db.Where("name = ?", name).First(&got).Error; err != nil {
		return "", fmt.Errorf("loading setting %s: %w", name, err)
	}
	return got.Value, nil
}
