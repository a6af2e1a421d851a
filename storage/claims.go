package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// Claim says which due rows to take and for how long.
type Claim struct {
	// Integration is the integration whose rows are claimed (0: campaign postbacks).
	Integration int64
	// Mode is the delivery mode; mode.New claims from the leads table.
	Mode mode.Mode
	// Now is the current time in Unix milliseconds: rows due at or before it are taken.
	Now int64
	// LeaseUntil is written as the rows' next_at: when it passes, a claim whose
	// process died makes the row due again.
	LeaseUntil int64
	// Token marks the rows as this claim's; every outcome write is guarded by it.
	Token string
	Limit int
}

// ClaimNewLeads takes up to c.Limit due new leads of one integration, oldest
// due first, in a short transaction (FOR UPDATE SKIP LOCKED on MySQL, an
// immediate transaction on SQLite) and returns them.
func (s *Store) ClaimNewLeads(ctx context.Context, c Claim) ([]lead.Lead, error) {
	var out []lead.Lead
	err := s.claim(ctx, "leads", c, func(tx *gorm.DB) ([]int64, error) {
		var err error
		if out, err = s.dueLeads(tx, c); err != nil {
			return nil, err
		}
		return stamp(out, func(l *lead.Lead) int64 {
			l.ClaimToken, l.NextAt = c.Token, c.LeaseUntil
			return l.ID
		}), nil
	})
	if err != nil {
		return nil, fmt.Errorf("claiming new leads of integration %d: %w", c.Integration, cancelled(ctx, err))
	}
	return out, nil
}

// dueNew selects the due new leads of one integration.
const dueNew = "`status` = ? AND `failed` = ? AND `integration` = ? AND `next_at` <= ?"

// dueLeads loads and locks the due new leads of a claim, oldest due first.
//
// It reads the ids of the oldest due leads from the due index alone,
// without locking, then locks rows of those by their primary key and keeps
// the ones still due: a locking scan of the due index costs MariaDB about
// twice as much a lead. A lead another process claimed in between is locked
// (skipped) or no longer due. The plain read takes twice the claim's limit,
// so that a claim running beside another one's still finds leads nobody
// holds; when other claims took every one of those ids, it reads the next
// ones, so that a claim comes back empty only when nothing is left. No claim
// locks entries of the due index itself: a claim's UPDATE must change its
// leads' entries there, and would wait for (or deadlock with) a scan that
// holds them.
func (s *Store) dueLeads(tx *gorm.DB, c Claim) ([]lead.Lead, error) {
	var after *dueKey
	for {
		keys, err := dueKeys(tx, c, after, 2*c.Limit)
		if err != nil || len(keys) == 0 {
			return nil, err
		}
		ids := make([]int64, len(keys))
		for i, k := range keys {
			ids[i] = k.ID
		}
		leads, err := s.lockLeads(tx, dueNew+" AND `id` IN ? LIMIT ?", lead.New, false, c.Integration, c.Now, ids, c.Limit)
		if err != nil || len(leads) > 0 {
			slices.SortFunc(leads, func(a, b lead.Lead) int { return cmp.Or(cmp.Compare(a.NextAt, b.NextAt), cmp.Compare(a.ID, b.ID)) })
			return leads, err
		}
		after = &keys[len(keys)-1]
	}
}

// dueKey is a due lead's place in the due index.
type dueKey struct {
	ID     int64
	NextAt int64
}

// dueKeys reads, without locking, the places of up to limit due leads of a
// claim, oldest first, after the given one (nil: from the start).
func dueKeys(tx *gorm.DB, c Claim, after *dueKey, limit int) ([]dueKey, error) {
	q := "SELECT `id`, `next_at` FROM `leads` WHERE " + dueNew
	args := []any{lead.New, false, c.Integration, c.Now}
	if after != nil {
		q += " AND `next_at` >= ? AND (`next_at` > ? OR `id` > ?)"
		args = append(args, after.NextAt, after.NextAt, after.ID)
	}
	var keys []dueKey
	err := tx.Raw(q+" ORDER BY `next_at`, `id` LIMIT ?", append(args, limit)...).Scan(&keys).Error
	return keys, err
}

// lockLeads reads the leads that match where (FOR UPDATE SKIP LOCKED on
// MySQL), scanning the rows into leads directly.
func (s *Store) lockLeads(tx *gorm.DB, where string, args ...any) ([]lead.Lead, error) {
	sel, err := leadSelect()
	if err != nil {
		return nil, err
	}
	q := sel + "WHERE " + where
	if s.dialect == MySQL {
		q += " FOR UPDATE SKIP LOCKED"
	}
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanLeads(rows)
}

