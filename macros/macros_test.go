package macros

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// withLead returns Data holding a lead set up by edit, and nothing else.
func withLead(edit func(l *lead.Lead)) *Data {
	l := &lead.Lead{}
	edit(l)
	return &Data{Lead: l}
}

// TestMacros is a table per macro: what lead data it reads and what it gives,
// beyond the example lead (TestDocsExamples) and empty data.
func TestMacros(t *testing.T) {
	t.Parallel()
	tokens := NewTokens([]byte("test secret"))
	tests := []struct {
		name  string // macro and the case
		reads string // the data the macro reads
		tmpl  string
		data  *Data
		want  string
	}{
		{"id zero", "Lead.ID", "{id}", withLead(func(l *lead.Lead) {}), ""},
		{"fname cyrillic", "Lead.Name, Lead.Last", "{fname}", withLead(func(l *lead.Lead) { l.Name, l.Last = " Иван ", "Петров" }), "Иван Петров"},
		{"fname name only", "Lead.Name, Lead.Last", "{fname}", withLead(func(l *lead.Lead) { l.Name = "王伟" }), "王伟"},
		{"fname last only", "Lead.Name, Lead.Last", "{fname}", withLead(func(l *lead.Lead) { l.Last = "Smith" }), "Smith"},
		{"iname from last field", "Lead.Name, Lead.Last", "{iname}|{ilast}", withLead(func(l *lead.Lead) { l.Name, l.Last = "Анна Мария", "Иванова" }), "Анна Мария|Иванова"},
		{"iname two words", "Lead.Name", "{iname}|{ilast}", withLead(func(l *lead.Lead) { l.Name = "Иван Петров" }), "Иван|Петров"},
		{"iname three words", "Lead.Name", "{iname}|{ilast}", withLead(func(l *lead.Lead) { l.Name = "Anna Maria  Rossi" }), "Anna Maria|Rossi"},
		{"iname four words", "Lead.Name", "{iname}|{ilast}", withLead(func(l *lead.Lead) { l.Name = "José María García López" }), "José María|García López"},
		{"iname one word", "Lead.Name", "{iname}|{ilast}", withLead(func(l *lead.Lead) { l.Name = "Мадонна" }), "Мадонна|"},
		{"iname cjk without spaces", "Lead.Name", "{iname}|{ilast}", withLead(func(l *lead.Lead) { l.Name = "王小明" }), "王小明|"},
		{"iname cjk with space", "Lead.Name", "{iname}|{ilast}", withLead(func(l *lead.Lead) { l.Name = "王 小明" }), "王|小明"},
		{"name as stored", "Lead.Name", "{name}", withLead(func(l *lead.Lead) { l.Name = "Zoë «Z» O'Neil" }), "Zoë «Z» O'Neil"},
		{"pass", "Lead.Meta[pass]", "{pass}", withLead(func(l *lead.Lead) { l.Meta = map[string]string{"pass": "pw"} }), "pw"},
		{"ipass from pass", "Lead.Meta[pass]", "{ipass}", &Data{Lead: &lead.Lead{ID: 5, Meta: map[string]string{"pass": "mine"}}, Tokens: tokens}, "mine"},
		{"ipass without tokens", "Tokens", "{ipass}", withLead(func(l *lead.Lead) { l.ID = 5 }), ""},
		{"imail from email", "Lead.Email", "{imail}", &Data{Lead: &lead.Lead{ID: 5, Email: "a@b.c"}, Tokens: tokens}, "a@b.c"},
		{"imail without tokens", "Tokens", "{imail}", withLead(func(l *lead.Lead) { l.ID = 5 }), ""},
		{"lang field region", "Lead.Lang", "{lang}|{langup}", withLead(func(l *lead.Lead) { l.Lang, l.Country = "pt-BR", "pt" }), "pt|PT"},
		{"lang field underscore", "Lead.Lang", "{lang}", withLead(func(l *lead.Lead) { l.Lang = "RU_ru" }), "ru"},
		{"lang from country ua", "Lead.Country", "{lang}|{langup}", withLead(func(l *lead.Lead) { l.Country = "ua" }), "uk|UK"},
		{"lang from country upper", "Lead.Country", "{lang}", withLead(func(l *lead.Lead) { l.Country = "DE" }), "de"},
		{"lang unknown country", "Lead.Country", "{lang}", withLead(func(l *lead.Lead) { l.Country = "xx" }), ""},
		{"geo", "Lead.Country", "{geo}|{country}|{geoup}", withLead(func(l *lead.Lead) { l.Country = "Gb" }), "gb|gb|GB"},
		{"addr skips blanks", "Lead.Area, City, Street, House", "{addr}", withLead(func(l *lead.Lead) { l.City, l.House = "Київ", "5" }), "Київ, 5"},
		{"fulladdr", "Lead.Zip, Area, City, Street, House", "{fulladdr}", withLead(func(l *lead.Lead) { l.Zip, l.City, l.Street = "01001", "Київ", "Хрещатик" }), "01001, Київ, Хрещатик"},
		{"straddr", "Lead.Street, House", "{straddr}", withLead(func(l *lead.Lead) { l.Street = "Main St" }), "Main St"},
		{"delivery zero", "Lead.Delivery", "{delivery}", withLead(func(l *lead.Lead) {}), ""},
		{"numbers", "Lead.Price, Base, DelPr, More, Discount, Count", "{price} {base} {delpr} {more} {discount} {count}",
			withLead(func(l *lead.Lead) {
				l.Price, l.Base, l.DelPr, l.More, l.Discount, l.Count = 49.5, 49, 0.1, -3, 12.25, 3
			}), "49.5 49 0.1 -3 12.25 3"},
		{"numbers large whole", "Lead.Price", "{price}", withLead(func(l *lead.Lead) { l.Price = 84921000000 }), "84921000000"},
		{"numbers zero with lead", "Lead.Price", "{price}|{count}|{amount}", withLead(func(l *lead.Lead) {}), "0|0|0.00"},
		{"currency", "Lead.Currency", "{currency}|{curr}", withLead(func(l *lead.Lead) { l.Currency = "uah" }), "uah|UAH"},
		{"offer from catalog", "Offer.ID", "{offer}|{offer:id}", &Data{Offer: &catalog.Offer{ID: 9}}, "9|9"},
		{"siteurl from site url", "Site.URL", "{siteurl}|{domain}", &Data{Site: &catalog.Site{URL: "https://User@Land.example:8443/a?b#c"}}, "https://User@Land.example:8443/a?b#c|land.example"},
		{"siteurl from offer", "Offer.Params[url]", "{siteurl}|{domain}", &Data{Offer: &catalog.Offer{Params: catalog.Params{"url": "shop.example/x"}}}, "shop.example/x|shop.example"},
		{"domain ipv6", "Site.URL", "{domain}", &Data{Site: &catalog.Site{URL: "http://[2001:db8::1]:80/x"}}, "2001:db8::1"},
		{"wm from catalog", "WM.ID", "{wm}|{wmi}", &Data{WM: &catalog.Affiliate{ID: 3}}, "3|3"},
		{"wmi agent on lead", "Lead.Agent, Lead.WM", "{wm}|{wmi}", withLead(func(l *lead.Lead) { l.WM, l.Agent = 12, 40 }), "12|40"},
		{"wmi agent in catalog", "Agent.ID, Lead.WM", "{wmi}", &Data{Lead: &lead.Lead{WM: 12}, Agent: &catalog.Affiliate{ID: 41}}, "41"},
		{"ip6", "Lead.IP", "{ip}|{ip4}|{ip6}", withLead(func(l *lead.Lead) { l.IP = "2001:DB8::1" }), "2001:DB8::1||2001:db8::1"},
		{"ip4 mapped", "Lead.IP", "{ip4}|{ip6}", withLead(func(l *lead.Lead) { l.IP = "::ffff:10.0.0.1" }), "10.0.0.1|"},
		{"ip garbage", "Lead.IP", "{ip}|{ip4}|{ip6}", withLead(func(l *lead.Lead) { l.IP = "unknown" }), "unknown||"},
		{"mobile bad", "Lead.Mobile, Lead.Bad", "{mobile}{bad}", withLead(func(l *lead.Lead) { l.Bad = true }), "01"},
		{"ofpg country case", "Offer.GeoParams, Lead.Country", "{ofpg:price}", &Data{Lead: &lead.Lead{Country: "DE"}, Offer: &catalog.Offer{GeoParams: map[string]catalog.Params{"de": {"price": "59"}}}}, "59"},
		{"ofp missing", "Offer.Params", "[{ofp:nope}]", exampleData(), "[]"},
		{"meta cyrillic key", "Lead.Meta", "{meta:город}", withLead(func(l *lead.Lead) { l.Meta = map[string]string{"город": "Київ"} }), "Київ"},
		{"file missing", "Lead.Files", "[{file:scan}]", exampleData(), "[]"},
		{"click_id from sub1", "Lead.ClickID, Lead.Sub1", "{click_id}", withLead(func(l *lead.Lead) { l.Sub1 = "s1" }), "s1"},
		{"status name without labels", "Lead.Status", "{status}|{stage}", withLead(func(l *lead.Lead) { l.Status = lead.Packaging }), "packaging|approve"},
		{"status label by name first", "Status, Labels", "{status}|{stage}",
			&Data{Lead: &lead.Lead{Status: lead.New}, Status: lead.Paid, Labels: map[string]string{"paid": "sale", "approve": "accepted"}}, "sale|approve"},
		{"status label by stage", "Status, Labels", "{status}",
			&Data{Lead: &lead.Lead{Status: lead.New}, Status: lead.Send, Labels: map[string]string{"paid": "sale", "approve": "accepted"}}, "accepted"},
		{"status no lead", "Status", "{status}|{stage}", &Data{Status: lead.Deleted}, "deleted|trash"},
		{"reason custom code", "Lead.Reason", "{rcode}|{reason}", withLead(func(l *lead.Lead) { l.Reason = 42 }), "42|reason 42"},
		{"amount rounds", "Lead.CWM", "{payout}|{amount}", withLead(func(l *lead.Lead) { l.CWM = 7.005 }), "7.005|7.00"},
		{"amount whole", "Lead.CWM", "{amount}", withLead(func(l *lead.Lead) { l.CWM = 30 }), "30.00"},
		{"campaign from lead", "Lead.Campaign", "{campaign}", withLead(func(l *lead.Lead) { l.Campaign = "cpa_de" }), "cpa_de"},
		{"time", "Now", "{time}", &Data{Now: time.Unix(1700000000, 5e8)}, "1700000000"},
		{"secret missing", "Secrets", "[{secret:other}]", exampleData(), "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := MustParse(tt.tmpl).Expand(tt.data, InField)
			if got != tt.want {
				t.Errorf("%s (reads %s) = %q, want %q", tt.tmpl, tt.reads, got, tt.want)
			}
		})
	}
}

