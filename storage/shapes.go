package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// A lead's shape is the set of columns its INSERT names. Most of a lead's
// 72 columns have a default that is their zero value (0, ” or false) and
// most leads leave most of them unset: a landing page's lead sets a dozen.
// SQLite binds every parameter it is given, and binding and copying the
// 60 zeros cost a fifth of a lead's INSERT; a statement that leaves them
// to their defaults stores the same row.
//
// A SQLite store keeps the INSERT of each shape it has seen prepared, up
// to maxShapes of them; a lead whose shape is not prepared yet goes through
// the INSERT of every column, and its shape is prepared once the
// transaction has ended (a statement is prepared on the store's one
// connection, which the transaction holds meanwhile).
type leadShape [2]uint64

// maxShapes bounds the statements a store keeps prepared for shapes.
const maxShapes = 64

// shapesFit reports whether a shape can tell n columns apart.
func shapesFit(n int) bool { return n <= 128 }

func (s *leadShape) add(i int)     { s[i/64] |= 1 << (i % 64) }
func (s leadShape) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }

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
