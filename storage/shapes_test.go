package storage_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// leadsSettingOneField is a lead for each plain field of lead.Lead (a
// number, a text or a flag) with that field alone set, beside a name.
func leadsSettingOneField(t *testing.T) map[string]*lead.Lead {
	t.Helper()
	out := map[string]*lead.Lead{}
	typ := reflect.TypeFor[lead.Lead]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Name {
		case "ID", "Name", "NextAt":
			continue
		}
		l := &lead.Lead{Name: "shape " + f.Name}
		v := reflect.ValueOf(l).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x" + f.Name[:1])
		case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
			v.SetInt(3)
		case reflect.Float64, reflect.Float32:
			v.SetFloat(1.5)
		case reflect.Bool:
			v.SetBool(true)
		default:
			continue
		}
		out[f.Name] = l
	}
	if len(out) < 50 {
		t.Fatalf("only %d plain fields found in lead.Lead", len(out))
	}
	return out
}

// TestEveryShapeStoresTheLeadAsGiven stores, for every plain field, a lead
// that sets it alone, twice: the first goes through a multi-row INSERT of
// its shape, the second (on SQLite) through its shape's prepared INSERT of
// one lead. Both read back as
// given: a column left out of an INSERT took a default equal to the
// field's zero.
func TestEveryShapeStoresTheLeadAsGiven(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for round := range 2 {
			for name, l := range leadsSettingOneField(t) {
				if err := s.CreateLeadWith(ctx, l, nil, nil); err != nil {
					t.Fatalf("round %d, %s: %v", round, name, err)
				}
				got, err := s.GetLead(ctx, l.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(l, got, cmpopts.IgnoreFields(lead.Lead{}, "CreatedAt", "UpdatedAt"), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("round %d, a lead setting %s alone reads back otherwise (-stored +read):\n%s", round, name, diff)
				}
			}
		}
		if s.Dialect() == storage.SQLite {
			if got, most := storage.ShapesPrepared(s), storage.MaxShapes; got == 0 || got > most {
				t.Errorf("%d shapes prepared, want 1 to %d", got, most)
			}
		}
	})
}

// TestShapesPastTheBound stores more shapes than a store keeps prepared:
// the others go through multi-row INSERTs of their shape.
func TestShapesPastTheBound(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		if s.Dialect() != storage.SQLite {
			t.Skip("MySQL stores leads in multi-row INSERTs of every column")
		}
		ctx := context.Background()
		stored := 0
		for range 2 {
			for _, l := range leadsSettingOneField(t) {
				for _, extra := range []func(*lead.Lead){
					func(l *lead.Lead) { l.Sub4 = "s" },
					func(l *lead.Lead) { l.Sub5 = "s" },
				} {
					c := *l
					c.ID = 0
					extra(&c)
					if err := s.CreateLeadWith(ctx, &c, nil, nil); err != nil {
						t.Fatal(err)
					}
					got, err := s.GetLead(ctx, c.ID)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(&c, got, cmpopts.IgnoreFields(lead.Lead{}, "CreatedAt", "UpdatedAt"), cmpopts.EquateEmpty()); diff != "" {
						t.Fatalf("a lead reads back otherwise (-stored +read):\n%s", diff)
					}
					stored++
				}
			}
		}
		if got := storage.ShapesPrepared(s); got != storage.MaxShapes {
			t.Errorf("after %d leads of more than %d shapes, %d are prepared", stored, storage.MaxShapes, got)
		}
	})
}
