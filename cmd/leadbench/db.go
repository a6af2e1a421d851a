package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // the driver behind the harness's own queries

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// database is the run's own MySQL database: the store the processes use,
// and a plain connection for the harness's counts.
type database struct {
	name  string
	admin *sql.DB // connected to the server, no database
	// lock is the connection that holds the run's lock on the name.
	lock  *sql.Conn
	sql   *sql.DB // connected to the run's database
	store *storage.Store
}

// createDatabase drops and creates the DSN's database, and migrates it.
func createDatabase(ctx context.Context, dsn string) (*database, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("reading -dsn: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsAny(name, "`/ ") {
		return nil, fmt.Errorf("-dsn %q: name a database of letters, digits and _", dsn)
	}
	driverDSN, err := storage.MySQLDriverDSN(dsn)
	if err != nil {
		return nil, err
	}
	db := &database{name: name}
	if db.admin, err = sql.Open("mysql", strings.Replace(driverDSN, "/"+name+"?", "/?", 1)); err != nil {
		return nil, err
	}
	if err := db.takeName(ctx); err != nil {
		return nil, err
	}
	for _, stmt := range []string{"DROP DATABASE IF EXISTS `" + name + "`",
		"CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"} {
		if _, err := db.admin.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("preparing the database: %w", err)
		}
	}
	if db.sql, err = sql.Open("mysql", driverDSN); err != nil {
		return nil, err
	}
	if db.store, err = storage.Open(ctx, dsn); err != nil {
		return nil, err
	}
	return db, db.store.Migrate(ctx)
}

// takeName holds a server lock on the database's name for the run, so a
// second run on the same server and name stops instead of dropping the
// first one's database under it.
func (db *database) takeName(ctx context.Context) error {
	conn, err := db.admin.Conn(ctx)
	if err != nil {
		return fmt.Errorf("reaching MySQL: %w", err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", "leadbench."+db.name).Scan(&got); err != nil {
		_ = conn.Close()
		return fmt.Errorf("locking the database name: %w", err)
	}
	if got.Int64 != 1 {
		_ = conn.Close()
		return fmt.Errorf("another leadbench run is using the database %s: wait for it, or give -dsn another name", db.name)
	}
	db.lock = conn
	return nil
}

// createSQLite removes the SQLite database at dsn and creates it afresh.
func createSQLite(ctx context.Context, dsn string) (*database, error) {
	path := strings.TrimPrefix(dsn, "sqlite:")
	if err := removeSQLite(path); err != nil {
		return nil, err
	}
	s, err := storage.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &database{name: path, store: s}, s.Migrate(ctx)
}

// removeSQLite removes a SQLite database and its journal files.
func removeSQLite(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the old database: %w", err)
		}
	}
	return nil
}

// close releases the connections and, unless keep, drops the database.
func (db *database) close(keep bool) {
	_ = db.store.Close()
	if db.admin == nil {
		if !keep {
			_ = removeSQLite(db.name)
		}
		return
	}
	_ = db.sql.Close()
	if !keep {
		_, _ = db.admin.Exec("DROP DATABASE IF EXISTS `" + db.name + "`")
	}
	_ = db.lock.Close() // ends the session, and with it the lock
	_ = db.admin.Close()
}

// The scripts of the integration: pre shapes and signs the body, post
// reads the CRM's answer (as BenchmarkSweepNew does) and, as many
// integrations do, cancels a lead the CRM calls a duplicate with reason 7;
// check reads the CRM's lookup.
const (
	preScript = `
post.phone = "+" .. o.phone
post.country = string.upper(o.order_country)
post.order_id = o.order_id
headers["X-Signature"] = hmac_sha256(secrets.token, o.order_id .. o.phone)
`
	postScript = `
if response.code ~= 200 then return false end
local r = json.decode(result)
if r and r.status == "ok" then return r.id end
if r and r.status == "duplicate" then return -7 end
return false
`
	checkScript = `
if response.code ~= 200 then error("lookup answered " .. response.code) end
return json.decode(result).id
`
)

// addIntegration stores the integration every lead goes to.
func (db *database) addIntegration(ctx context.Context, c Config, crmURL string) (int64, error) {
	mode := map[string]any{"enabled": true, "url": crmURL + "/leads", "format": "json",
		"fields":  "id {id}\nname {name}\nphone {phone}\nemail {email}\nclick {click_id}\nsub1 {sub1}",
		"timeout": c.Timeout.String()}
	if c.Scripts {
		mode["pre"], mode["post"] = preScript, postScript
	}
	integration := map[string]any{"name": "leadbench", "enabled": true, "concurrency": c.Concurrency,
		"secrets": map[string]string{"token": "leadbench"}, "retry": map[string]int{"max_attempts": c.MaxAttempts},
		"new": mode}
	if c.OnUncertain != "" {
		integration["on_uncertain"] = c.OnUncertain
	}
	if c.OnUncertain == "check" {
		integration["check"] = map[string]any{"enabled": true, "url": crmURL + "/leads/find?id={id}", "method": "GET",
			"timeout": c.Timeout.String(), "post": checkScript}
	}
	doc, err := json.Marshal(integration)
	if err != nil {
		return 0, err
	}
	rec := &storage.IntegrationRecord{Name: "leadbench", Enabled: true, Document: string(doc)}
	return rec.ID, db.store.SaveIntegration(ctx, rec)
}

// fillChunk is how many leads one CreateLeads call takes.
const fillChunk = 10000

// fill stores n new leads of the integration and returns their intake
// times by id.
func (db *database) fill(ctx context.Context, integration int64, n int) (map[int64]time.Time, error) {
	created := make(map[int64]time.Time, n)
	for done := 0; done < n; done += fillChunk {
		leads := make([]lead.Lead, min(fillChunk, n-done))
		for i := range leads {
			leads[i] = sampleLead(integration, done+i)
		}
		if err := db.store.CreateLeads(ctx, leads); err != nil {
			return nil, err
		}
		for _, l := range leads {
			created[l.ID] = l.CreatedAt
		}
	}
	return created, nil
}

// sampleLead is a lead of typical size: contact, tracking and one product.
func sampleLead(integration int64, i int) lead.Lead {
	n := strconv.Itoa(i)
	return lead.Lead{
		IntegrationID: integration, OfferID: 1, Name: "Load Test " + n, Phone: "4477009" + fmt.Sprintf("%05d", i%100000),
		Email: "load" + n + "@example.com", Country: "gb", City: "London", IP: "203.0.113.7",
		UA: "Mozilla/5.0 (leadbench)", ClickID: "clk" + n, Sub1: "adset_" + n, UtmSource: "leadbench",
		Price: 49, Currency: "GBP", Items: lead.Items{17: {Qty: 1, Price: 49, Cost: 12.5}},
	}
}

// anyPending says whether a lead still waits to be sent: status new, not
// failed. It stops at the first such lead, where counting them would read
// every waiting lead's index entry on each poll, work the database does
// beside the processes being measured.
func (db *database) anyPending(ctx context.Context) (bool, error) {
	var one int
	err := db.sql.QueryRowContext(ctx, "SELECT 1 FROM leads WHERE status = ? AND failed = 0 LIMIT 1", lead.New).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// pending counts the leads still waiting to be sent: status new, not failed.
func (db *database) pending(ctx context.Context) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM leads WHERE status = ? AND failed = 0", lead.New).Scan(&n)
	return n, err
}

// claimTokens lists the claim tokens leads carry now.
func (db *database) claimTokens(ctx context.Context) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT DISTINCT claim_token FROM leads WHERE claim_token <> ''")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// holding counts the leads that still carry one of the tokens.
func (db *database) holding(ctx context.Context, tokens []string) (int, error) {
	if len(tokens) == 0 {
		return 0, nil
	}
	args := make([]any, len(tokens))
	for i, t := range tokens {
		args[i] = t
	}
	q := "SELECT COUNT(*) FROM leads WHERE claim_token IN (?" + strings.Repeat(",?", len(tokens)-1) + ")"
	var n int
	err := db.sql.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// outcome is where the leads ended, by the database.
type outcome struct {
	processing, failed, waiting, other int
}

func (db *database) outcome(ctx context.Context) (outcome, error) {
	var o outcome
	err := db.sql.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(status = ? AND failed = 0), 0), COALESCE(SUM(failed = 1), 0),
		COALESCE(SUM(status = ? AND failed = 0), 0), COALESCE(SUM(status NOT IN (?, ?) AND failed = 0), 0)
		FROM leads`, lead.Processing, lead.New, lead.Processing, lead.New).Scan(&o.processing, &o.failed, &o.waiting, &o.other)
	return o, err
}

// duplicateCancelIDs lists the leads cancelled as duplicates (reason 7).
func (db *database) duplicateCancelIDs(ctx context.Context) (map[int64]bool, error) {
	return db.ids(ctx, fmt.Sprintf("status = %d AND reason = %d", lead.Cancel, lead.ReasonDuplicate))
}

// failedIDs lists the leads marked failed.
func (db *database) failedIDs(ctx context.Context) (map[int64]bool, error) {
	return db.ids(ctx, "failed = 1")
}

// waitingIDs lists the leads still new and not failed.
func (db *database) waitingIDs(ctx context.Context) (map[int64]bool, error) {
	return db.ids(ctx, fmt.Sprintf("status = %d AND failed = 0", lead.New))
}

// ids lists the leads that match where.
func (db *database) ids(ctx context.Context, where string) (map[int64]bool, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT id FROM leads WHERE "+where)
	if err != nil {
		return nil, fmt.Errorf("listing leads where %s: %w", where, err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
