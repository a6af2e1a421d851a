package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SweepRun is the last finished sweep of one mode ("" for a sweep of every
// mode), by whichever process ran it: every process of a fleet reads the
// same.
type SweepRun struct {
	Mode    string `gorm:"size:16;primaryKey"`
	Started int64  `gorm:"column:started_ms;not null"`
	TookMS  int64  `gorm:"column:took_ms;not null"`
	// Finished orders the runs: the last to end is the last sweep.
	Finished int64 `gorm:"column:finished_ms;not null"`
}

// TableName names the table for gorm.
func (SweepRun) TableName() string { return "sweep_runs" }

// StartedAt is when the sweep started, in UTC.
func (r SweepRun) StartedAt() time.Time { return time.UnixMilli(r.Started).UTC() }

// Took is how long the sweep took.
func (r SweepRun) Took() time.Duration { return time.Duration(r.TookMS) * time.Millisecond }

// RecordSweep keeps a finished sweep as the last of its mode.
func (s *Store) RecordSweep(ctx context.Context, mode string, started time.Time, took time.Duration) error {
	run := SweepRun{Mode: mode, Started: started.UnixMilli(), TookMS: took.Milliseconds(), Finished: started.Add(took).UnixMilli()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "mode"}},
		DoUpdates: clause.AssignmentColumns([]string{"started_ms", "took_ms", "finished_ms"}),
	}).Create(&run).Error
	if err != nil {
		return fmt.Errorf("recording a sweep: %w", err)
	}
	return nil
}

// LastSweep is the sweep that finished last, of any mode; ErrNotFound
// before the first.
func (s *Store) LastSweep(ctx context.Context) (SweepRun, error) {
	var run SweepRun
	err := s.db.WithContext(ctx).Order("finished_ms DESC").Take(&run).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return SweepRun{}, ErrNotFound
	}
	if err != nil {
		return SweepRun{}, fmt.Errorf("reading the last sweep: %w", err)
	}
	return run, nil
}
