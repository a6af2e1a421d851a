package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestSaveIntegrationKeepsEnabled: the enabled flag is stored as the
// document says, false included, whether the record is created, created
// with a carried-over id or updated.
func TestSaveIntegrationKeepsEnabled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		id      int64
		enabled bool
	}{
		{"created disabled", 0, false},
		{"created enabled", 0, true},
		{"created with an id, disabled", 40, false},
		{"created with an id, enabled", 41, true},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for _, tt := range tests {
			rec := &storage.IntegrationRecord{ID: tt.id, Name: tt.name, Enabled: tt.enabled, Document: "{}"}
			if err := s.SaveIntegration(ctx, rec); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if rec.Enabled != tt.enabled {
				t.Errorf("%s: the record reads enabled %v after the save, want %v", tt.name, rec.Enabled, tt.enabled)
			}
			got, err := s.GetIntegration(ctx, rec.ID)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got.Enabled != tt.enabled {
				t.Errorf("%s: stored enabled %v, want %v", tt.name, got.Enabled, tt.enabled)
			}
			rec.Enabled = !tt.enabled
			if err := s.SaveIntegration(ctx, rec); err != nil {
				t.Fatalf("%s: updating: %v", tt.name, err)
			}
			if got, err := s.GetIntegration(ctx, rec.ID); err != nil || got.Enabled != !tt.enabled {
				t.Errorf("%s: after an update enabled %v (%v), want %v", tt.name, got.Enabled, err, !tt.enabled)
			}
		}
	})
}

// TestSaveIntegrationVersions: a create starts at version 1, each update
// goes one up and keeps the creation time, and the versions map follows.
func TestSaveIntegrationVersions(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if v, err := s.IntegrationVersions(ctx); err != nil || len(v) != 0 {
			t.Fatalf("versions of no integration = %v, %v; want none", v, err)
		}
		rec := &storage.IntegrationRecord{Name: "crm", Enabled: true, Document: `{"name":"crm"}`}
		if err := s.SaveIntegration(ctx, rec); err != nil {
			t.Fatal(err)
		}
		created, err := s.GetIntegration(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		for want := int64(2); want <= 3; want++ {
			rec.CreatedAt = time.Time{}
			rec.Document = fmt.Sprintf(`{"name":"crm","v":%d}`, want)
			if err := s.SaveIntegration(ctx, rec); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetIntegration(ctx, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Version != want || got.Version != want || got.Document != rec.Document {
				t.Errorf("after update %d: record version %d, stored %d %q", want-1, rec.Version, got.Version, got.Document)
			}
			if !got.CreatedAt.Equal(created.CreatedAt) {
				t.Errorf("after update %d: created at %v, want %v", want-1, got.CreatedAt, created.CreatedAt)
			}
		}
		other := &storage.IntegrationRecord{Name: "other", Document: "{}"}
		if err := s.SaveIntegration(ctx, other); err != nil {
			t.Fatal(err)
		}
		versions, err := s.IntegrationVersions(ctx)
		if err != nil || len(versions) != 2 || versions[rec.ID] != 3 || versions[other.ID] != 1 {
			t.Errorf("versions = %v, %v; want %d:3 %d:1", versions, err, rec.ID, other.ID)
		}
	})
}

func TestGetAndDeleteIntegration(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if _, err := s.GetIntegration(ctx, 5); !errors.Is(err, storage.ErrNotFound) || err.Error() != "integration 5 does not exist" {
			t.Errorf("GetIntegration of none = %v, want ErrNotFound naming integration 5", err)
		}
		if err := s.DeleteIntegration(ctx, 5); !errors.Is(err, storage.ErrNotFound) || err.Error() != "integration 5 does not exist" {
			t.Errorf("DeleteIntegration of none = %v, want ErrNotFound naming integration 5", err)
		}
		keep := &storage.IntegrationRecord{Name: "keep", Document: `{"name":"keep"}`}
		drop := &storage.IntegrationRecord{Name: "drop", Document: `{"name":"drop"}`}
		for _, rec := range []*storage.IntegrationRecord{keep, drop} {
			if err := s.SaveIntegration(ctx, rec); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteIntegration(ctx, drop.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetIntegration(ctx, drop.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a deleted integration: %v, want ErrNotFound", err)
		}
		if err := s.DeleteIntegration(ctx, drop.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("deleting twice: %v, want ErrNotFound", err)
		}
		got, err := s.GetIntegration(ctx, keep.ID)
		if err != nil || got.Name != "keep" || got.Document != `{"name":"keep"}` || got.Version != 1 {
			t.Errorf("the other integration = %+v, %v", got, err)
		}
		list, err := s.ListIntegrations(ctx)
		if err != nil || len(list) != 1 || list[0].ID != keep.ID {
			t.Errorf("ListIntegrations after the delete = %+v, %v; want only %d", list, err, keep.ID)
		}
	})
}

// TestListIntegrationsLowestIDFirst: routing order is by id, whatever the
// order of the saves.
func TestListIntegrationsLowestIDFirst(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if list, err := s.ListIntegrations(ctx); err != nil || len(list) != 0 {
			t.Fatalf("ListIntegrations of none = %v, %v", list, err)
		}
		for _, id := range []int64{30, 10, 20} {
			if err := s.SaveIntegration(ctx, &storage.IntegrationRecord{ID: id, Name: "crm", Document: "{}"}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.ListIntegrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range list {
			ids = append(ids, r.ID)
		}
		if len(ids) != 3 || ids[0] != 10 || ids[1] != 20 || ids[2] != 30 {
			t.Errorf("ids = %v, want [10 20 30]", ids)
		}
	})
}
