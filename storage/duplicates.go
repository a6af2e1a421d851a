package storage

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// DuplicateCheck asks CreateLeadChecked to refuse a lead that repeats one
// of the same offer received within Within: one whose value of any of Keys
// another lead holds.
type DuplicateCheck struct {
	Offer  int64
	Within time.Duration
	Keys   []DuplicateKey
}

// DuplicateKey is one value a duplicate is found by, normalised by the
// caller: Kind is phone, email or ip.
type DuplicateKey struct {
	Kind  string
	Value string
}

// DuplicateHold is the lead that holds a value of an offer, and when it
// took it (Unix ms). The key is unique, so of leads stored at once exactly
// one takes it.
type DuplicateHold struct {
	OfferID int64  `gorm:"primaryKey;autoIncrement:false"`
	Kind    string `gorm:"size:8;primaryKey"`
	Value   string `gorm:"size:191;primaryKey"`
	LeadID  int64  `gorm:"not null"`
	At      int64  `gorm:"not null"`
}

func (DuplicateHold) TableName() string { return "duplicate_keys" }

// maxKeyValue is the longest value kept as it is; a longer one is kept as
// its SHA-256, so every value fits the key.
const maxKeyValue = 64

// holdKeys takes a new lead's values for it, in its transaction; it returns
// the earlier lead the new one repeats, 0 when it took every value. A value
// is taken when no lead holds it or its holder is older than the check's
// window. A lead that repeats one value takes none: the values it took
// before finding the repeat are given back.
func holdKeys(tx *gorm.DB, id int64, at time.Time, c *DuplicateCheck) (int64, error) {
	if len(c.Keys) == 0 {
		return 0, nil
	}
	const savepoint = "duplicate_keys"
	several := len(c.Keys) > 1
	if several {
		if err := tx.SavePoint(savepoint).Error; err != nil {
			return 0, fmt.Errorf("checking duplicates: %w", err)
		}
	}
	for _, k := range c.Keys {
		held, err := holdKey(tx, id, at, c, k)
		if err != nil {
			return 0, fmt.Errorf("checking duplicates by %s: %w", k.Kind, err)
		}
		if held == 0 {
			continue
		}
		if several {
			if err := tx.RollbackTo(savepoint).Error; err != nil {
				return 0, fmt.Errorf("checking duplicates: %w", err)
			}
		}
		return held, nil
	}
	return 0, nil
}

// holdKey takes one value with one statement: an INSERT that, when the
// value is held, takes it over only from a holder older than the window,
// and tells which lead holds the value after it. The statement waits for a
// concurrent holder's transaction and locks the row, so no two leads take
// a value at once and none waits for a lock it shares. It returns the
// holder when it took nothing.
func holdKey(tx *gorm.DB, id int64, at time.Time, c *DuplicateCheck, k DuplicateKey) (int64, error) {
	value := k.Value
	if len(value) > maxKeyValue {
		value = HashToken(value)
	}
	ms := at.UnixMilli()
	cutoff := ms - c.Within.Milliseconds()
	var held int64
	if tx.Dialector.Name() == string(MySQL) {
		// MySQL assigns left to right: at changes after lead_id has read
		// it. LAST_INSERT_ID(x) makes the answer carry the holder; a new
		// row, with no auto-increment column, answers 0.
		res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context,
			"INSERT INTO `duplicate_keys` (`offer_id`, `kind`, `value`, `lead_id`, `at`) VALUES (?, ?, ?, ?, ?) "+
				"ON DUPLICATE KEY UPDATE "+
				"`lead_id` = LAST_INSERT_ID(IF(`at` < ?, VALUES(`lead_id`), `lead_id`)), "+
				"`at` = IF(`at` < ?, VALUES(`at`), `at`)",
			c.Offer, k.Kind, value, id, ms, cutoff, cutoff)
		if err != nil {
			return 0, err
		}
		if held, err = res.LastInsertId(); err != nil {
			return 0, err
		}
	} else {
		err := tx.Raw("INSERT INTO `duplicate_keys` (`offer_id`, `kind`, `value`, `lead_id`, `at`) VALUES (?, ?, ?, ?, ?) "+
			"ON CONFLICT (`offer_id`, `kind`, `value`) DO UPDATE SET "+
			"`lead_id` = CASE WHEN `at` < ? THEN excluded.`lead_id` ELSE `lead_id` END, "+
			"`at` = CASE WHEN `at` < ? THEN excluded.`at` ELSE `at` END RETURNING `lead_id`",
			c.Offer, k.Kind, value, id, ms, cutoff, cutoff).Row().Scan(&held)
		if err != nil {
			return 0, err
		}
	}
	if held == id {
		return 0, nil
	}
	return held, nil
}

// refuseDuplicate stores a lead found a duplicate as cancelled, reason
// duplicate.
func refuseDuplicate(tx *gorm.DB, l *lead.Lead) error {
	l.Status, l.Reason = lead.Cancel, lead.ReasonDuplicate
	return tx.Exec("UPDATE `leads` SET `status` = ?, `reason` = ? WHERE `id` = ?", l.Status, l.Reason, l.ID).Error
}

// duplicateRow is the REJECTED log row of a lead found a duplicate.
func duplicateRow(n *newLead) *LogEntry {
	row := &LogEntry{Time: n.lead.CreatedAt, LeadID: n.lead.ID, IntegrationID: n.lead.IntegrationID, Mode: "intake",
		Outcome: "REJECTED", Message: fmt.Sprintf("duplicate of lead %d", n.duplicateOf)}
	if n.row != nil {
		row.Time = n.row.Time
	}
	return row
}
