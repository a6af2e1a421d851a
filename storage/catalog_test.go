package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// missingObject reads and deletes catalog object 9 of type T, which does
// not exist, and returns both errors.
func missingObject[T storage.CatalogObject](ctx context.Context, s *storage.Store) []error {
	_, err := storage.GetObject[T](ctx, s, 9)
	return []error{err, storage.DeleteObject[T](ctx, s, 9)}
}

// TestCatalogNotFoundNamesTheObject: a missing object of each type is
// ErrNotFound, named by its kind and id, to read and to delete.
func TestCatalogNotFoundNamesTheObject(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		_, byAlias := s.CampaignByAlias(ctx, "nope")
		tests := []struct {
			errs []error
			want string
		}{
			{missingObject[catalog.Offer](ctx, s), "offer 9 does not exist"},
			{missingObject[catalog.Site](ctx, s), "site 9 does not exist"},
			{missingObject[catalog.Goal](ctx, s), "goal 9 does not exist"},
			{missingObject[catalog.Affiliate](ctx, s), "affiliate 9 does not exist"},
			{missingObject[catalog.Campaign](ctx, s), "campaign 9 does not exist"},
			{[]error{byAlias}, `campaign "nope" does not exist`},
		}
		for _, tt := range tests {
			for _, err := range tt.errs {
				if !errors.Is(err, storage.ErrNotFound) || err.Error() != tt.want {
					t.Errorf("%v, want ErrNotFound saying %q", err, tt.want)
				}
			}
		}
	})
}

// TestPutObjectReplacesWhole: a put with an id that exists replaces every
// field, a put with an id that does not exist creates it with that id, and
// a put with no id is given the next one.
func TestPutObjectReplacesWhole(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		site := &catalog.Site{ID: 50, Name: "land", URL: "https://land.example", Kind: catalog.KindPrelanding, Params: catalog.Params{"a": "1"}}
		if err := storage.PutObject(ctx, s, site); err != nil {
			t.Fatal(err)
		}
		replacement := &catalog.Site{ID: 50, Name: "land 2", Kind: catalog.KindLanding}
		if err := storage.PutObject(ctx, s, replacement); err != nil {
			t.Fatal(err)
		}
		got, err := storage.GetObject[catalog.Site](ctx, s, 50)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(replacement, got); diff != "" {
			t.Errorf("replaced site (-want +got):\n%s", diff)
		}
		next := &catalog.Site{Name: "next"}
		if err := storage.PutObject(ctx, s, next); err != nil {
			t.Fatal(err)
		}
		if next.ID <= 50 {
			t.Errorf("a site with no id was given %d, want one above 50", next.ID)
		}
		if got, err := storage.GetObject[catalog.Site](ctx, s, next.ID); err != nil || got.Kind != catalog.KindLanding {
			t.Errorf("a site with no kind: %+v, %v; want a landing", got, err)
		}
		aff := &catalog.Affiliate{ID: 12, Name: "pub", Email: "pub@example.com"}
		if err := storage.PutObject(ctx, s, aff); err != nil {
			t.Fatal(err)
		}
		if got, err := storage.GetObject[catalog.Affiliate](ctx, s, 12); err != nil || *got != *aff {
			t.Errorf("affiliate = %+v, %v; want %+v", got, err, aff)
		}
	})
}

// TestCampaignAliasIsUnique: an alias taken by another campaign is
// ErrDuplicate, on a create and on a replace, and the campaign is found by
// its alias with every field.
func TestCampaignAliasIsUnique(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		first := &catalog.Campaign{Alias: "cpa_uk", Offer: 1, WM: 12, Site: 3, Integration: 7, Key: "k",
			PostbackURL: "https://tracker.example/pb?c={click_id}", PostbackStatuses: []string{"accepted"},
			PostbackLabels: map[string]string{"approve": "accepted"}, Payout: 12.5, Trusted: true}
		second := &catalog.Campaign{Alias: "cpa_de"}
		for _, c := range []*catalog.Campaign{first, second} {
			if err := storage.PutObject(ctx, s, c); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.CampaignByAlias(ctx, "cpa_uk")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("CampaignByAlias (-want +got):\n%s", diff)
		}
		if err := storage.PutObject(ctx, s, &catalog.Campaign{Alias: "cpa_uk"}); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("a new campaign with a taken alias: %v, want ErrDuplicate", err)
		}
		if err := storage.PutObject(ctx, s, &catalog.Campaign{ID: second.ID, Alias: "cpa_uk"}); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("a replace taking another's alias: %v, want ErrDuplicate", err)
		}
		if got, err := s.CampaignByAlias(ctx, "cpa_de"); err != nil || got.ID != second.ID {
			t.Errorf("the campaign after a refused replace: %+v, %v", got, err)
		}
		if err := storage.DeleteObject[catalog.Campaign](ctx, s, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := storage.PutObject(ctx, s, &catalog.Campaign{Alias: "cpa_uk"}); err != nil {
			t.Errorf("an alias freed by a delete: %v", err)
		}
	})
}

// TestListObjectsPages: objects by id, after an id, up to a limit.
func TestListObjectsPages(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if got, err := storage.ListObjects[catalog.Goal](ctx, s, 0, 10); err != nil || len(got) != 0 {
			t.Fatalf("of no goals = %v, %v", got, err)
		}
		for _, id := range []int64{5, 1, 3, 2, 4} {
			if err := storage.PutObject(ctx, s, &catalog.Goal{ID: id, Name: "goal"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := storage.PutObject(ctx, s, &catalog.Offer{ID: 100, Name: "not a goal"}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			after int64
			limit int
			want  []int64
		}{
			{0, 0, []int64{1, 2, 3, 4, 5}},
			{0, 2, []int64{1, 2}},
			{2, 2, []int64{3, 4}},
			{4, 2, []int64{5}},
			{5, 2, []int64{}},
			{-1, 2, []int64{1, 2}},
		}
		for _, tt := range tests {
			got, err := storage.ListObjects[catalog.Goal](ctx, s, tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, g := range got {
				ids = append(ids, g.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("after %d limit %d (-want +got):\n%s", tt.after, tt.limit, diff)
			}
		}
	})
}
