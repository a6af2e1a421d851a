// Package bundle is leadrelay's configuration as one file: the integrations
// and the catalog (offers, sites, goals, affiliates, campaigns), as leadrelay
// export writes it and leadrelay import, the demo and the examples' tests
// read it. ReadFile reads an import file (a bundle, or one integration
// document, with its "@name.lua" scripts inlined), Import checks and stores
// a bundle, and Export reads one back from the database.
//
// Import refuses what the admin API would: a Checker (api.ImportChecker)
// checks every object before anything is stored.
package bundle

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
)

// Bundle is everything an installation is configured with, as leadrelay
// import reads it and leadrelay export writes it: integrations and the
// catalog.
type Bundle struct {
	Integrations []*integrations.Integration `json:"integrations"`
	Offers       []catalog.Offer             `json:"offers"`
	Sites        []catalog.Site              `json:"sites"`
	Goals        []catalog.Goal              `json:"goals"`
	Affiliates   []catalog.Affiliate         `json:"affiliates"`
	Campaigns    []catalog.Campaign          `json:"campaigns"`
}

// Counts says how many objects of each kind an import stored.
type Counts map[string]int

// Checker checks a bundle's objects before Import stores any of them.
type Checker interface {
	// Integration checks an integration document and returns the row it is
	// stored as.
	Integration(doc *integrations.Integration) (*storage.IntegrationRecord, error)
	// Object checks one catalog object: a *catalog.Offer, *catalog.Site,
	// *catalog.Goal, *catalog.Affiliate or *catalog.Campaign.
	Object(v any) error
	// Invalidate is told the id of each integration Import stored.
	Invalidate(id int64)
}

