package storage

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// CapSlot counts the slots taken in one period of an integration's cap: a
// day or an hour of its timezone, named by Period.
type CapSlot struct {
	IntegrationID int64  `gorm:"column:integration;primaryKey;autoIncrement:false"`
	Period        string `gorm:"size:32;primaryKey"`
	Used          int    `gorm:"not null;default:0"`
}

// TableName names the table for gorm.
func (CapSlot) TableName() string { return "cap_slots" }

// CapPeriod is one period a send counts in, and its cap.
type CapPeriod struct {
	Key   string
	Limit int
}

// capRetries bounds how often TakeCapSlots starts again when another
// process took slots between its read and its write.
const capRetries = 20

// TakeCapSlots takes up to want slots of an integration in every one of
// periods at once, and returns how many it took: the fewest any period has
// left. No period ever counts more than its limit, whatever the number of
// processes: each row is locked (MySQL) and its count only moves from the
// value read (every backend).
func (s *Store) TakeCapSlots(ctx context.Context, integration int64, periods []CapPeriod, want int) (int, error) {
	if want <= 0 || len(periods) == 0 {
		return want, nil
	}
	for range capRetries {
		took, err := s.takeCapSlots(ctx, integration, periods, want)
		if !errors.Is(err, errCapRaced) {
			if err != nil {
				return 0, fmt.Errorf("taking cap slots of integration %d: %w", integration, err)
			}
			return took, nil
		}
	}
	return 0, fmt.Errorf("taking cap slots of integration %d: %w", integration, errCapRaced)
}

var errCapRaced = errors.New("the count moved while it was taken; too busy")

func (s *Store) takeCapSlots(ctx context.Context, integration int64, periods []CapPeriod, want int) (int, error) {
	took := want
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		used := make([]int, len(periods))
		for i, p := range periods {
			row := CapSlot{IntegrationID: integration, Period: p.Key}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
				return err
			}
			q := "SELECT `used` FROM `cap_slots` WHERE `integration` = ? AND `period` = ?"
			if s.dialect == MySQL {
				q += " FOR UPDATE"
			}
			if err := tx.Raw(q, integration, p.Key).Row().Scan(&used[i]); err != nil {
				return err
			}
			took = min(took, p.Limit-used[i])
		}
		if took <= 0 {
			took = 0
			return nil
		}
		for i, p := range periods {
			res := tx.Exec("UPDATE `cap_slots` SET `used` = `used` + ? WHERE `integration` = ? AND `period` = ? AND `used` = ?",
				took, integration, p.Key, used[i])
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return errCapRaced
			}
		}
		return nil
	})
	return took, err
}

// GiveBackCapSlots returns n slots of an integration in each of periods,
// taken by sends that ended without the lead being accepted.
func (s *Store) GiveBackCapSlots(ctx context.Context, integration int64, periods []CapPeriod, n int) error {
	if n <= 0 {
		return nil
	}
	keys := make([]string, len(periods))
	for i, p := range periods {
		keys[i] = p.Key
	}
	err := s.db.WithContext(ctx).Exec("UPDATE `cap_slots` SET `used` = CASE WHEN `used` > ? THEN `used` - ? ELSE 0 END WHERE `integration` = ? AND `period` IN ?",
		n, n, integration, keys).Error
	if err != nil {
		return fmt.Errorf("giving back cap slots of integration %d: %w", integration, err)
	}
	return nil
}

// CapUsed returns how many slots of each period an integration has taken.
func (s *Store) CapUsed(ctx context.Context, integration int64, periods []CapPeriod) (map[string]int, error) {
	keys := make([]string, len(periods))
	for i, p := range periods {
		keys[i] = p.Key
	}
	var rows []CapSlot
	if err := s.db.WithContext(ctx).Where("integration = ? AND period IN ?", integration, keys).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading cap slots of integration %d: %w", integration, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Period] = r.Used
	}
	return out, nil
}

// MovableNewLeads lists up to limit new leads of an integration, lowest id
// first after after, that may still move to another one: due, not failed,
// no attempt counted and no new or sync request logged.
func (s *Store) MovableNewLeads(ctx context.Context, integration, now, after int64, limit int) ([]lead.Lead, error) {
	var out []lead.Lead
	err := s.db.WithContext(ctx).
		Where("status = ? AND failed = ? AND integration = ? AND attempts = 0 AND next_at <= ? AND id > ?", lead.New, false, integration, now, after).
		Where("NOT EXISTS (SELECT 1 FROM `log` WHERE `log`.`lead_id` = `leads`.`id` AND `log`.`mode` IN ?)", []string{"new", "sync"}).
		Order("id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing movable leads of integration %d: %w", integration, err)
	}
	return out, nil
}

// MoveLead gives a waiting new lead another integration, with its log row,
// unless it was claimed, sent or moved meanwhile; false when it was.
func (s *Store) MoveLead(ctx context.Context, id, from, to, now int64, row *LogEntry) (bool, error) {
	moved := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE `leads` SET `integration` = ? WHERE `id` = ? AND `integration` = ? AND `status` = ? AND `attempts` = 0 AND `next_at` <= ?",
			to, id, from, lead.New, now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		moved = true
		return tx.Create(row).Error
	})
	if err != nil {
		return false, fmt.Errorf("moving lead %d to integration %d: %w", id, to, err)
	}
	return moved, nil
}
