package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

func TestIntakeJSON(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa_uk_wl", Offer: 3, WM: 12, Site: 5, Key: "k3y"})
		a := b.sendJSON(http.MethodPost, "/api/v1/leads", map[string]any{
			"alias": "cpa_uk_wl", "key": "k3y", "offer": 99,
			"name": "John\r\nDoe\x00", "phone": "+44 (712) 345-6789", "country": "GB", "index": "SW1A 1AA",
			"phc": "+44", "click_id": "abc123xyz", "sub1": "adset_29384", "utm_source": "facebook",
			"price": "49,5", "count": 2, "mobile": true, "comment": "call\r\nafter 6pm",
			"items":           map[string]any{"17": []any{1, 49.0, 12.5}},
			"meta":            map[string]any{"pass": "s3cret"},
			"landing_variant": "b", "quiz": map[string]any{"q1": "yes"},
		}, false)
		m := expect(t, a, http.StatusCreated, "")
		id := int64(m["lead_id"].(float64))
		if m["status"] != "success" || m["token"] != b.token(id) {
			t.Errorf("answer = %s", a.body)
		}
		got := b.lead(id)
		want := lead.Lead{
			ID: id, Status: lead.New, OfferID: 3, WM: 12, SiteID: 5, Campaign: "cpa_uk_wl",
			Name: "John Doe", Phone: "447123456789", Country: "gb", Zip: "SW1A 1AA", PhoneCC: "44",
			ClickID: "abc123xyz", Sub1: "adset_29384", UtmSource: "facebook", Price: 49.5, Count: 2,
			Mobile: true, Comment: "call\nafter 6pm", Items: lead.Items{17: {Qty: 1, Price: 49, Cost: 12.5}},
			Meta: map[string]string{"pass": "s3cret", "landing_variant": "b", "quiz": `{"q1":"yes"}`},
		}
		opts := cmp.FilterPath(func(p cmp.Path) bool {
			switch p.Last().String() {
			case ".CreatedAt", ".UpdatedAt", ".NextAt", ".IntegrationID":
				return true
			}
			return false
		}, cmp.Ignore())
		if diff := cmp.Diff(want, *got, opts); diff != "" {
			t.Errorf("stored lead (-want +got):\n%s", diff)
		}
		rows, err := s.ListLog(context.Background(), storage.LogFilter{LeadID: id})
		if err != nil || len(rows) != 1 {
			t.Fatalf("log = %v, %v", rows, err)
		}
		if strings.Contains(rows[0].Request, "k3y") || !strings.Contains(rows[0].Request, "abc123xyz") {
			t.Errorf("the logged request shows the key or lacks the payload: %s", rows[0].Request)
		}
	})
}

func TestIntakeEncodings(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1})
		form := url.Values{"alias": {"cpa"}, "name": {"Ann"}, "phone": {"447000000001"}, "items": {`{"5":[2]}`}, "sub2": {"x"}}
		ctype, mp := multipartBody(t, map[string]string{"alias": "cpa", "name": "Ann"}, "passport", "p.pdf", []byte("%PDF-1"))
		tests := []struct {
			name   string
			send   func() answer
			status int
			check  func(t *testing.T, l *lead.Lead)
		}{
			{"form", func() answer { return b.postForm("/api/v1/leads", form) }, http.StatusCreated, func(t *testing.T, l *lead.Lead) {
				if l.Name != "Ann" || l.Items[5].Qty != 2 || l.Sub2 != "x" {
					t.Errorf("form lead = %+v", l)
				}
			}},
			{"multipart with a file", func() answer { return b.do(http.MethodPost, "/api/v1/leads", ctype, mp, false) }, http.StatusCreated, func(t *testing.T, l *lead.Lead) {
				if f := l.Files["passport"]; f.Name != "p.pdf" || string(f.Data) != "%PDF-1" {
					t.Errorf("files = %+v", l.Files)
				}
			}},
			{"JSON sent as text/plain", func() answer {
				return b.do(http.MethodPost, "/api/v1/leads", "text/plain", strings.NewReader(`{"alias":"cpa","name":"Bo"}`), false)
			}, http.StatusCreated, func(t *testing.T, l *lead.Lead) {
				if l.Name != "Bo" {
					t.Errorf("name = %q", l.Name)
				}
			}},
			{"api.php receive by GET, as seed 000", func() answer {
				return b.do(http.MethodGet, "/api.php?action=receive&alias=cpa&name=John+Doe&phone=447123456789&sub1=adset_29384&sub2=creative_118&click_id=abc123xyz", "", nil, false)
			}, http.StatusOK, func(t *testing.T, l *lead.Lead) {
				if l.Name != "John Doe" || l.Sub2 != "creative_118" || l.ClickID != "abc123xyz" || l.Campaign != "cpa" {
					t.Errorf("api.php lead = %+v", l)
				}
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := expect(t, tt.send(), tt.status, "")
				if m["status"] != "success" {
					t.Fatalf("answer = %v", m)
				}
				tt.check(t, b.lead(int64(m["lead_id"].(float64))))
			})
		}
	})
}

