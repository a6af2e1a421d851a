package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// MarkChanged writes order-data columns of a lead, queues its changes for
// the integration (0: none) and appends its log row, in one transaction: the
// pending change's version goes up, so a change made while an earlier one is
// being sent is not cleared by that send's success.
func (s *Store) MarkChanged(ctx context.Context, leadID, integrationID int64, cols map[string]any, now time.Time, row *LogEntry) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(cols) > 0 {
			if err := updateLead(tx, leadID, cols); err != nil {
				return err
			}
		}
		if integrationID != 0 {
			if err := queueChanges(tx, leadID, integrationID, now); err != nil {
				return err
			}
		}
		return insertLogRow(tx, row)
	})
}

// queueChanges makes a lead's changes delivery pending, a version up.
func queueChanges(tx *gorm.DB, leadID, integrationID int64, now time.Time) error {
	row := Delivery{LeadID: leadID, IntegrationID: integrationID, Mode: string(mode.Changes), NextAt: now.UnixMilli(), Version: 1}
	err := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "lead_id"}, {Name: "integration"}, {Name: "campaign"}, {Name: "mode"}, {Name: "dkey"}},
		DoUpdates: clause.Assignments(map[string]any{
			"version":  gorm.Expr("version + 1"),
			"state":    DeliveryPending,
			"attempts": 0,
			"next_at":  gorm.Expr("CASE WHEN claim_token = '' THEN ? ELSE next_at END", now.UnixMilli()),
		}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("queueing changes of lead %d: %w", leadID, err)
	}
	return nil
}

// ChangeStatus writes a lead's status change (cols: the status and what
// comes with it), queues the postbacks it fires and appends its log row, in
// one transaction: none of them is written without the others.
//
// Concurrent calls share transactions, as CreateLeadWith's do: a CRM's
// burst of status updates or webhooks commits in groups. The call returns
// once its change has committed, with its own answer: a change the
// database refuses fails alone, and when the database is unavailable every
// change of the group gets the error and none is written.
func (s *Store) ChangeStatus(ctx context.Context, leadID int64, cols map[string]any, postbacks []Delivery, row *LogEntry) error {
	c := &statusChange{ctx: ctx, leadID: leadID, cols: cols, postbacks: postbacks, row: row, done: make(chan error, 1)}
	s.changes.Add(c)
	return <-c.done
}

// statusChange is one ChangeStatus call: what to write, and where its
// answer goes.
type statusChange struct {
	ctx       context.Context
	leadID    int64
	cols      map[string]any
	postbacks []Delivery
	row       *LogEntry
	done      chan error
}

func (c *statusChange) caller() context.Context { return c.ctx }

func (c *statusChange) answer(err error) { c.done <- err }

// writeStatusChanges writes changes in one transaction: each lead's
// columns in turn, then every postback and every log row together.
//
// The leads are updated in the order of their ids, and a lead's changes in
// the order they came. On MySQL two groups commit at once; had each locked
// its leads in the order its changes came, each could wait on a lead the
// other holds, and MySQL would fail one group as a deadlock.
func (s *Store) writeStatusChanges(ctx context.Context, changes []*statusChange) error {
	changes = slices.Clone(changes)
	slices.SortStableFunc(changes, func(a, b *statusChange) int { return cmp.Compare(a.leadID, b.leadID) })
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var postbacks []Delivery
		var rows []*LogEntry
		for _, c := range changes {
			if err := updateLead(tx, c.leadID, c.cols); err != nil {
				return err
			}
			postbacks = append(postbacks, c.postbacks...)
			if c.row != nil {
				if c.row.Time.IsZero() {
					c.row.Time = time.Now().UTC()
				}
				rows = append(rows, c.row)
			}
		}
		if err := enqueue(tx, postbacks); err != nil {
			return err
		}
		if err := insertLog(tx, rows); err != nil {
			return fmt.Errorf("writing the log rows of %d status changes: %w", len(rows), err)
		}
		return nil
	})
}

