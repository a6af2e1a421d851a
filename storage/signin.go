package storage

import (
	"context"
	"fmt"
)

// SigninFailure is one failed console sign-in counted against a key (a
// name or an address), kept as the SHA-256 of the key: every process that
// shares the database counts the same failures.
type SigninFailure struct {
	ID   int64  `gorm:"primaryKey;autoIncrement"`
	Key  string `gorm:"column:key_hash;size:64;not null;index:idx_signin_key_at,priority:1"`
	Time int64  `gorm:"column:at_ms;not null;index:idx_signin_key_at,priority:2;index"`
}

// TableName names the table for gorm.
func (SigninFailure) TableName() string { return "signin_failures" }

// AddSigninFailures counts one failure at now (Unix ms) against each key,
// and forgets the failures of every key from before since: only the
// window the limit looks at is kept.
func (s *Store) AddSigninFailures(ctx context.Context, keys []string, now, since int64) error {
	rows := make([]SigninFailure, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, SigninFailure{Key: HashToken(k), Time: now})
	}
	db := s.db.WithContext(ctx)
	if err := db.Where("at_ms < ?", since).Delete(&SigninFailure{}).Error; err != nil {
		return fmt.Errorf("forgetting old sign-in failures: %w", err)
	}
	if err := db.Create(&rows).Error; err != nil {
		return fmt.Errorf("counting a sign-in failure: %w", err)
	}
	return nil
}

// MostSigninFailures is the most failures any of keys has had at or after
// since (Unix ms).
func (s *Store) MostSigninFailures(ctx context.Context, keys []string, since int64) (int64, error) {
	hashes := make([]string, 0, len(keys))
	for _, k := range keys {
		hashes = append(hashes, HashToken(k))
	}
	var counts []int64
	err := s.db.WithContext(ctx).Model(&SigninFailure{}).Where("key_hash IN ? AND at_ms >= ?", hashes, since).
		Group("key_hash").Pluck("COUNT(*)", &counts).Error
	if err != nil {
		return 0, fmt.Errorf("counting sign-in failures: %w", err)
	}
	var most int64
	for _, n := range counts {
		most = max(most, n)
	}
	return most, nil
}
