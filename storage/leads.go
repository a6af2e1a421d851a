package storage

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// GetLead loads one lead.
func (s *Store) GetLead(ctx context.Context, id int64) (*lead.Lead, error) {
	l, err := s.findLead(ctx, id)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, missing("lead %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("loading lead %d: %w", id, err)
	}
	return l, nil
}

// findLead reads the lead with an id, or fails with
// gorm.ErrRecordNotFound: on SQLite through the prepared SELECT (see
// preparedStatements). MySQL parses gorm's SELECT * faster than one that
// names the columns.
func (s *Store) findLead(ctx context.Context, id int64) (*lead.Lead, error) {
	stmt := s.prepared.leadByIDStmt()
	if stmt == nil {
		var l lead.Lead
		return &l, s.db.WithContext(ctx).First(&l, id).Error
	}
	rows, err := stmt.QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	leads, err := scanLeads(rows)
	if err != nil {
		return nil, err
	}
	if len(leads) == 0 {
		return nil, gorm.ErrRecordNotFound
	}
	return &leads[0], nil
}

// LeadByExt finds the lead an integration knows by its external id.
func (s *Store) LeadByExt(ctx context.Context, integrationID int64, ext string) (*lead.Lead, error) {
	var l lead.Lead
	q := s.db.WithContext(ctx).Where("ext = ?", ext)
	if integrationID != 0 {
		q = q.Where("integration = ?", integrationID)
	}
	err := q.Order("id DESC").First(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, missing("a lead with ext %q", ext)
	}
	if err != nil {
		return nil, fmt.Errorf("finding lead by ext %q: %w", ext, err)
	}
	return &l, nil
}

// LeadFilter selects leads for listing and requeueing. Zero fields do not filter.
type LeadFilter struct {
	Status      lead.Status
	Reason      lead.Reason
	Integration int64
	Failed      *bool
	Uncertain   *bool
	Since       time.Time
	Until       time.Time
	IDs         []int64
	After       int64 // list leads with an id below this (newest first paging)
	Limit       int
}

func (f LeadFilter) apply(q *gorm.DB) *gorm.DB {
	if f.Status != 0 {
		q = q.Where("status = ?", f.Status)
	}
	if f.Reason != 0 {
		q = q.Where("reason = ?", f.Reason)
	}
	if f.Integration != 0 {
		q = q.Where("integration = ?", f.Integration)
	}
	if f.Failed != nil {
		q = q.Where("failed = ?", *f.Failed)
	}
	if f.Uncertain != nil {
		q = q.Where("uncertain = ?", *f.Uncertain)
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at < ?", f.Until.UTC())
	}
	if len(f.IDs) > 0 {
		q = q.Where("id IN ?", f.IDs)
	}
	return q
}

// ListLeads lists leads newest first, paged by After.
func (s *Store) ListLeads(ctx context.Context, f LeadFilter) ([]lead.Lead, error) {
	q := f.apply(s.db.WithContext(ctx).Model(&lead.Lead{}))
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	var out []lead.Lead
	if err := q.Order("id DESC").Limit(limitOrDefault(f.Limit)).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing leads: %w", err)
	}
	return out, nil
}

// CountLeadsByStatus counts leads per status, for metrics.
func (s *Store) CountLeadsByStatus(ctx context.Context) (map[lead.Status]int64, error) {
	var rows []struct {
		Status lead.Status
		N      int64
	}
	err := s.db.WithContext(ctx).Model(&lead.Lead{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("counting leads by status: %w", err)
	}
	out := make(map[lead.Status]int64, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// UpdateLead writes the named columns of a lead (column name → value).
func (s *Store) UpdateLead(ctx context.Context, id int64, cols map[string]any) error {
	return updateLead(s.db.WithContext(ctx), id, cols)
}

// updateLead writes the named columns of a lead through db (a transaction's
// or the pool's).
func updateLead(db *gorm.DB, id int64, cols map[string]any) error {
	res := db.Model(&lead.Lead{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("updating lead %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return missing("lead %d", id)
	}
	return nil
}

// LeadsByID loads the given leads, keyed by id; missing ids are absent.
func (s *Store) LeadsByID(ctx context.Context, ids []int64) (map[int64]*lead.Lead, error) {
	var rows []lead.Lead
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("loading %d leads: %w", len(ids), err)
	}
	out := make(map[int64]*lead.Lead, len(rows))
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, nil
}

// UnroutedNewLeads lists up to limit new leads that have no integration yet,
// with ids above after, lowest first.
func (s *Store) UnroutedNewLeads(ctx context.Context, after int64, limit int) ([]lead.Lead, error) {
	var out []lead.Lead
	err := s.db.WithContext(ctx).Where("status = ? AND failed = ? AND integration = 0 AND id > ?", lead.New, false, after).
		Order("id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing unrouted leads: %w", err)
	}
	return out, nil
}

// leadRowsMySQL is how many leads one MySQL INSERT takes.
const leadRowsMySQL = 300

// CreateLeads stores many leads in batched INSERTs (imports, load tests).
// Leads with no NextAt are due at once.
func (s *Store) CreateLeads(ctx context.Context, leads []lead.Lead) error {
	now := time.Now().UnixMilli()
	for i := range leads {
		if leads[i].Status == 0 {
			leads[i].Status = lead.New
		}
		if leads[i].NextAt == 0 {
			leads[i].NextAt = now
		}
	}
	batch := rowsPerStatement(s.db, reflect.TypeFor[lead.Lead]().NumField(), leadRowsMySQL)
	if err := s.db.WithContext(ctx).CreateInBatches(leads, batch).Error; err != nil {
		return fmt.Errorf("storing %d leads: %w", len(leads), err)
	}
	return nil
}
