package storage

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/leadrelay/leadrelay/storage/catalog"
)

// TestMigrationAddsCampaignColumns: a database made before campaigns had
// payout and trusted gets them, and keeps its campaigns.
func TestMigrationAddsCampaignColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := PutObject(ctx, s, &catalog.Campaign{Alias: "old"}); err != nil {
		t.Fatal(err)
	}
	m := s.db.Migrator()
	for _, col := range []string{"Payout", "Trusted"} {
		if err := m.DropColumn(&catalog.Campaign{}, col); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Where("version = ?", 3).Delete(&schemaMigration{}).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating the old database: %v", err)
	}
	if !m.HasColumn(&catalog.Campaign{}, "Payout") || !m.HasColumn(&catalog.Campaign{}, "Trusted") {
		t.Fatal("campaigns lack payout or trusted after the migration")
	}
	c, err := s.CampaignByAlias(ctx, "old")
	if err != nil || c.Payout != 0 || c.Trusted {
		t.Fatalf("the old campaign: %+v, %v", c, err)
	}
}
