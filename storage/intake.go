package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// CreateLeadWith stores a new lead together with its arrival's log row and
// the deliveries it queues (either may be nil), in one transaction: one
// commit per lead. The lead's new id is filled into the log row and the
// deliveries. A lead with no status is new; one with no NextAt is due at once.
func (s *Store) CreateLeadWith(ctx context.Context, l *lead.Lead, row *LogEntry, queued []Delivery) error {
	if l.Status == 0 {
		l.Status = lead.New
	}
	if l.NextAt == 0 {
		l.NextAt = time.Now().UnixMilli()
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(l).Error; err != nil {
			return fmt.Errorf("storing lead: %w", err)
		}
		for i := range queued {
			queued[i].LeadID = l.ID
		}
		if err := enqueue(tx, queued); err != nil {
			return err
		}
		if row == nil {
			return nil
		}
		row.LeadID = l.ID
		if err := insertLog(tx, []*LogEntry{row}); err != nil {
			return fmt.Errorf("logging lead %d: %w", l.ID, err)
		}
		return nil
	})
}