// ChangedLeads says which of the given leads have changes waiting to be sent.
func (s *Store) ChangedLeads(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var pending []int64
	err := s.db.WithContext(ctx).Model(&Delivery{}).
		Where("lead_id IN ? AND mode = ? AND state = ?", ids, mode.Changes, DeliveryPending).
		Distinct().Pluck("lead_id", &pending).Error
	if err != nil {
		return nil, fmt.Errorf("reading changed marks: %w", err)
	}
	for _, id := range pending {
		out[id] = true
	}
	return out, nil
}

// ApprovedScope selects the leads an approved-mode integration takes.
type ApprovedScope struct {
	Integration int64
	FromStatus  lead.Status
	Offers      []int64  // empty: every offer
	Countries   []string // empty: every country
	Now         int64
}

// QueueApproved queues an approved send for every lead in the scope's status
// that this integration has not been given yet, and says how many it queued.
func (s *Store) QueueApproved(ctx context.Context, sc ApprovedScope) (int64, error) {
	verb := "INSERT OR IGNORE INTO"
	if s.dialect == MySQL {
		verb = "INSERT IGNORE INTO"
	}
	sql := verb + " deliveries (lead_id, integration, campaign, mode, dkey, state, status, next_at, version, sent_version, attempts, claim_token, ext, created_at, updated_at) " +
		"SELECT l.id, ?, 0, 'approved', '', 0, ?, ?, 1, 0, 0, '', '', ?, ? FROM leads l WHERE l.status = ? " +
		"AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.lead_id = l.id AND d.integration = ? AND d.campaign = 0 AND d.mode = 'approved' AND d.dkey = '')"
	now := time.UnixMilli(sc.Now).UTC()
	args := []any{sc.Integration, sc.FromStatus, sc.Now, now, now, sc.FromStatus, sc.Integration}
	if len(sc.Offers) > 0 {
		sql += " AND l.offer IN ?"
		args = append(args, sc.Offers)
	}
	if len(sc.Countries) > 0 {
		sql += " AND l.country IN ?"
		args = append(args, sc.Countries)
	}
	res := s.db.WithContext(ctx).Exec(sql, args...)
	if res.Error != nil {
		return 0, fmt.Errorf("queueing approved sends of integration %d: %w", sc.Integration, res.Error)
	}
	return res.RowsAffected, nil
}

// RequeueLeads puts failed or cancelled leads that match f back into the new
// queue: due now, attempts reset, reason, failed and uncertain marks
// cleared. It returns the leads it put back as they were, with only the
// columns their log rows and postbacks read: id, status, reason, attempts,
// failed, integration, offer, country and campaign.
func (s *Store) RequeueLeads(ctx context.Context, f LeadFilter, now time.Time) ([]lead.Lead, error) {
	var requeued []lead.Lead
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := f.apply(tx.Model(&lead.Lead{})).Where("(failed = ? OR status = ?) AND claim_token = ''", true, lead.Cancel).
			Select("id", "status", "reason", "attempts", "failed", "integration", "offer", "country", "campaign")
		if s.dialect == MySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Find(&requeued).Error; err != nil || len(requeued) == 0 {
			return err
		}
		cols := map[string]any{"status": lead.New, "reason": 0, "attempts": 0, "failed": false,
			"uncertain": false, "check_due": false,
			"next_at": now.UnixMilli(), "last_message": "", "updated_at": now}
		return inChunks(len(requeued), func(i int) int64 { return requeued[i].ID }, func(ids []int64) error {
			return tx.Model(&lead.Lead{}).Where("id IN ? AND claim_token = ''", ids).UpdateColumns(cols).Error
		})
	})
	if err != nil {
		return nil, fmt.Errorf("requeueing leads: %w", err)
	}
	return requeued, nil
}

