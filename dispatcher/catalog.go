package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher/clock"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
)

// catalogCache keeps offers, sites, goals, affiliates and campaigns for a few
// seconds, so a sweep of thousands of leads reads each once.
type catalogCache struct {
	store *storage.Store
	clock clock.Clock
	ttl   time.Duration

	mu      sync.Mutex
	entries map[catalogKey]catalogEntry
}

type catalogKey struct {
	kind string
	id   int64
	name string
}

type catalogEntry struct {
	obj any
	at  time.Time
}

func newCatalogCache(store *storage.Store, clk clock.Clock, ttl time.Duration) *catalogCache {
	return &catalogCache{store: store, clock: clk, ttl: ttl, entries: map[catalogKey]catalogEntry{}}
}

// cached returns the object under key, loading it when absent or stale. A
// missing object is cached as nil.
func (c *catalogCache) cached(key catalogKey, load func() (any, error)) (any, error) {
	now := c.clock.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.ttl {
		return e.obj, nil
	}
	obj, err := load()
	if errors.Is(err, storage.ErrNotFound) {
		obj, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.entries[key] = catalogEntry{obj: obj, at: now}
	c.mu.Unlock()
	return obj, nil
}

func cachedObject[T storage.CatalogObject](ctx context.Context, c *catalogCache, kind string, id int64) (*T, error) {
	if id == 0 {
		return nil, nil
	}
	obj, err := c.cached(catalogKey{kind: kind, id: id}, func() (any, error) {
		return storage.GetObject[T](ctx, c.store, id)
	})
	if err != nil || obj == nil {
		return nil, err
	}
	return obj.(*T), nil
}

// campaign returns the campaign with this alias, nil when there is none.
func (c *catalogCache) campaign(ctx context.Context, alias string) (*catalog.Campaign, error) {
	if alias == "" {
		return nil, nil
	}
	obj, err := c.cached(catalogKey{kind: "campaign", name: alias}, func() (any, error) {
		return c.store.CampaignByAlias(ctx, alias)
	})
	if err != nil || obj == nil {
		return nil, err
	}
	return obj.(*catalog.Campaign), nil
}

// leadCatalog is everything a lead points at.
type leadCatalog struct {
	offer     *catalog.Offer
	site      *catalog.Site
	space     *catalog.Site
	goal      *catalog.Goal
	wm, agent *catalog.Affiliate
	campaign  *catalog.Campaign
}

func (c *catalogCache) forLead(ctx context.Context, offer, site, space, goal, wm, agent int64, campaign string) (*leadCatalog, error) {
	var lc leadCatalog
	var err error
	steps := []func() error{
		func() (e error) { lc.offer, e = cachedObject[catalog.Offer](ctx, c, "offer", offer); return },
		func() (e error) { lc.site, e = cachedObject[catalog.Site](ctx, c, "site", site); return },
		func() (e error) { lc.space, e = cachedObject[catalog.Site](ctx, c, "site", space); return },
		func() (e error) { lc.goal, e = cachedObject[catalog.Goal](ctx, c, "goal", goal); return },
		func() (e error) { lc.wm, e = cachedObject[catalog.Affiliate](ctx, c, "affiliate", wm); return },
		func() (e error) { lc.agent, e = cachedObject[catalog.Affiliate](ctx, c, "affiliate", agent); return },
		func() (e error) { lc.campaign, e = c.campaign(ctx, campaign); return },
	}
	for _, step := range steps {
		if err = step(); err != nil {
			return nil, fmt.Errorf("loading the lead's catalog: %w", err)
		}
	}
	return &lc, nil
}