func TestIntakeByAdminNeedsNoAlias(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		public := map[string]any{"name": "Ann", "integration": 7}
		expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", public, false), http.StatusBadRequest, "NO_ID")
		m := expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", public, true), http.StatusCreated, "")
		l := b.lead(int64(m["lead_id"].(float64)))
		if l.IntegrationID != 7 || l.Campaign != "" {
			t.Errorf("admin lead: integration %d campaign %q", l.IntegrationID, l.Campaign)
		}
		b.campaign(catalog.Campaign{Alias: "cpa"})
		m = expect(t, b.sendJSON(http.MethodPost, "/api/v1/leads", map[string]any{"alias": "cpa", "integration": 7}, false), http.StatusCreated, "")
		l = b.lead(int64(m["lead_id"].(float64)))
		if l.IntegrationID != 0 || l.Meta["integration"] != "7" {
			t.Errorf("a publisher chose the integration: %d, meta %v", l.IntegrationID, l.Meta)
		}
	})
}

func TestIntakeRefusesBadInput(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa", Offer: 1})
		b.campaign(catalog.Campaign{Alias: "keyed", Offer: 1, Key: "s3cret"})
		post := func(body string) func() answer {
			return func() answer {
				return b.do(http.MethodPost, "/api/v1/leads", "application/json", strings.NewReader(body), false)
			}
		}
		lead := func(fields string) func() answer { return post(`{"alias":"cpa",` + fields + `}`) }
		big := strings.Repeat("x", 1<<20)
		tests := []struct {
			name   string
			send   func() answer
			status int
			code   string
		}{
			{"malformed JSON", post(`{"alias":"cpa",`), http.StatusBadRequest, "BAD_JSON"},
			{"JSON array", post(`[{"alias":"cpa"}]`), http.StatusBadRequest, "BAD_JSON"},
			{"two JSON values", post(`{"alias":"cpa"}{}`), http.StatusBadRequest, "BAD_JSON"},
			{"empty JSON body", post(``), http.StatusBadRequest, "BAD_JSON"},
			{"bad form", func() answer {
				return b.do(http.MethodPost, "/api/v1/leads", "application/x-www-form-urlencoded", strings.NewReader("alias=cpa&name=%zz"), false)
			}, http.StatusBadRequest, "BAD_FORM"},
			{"XML", func() answer {
				return b.do(http.MethodPost, "/api/v1/leads", "application/xml", strings.NewReader("<lead/>"), false)
			}, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"},
			{"no alias", post(`{"name":"Ann"}`), http.StatusBadRequest, "NO_ID"},
			{"unknown alias", post(`{"alias":"nope"}`), http.StatusUnprocessableEntity, "UNKNOWN_ALIAS"},
			{"alias as an object", post(`{"alias":{"a":1}}`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"missing key", post(`{"alias":"keyed"}`), http.StatusForbidden, "FORBIDDEN"},
			{"wrong key", post(`{"alias":"keyed","key":"s3cre"}`), http.StatusForbidden, "FORBIDDEN"},
			{"offer not a number", lead(`"offer":"abc"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"negative wm", lead(`"wm":-3`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"price a boolean", lead(`"price":true`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"price NaN", lead(`"price":"NaN"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"name an object", lead(`"name":{"first":"A"}`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"mobile maybe", lead(`"mobile":"maybe"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"items a string", lead(`"items":"many"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"items with a bad product id", lead(`"items":{"abc":[1]}`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"items with four numbers", lead(`"items":{"1":[1,2,3,4]}`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"meta an array", lead(`"meta":[1]`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"country not ISO", lead(`"country":"xx"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"country uk", lead(`"country":"uk"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"country alpha-3", lead(`"country":"GBR"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"phone with no digits", lead(`"phone":"call me"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"sync maybe", lead(`"sync":"maybe"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"name of 256 characters", lead(`"name":"` + strings.Repeat("é", 256) + `"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"phone of 65 digits", lead(`"phone":"` + strings.Repeat("7", 65) + `"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"comment over 64 KiB", lead(`"comment":"` + strings.Repeat("x", 70000) + `"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"custom fields over 64 KiB", lead(`"a":"` + strings.Repeat("x", 40000) + `","b":"` + strings.Repeat("x", 40000) + `"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"custom field name of 65 characters", lead(`"` + strings.Repeat("k", 65) + `":"v"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"custom field name with a newline", lead(`"a\nb":"v"`), http.StatusUnprocessableEntity, "VALIDATION"},
			{"invalid UTF-8", func() answer {
				return b.do(http.MethodPost, "/api/v1/leads", "application/x-www-form-urlencoded", strings.NewReader("alias=cpa&name=%ff%fe"), false)
			}, http.StatusUnprocessableEntity, "VALIDATION"},
			{"body over 1 MiB", lead(`"comment":"` + big + `"`), http.StatusRequestEntityTooLarge, "TOO_LARGE"},
			{"form over 1 MiB", func() answer {
				return b.do(http.MethodPost, "/api/v1/leads", "application/x-www-form-urlencoded", strings.NewReader("alias=cpa&x="+big), false)
			}, http.StatusRequestEntityTooLarge, "TOO_LARGE"},
			{"multipart over 1 MiB", func() answer {
				ctype, body := multipartBody(t, map[string]string{"alias": "cpa"}, "f", "f.bin", []byte(big))
				return b.do(http.MethodPost, "/api/v1/leads", ctype, body, false)
			}, http.StatusRequestEntityTooLarge, "TOO_LARGE"},
			{"api.php without action", func() answer { return b.do(http.MethodGet, "/api.php?alias=cpa", "", nil, false) }, http.StatusUnprocessableEntity, "VALIDATION"},
			{"api.php without alias", func() answer { return b.do(http.MethodGet, "/api.php?action=receive&name=x", "", nil, false) }, http.StatusBadRequest, "NO_ID"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, tt.send(), tt.status, tt.code)
			})
		}
		if n := b.leadCount(); n != 0 {
			t.Errorf("%d leads stored from refused requests", n)
		}
	})
}

func TestIntakeChunkedBodyOverLimit(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "cpa"})
		r := strings.NewReader(`{"alias":"cpa","comment":"` + strings.Repeat("x", 2<<20) + `"}`)
		req := httptestRequestUnknownLength(http.MethodPost, "/api/v1/leads", r)
		a := b.serve(req)
		expect(t, a, http.StatusRequestEntityTooLarge, "TOO_LARGE")
		if b.leadCount() != 0 {
			t.Error("a lead was stored")
		}
	})
}

func TestRefusedIntakeIsLoggedAsNoID(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.campaign(catalog.Campaign{Alias: "keyed", Key: "s3cret"})
		expect(t, b.postForm("/api/v1/leads", url.Values{"name": {"Ann"}, "key": {"s3cret"}}), http.StatusBadRequest, "NO_ID")
		expect(t, b.postForm("/api/v1/leads", url.Values{"alias": {"gone"}}), http.StatusUnprocessableEntity, "UNKNOWN_ALIAS")
		rows, err := s.ListLog(context.Background(), storage.LogFilter{Outcome: "NO_ID"})
		if err != nil || len(rows) != 2 {
			t.Fatalf("NO_ID rows = %d, %v", len(rows), err)
		}
		if !strings.Contains(rows[0].Request, "name=Ann") || strings.Contains(rows[0].Request, "s3cret") {
			t.Errorf("logged request = %q", rows[0].Request)
		}
	})
}
