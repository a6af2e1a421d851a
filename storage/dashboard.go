package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// AttemptCount is how many log rows of one integration's mode had one
// outcome.
type AttemptCount struct {
	Integration int64 `gorm:"column:integration"`
	Mode        string
	Outcome     string
	N           int64
}

// CountAttempts counts the log rows of the given modes since a time, by
// integration, mode and outcome.
func (s *Store) CountAttempts(ctx context.Context, since time.Time, modes []string) ([]AttemptCount, error) {
	var out []AttemptCount
	err := s.db.WithContext(ctx).Model(&LogEntry{}).
		Select("integration, mode, outcome, COUNT(*) AS n").
		Where("time >= ? AND mode IN ?", since.UTC(), modes).
		Group("integration, mode, outcome").Order("integration, mode, outcome").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("counting attempts: %w", err)
	}
	return out, nil
}

// LeadCount is how many leads of one integration wait, failed or are
// cancelled.
type LeadCount struct {
	Integration int64 `gorm:"column:integration"`
	Waiting     int64
	Failed      int64
}

// CountWaitingAndFailed counts, per integration, the leads that wait to be
// sent (new, not failed) and those that failed.
func (s *Store) CountWaitingAndFailed(ctx context.Context) ([]LeadCount, error) {
	var out []LeadCount
	err := s.db.WithContext(ctx).Model(&lead.Lead{}).
		Select("integration, SUM(CASE WHEN status = ? AND failed = ? THEN 1 ELSE 0 END) AS waiting, "+
			"SUM(CASE WHEN failed = ? THEN 1 ELSE 0 END) AS failed", lead.New, false, true).
		Where("status = ? OR failed = ?", lead.New, true).
		Group("integration").Order("integration").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("counting waiting and failed leads: %w", err)
	}
	return out, nil
}

// UncertainCount is how many of one integration's leads are uncertain.
type UncertainCount struct {
	Integration int64 `gorm:"column:integration"`
	N           int64
}

// CountUncertain counts, per integration, the leads marked uncertain (SPEC
// §9): few, and found by the mark's index.
func (s *Store) CountUncertain(ctx context.Context) ([]UncertainCount, error) {
	var out []UncertainCount
	err := s.db.WithContext(ctx).Model(&lead.Lead{}).Select("integration, COUNT(*) AS n").
		Where("uncertain = ?", true).Group("integration").Order("integration").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("counting uncertain leads: %w", err)
	}
	return out, nil
}

// LastErrors is the newest log row of each integration's mode whose
// outcome is one of outcomes, among those since a time.
func (s *Store) LastErrors(ctx context.Context, since time.Time, outcomes []string) ([]LogEntry, error) {
	db := s.db.WithContext(ctx)
	newest := db.Model(&LogEntry{}).Select("MAX(id)").
		Where("time >= ? AND outcome IN ?", since.UTC(), outcomes).Group("integration, mode")
	var out []LogEntry
	if err := db.Where("id IN (?)", newest).Order("integration, mode").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("finding the last errors: %w", err)
	}
	return out, nil
}