// RequeueDeliveries puts the failed deliveries of one mode for the leads that
// match f back in their queue, and returns them as they were.
func (s *Store) RequeueDeliveries(ctx context.Context, mode string, f LeadFilter, now time.Time) ([]Delivery, error) {
	var requeued []Delivery
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		leads := f.apply(tx.Model(&lead.Lead{})).Select("id")
		q := tx.Where("mode = ? AND state = ? AND lead_id IN (?)", mode, DeliveryFailed, leads)
		if s.dialect == MySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Find(&requeued).Error; err != nil || len(requeued) == 0 {
			return err
		}
		cols := map[string]any{"state": DeliveryPending, "attempts": 0, "next_at": now.UnixMilli(), "updated_at": now}
		return inChunks(len(requeued), func(i int) int64 { return requeued[i].ID }, func(ids []int64) error {
			return tx.Model(&Delivery{}).Where("id IN ? AND state = ?", ids, DeliveryFailed).UpdateColumns(cols).Error
		})
	})
	if err != nil {
		return nil, fmt.Errorf("requeueing %s deliveries: %w", mode, err)
	}
	return requeued, nil
}

// chunkSize is how many ids one IN list holds: far below SQLite's limit on
// the variables of a statement.
const chunkSize = 1000

// inChunks calls write with the n ids that id gives, chunkSize at a time.
func inChunks(n int, id func(int) int64, write func([]int64) error) error {
	ids := make([]int64, 0, min(n, chunkSize))
	for i := range n {
		ids = append(ids, id(i))
		if len(ids) == chunkSize || i == n-1 {
			if err := write(ids); err != nil {
				return err
			}
			ids = ids[:0]
		}
	}
	return nil
}

// PauseUntil stops an integration's mode until the given time (Unix ms); a
// later pause wins over an earlier one.
func (s *Store) PauseUntil(ctx context.Context, integrationID int64, mode string, until int64) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "integration"}, {Name: "mode"}},
		DoUpdates: clause.Assignments(map[string]any{"until_ms": gorm.Expr("CASE WHEN until_ms > ? THEN until_ms ELSE ? END", until, until)}),
	}).Create(&Pause{IntegrationID: integrationID, Mode: mode, Until: until}).Error
	if err != nil {
		return fmt.Errorf("pausing integration %d %s: %w", integrationID, mode, err)
	}
	return nil
}

// PauseKey names one mode of one integration.
type PauseKey struct {
	Integration int64
	Mode        string
}

// Paused returns the pauses still in force at now (Unix ms): until when each
// paused mode waits. A mode paused after failures waits until its next
// probe.
func (s *Store) Paused(ctx context.Context, now int64) (map[PauseKey]int64, error) {
	var rows []Pause
	if err := s.db.WithContext(ctx).Where("until_ms > ? OR since_ms > 0", now).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading pauses: %w", err)
	}
	out := make(map[PauseKey]int64, len(rows))
	for _, p := range rows {
		out[PauseKey{Integration: p.IntegrationID, Mode: p.Mode}] = max(p.Until, p.ProbeAt)
	}
	return out, nil
}

// CountFailedLeads counts the leads that failed after their attempts and
// wait for a re-queue.
func (s *Store) CountFailedLeads(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&lead.Lead{}).Where("failed = ?", true).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("counting failed leads: %w", err)
	}
	return n, nil
}

// QueueDepth counts what is waiting: new leads due by now and pending
// deliveries by mode.
func (s *Store) QueueDepth(ctx context.Context, now int64) (map[string]int64, error) {
	out := map[string]int64{}
	var n int64
	err := s.db.WithContext(ctx).Model(&lead.Lead{}).
		Where("status = ? AND failed = ? AND next_at <= ?", lead.New, false, now).Count(&n).Error
	if err != nil {
		return nil, fmt.Errorf("counting due leads: %w", err)
	}
	out[string(mode.New)] = n
	var rows []struct {
		Mode string
		N    int64
	}
	err = s.db.WithContext(ctx).Model(&Delivery{}).Select("mode, COUNT(*) AS n").
		Where("state = ? AND next_at <= ?", DeliveryPending, now).Group("mode").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("counting due deliveries: %w", err)
	}
	for _, r := range rows {
		out[r.Mode] = r.N
	}
	return out, nil
}