// ClaimDeliveries takes up to c.Limit due deliveries of one mode and
// integration (integration 0 with mode postback: campaign postbacks). Changes
// are taken only for leads that have an ext.
func (s *Store) ClaimDeliveries(ctx context.Context, c Claim) ([]Delivery, error) {
	var out []Delivery
	err := s.claim(ctx, "deliveries", c, func(tx *gorm.DB) ([]int64, error) {
		q := tx.Model(&Delivery{}).Where("mode = ? AND state = ? AND integration = ? AND next_at <= ?", c.Mode, DeliveryPending, c.Integration, c.Now)
		if c.Integration == 0 {
			q = q.Where("campaign <> 0")
		}
		if c.Mode == mode.Changes {
			q = q.Where("EXISTS (SELECT 1 FROM leads WHERE leads.id = deliveries.lead_id AND leads.ext <> '')")
		}
		q = q.Order("next_at, id").Limit(c.Limit)
		if s.dialect == MySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&out).Error; err != nil {
			return nil, err
		}
		return stamp(out, func(d *Delivery) int64 {
			d.ClaimToken, d.NextAt = c.Token, c.LeaseUntil
			return d.ID
		}), nil
	})
	if err != nil {
		return nil, fmt.Errorf("claiming %s deliveries of integration %d: %w", c.Mode, c.Integration, cancelled(ctx, err))
	}
	return out, nil
}

// claim runs due, which loads and locks due rows of a table (skipping rows
// other processes hold) and marks them as claimed, and stamps the rows whose
// ids it returns with the token and lease, all in one transaction.
//
// On MySQL the transaction runs at READ COMMITTED: under REPEATABLE READ a
// locking scan also takes next-key locks past the rows it returns, and a
// concurrent claim would SKIP rows that nobody has claimed.
func (s *Store) claim(ctx context.Context, table string, c Claim, due func(*gorm.DB) ([]int64, error)) error {
	var opts []*sql.TxOptions
	if s.dialect == MySQL {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids, err := due(tx)
		if err != nil || len(ids) == 0 {
			return err
		}
		return tx.Exec("UPDATE `"+table+"` SET `claim_token` = ?, `next_at` = ? WHERE `id` IN ?", c.Token, c.LeaseUntil, ids).Error
	}, opts...)
	if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
		// The context ended mid-claim and database/sql rolled the
		// transaction back under it: the claim was stopped, not refused.
		return ctx.Err()
	}
	return err
}

// ExtendClaim moves the lease of one claimed row (a lead for mode new, else a
// delivery) to until, Unix ms, if the row still carries the claim's token;
// false when another claim has taken it meanwhile. until must be later than
// the lease it replaces. On MySQL the UPDATE waits for a claim that holds the
// row locked, and then sees that claim's token: a row is never held by two
// claims at once.
func (s *Store) ExtendClaim(ctx context.Context, m mode.Mode, id int64, token string, until int64) (bool, error) {
	table := "deliveries"
	if m == mode.New {
		table = "leads"
	}
	res := s.db.WithContext(ctx).Exec("UPDATE `"+table+"` SET `next_at` = ? WHERE `id` = ? AND `claim_token` = ?", until, id, token)
	if res.Error != nil {
		return false, fmt.Errorf("extending the claim of %s row %d: %w", table, id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// stamp marks each loaded row as claimed and returns the rows' ids.
func stamp[T any](rows []T, mark func(*T) int64) []int64 {
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = mark(&rows[i])
	}
	return ids
}

// rowUpdate is the columns an outcome writes to one claimed row, applied
// only while the row still carries the claim's token.
type rowUpdate struct {
	id    int64
	token string
	// cols maps a column to its new value; a value may be a clause.Expr
	// evaluated against the row (for example the versioned state of changes).
	cols map[string]any
}

// Outcomes is one batch of results to write back in a single transaction.
type Outcomes struct {
	Leads      []LeadOutcome
	Deliveries []DeliveryOutcome
	// Enqueue are new deliveries (postbacks) the outcomes caused; one that
	// exists already is left as it is.
	Enqueue []Delivery
	Log     []*LogEntry
}

// OutcomeCounts says how many guarded rows were written; fewer than were sent
// means another process had taken those rows over.
type OutcomeCounts struct {
	Leads, Deliveries int64
}

// WriteOutcomes writes a batch of outcomes in one transaction: one UPDATE for
// all the leads, one for all the deliveries, one INSERT for the new deliveries
// and one for the log rows. Each row update is guarded by its claim token and
// clears it.
func (s *Store) WriteOutcomes(ctx context.Context, o Outcomes) (OutcomeCounts, error) {
	var counts OutcomeCounts
	// The columns are worked out before the transaction, which they would
	// otherwise hold open.
	leads, deliveries := rowUpdates(o.Leads, (*LeadOutcome).row), rowUpdates(o.Deliveries, (*DeliveryOutcome).row)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if counts.Leads, err = guardedUpdate(tx, "leads", leads); err != nil {
			return fmt.Errorf("writing lead outcomes: %w", err)
		}
		if counts.Deliveries, err = guardedUpdate(tx, "deliveries", deliveries); err != nil {
			return fmt.Errorf("writing delivery outcomes: %w", err)
		}
		if err := enqueue(tx, o.Enqueue); err != nil {
			return err
		}
		if err := insertLog(tx, o.Log); err != nil {
			return fmt.Errorf("writing %d log rows: %w", len(o.Log), err)
		}
		return nil
	})
	return counts, err
}

