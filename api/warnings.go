package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/bundle"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
)

// savedIntegration is the answer of a save: the document, and what in it
// most likely cannot work (integrations.Warnings).
type savedIntegration struct {
	*integrations.Integration
	Warnings []integrations.Warning `json:"warnings,omitempty"`
}

// documentWarnings lists the warnings of doc, checking {ofp:x} and {ofpg:x}
// against the stored offers it names.
func documentWarnings(ctx context.Context, store *storage.Store, doc *integrations.Integration) ([]integrations.Warning, error) {
	params := map[string]map[string]bool{"ofp": {}, "ofpg": {}}
	for _, id := range doc.Offers {
		o, err := storage.GetObject[catalog.Offer](ctx, store, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for k := range o.Params {
			params["ofp"][k] = true
		}
		for _, geo := range o.GeoParams {
			for k := range geo {
				params["ofpg"][k] = true
			}
		}
	}
	return doc.Warnings(func(kind, name string) bool { return params[kind][name] }), nil
}

// ImportWarnings lists the warnings of an imported bundle's integrations,
// each line naming its integration: "integration 7 ("crm") new.fields:2:
// {phnoe} is not a macro; did you mean {phone}?". Run it after Import, so
// that the offers the bundle brought are there.
func ImportWarnings(ctx context.Context, store *storage.Store, b *bundle.Bundle) ([]string, error) {
	var out []string
	for i, doc := range b.Integrations {
		warnings, err := documentWarnings(ctx, store, doc)
		if err != nil {
			return nil, err
		}
		for _, w := range warnings {
			out = append(out, fmt.Sprintf("%s %s: %s", bundle.IntegrationName(i, doc), w.Where, w.Message))
		}
	}
	return out, nil
}