// TestPhoneMacros: the stored phone is digits only, with or without the
// calling code; the country (or the lead's own calling code) completes it.
func TestPhoneMacros(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		phone, phonecc, country string
		meta                    map[string]string
		want                    string // {phone}|{iphone}|{cphone}|{phonecc}|{iphonecc}
	}{
		{"gb with code", "447123456789", "", "gb", nil, "447123456789|+447123456789|7123456789|44|+44"},
		{"gb national with trunk 0", "07123456789", "", "gb", nil, "447123456789|+447123456789|7123456789|44|+44"},
		{"gb national without trunk", "7123456789", "", "gb", nil, "447123456789|+447123456789|7123456789|44|+44"},
		{"ru with 8 trunk", "89161234567", "", "ru", nil, "79161234567|+79161234567|9161234567|7|+7"},
		{"ru with code", "79161234567", "", "RU", nil, "79161234567|+79161234567|9161234567|7|+7"},
		{"de with code", "4915112345678", "", "de", nil, "4915112345678|+4915112345678|15112345678|49|+49"},
		{"in national", "9123456789", "", "in", nil, "919123456789|+919123456789|9123456789|91|+91"},
		{"us national", "2025550123", "", "us", nil, "12025550123|+12025550123|2025550123|1|+1"},
		{"ua number on a gb lead", "380501234567", "", "gb", nil, "380501234567|+380501234567|501234567|380|+380"},
		{"phonecc field names the code", "501234567", "380", "gb", nil, "380501234567|+380501234567|501234567|380|+380"},
		{"phc custom field", "501234567", "", "", map[string]string{"phc": "+380"}, "380501234567|+380501234567|501234567|380|+380"},
		{"no country, international", "380501234567", "", "", nil, "380501234567|+380501234567|501234567|380|+380"},
		{"no country, unknown", "12", "", "", nil, "12|+12|12||"},
		{"invalid number keeps its digits", "4412", "", "gb", nil, "4412|+4412|12|44|+44"},
		{"de invalid number with code", "+49 151 1234567", "", "de", nil, "491511234567|+491511234567|1511234567|49|+49"},
		{"de invalid number with code and phonecc", "491511234567", "49", "de", nil, "491511234567|+491511234567|1511234567|49|+49"},
		{"non-digits ignored", "+44 (712) 345-6789", "", "gb", nil, "447123456789|+447123456789|7123456789|44|+44"},
		{"no phone", "", "", "gb", nil, "|||44|+44"},
	}
	tmpl := MustParse("{phone}|{iphone}|{cphone}|{phonecc}|{iphonecc}")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := withLead(func(l *lead.Lead) { l.Phone, l.PhoneCC, l.Country, l.Meta = tt.phone, tt.phonecc, tt.country, tt.meta })
			for range 2 { // the second time from the cache
				if got := tmpl.Expand(d, InField); got != tt.want {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestGeneratedValues: {ipass}, {imail} and {eid} are the same on every
// retry, differ between leads and secrets, and follow their shape.
func TestGeneratedValues(t *testing.T) {
	t.Parallel()
	tmpl := MustParse("{ipass} {imail} {eid}")
	expand := func(secret string, id int64, domain string) string {
		return tmpl.Expand(&Data{Lead: &lead.Lead{ID: id}, Tokens: NewTokens([]byte(secret)), IMailDomain: domain}, InField)
	}
	a := expand("k1", 7, "")
	if b := expand("k1", 7, ""); a != b {
		t.Errorf("not stable: %q then %q", a, b)
	}
	if b := expand("k1", 8, ""); a == b {
		t.Errorf("two leads share %q", a)
	}
	if b := expand("k2", 7, ""); a == b {
		t.Errorf("two secrets share %q", a)
	}
	parts := strings.Fields(a)
	pass, mail := parts[0], parts[1]
	if len(pass) != 10 || !strings.ContainsAny(pass[:1], upperAlpha) || !strings.ContainsAny(pass[7:], digitAlpha) {
		t.Errorf("ipass %q: want a capital, six small letters, three digits", pass)
	}
	if local, domain, ok := strings.Cut(mail, "@"); !ok || len(local) != 10 || domain != DefaultIMailDomain {
		t.Errorf("imail %q: want ten characters at %s", mail, DefaultIMailDomain)
	}
	if got := strings.Fields(expand("k1", 7, "mail.example"))[1]; !strings.HasSuffix(got, "@mail.example") {
		t.Errorf("imail with IMailDomain = %q", got)
	}
	if id, err := NewTokens([]byte("k1")).Decode(parts[2]); err != nil || id != 7 {
		t.Errorf("eid %q decodes to %d, %v", parts[2], id, err)
	}
}

// TestNoData: every macro, with and without its argument, against nil Data,
// empty Data and Data whose pointers are all nil but the lead's maps.
func TestNoData(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, d := range Docs() {
		if d.Name == "time" {
			continue
		}
		b.WriteString("{" + d.Name)
		if d.Arg != "" {
			b.WriteString(":" + d.Arg)
		}
		b.WriteString("}")
	}
	tmpl := MustParse(b.String())
	for i, d := range []*Data{nil, {}, {Lead: nil, Labels: map[string]string{}}} {
		for _, pos := range []Position{InField, InURL, InHeader} {
			if got := tmpl.Expand(d, pos); got != "" {
				t.Errorf("data %d, position %d: %q", i, pos, got)
			}
		}
	}
}

func TestExpandConcurrent(t *testing.T) {
	t.Parallel()
	tmpl := MustParse("{phone} {cphone} {lang} {eid} {ipass}")
	d := exampleData()
	want := tmpl.Expand(d, InField)
	done := make(chan string)
	for i := range 8 {
		go func() {
			l := *d.Lead
			l.Phone = "4471234567" + strconv.Itoa(10+i)
			dd := *d
			dd.Lead = &l
			tmpl.Expand(&dd, InField)
			done <- tmpl.Expand(d, InField)
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("concurrent expand: %q, want %q", got, want)
		}
	}
}
