package dispatcher

import (
	"context"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// duplicateCheck is how a new lead's offer finds its duplicates (SPEC §9),
// nil when the offer asks for none or the lead has none of the values.
// A phone is compared as {phone} writes it, digits with the calling code;
// an email in lower case.
func (d *Dispatcher) duplicateCheck(ctx context.Context, l *lead.Lead) (*storage.DuplicateCheck, error) {
	offer, err := cachedObject[catalog.Offer](ctx, d.catalog, "offer", l.OfferID)
	if err != nil || offer == nil || offer.Duplicates == nil || offer.Duplicates.Days <= 0 {
		return nil, err
	}
	c := &storage.DuplicateCheck{Offer: offer.ID, Within: time.Duration(offer.Duplicates.Days) * 24 * time.Hour}
	for _, by := range offer.Duplicates.By {
		var value string
		switch by {
		case catalog.DuplicateByPhone:
			value = macros.PhoneDigits(l)
		case catalog.DuplicateByEmail:
			value = strings.ToLower(strings.TrimSpace(l.Email))
		case catalog.DuplicateByIP:
			value = strings.TrimSpace(l.IP)
		}
		if value != "" {
			c.Keys = append(c.Keys, storage.DuplicateKey{Kind: by, Value: value})
		}
	}
	if len(c.Keys) == 0 {
		return nil, nil
	}
	return c, nil
}
