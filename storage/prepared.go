package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// preparedInserts are a SQLite store's INSERTs of one log row and of one
// lead of each shape (see leadShape), prepared once on its one connection
// and run for each row.
//
// The SQLite driver parses a statement it is not given prepared on every
// run, and a multi-row INSERT of leads costs that parse for every row: with
// 72 columns, most of the time a lead took to store. A prepared statement
// is only bound and stepped.
//
// The statements are prepared outside any transaction: the store's one
// connection belongs to a transaction while it runs, so preparing on the
// pool inside one would wait for itself. Inside a transaction the same
// statement runs on the transaction's connection (sql.Tx.StmtContext).
//
// They are registered on the store's gorm.DB as a plugin, which every
// session and transaction of it shares, so that the package's INSERTs find
// them from any tx.
type preparedInserts struct {
	mu  sync.Mutex // serialises prepare and close
	db  *sql.DB
	log atomic.Pointer[sql.Stmt] // logInsert, one row
	// shapes are the INSERTs of one lead by shape.
	shapes shapedInserts
}

const preparedInsertsName = "leadrelay:prepared-inserts"

// Name names the plugin.
func (p *preparedInserts) Name() string { return preparedInsertsName }

// Initialize takes the pool the statements are prepared on.
func (p *preparedInserts) Initialize(db *gorm.DB) error {
	sqlDB, err := db.DB()
	p.db = sqlDB
	return err
}

// prepare prepares the INSERT of a log row unless it is. It fails on a
// store whose tables are not migrated yet; the INSERTs then go unprepared.
func (p *preparedInserts) prepare(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.log.Load() != nil {
		return nil
	}
	log, err := p.db.PrepareContext(ctx, logInsert+logRowMarks)
	if err != nil {
		return fmt.Errorf("preparing the INSERT of a log row: %w", err)
	}
	p.log.Store(log)
	return nil
}

// prepareShapes prepares the INSERTs of the shapes leads had that were
// not prepared; outside any transaction of the store. A shape that fails
// to prepare is asked for again by its next lead, which meanwhile goes
// through a multi-row INSERT of its shape.
func (p *preparedInserts) prepareShapes(ctx context.Context) error {
	cols, err := insertColumns()
	if err != nil {
		return err
	}
	return p.shapes.prepareWanted(ctx, p.db, cols)
}

// close closes the statements.
func (p *preparedInserts) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if log := p.log.Swap(nil); log != nil {
		_ = log.Close()
	}
	p.shapes.close()
}

// pluginOn returns the prepared INSERTs of tx's store; nil on MySQL.
func pluginOn(tx *gorm.DB) *preparedInserts {
	p, _ := tx.Config.Plugins[preparedInsertsName].(*preparedInserts)
	return p
}

// preparedLog returns the prepared INSERT of a log row of tx's store; nil
// on MySQL, and before it is prepared.
func preparedLog(tx *gorm.DB) *sql.Stmt {
	if p := pluginOn(tx); p != nil {
		return p.log.Load()
	}
	return nil
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
