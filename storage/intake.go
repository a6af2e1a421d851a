package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// CreateLeadWith stores a new lead together with its arrival's log row and
// the deliveries it queues (either may be nil), in one transaction. The
// lead's new id is filled into the log row and the deliveries. A lead with
// no status is new; one with no NextAt is due at once.
//
// Concurrent calls share transactions (group commit): a lone lead commits
// at once, and the leads that arrive while a commit is in flight gather
// into the next one, up to maxGroup. The call returns once its lead's
// transaction has committed, with that lead's own answer. A lead the
// database refuses fails alone: its group is stored again one lead a
// transaction. When the database is unavailable every lead of the group
// gets the error and none is stored.
func (s *Store) CreateLeadWith(ctx context.Context, l *lead.Lead, row *LogEntry, queued []Delivery) error {
	_, err := s.CreateLeadChecked(ctx, l, row, queued, nil)
	return err
}

// CreateLeadChecked is CreateLeadWith with a duplicate check (nil for none).
// A lead that repeats an earlier one is stored cancelled, reason duplicate,
// with a REJECTED log row naming the earlier lead and none of queued; the
// earlier lead's id is returned. Of leads that repeat each other, stored at
// once by any number of processes or in one group, exactly one is not a
// duplicate.
func (s *Store) CreateLeadChecked(ctx context.Context, l *lead.Lead, row *LogEntry, queued []Delivery, dup *DuplicateCheck) (int64, error) {
	if l.ID != 0 {
		return 0, fmt.Errorf("storing lead %d: a new lead has no id yet", l.ID)
	}
	if l.Status == 0 {
		l.Status = lead.New
	}
	if l.NextAt == 0 {
		l.NextAt = time.Now().UnixMilli()
	}
	n := &newLead{ctx: ctx, lead: l, row: row, queued: queued, dup: dup, status: l.Status, reason: l.Reason, done: make(chan error, 1)}
	s.intake.Add(n)
	err := <-n.done
	return n.duplicateOf, err
}

// newLead is one CreateLeadWith call: what to store, and where its answer goes.
type newLead struct {
	ctx    context.Context
	lead   *lead.Lead
	row    *LogEntry
	queued []Delivery
	dup    *DuplicateCheck
	// status and reason are the lead's as it came, for a retry.
	status lead.Status
	reason lead.Reason
	done   chan error
	// duplicateOf is the earlier lead this one repeats, once stored.
	duplicateOf int64
}

func (n *newLead) caller() context.Context { return n.ctx }

func (n *newLead) answer(err error) { n.done <- err }

// createLeads stores leads, their log rows and their deliveries in one
// transaction. When it fails the leads are as they came: no id.
func (s *Store) createLeads(ctx context.Context, group []*newLead) error {
	// The leads' INSERT goes past gorm's callbacks, and with them past the
	// SQLite file's check.
	if s.file != nil {
		if err := s.file.check(); err != nil {
			return err
		}
	}
	leads := make([]*lead.Lead, len(group))
	for i, n := range group {
		leads[i] = n.lead
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := insertLeads(tx, leads); err != nil {
			return fmt.Errorf("storing %d leads: %w", len(leads), err)
		}
		var rows []*LogEntry
		var queued []Delivery
		for _, n := range group {
			if n.row != nil {
				n.row.LeadID = n.lead.ID
				rows = append(rows, n.row)
			}
			if n.dup != nil {
				of, err := holdKeys(tx, n.lead.ID, n.lead.CreatedAt, n.dup)
				if err != nil {
					return err
				}
				n.duplicateOf = of
			}
			if n.duplicateOf != 0 {
				if err := refuseDuplicate(tx, n.lead); err != nil {
					return fmt.Errorf("refusing duplicate lead %d: %w", n.lead.ID, err)
				}
				rows = append(rows, duplicateRow(n))
				continue
			}
			for i := range n.queued {
				n.queued[i].LeadID = n.lead.ID
			}
			queued = append(queued, n.queued...)
		}
		if err := enqueue(tx, queued); err != nil {
			return err
		}
		if err := insertLog(tx, rows); err != nil {
			return fmt.Errorf("logging %d new leads: %w", len(rows), err)
		}
		return nil
	})
	if err != nil {
		for _, n := range group {
			n.lead.ID, n.duplicateOf = 0, 0
			n.lead.Status, n.lead.Reason = n.status, n.reason
		}
	}
	if s.prepared != nil {
		// Best effort: a shape not prepared is asked for again.
		_ = s.prepared.prepareShapes(ctx)
	}
	return err
}

