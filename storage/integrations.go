package storage

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// SaveIntegration stores an integration document. A record with ID 0 is
// created (ID filled in); otherwise the record must exist and its version goes
// up by one. Version is set on rec to the stored version.
func (s *Store) SaveIntegration(ctx context.Context, rec *IntegrationRecord) error {
	db := s.db.WithContext(ctx)
	if rec.ID == 0 {
		rec.Version = 1
		if err := db.Create(rec).Error; err != nil {
			return fmt.Errorf("creating integration: %w", err)
		}
		return nil
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur IntegrationRecord
		err := tx.Select("id", "version", "created_at").First(&cur, rec.ID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			rec.Version = 1
			return tx.Create(rec).Error
		}
		if err != nil {
			return fmt.Errorf("loading integration %d: %w", rec.ID, err)
		}
		rec.Version = cur.Version + 1
		rec.CreatedAt = cur.CreatedAt
		if err := tx.Save(rec).Error; err != nil {
			return fmt.Errorf("updating integration %d: %w", rec.ID, err)
		}
		return nil
	})
}

// GetIntegration loads one integration record.
func (s *Store) GetIntegration(ctx context.Context, id int64) (*IntegrationRecord, error) {
	var rec IntegrationRecord
	err := s.db.WithContext(ctx).First(&rec, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, missing("integration %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("loading integration %d: %w", id, err)
	}
	return &rec, nil
}

// ListIntegrations returns every integration, lowest id first (routing order).
func (s *Store) ListIntegrations(ctx context.Context) ([]IntegrationRecord, error) {
	var out []IntegrationRecord
	if err := s.db.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing integrations: %w", err)
	}
	return out, nil
}

// IntegrationVersions returns id → version for every integration: a cheap
// query that tells a cache which documents changed.
func (s *Store) IntegrationVersions(ctx context.Context) (map[int64]int64, error) {
	var rows []IntegrationRecord
	if err := s.db.WithContext(ctx).Select("id", "version").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing integration versions: %w", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Version
	}
	return out, nil
}

// DeleteIntegration removes an integration; ErrNotFound if there was none.
func (s *Store) DeleteIntegration(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Delete(&IntegrationRecord{}, id)
	if res.Error != nil {
		return fmt.Errorf("deleting integration %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return missing("integration %d", id)
	}
	return nil
}
