package api

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
)

// campaignTTL is how long the intake trusts a campaign it read (or its
// absence). The admin API's own writes clear the cache at once; a change
// made by another process or by leadrelay import is seen within this time,
// as the dispatcher's catalog cache sees it.
const campaignTTL = 5 * time.Second

// maxCachedCampaigns bounds the cache, so aliases made up by a flood of bad
// requests cannot grow it without end.
const maxCachedCampaigns = 10000

// campaignCache keeps campaigns by alias for a short time, so a busy intake
// does not read the same campaign for every lead. It is safe for concurrent
// use; the campaigns it returns are shared and must not be changed.
type campaignCache struct {
	store *storage.Store
	mu    sync.Mutex
	byKey map[string]cachedCampaign
}

type cachedCampaign struct {
	campaign *catalog.Campaign // nil: no campaign has the alias
	until    time.Time
}

func newCampaignCache(store *storage.Store) *campaignCache {
	return &campaignCache{store: store, byKey: map[string]cachedCampaign{}}
}

// get returns the campaign of an alias, or storage.ErrNotFound.
func (cc *campaignCache) get(ctx context.Context, alias string) (*catalog.Campaign, error) {
	now := time.Now()
	cc.mu.Lock()
	hit, ok := cc.byKey[alias]
	cc.mu.Unlock()
	if !ok || now.After(hit.until) {
		c, err := cc.store.CampaignByAlias(ctx, alias)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		hit = cachedCampaign{campaign: c, until: now.Add(campaignTTL)}
		cc.put(alias, hit)
	}
	if hit.campaign == nil {
		return nil, storage.ErrNotFound
	}
	return hit.campaign, nil
}

func (cc *campaignCache) put(alias string, c cachedCampaign) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if len(cc.byKey) >= maxCachedCampaigns {
		clear(cc.byKey)
	}
	cc.byKey[alias] = c
}

// forget drops everything, after a campaign was saved or deleted.
func (cc *campaignCache) forget() {
	cc.mu.Lock()
	clear(cc.byKey)
	cc.mu.Unlock()
}