// insertLeads writes new leads with the columns named rather than through
// gorm's reflection, and fills in their ids. Leads of one shape (the
// columns they set; see leadShape) share statements of as many leads as
// the database binds well (see rowsPerStatement). The transaction holds
// the table's insert lock for each statement, so a statement's leads have
// consecutive ids: MySQL tells the first, SQLite the last.
//
// On SQLite the leads of a shape already prepared go one at a time
// through the prepared INSERT of one lead of that shape (see
// preparedStatements).
func insertLeads(tx *gorm.DB, leads []*lead.Lead) error {
	cols, err := insertColumns()
	if err != nil {
		return err
	}
	now := tx.NowFunc()
	for _, l := range leads {
		if l.CreatedAt.IsZero() {
			l.CreatedAt = now
		}
		if l.UpdatedAt.IsZero() {
			l.UpdatedAt = now
		}
	}
	groups, err := groupByShape(cols, leads)
	if err != nil {
		return err
	}
	p := pluginOn(tx)
	for _, g := range groups {
		if p != nil {
			if stmt := p.shapes.stmt(g.shape); stmt != nil {
				if err := insertEach(tx, stmt, g); err != nil {
					return err
				}
				continue
			}
		}
		shaped, width := g.shape.columns(cols), g.width()
		batch := rowsPerStatement(tx, width, leadRowsMySQL)
		for start := 0; start < len(g.leads); start += batch {
			end := min(len(g.leads), start+batch)
			if err := insertLeadRows(tx, shaped, g.leads[start:end], g.args[start*width:end*width]); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertEach writes a group's leads one at a time through the prepared
// INSERT of their shape.
func insertEach(tx *gorm.DB, stmt *sql.Stmt, g *shapeGroup) error {
	stmt, ctx, width := on(tx, stmt), execContext(tx), g.width()
	for i, l := range g.leads {
		res, err := stmt.ExecContext(ctx, g.args[i*width:(i+1)*width]...)
		if err != nil {
			return err
		}
		if l.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return nil
}

// insertColumns are the columns an INSERT of leads names: all but the id.
var insertColumns = sync.OnceValues(func() ([]leadColumn, error) {
	all, err := leadColumns()
	if err != nil {
		return nil, err
	}
	cols := slices.DeleteFunc(slices.Clone(all), func(c leadColumn) bool { return c.name == "id" })
	if len(cols) > maxShapeColumns {
		return nil, fmt.Errorf("the lead model has %d columns; a lead's shape tells %d apart", len(cols), maxShapeColumns)
	}
	return cols, nil
})

// insertLeadRows writes leads, whose values of cols are args, in one
// statement.
func insertLeadRows(tx *gorm.DB, cols []leadColumn, leads []*lead.Lead, args []any) error {
	res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, leadInsert(cols, len(leads)), args...)
	if err != nil {
		return err
	}
	first, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if tx.Dialector.Name() == string(SQLite) {
		first -= int64(len(leads) - 1)
	}
	for i, l := range leads {
		l.ID = first + int64(i)
	}
	return nil
}

// leadInsert is the INSERT of n leads' values of cols.
func leadInsert(cols []leadColumn, n int) string {
	var sql, marks strings.Builder
	sql.WriteString("INSERT INTO `leads` (")
	marks.WriteString("(")
	for i, c := range cols {
		if i > 0 {
			sql.WriteString(", ")
			marks.WriteString(", ")
		}
		sql.WriteString("`" + c.name + "`")
		marks.WriteString("?")
	}
	marks.WriteString(")")
	sql.WriteString(") VALUES ")
	for i := range n {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString(marks.String())
	}
	return sql.String()
}

// appendLeadValues appends a lead's values in leadInsert's order: a JSON
// column as its JSON text, NULL when the field is nil, as gorm writes it.
// With a shape, a column whose default is its zero value is left out when
// the lead's value is zero, and the shape records the columns appended.
func appendLeadValues(args []any, cols []leadColumn, l *lead.Lead, shape *leadShape) ([]any, error) {
	v := reflect.ValueOf(l).Elem()
	for i, c := range cols {
		field := v.FieldByIndex(c.index)
		if shape != nil {
			if c.zeroDefault && field.IsZero() {
				continue
			}
			shape.add(i)
		}
		f := field.Interface()
		if !c.json {
			args = append(args, f)
			continue
		}
		b, err := json.Marshal(f)
		if err != nil {
			return nil, fmt.Errorf("writing column %s: %w", c.name, err)
		}
		if string(b) == "null" {
			args = append(args, nil)
		} else {
			args = append(args, string(b))
		}
	}
	return args, nil
}
