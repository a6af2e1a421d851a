package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AppendLog writes log rows, as the outcome batches do; a row with no time
// is stamped now.
func (s *Store) AppendLog(ctx context.Context, rows ...*LogEntry) error {
	now := time.Now().UTC()
	for _, r := range rows {
		if r.Time.IsZero() {
			r.Time = now
		}
	}
	if err := insertLog(s.db.WithContext(ctx), rows); err != nil {
		return fmt.Errorf("writing %d log rows: %w", len(rows), err)
	}
	return nil
}

// insertLogRow writes one log row through tx, stamped now if it has no time.
func insertLogRow(tx *gorm.DB, row *LogEntry) error {
	if row.Time.IsZero() {
		row.Time = time.Now().UTC()
	}
	if err := insertLog(tx, []*LogEntry{row}); err != nil {
		return fmt.Errorf("writing the log row of lead %d: %w", row.LeadID, err)
	}
	return nil
}

// logInsert is the INSERT of log rows, each row's values logRowMarks.
const (
	logInsert = "INSERT INTO `log` (`time`, `lead_id`, `integration`, `mode`, `attempt`, `outcome`, " +
		"`request`, `response`, `duration_ms`, `return`, `message`, `script_log`, `by_name`, `uncertain`) VALUES "
	logRowMarks = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	logColumns  = 14
	// logRowsMySQL is how many log rows one MySQL statement takes.
	logRowsMySQL = 500
)

// insertLog writes log rows in statements of as many rows as the database
// binds well (see rowsPerStatement), with the columns named rather than
// through gorm's reflection, and without reading back the rows' ids. The
// statement goes to tx's connection (the transaction's, inside one) as it
// is: gorm would only rebuild it placeholder by placeholder.
func insertLog(tx *gorm.DB, rows []*LogEntry) error {
	if log := pluginOn(tx).logStmt(); log != nil && len(rows) > 0 {
		stmt := on(tx, log)
		ctx := execContext(tx)
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, logValues(r)...); err != nil {
				return err
			}
		}
		return nil
	}
	batch := rowsPerStatement(tx, logColumns, logRowsMySQL)
	for len(rows) > 0 {
		n := min(len(rows), batch)
		var sql strings.Builder
		sql.Grow(len(logInsert) + n*(len(logRowMarks)+2))
		sql.WriteString(logInsert)
		args := make([]any, 0, n*logColumns)
		for i, r := range rows[:n] {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString(logRowMarks)
			args = append(args, logValues(r)...)
		}
		if _, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, sql.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// logValues are a log row's values in logInsert's order.
func logValues(r *LogEntry) []any {
	return []any{r.Time, r.LeadID, r.IntegrationID, r.Mode, r.Attempt, r.Outcome,
		r.Request, r.Response, r.DurationMS, r.Return, r.Message, r.ScriptLog, r.By, r.Uncertain}
}

// LogFilter selects log rows. Zero fields do not filter.
type LogFilter struct {
	LeadID      int64
	Integration int64
	Outcome     string
	After       int64 // rows with an id above this
	Limit       int
	NewestFirst bool // when set, After pages downwards: rows with an id below it
}

// ListLog lists log rows, oldest first unless NewestFirst.
func (s *Store) ListLog(ctx context.Context, f LogFilter) ([]LogEntry, error) {
	q := s.db.WithContext(ctx).Model(&LogEntry{})
	if f.LeadID != 0 {
		q = q.Where("lead_id = ?", f.LeadID)
	}
	if f.Integration != 0 {
		q = q.Where("integration = ?", f.Integration)
	}
	if f.Outcome != "" {
		q = q.Where("outcome = ?", f.Outcome)
	}
	order := "id"
	if f.NewestFirst {
		order = "id DESC"
		if f.After > 0 {
			q = q.Where("id < ?", f.After)
		}
	} else if f.After > 0 {
		q = q.Where("id > ?", f.After)
	}
	var out []LogEntry
	if err := q.Order(order).Limit(limitOrDefault(f.Limit)).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing the log: %w", err)
	}
	return out, nil
}

// PurgeLog deletes rows older than before and says how many went.
func (s *Store) PurgeLog(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("time < ?", before.UTC()).Delete(&LogEntry{})
	if res.Error != nil {
		return 0, fmt.Errorf("purging the log: %w", res.Error)
	}
	return res.RowsAffected, nil
}
