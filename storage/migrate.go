package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// migration is one numbered step of the schema. Steps are applied in order,
// once each, and recorded; a step must be safe on a live database holding
// data (add, never drop or rewrite in place).
type migration struct {
	version int
	name    string
	apply   func(tx *gorm.DB) error
}

var migrations = []migration{
	{1, "leads, catalog, integrations, deliveries, log, settings, pauses", func(tx *gorm.DB) error {
		return tx.AutoMigrate(
			&lead.Lead{},
			&catalog.Offer{}, &catalog.Site{}, &catalog.Goal{}, &catalog.Affiliate{}, &catalog.Campaign{},
			&IntegrationRecord{}, &Delivery{}, &LogEntry{}, &Setting{}, &Pause{},
		)
	}},
	{2, "every MySQL table utf8mb4", convertToUTF8MB4},
	{3, "campaigns: payout and trusted", func(tx *gorm.DB) error {
		return addColumns(tx, &catalog.Campaign{}, "Payout", "Trusted")
	}},
	{4, "users, their tokens and sessions; the log's by", func(tx *gorm.DB) error {
		if err := tx.AutoMigrate(&User{}, &APIToken{}, &Session{}); err != nil {
			return err
		}
		if tx.Migrator().HasColumn(&LogEntry{}, "By") {
			return nil
		}
		return tx.Migrator().AddColumn(&LogEntry{}, "By")
	}},
	{5, "uncertain sends: the leads' uncertain and check_due marks, the log's uncertain", addUncertain},
	{6, "cap_slots", func(tx *gorm.DB) error {
		if tx.Migrator().HasTable(&CapSlot{}) {
			return nil
		}
		return tx.Migrator().CreateTable(&CapSlot{})
	}},
	{8, "offers' duplicates; duplicate_keys; pauses after failures", func(tx *gorm.DB) error {
		if err := addColumns(tx, &catalog.Offer{}, "Duplicates"); err != nil {
			return err
		}
		if err := addColumns(tx, &Pause{}, "Failures", "Since", "ProbeAt", "Message"); err != nil {
			return err
		}
		if tx.Migrator().HasTable(&DuplicateHold{}) {
			return nil
		}
		return tx.Migrator().CreateTable(&DuplicateHold{})
	}},
	{9, "sweep_runs and signin_failures: the last sweep and the sign-in limit, shared by every process", func(tx *gorm.DB) error {
		for _, table := range []any{&SweepRun{}, &SigninFailure{}} {
			if tx.Migrator().HasTable(table) {
				continue
			}
			if err := tx.Migrator().CreateTable(table); err != nil {
				return err
			}
		}
		return nil
	}},
}

// mendsOldInstalls are the steps that only mend what an earlier install
// made: on a database this run creates, they are recorded without running
// (its tables are utf8mb4 from the start, and the conversion's look through
// information_schema would only cost a temporary table on disk).
var mendsOldInstalls = map[int]bool{2: true}

// mysqlTableOptions make every table utf8mb4 whatever the database's
// default charset: a latin1 database would refuse a Cyrillic name.
const mysqlTableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

// convertToUTF8MB4 converts the tables an earlier install created in
// another charset (the database's default, before the tables had
// mysqlTableOptions), and those with a column in another charset.
func convertToUTF8MB4(tx *gorm.DB) error {
	if tx.Dialector.Name() != string(MySQL) {
		return nil
	}
	var tables []string
	err := tx.Raw(`SELECT DISTINCT t.TABLE_NAME FROM information_schema.TABLES t
		LEFT JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
			AND c.CHARACTER_SET_NAME IS NOT NULL AND c.CHARACTER_SET_NAME <> 'utf8mb4'
		WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
			AND (t.TABLE_COLLATION NOT LIKE 'utf8mb4%' OR c.COLUMN_NAME IS NOT NULL)`).Scan(&tables).Error
	if err != nil {
		return fmt.Errorf("listing tables that are not utf8mb4: %w", err)
	}
	for _, t := range tables {
		if err := tx.Exec("ALTER TABLE `" + t + "` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
			return fmt.Errorf("converting %s to utf8mb4: %w", t, err)
		}
	}
	return nil
}

