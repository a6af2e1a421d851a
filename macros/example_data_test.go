package macros

import (
	"time"

	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// exampleData is the guide's example lead: each macro's Doc.Example is what
// the macro gives for it.
func exampleData() *Data {
	return &Data{
		Lead: &lead.Lead{
			ID: 84921, Status: lead.Cancel, Reason: lead.ReasonDuplicate, Comment: "Call after 6pm",
			OfferID: 1, SiteID: 3, SpaceID: 4, GoalID: 2, WM: 12,
			Ext:  "SR-5521",
			Name: "John", Last: "Smith", Email: "john@example.org", Phone: "447123456789",
			Country: "gb", IP: "203.0.113.7", UA: "Mozilla/5.0", Mobile: true,
			Zip: "SW1A 1AA", Area: "Greater London", City: "London", Street: "Baker Street", House: "221B",
			Delivery: 2, Discount: 10, Count: 2, Currency: "gbp", Price: 98, Base: 49, DelPr: 4.5,
			Click: "c-77", ClickID: "abc123xyz", SubID: "x32-tag", UUID: "x64-tag",
			Sub1: "adset_29384", Sub2: "creative_118", Sub3: "s3", Sub4: "s4", Sub5: "s5",
			UtmSource: "facebook", UtmCampaign: "keto_uk", UtmContent: "video_a", UtmTerm: "weight loss", UtmMedium: "cpc",
			ExtI: "ag-1", ExtU: "ag-order-9", ExtS: "src-4",
			CWM: 12.5, CWMR: 16.2, CWMC: "USD", CPay: 20, CPayR: 25.5, CPayC: "EUR",
			Meta:     map[string]string{"pass": "s3cret-pw", "color": "red"},
			Files:    map[string]lead.File{"passport": {Name: "passport.jpg", ContentType: "image/jpeg", Data: []byte("JPEG")}},
			Campaign: "cpa_uk_wl",
		},
		Offer: &catalog.Offer{ID: 1, Name: "Keto Slim",
			Params:    catalog.Params{"stream": "7Kx2", "url": "https://offer.example/keto"},
			GeoParams: map[string]catalog.Params{"gb": {"price": "49"}, "de": {"price": "59"}}},
		Site: &catalog.Site{ID: 3, Name: "Keto LP", URL: "https://keto.example/lp1", Kind: catalog.KindLanding,
			Params: catalog.Params{"url": "https://shop.example/keto", "theme": "dark"}},
		Space: &catalog.Site{ID: 4, Name: "Keto blog", URL: "https://blog.example/keto", Kind: catalog.KindPrelanding,
			Params: catalog.Params{"author": "Dr. Lee"}},
		Goal:     &catalog.Goal{ID: 2, Name: "Sale", Params: catalog.Params{"event": "purchase"}},
		WM:       &catalog.Affiliate{ID: 12, Name: "Ann Publisher", Email: "ann@pub.example"},
		Campaign: &catalog.Campaign{Alias: "cpa_uk_wl"},
		Secrets:  map[string]string{"token": "tk_live_42"},
		Labels:   map[string]string{"wait": "pending", "approve": "accepted", "cancel": "rejected", "trash": "rejected"},
		Now:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Tokens:   NewTokens([]byte("example secret")),
	}
}
