package bundle_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/bundle"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// checker stores documents as JSON and refuses the catalog objects whose
// name is refuse; it records what it was told.
type checker struct {
	refuse      string
	invalidated []int64
}

func (c *checker) Integration(doc *integrations.Integration) (*storage.IntegrationRecord, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return &storage.IntegrationRecord{ID: doc.ID, Name: doc.Name, Enabled: doc.Enabled, Document: string(b)}, nil
}

func (c *checker) Object(v any) error {
	if o, ok := v.(*catalog.Offer); ok && o.Name == c.refuse {
		return errors.New("refused")
	}
	return nil
}

func (c *checker) Invalidate(id int64) { c.invalidated = append(c.invalidated, id) }

func sample() *bundle.Bundle {
	return &bundle.Bundle{
		Integrations: []*integrations.Integration{{Name: "crm", Enabled: true, Secrets: map[string]string{"key": "k-1"},
			New: &integrations.Mode{Enabled: true, URL: "https://crm.example/{secret:key}"}}},
		Offers: []catalog.Offer{{Name: "cream"}, {Name: "serum"}},
	}
}

// Import stores a bundle, and a second import of the same file updates what
// the first created; Export reads it back with its secrets as *** unless
// asked for them.
func TestImportExport(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		c := &checker{}
		for range 2 {
			counts, err := bundle.Import(ctx, s, c, sample())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(bundle.Counts{"integrations": 1, "offers": 2, "sites": 0, "goals": 0, "affiliates": 0, "campaigns": 0}, counts); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		}
		if len(c.invalidated) != 2 || c.invalidated[0] != c.invalidated[1] {
			t.Errorf("invalidated %v, want the same integration twice", c.invalidated)
		}
		out, err := bundle.Export(ctx, s, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Integrations) != 1 || len(out.Offers) != 2 {
			t.Fatalf("exported %d integrations and %d offers, want 1 and 2", len(out.Integrations), len(out.Offers))
		}
		if doc := out.Integrations[0]; doc.ID != c.invalidated[0] || doc.Secrets["key"] != integrations.RedactedSecret {
			t.Errorf("exported integration %d with secret %q, want %d with ***", doc.ID, doc.Secrets["key"], c.invalidated[0])
		}
		withSecrets, err := bundle.Export(ctx, s, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := withSecrets.Integrations[0].Secrets["key"]; got != "k-1" {
			t.Errorf("secret exported as %q, want k-1", got)
		}
	})
}

// An object the checker refuses stops the whole import: nothing is stored.
func TestImportRefusedStoresNothing(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		c := &checker{refuse: "serum"}
		_, err := bundle.Import(ctx, s, c, sample())
		if err == nil || !strings.Contains(err.Error(), "offer 2: refused") {
			t.Fatalf("err = %v, want offer 2 refused", err)
		}
		out, err := bundle.Export(ctx, s, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Integrations) != 0 || len(out.Offers) != 0 || len(c.invalidated) != 0 {
			t.Errorf("stored %d integrations and %d offers, invalidated %v; want nothing", len(out.Integrations), len(out.Offers), c.invalidated)
		}
	})
}
