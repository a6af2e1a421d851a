package storage

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ProbeEvery is how often a mode paused after failures tries one lead.
const ProbeEvery = 5 * 60 * 1000

// PauseState is one paused mode: since when and why (a pause after
// failures), or until when (a 429's).
type PauseState struct {
	Since   int64
	Until   int64
	Message string
}

// AttemptFailed counts a failed attempt of a mode, and pauses the mode when
// it makes pauseAfter in a row (0: never). It says whether this call paused
// it: of processes counting at once, exactly one does.
func (s *Store) AttemptFailed(ctx context.Context, k PauseKey, pauseAfter int, now int64, message string) (paused bool, err error) {
	if len(message) > 1024 {
		message = strings.ToValidUTF8(message[:1024], "")
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&Pause{IntegrationID: k.Integration, Mode: k.Mode}).Error
		if err != nil {
			return err
		}
		err = tx.Exec("UPDATE `pauses` SET `failures` = `failures` + 1, `message` = ? WHERE `integration` = ? AND `mode` = ?",
			message, k.Integration, k.Mode).Error
		if err != nil || pauseAfter <= 0 {
			return err
		}
		res := tx.Exec("UPDATE `pauses` SET `since_ms` = ?, `probe_ms` = ? WHERE `integration` = ? AND `mode` = ? AND `since_ms` = 0 AND `failures` >= ?",
			now, now+ProbeEvery, k.Integration, k.Mode, pauseAfter)
		paused = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("counting a failure of integration %d %s: %w", k.Integration, k.Mode, err)
	}
	return paused, nil
}

// AttemptSucceeded ends a mode's count of failures and its pause after
// failures. It says whether this call ended a pause, and the pause's last
// error.
func (s *Store) AttemptSucceeded(ctx context.Context, k PauseKey) (resumed bool, message string, err error) {
	resumed, message, err = s.endPause(ctx, k)
	if err != nil {
		return false, "", fmt.Errorf("resuming integration %d %s: %w", k.Integration, k.Mode, err)
	}
	return resumed, message, nil
}

// Resume ends a mode's pause at once, whichever brought it, and its count
// of failures. It says whether the mode was paused at now, and the last
// error of a pause after failures.
func (s *Store) Resume(ctx context.Context, k PauseKey, now int64) (bool, string, error) {
	res := s.db.WithContext(ctx).Exec("UPDATE `pauses` SET `until_ms` = 0 WHERE `integration` = ? AND `mode` = ? AND `until_ms` > ?",
		k.Integration, k.Mode, now)
	if res.Error != nil {
		return false, "", fmt.Errorf("resuming integration %d %s: %w", k.Integration, k.Mode, res.Error)
	}
	resumed, message, err := s.endPause(ctx, k)
	if err != nil {
		return false, "", fmt.Errorf("resuming integration %d %s: %w", k.Integration, k.Mode, err)
	}
	return resumed || res.RowsAffected == 1, message, nil
}

// endPause ends a mode's count of failures and its pause after failures,
// and says whether it was paused so, with the last error.
func (s *Store) endPause(ctx context.Context, k PauseKey) (resumed bool, message string, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row Pause
		q := tx.Where("`integration` = ? AND `mode` = ?", k.Integration, k.Mode)
		if s.dialect == MySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Limit(1).Find(&row).Error; err != nil || row.Mode == "" {
			return err
		}
		if row.Failures == 0 && row.Since == 0 {
			return nil
		}
		resumed, message = row.Since != 0, row.Message
		return tx.Model(&Pause{}).Where("`integration` = ? AND `mode` = ?", k.Integration, k.Mode).
			Updates(map[string]any{"failures": 0, "since_ms": 0, "probe_ms": 0}).Error
	})
	return resumed, message, err
}

// TakeProbe gives the right to try one lead of a mode paused after
// failures, when its probe is due at now; of processes asking at once,
// exactly one gets it, and the next probe is due ProbeEvery later.
func (s *Store) TakeProbe(ctx context.Context, k PauseKey, now int64) (bool, error) {
	res := s.db.WithContext(ctx).Exec("UPDATE `pauses` SET `probe_ms` = ? WHERE `integration` = ? AND `mode` = ? AND `since_ms` > 0 AND `probe_ms` <= ?",
		now+ProbeEvery, k.Integration, k.Mode, now)
	if res.Error != nil {
		return false, fmt.Errorf("probing integration %d %s: %w", k.Integration, k.Mode, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Pauses returns every mode paused at now, by either kind of pause.
func (s *Store) Pauses(ctx context.Context, now int64) (map[PauseKey]PauseState, error) {
	var rows []Pause
	if err := s.db.WithContext(ctx).Where("until_ms > ? OR since_ms > 0", now).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading pauses: %w", err)
	}
	out := make(map[PauseKey]PauseState, len(rows))
	for _, p := range rows {
		st := PauseState{Since: p.Since, Message: p.Message}
		if p.Until > now {
			st.Until = p.Until
		}
		out[PauseKey{Integration: p.IntegrationID, Mode: p.Mode}] = st
	}
	return out, nil
}

// FailingModes lists the modes whose last attempts failed, paused or not.
func (s *Store) FailingModes(ctx context.Context) ([]PauseKey, error) {
	var rows []Pause
	if err := s.db.WithContext(ctx).Where("failures > 0 OR since_ms > 0").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading failing modes: %w", err)
	}
	out := make([]PauseKey, len(rows))
	for i, p := range rows {
		out[i] = PauseKey{Integration: p.IntegrationID, Mode: p.Mode}
	}
	return out, nil
}
