package api

import (
	"fmt"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/bundle"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
)

// ImportChecker checks the objects of an import as the admin API checks what
// it is sent: an integration as the dispatcher compiles it, and each value
// against its column. It tells d of each integration stored.
func ImportChecker(d Dispatcher) bundle.Checker { return importChecker{d} }

type importChecker struct{ d Dispatcher }

func (c importChecker) Integration(doc *integrations.Integration) (*storage.IntegrationRecord, error) {
	if err := c.d.Check(doc); err != nil {
		return nil, err
	}
	return NewRecord(doc)
}

func (c importChecker) Object(v any) error {
	var err error
	switch v := v.(type) {
	case *catalog.Offer:
		err = checkOffer(v)
	case *catalog.Site:
		err = checkSite(v)
	case *catalog.Campaign:
		err = checkCampaign(v)
	case *catalog.Goal, *catalog.Affiliate:
	default:
		return fmt.Errorf("%T is not a catalog object", v)
	}
	if err != nil {
		return err
	}
	return checkColumns(v)
}

func (c importChecker) Invalidate(id int64) { c.d.Invalidate(id) }
