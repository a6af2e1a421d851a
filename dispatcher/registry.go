package dispatcher

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// registry caches compiled integrations per version: templates are parsed and
// scripts compiled once per saved version, not once per lead.
type registry struct {
	store  *storage.Store
	engine *scripting.Engine
	logger *slog.Logger

	mu   sync.RWMutex
	byID map[int64]*integrations.Compiled
	// checked is when refresh last compared versions with the database.
	checked time.Time
}

func newRegistry(store *storage.Store, engine *scripting.Engine, logger *slog.Logger) *registry {
	return &registry{store: store, engine: engine, logger: logger, byID: map[int64]*integrations.Compiled{}}
}

// refresh brings the cache in line with the database: new and changed
// versions are compiled, deleted integrations dropped.
func (r *registry) refresh(ctx context.Context) error {
	versions, err := r.store.IntegrationVersions(ctx)
	if err != nil {
		return err
	}
	r.mu.RLock()
	var stale []int64
	for id, v := range versions {
		if c, ok := r.byID[id]; !ok || c.Version != v {
			stale = append(stale, id)
		}
	}
	gone := len(r.byID) + len(stale) - len(versions)
	r.mu.RUnlock()
	for _, id := range stale {
		if _, err := r.load(ctx, id); err != nil {
			r.logger.Error("an integration cannot be compiled; it is skipped until fixed", "integration", id, "err", err)
		}
	}
	if gone > 0 {
		r.mu.Lock()
		for id := range r.byID {
			if _, ok := versions[id]; !ok {
				delete(r.byID, id)
			}
		}
		r.mu.Unlock()
	}
	return nil
}

// refreshEvery refreshes when the last refresh is older than every, so a
// busy intake does not ask the database for versions on every lead.
func (r *registry) refreshEvery(ctx context.Context, now time.Time, every time.Duration) error {
	r.mu.RLock()
	fresh := now.Sub(r.checked) < every
	r.mu.RUnlock()
	if fresh {
		return nil
	}
	if err := r.refresh(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	r.checked = now
	r.mu.Unlock()
	return nil
}

// get returns one compiled integration, loading it when it is not cached.
func (r *registry) get(ctx context.Context, id int64) (*integrations.Compiled, error) {
	r.mu.RLock()
	c, ok := r.byID[id]
	r.mu.RUnlock()
	if ok {
		return c, nil
	}
	return r.load(ctx, id)
}

func (r *registry) load(ctx context.Context, id int64) (*integrations.Compiled, error) {
	rec, err := r.store.GetIntegration(ctx, id)
	if err != nil {
		return nil, err
	}
	doc, err := integrations.Parse([]byte(rec.Document))
	if err != nil {
		return nil, fmt.Errorf("reading integration %d: %w", id, err)
	}
	doc.ID = rec.ID
	c, err := integrations.Compile(doc, rec.Version, r.engine)
	if err != nil {
		return nil, fmt.Errorf("compiling integration %d: %w", id, err)
	}
	r.mu.Lock()
	r.byID[id] = c
	r.mu.Unlock()
	return c, nil
}

// invalidate drops an integration and makes the next intake refresh, so a
// save through this process is routed by at once.
func (r *registry) invalidate(id int64) {
	r.mu.Lock()
	delete(r.byID, id)
	r.checked = time.Time{}
	r.mu.Unlock()
}

// all returns the cached integrations, lowest id first.
func (r *registry) all() []*integrations.Compiled {
	r.mu.RLock()
	out := make([]*integrations.Compiled, 0, len(r.byID))
	for _, c := range r.byID {
		out = append(out, c)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b *integrations.Compiled) int { return cmp.Compare(a.Doc.ID, b.Doc.ID) })
	return out
}

// withMode returns the enabled integrations whose mode is enabled.
func (r *registry) withMode(m mode.Mode) []*integrations.Compiled {
	var out []*integrations.Compiled
	for _, c := range r.all() {
		if c.Doc.Enabled && c.Mode(m) != nil {
			out = append(out, c)
		}
	}
	return out
}

// matches tells whether an integration takes a lead of this offer and country:
// empty offers or countries take all.
func matches(doc *integrations.Integration, l *lead.Lead) bool {
	if len(doc.Offers) > 0 && !slices.Contains(doc.Offers, l.OfferID) {
		return false
	}
	return len(doc.Countries) == 0 || slices.Contains(doc.Countries, l.Country)
}

// route picks the integration of a new lead whose campaign names none (SPEC
// §2): the first enabled integration, highest priority then lowest id
// first, that takes its offer and country and sends new leads (new or sync
// enabled), open or not. An integration that only posts back or takes
// approved leads is never a lead's own: the lead would wait in new forever.
func (r *registry) route(l *lead.Lead) int64 {
	for _, c := range r.byPriority() {
		if takesNew(c, l) {
			return c.Doc.ID
		}
	}
	return 0
}