// rowUpdates turns a batch's typed outcomes into the columns they write.
func rowUpdates[T any](outcomes []T, row func(*T) rowUpdate) []rowUpdate {
	if len(outcomes) == 0 {
		return nil
	}
	rows := make([]rowUpdate, len(outcomes))
	for i := range outcomes {
		rows[i] = row(&outcomes[i])
	}
	return rows
}

// guardedUpdate writes many rows with one statement:
//
//	UPDATE t SET c = ?, d = CASE id WHEN ? THEN ? … ELSE d END, …, claim_token = ''
//	WHERE (id IN (…) AND claim_token = ?) OR …
//
// A column every row sets to one value is set plainly; the others take a
// CASE on the id. The guard has one id list a claim token.
func guardedUpdate(tx *gorm.DB, table string, rows []rowUpdate) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	var sql strings.Builder
	var args []any
	sql.WriteString("UPDATE `" + table + "` SET ")
	for _, col := range columnsOf(rows) {
		args = setColumn(&sql, args, col, rows)
	}
	sql.WriteString("`claim_token` = '' WHERE ")
	args = tokenGuard(&sql, args, rows)
	res := tx.Exec(sql.String(), args...)
	return res.RowsAffected, res.Error
}

// setColumn writes "`col` = …, " for the rows: one value when they all set
// the same, else a CASE on the id that leaves rows not setting it alone.
func setColumn(sql *strings.Builder, args []any, col string, rows []rowUpdate) []any {
	if v, ok := sameValue(rows, col); ok {
		sql.WriteString("`" + col + "` = ?, ")
		return append(args, v)
	}
	sql.WriteString("`" + col + "` = CASE `id`")
	for _, r := range rows {
		if v, ok := r.cols[col]; ok {
			sql.WriteString(" WHEN ? THEN ?")
			args = append(args, r.id, v)
		}
	}
	sql.WriteString(" ELSE `" + col + "` END, ")
	return args
}

// sameValue returns the value every row sets col to, if there is one; only
// values of comparable types (not expressions) are compared.
func sameValue(rows []rowUpdate, col string) (any, bool) {
	first, ok := rows[0].cols[col]
	if !ok || first == nil || !reflect.TypeOf(first).Comparable() {
		return nil, false
	}
	for _, r := range rows[1:] {
		if v, ok := r.cols[col]; !ok || v != first {
			return nil, false
		}
	}
	return first, true
}

// tokenGuard writes the condition that each row still carries the token of
// the claim that took it, one group of ids a token.
func tokenGuard(sql *strings.Builder, args []any, rows []rowUpdate) []any {
	var tokens []string
	ids := map[string][]int64{}
	for _, r := range rows {
		if _, ok := ids[r.token]; !ok {
			tokens = append(tokens, r.token)
		}
		ids[r.token] = append(ids[r.token], r.id)
	}
	for i, t := range tokens {
		if i > 0 {
			sql.WriteString(" OR ")
		}
		sql.WriteString("(`id` IN ? AND `claim_token` = ?)")
		args = append(args, ids[t], t)
	}
	return args
}

// columnsOf lists the columns any row sets, in a stable order.
func columnsOf(rows []rowUpdate) []string {
	seen := map[string]bool{}
	var cols []string
	for _, r := range rows {
		for c := range r.cols {
			if !seen[c] {
				seen[c] = true
				cols = append(cols, c)
			}
		}
	}
	slices.Sort(cols)
	return cols
}

func enqueue(tx *gorm.DB, rows []Delivery) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&rows, 500).Error; err != nil {
		return fmt.Errorf("queueing %d deliveries: %w", len(rows), err)
	}
	return nil
}
