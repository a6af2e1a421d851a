package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// preparedStatements are a SQLite store's statements run most often:
// the INSERTs of one log row and of one lead of each shape (see
// leadShape), and the SELECT of one lead by id. They are prepared once on
// its one connection and run for each row.
//
// The SQLite driver parses a statement it is not given prepared on every
// run, and a statement that names the lead's 72 columns costs that parse
// every time: for a multi-row INSERT of leads, for every row, most of the
// time a lead took to store; for a status update, which read its lead
// twice then, a quarter of its CPU. A prepared statement is only bound and
// stepped.
//
// The statements are prepared outside any transaction: the store's one
// connection belongs to a transaction while it runs, so preparing on the
// pool inside one would wait for itself. Inside a transaction the same
// statement runs on the transaction's connection (sql.Tx.StmtContext).
//
// They are registered on the store's gorm.DB as a plugin, which every
// session and transaction of it shares, so that the package's statements
// find them from any tx.
type preparedStatements struct {
	mu  sync.Mutex // serialises prepare and close
	db  *sql.DB
	log atomic.Pointer[sql.Stmt] // logInsert, one row
	// leadByID is leadSelect of the lead with an id.
	leadByID atomic.Pointer[sql.Stmt]
	// shapes are the INSERTs of one lead by shape.
	shapes shapedInserts
}

const preparedName = "leadrelay:prepared-statements"

// Name names the plugin.
func (p *preparedStatements) Name() string { return preparedName }

// Initialize takes the pool the statements are prepared on.
func (p *preparedStatements) Initialize(db *gorm.DB) error {
	sqlDB, err := db.DB()
	p.db = sqlDB
	return err
}

// prepare prepares the INSERT of a log row and the SELECT of a lead
// unless they are. It fails on a store whose tables are not migrated yet;
// the statements then go unprepared.
func (p *preparedStatements) prepare(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.log.Load() != nil {
		return nil
	}
	sel, err := leadSelect()
	if err != nil {
		return err
	}
	lead, err := p.db.PrepareContext(ctx, sel+"WHERE `id` = ?")
	if err != nil {
		return fmt.Errorf("preparing the SELECT of a lead: %w", err)
	}
	log, err := p.db.PrepareContext(ctx, logInsert+logRowMarks)
	if err != nil {
		_ = lead.Close()
		return fmt.Errorf("preparing the INSERT of a log row: %w", err)
	}
	p.leadByID.Store(lead)
	p.log.Store(log)
	return nil
}

// prepareShapes prepares the INSERTs of the shapes leads had that were
// not prepared; outside any transaction of the store. A shape that fails
// to prepare is asked for again by its next lead, which meanwhile goes
// through a multi-row INSERT of its shape.
func (p *preparedStatements) prepareShapes(ctx context.Context) error {
	cols, err := insertColumns()
	if err != nil {
		return err
	}
	return p.shapes.prepareWanted(ctx, p.db, cols)
}

// close closes the statements.
func (p *preparedStatements) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, stmt := range []*atomic.Pointer[sql.Stmt]{&p.log, &p.leadByID} {
		if s := stmt.Swap(nil); s != nil {
			_ = s.Close()
		}
	}
	p.shapes.close()
}

// pluginOn returns the prepared statements of tx's store; nil on MySQL.
func pluginOn(tx *gorm.DB) *preparedStatements {
	p, _ := tx.Config.Plugins[preparedName].(*preparedStatements)
	return p
}

// logStmt returns the prepared INSERT of a log row; nil on MySQL (p is
// nil), and before it is prepared.
func (p *preparedStatements) logStmt() *sql.Stmt {
	if p == nil {
		return nil
	}
	return p.log.Load()
}

// leadByIDStmt returns the prepared SELECT of a lead by id; nil on MySQL
// (p is nil), and before it is prepared.
func (p *preparedStatements) leadByIDStmt() *sql.Stmt {
	if p == nil {
		return nil
	}
	return p.leadByID.Load()
}

// execContext is the context a prepared INSERT runs with inside tx: tx's,
// without its cancellation. The SQLite driver watches a cancellable
// context with a goroutine of its own for every statement it runs, to
// interrupt it: for an INSERT of one row, on the store's one connection,
// that watch cost more than the INSERT's binding. The transaction's
// BEGIN and COMMIT still end with the context.
func execContext(tx *gorm.DB) context.Context {
	return context.WithoutCancel(tx.Statement.Context)
}

// on returns stmt as run through tx: inside a transaction, on its
// connection.
func on(tx *gorm.DB, stmt *sql.Stmt) *sql.Stmt {
	if t, ok := tx.Statement.ConnPool.(*sql.Tx); ok {
		return t.StmtContext(tx.Statement.Context, stmt)
	}
	return stmt
}