// Import checks everything in the bundle with c, then stores it: objects with an id are created or replaced; an object without one
// replaces the stored object of the same name (a campaign: of the same
// alias) when there is exactly one, and is created otherwise, so importing a
// file twice updates what the first import created. An integration secret
// given as *** keeps the stored value. Nothing is stored when anything is
// wrong.
func Import(ctx context.Context, store *storage.Store, c Checker, b *Bundle) (Counts, error) {
	recs, err := checkBundle(ctx, store, c, b)
	if err != nil {
		return nil, err
	}
	for i, rec := range recs {
		if err := store.SaveIntegration(ctx, rec); err != nil {
			return nil, err
		}
		b.Integrations[i].ID = rec.ID
		c.Invalidate(rec.ID)
	}
	for _, step := range []func() error{
		func() error { return putAll(ctx, store, b.Offers) },
		func() error { return putAll(ctx, store, b.Sites) },
		func() error { return putAll(ctx, store, b.Goals) },
		func() error { return putAll(ctx, store, b.Affiliates) },
		func() error { return putAll(ctx, store, b.Campaigns) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return Counts{"integrations": len(b.Integrations), "offers": len(b.Offers), "sites": len(b.Sites),
		"goals": len(b.Goals), "affiliates": len(b.Affiliates), "campaigns": len(b.Campaigns)}, nil
}

// checkBundle applies c's checks to every object, and settles
// the ids of campaigns known by alias and the secrets kept as ***. It
// returns the integrations' records, ready to store.
func checkBundle(ctx context.Context, store *storage.Store, c Checker, b *Bundle) ([]*storage.IntegrationRecord, error) {
	if err := integrationIDs(ctx, store, b.Integrations); err != nil {
		return nil, err
	}
	recs := make([]*storage.IntegrationRecord, len(b.Integrations))
	for i, doc := range b.Integrations {
		if err := mergeStoredSecrets(ctx, store, doc); err != nil {
			return nil, err
		}
		rec, err := c.Integration(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", IntegrationName(i, doc), err)
		}
		recs[i] = rec
	}
	for i := range b.Campaigns {
		if err := campaignID(ctx, store, &b.Campaigns[i]); err != nil {
			return nil, err
		}
	}
	for _, step := range []func() error{
		func() error { return idsByName(ctx, store, b.Offers) },
		func() error { return idsByName(ctx, store, b.Sites) },
		func() error { return idsByName(ctx, store, b.Goals) },
		func() error { return idsByName(ctx, store, b.Affiliates) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return recs, errors.Join(checkAll(c, "offer", b.Offers), checkAll(c, "site", b.Sites),
		checkAll(c, "goal", b.Goals), checkAll(c, "affiliate", b.Affiliates), checkAll(c, "campaign", b.Campaigns))
}

// IntegrationName names the i-th integration of an import in an error or a
// warning: by its id when it has one, else by its name and place.
func IntegrationName(i int, doc *integrations.Integration) string {
	if doc.ID != 0 {
		return fmt.Sprintf("integration %d (%q)", doc.ID, doc.Name)
	}
	return fmt.Sprintf("integration %q (no id; number %d of the import)", doc.Name, i+1)
}

// integrationIDs gives each integration without an id the id of the one
// stored under its name, when exactly one is.
func integrationIDs(ctx context.Context, store *storage.Store, docs []*integrations.Integration) error {
	recs, err := store.ListIntegrations(ctx)
	if err != nil {
		return err
	}
	byName := map[string][]int64{}
	for _, rec := range recs {
		byName[rec.Name] = append(byName[rec.Name], rec.ID)
	}
	for _, doc := range docs {
		if ids := byName[doc.Name]; doc.ID == 0 && doc.Name != "" && len(ids) == 1 {
			doc.ID = ids[0]
		}
	}
	return nil
}

// idsByName gives each catalog object without an id the id of the one
// stored under its name, when exactly one is.
func idsByName[T storage.CatalogObject](ctx context.Context, store *storage.Store, objs []T) error {
	if len(objs) == 0 {
		return nil
	}
	stored, err := listAll[T](ctx, store)
	if err != nil {
		return err
	}
	byName := map[string][]int64{}
	for i := range stored {
		name := objectName(&stored[i])
		byName[name] = append(byName[name], objectID(&stored[i]))
	}
	for i := range objs {
		name := objectName(&objs[i])
		if ids := byName[name]; objectID(&objs[i]) == 0 && name != "" && len(ids) == 1 {
			reflect.ValueOf(&objs[i]).Elem().FieldByName("ID").SetInt(ids[0])
		}
	}
	return nil
}

// objectName reads the name of a catalog object that has one.
func objectName(v any) string {
	f := reflect.ValueOf(v).Elem().FieldByName("Name")
	if !f.IsValid() {
		return ""
	}
	return f.String()
}

func mergeStoredSecrets(ctx context.Context, store *storage.Store, doc *integrations.Integration) error {
	if doc.ID == 0 {
		return nil
	}
	rec, err := store.GetIntegration(ctx, doc.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	stored, err := integrations.Parse([]byte(rec.Document))
	if err != nil {
		return err
	}
	integrations.MergeSecrets(doc, stored)
	return nil
}

func campaignID(ctx context.Context, store *storage.Store, c *catalog.Campaign) error {
	if c.ID != 0 || c.Alias == "" {
		return nil
	}
	known, err := store.CampaignByAlias(ctx, c.Alias)
	switch {
	case err == nil:
		c.ID = known.ID
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	return nil
}

func checkAll[T storage.CatalogObject](c Checker, kind string, objs []T) error {
	for i := range objs {
		if err := c.Object(&objs[i]); err != nil {
			return fmt.Errorf("%s %d: %w", kind, i+1, err)
		}
	}
	return nil
}

func putAll[T storage.CatalogObject](ctx context.Context, store *storage.Store, objs []T) error {
	for i := range objs {
		if err := storage.PutObject(ctx, store, &objs[i]); err != nil {
			return err
		}
	}
	return nil
}

// Export reads every integration and the whole catalog. Each secret reads
// *** (which Import reads back as the stored value) unless withSecrets asks
// for them in clear, for a move to another installation.
func Export(ctx context.Context, store *storage.Store, withSecrets bool) (*Bundle, error) {
	recs, err := store.ListIntegrations(ctx)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Integrations: []*integrations.Integration{}}
	for i := range recs {
		doc, err := integrations.Parse([]byte(recs[i].Document))
		if err != nil {
			return nil, fmt.Errorf("reading integration %d: %w", recs[i].ID, err)
		}
		doc.ID = recs[i].ID
		if !withSecrets {
			doc = integrations.Redacted(doc)
		}
		b.Integrations = append(b.Integrations, doc)
	}
	for _, step := range []func() error{
		func() (err error) { b.Offers, err = listAll[catalog.Offer](ctx, store); return err },
		func() (err error) { b.Sites, err = listAll[catalog.Site](ctx, store); return err },
		func() (err error) { b.Goals, err = listAll[catalog.Goal](ctx, store); return err },
		func() (err error) { b.Affiliates, err = listAll[catalog.Affiliate](ctx, store); return err },
		func() (err error) { b.Campaigns, err = listAll[catalog.Campaign](ctx, store); return err },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// listAll reads every object of a kind, a page at a time.
func listAll[T storage.CatalogObject](ctx context.Context, store *storage.Store) ([]T, error) {
	const page = 1000
	all := []T{}
	var after int64
	for {
		objs, err := storage.ListObjects[T](ctx, store, after, page)
		if err != nil {
			return nil, err
		}
		all = append(all, objs...)
		if len(objs) < page {
			return all, nil
		}
		after = objectID(&objs[len(objs)-1])
	}
}

// objectID reads the id of a catalog object.
func objectID(v any) int64 {
	return reflect.ValueOf(v).Elem().FieldByName("ID").Int()
}