// addUncertain adds the columns of SPEC §9's uncertain sends where migration
// 1 did not create them already.
func addUncertain(tx *gorm.DB) error {
	if err := addColumns(tx, &lead.Lead{}, "Uncertain", "CheckDue"); err != nil {
		return err
	}
	m := tx.Migrator()
	if !m.HasIndex(&lead.Lead{}, "Uncertain") {
		if err := m.CreateIndex(&lead.Lead{}, "Uncertain"); err != nil {
			return err
		}
	}
	if !m.HasColumn(&LogEntry{}, "Uncertain") {
		return m.AddColumn(&LogEntry{}, "Uncertain")
	}
	return nil
}

// addColumns adds the columns of model's fields that the table lacks.
func addColumns(tx *gorm.DB, model any, fields ...string) error {
	m := tx.Migrator()
	for _, f := range fields {
		if m.HasColumn(model, f) {
			continue
		}
		if err := m.AddColumn(model, f); err != nil {
			return fmt.Errorf("adding %s: %w", f, err)
		}
	}
	return nil
}

// schemaMigration records an applied step.
type schemaMigration struct {
	Version   int       `gorm:"primaryKey;autoIncrement:false"`
	Name      string    `gorm:"size:255;not null"`
	AppliedAt time.Time `gorm:"not null"`
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// Migrate creates or upgrades the schema. It applies every step not yet
// recorded, in order; on MySQL it holds an advisory lock so that processes
// starting together apply each step once.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if s.prepared != nil {
		return s.prepared.prepare(ctx)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	return s.withMigrationLock(ctx, func(db *gorm.DB) error {
		if s.dialect == MySQL {
			db = db.Set("gorm:table_options", mysqlTableOptions).Session(&gorm.Session{})
		}
		if err := db.AutoMigrate(&schemaMigration{}); err != nil {
			return fmt.Errorf("creating schema_migrations: %w", err)
		}
		var applied []int
		if err := db.Model(&schemaMigration{}).Pluck("version", &applied).Error; err != nil {
			return fmt.Errorf("reading schema_migrations: %w", err)
		}
		done := make(map[int]bool, len(applied))
		for _, v := range applied {
			done[v] = true
		}
		fresh := !done[1]
		for _, m := range migrations {
			if done[m.version] {
				continue
			}
			if !fresh || !mendsOldInstalls[m.version] {
				if err := m.apply(db); err != nil {
					return fmt.Errorf("applying migration %d (%s): %w", m.version, m.name, err)
				}
			}
			rec := schemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}
			if err := db.Create(&rec).Error; err != nil {
				return fmt.Errorf("recording migration %d: %w", m.version, err)
			}
		}
		return nil
	})
}

// SchemaVersion is the highest migration applied, 0 for an empty database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	db := s.db.WithContext(ctx)
	if !db.Migrator().HasTable(&schemaMigration{}) {
		return 0, nil
	}
	var v *int
	if err := db.Model(&schemaMigration{}).Select("MAX(version)").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("reading schema_migrations: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

func (s *Store) withMigrationLock(ctx context.Context, fn func(db *gorm.DB) error) error {
	if s.dialect != MySQL {
		return fn(s.db.WithContext(ctx))
	}
	// GET_LOCK belongs to a connection: hold one connection for the whole run.
	return s.db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		var got int
		if err := conn.Raw("SELECT GET_LOCK('leadrelay_migrate', 60)").Scan(&got).Error; err != nil {
			return fmt.Errorf("taking the migration lock: %w", err)
		}
		if got != 1 {
			return fmt.Errorf("taking the migration lock: another process held it for 60s")
		}
		defer conn.Exec("SELECT RELEASE_LOCK('leadrelay_migrate')")
		return fn(conn.Session(&gorm.Session{NewDB: true}))
	})
}
