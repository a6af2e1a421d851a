package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"sync"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// A lead's shape is the set of columns its INSERT names. Most of a lead's
// 72 columns have a default that is their zero value (0, ” or false) and
// most leads leave most of them unset: a landing page's lead sets a dozen.
// SQLite binds every parameter it is given, and binding and copying the
// 60 zeros cost a fifth of a lead's INSERT; a statement that leaves them
// to their defaults stores the same row.
//
// Leads of one shape share multi-row INSERTs. A SQLite store also keeps
// the INSERT of one lead of each shape it has seen prepared, up to
// maxShapes of them; leads of a shape not prepared yet go through a
// multi-row INSERT, and their shape is prepared once the transaction has
// ended (a statement is prepared on the store's one connection, which the
// transaction holds meanwhile).
type leadShape [2]uint64

// maxShapes bounds the statements a store keeps prepared for shapes.
const maxShapes = 64

// maxShapeColumns is how many columns a shape tells apart.
const maxShapeColumns = 128

func (s *leadShape) add(i int)     { s[i/64] |= 1 << (i % 64) }
func (s leadShape) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }

// size is how many columns the shape names.
func (s leadShape) size() int { return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) }

// columns are the columns of cols the shape names.
func (s leadShape) columns(cols []leadColumn) []leadColumn {
	var out []leadColumn
	for i, c := range cols {
		if s.has(i) {
			out = append(out, c)
		}
	}
	return out
}

// shapeGroup is the leads of one shape (see leadShape), in the order they
// came, and their values: width a lead, in the order of the shape's
// columns.
type shapeGroup struct {
	shape leadShape
	leads []*lead.Lead
	args  []any
}

// width is how many values a lead of the group has: its shape's columns.
func (g *shapeGroup) width() int { return g.shape.size() }

// groupByShape sorts leads into groups by shape, in the order the shapes
// first came.
func groupByShape(cols []leadColumn, leads []*lead.Lead) ([]*shapeGroup, error) {
	var groups []*shapeGroup
	byShape := map[leadShape]*shapeGroup{}
	var args []any
	for _, l := range leads {
		var shape leadShape
		var err error
		if args, err = appendLeadValues(args[:0], cols, l, &shape); err != nil {
			return nil, err
		}
		g := byShape[shape]
		if g == nil {
			g = &shapeGroup{shape: shape}
			byShape[shape] = g
			groups = append(groups, g)
		}
		g.leads = append(g.leads, l)
		g.args = append(g.args, args...)
	}
	return groups, nil
}

// shapedInserts are the prepared INSERTs of one lead by shape.
type shapedInserts struct {
	mu     sync.Mutex
	ready  map[leadShape]*sql.Stmt
	wanted map[leadShape]bool
}

// stmt is the prepared INSERT of shape; nil when there is none yet, and
// the shape is then prepared by the next prepareWanted, while there is room.
func (s *shapedInserts) stmt(shape leadShape) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.ready[shape]; ok {
		return st
	}
	if len(s.ready)+len(s.wanted) < maxShapes {
		if s.wanted == nil {
			s.wanted = map[leadShape]bool{}
		}
		s.wanted[shape] = true
	}
	return nil
}

// prepareWanted prepares on db the shapes asked for since the last call.
// It must run outside any transaction of the store: it waits for the
// connection.
func (s *shapedInserts) prepareWanted(ctx context.Context, db *sql.DB, cols []leadColumn) error {
	s.mu.Lock()
	wanted := s.wanted
	s.wanted = nil
	s.mu.Unlock()
	for shape := range wanted {
		st, err := db.PrepareContext(ctx, leadInsert(shape.columns(cols), 1))
		if err != nil {
			return fmt.Errorf("preparing the INSERT of a lead's shape: %w", err)
		}
		s.mu.Lock()
		if s.ready == nil {
			s.ready = map[leadShape]*sql.Stmt{}
		}
		s.ready[shape] = st
		s.mu.Unlock()
	}
	return nil
}

// close closes the statements.
func (s *shapedInserts) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.ready {
		_ = st.Close()
	}
	s.ready, s.wanted = nil, nil
}
