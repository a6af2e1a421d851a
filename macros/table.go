package macros

import (
	"strings"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// macro is one entry of the table: a name, whether it takes an argument, its
// documentation and how it reads its value.
type macro struct {
	name string
	// arg is "" for a macro without an argument; else an example argument.
	arg     string
	example string
	meaning string
	value   func(d *Data, arg string) string
	// check, when set, vets the argument at parse time; it returns "" or why
	// the argument is wrong.
	check func(arg string) string
}

// table lists every macro in the order of the platform's documentation
// (seed 001), then the status-notification macros (seeds 000 and 004).
var table = []*macro{
	{name: "id", example: "84921", meaning: "the order id",
		value: func(d *Data, _ string) string { return id(d.lead().ID) }},
	{name: "eid", example: "kd-IrvHtFSGgLDUOch1W8Q", meaning: "the encrypted order id: an opaque, URL-safe token that leadrelay turns back into the id and nobody else can forge; also the lead token of the API",
		value: func(d *Data, _ string) string { return d.eid() }},
	{name: "ext", example: "SR-5521", meaning: "the order id at the target CRM (for sending changes)",
		value: func(d *Data, _ string) string { return d.lead().Ext }},
	{name: "name", example: "John", meaning: "the customer's name",
		value: func(d *Data, _ string) string { return d.lead().Name }},
	{name: "last", example: "Smith", meaning: "the customer's surname, from the last field",
		value: func(d *Data, _ string) string { return d.lead().Last }},
	{name: "fname", example: "John Smith", meaning: "the customer's full name: name and last",
		value: func(d *Data, _ string) string { return d.fullName() }},
	{name: "email", example: "john@example.org", meaning: "the customer's email",
		value: func(d *Data, _ string) string { return d.lead().Email }},
	{name: "pass", example: "s3cret-pw", meaning: "the customer's password, from the custom field pass",
		value: func(d *Data, _ string) string { return d.lead().Meta["pass"] }},
	{name: "lang", example: "en", meaning: "the customer's language: the language part of the lang field, else the main language of the country; lower case",
		value: func(d *Data, _ string) string { return d.lang() }},
	{name: "langup", example: "EN", meaning: "{lang} in capital letters",
		value: func(d *Data, _ string) string { return strings.ToUpper(d.lang()) }},
	{name: "iname", example: "John", meaning: "smart first name: name when last is set, else the first half of the name's words (the odd word goes here; a single word is all first name); use with {ilast}",
		value: func(d *Data, _ string) string { first, _ := d.smartName(); return first }},
	{name: "ilast", example: "Smith", meaning: "smart last name: last when it is set, else the second half of the name's words; use with {iname}",
		value: func(d *Data, _ string) string { _, last := d.smartName(); return last }},
	{name: "ipass", example: "s3cret-pw", meaning: "smart password: the pass custom field, else one generated from the lead (a capital, six small letters, three digits), the same on every retry",
		value: func(d *Data, _ string) string { return d.ipass() }},
	{name: "imail", example: "john@example.org", meaning: "smart email: the customer's email, else an address generated from the lead at LEADRELAY_IMAIL_DOMAIN (default example.com), the same on every retry",
		value: func(d *Data, _ string) string { return d.imail() }},
	{name: "phone", example: "447123456789", meaning: "the customer's phone: digits with the country calling code (added from the country when the stored phone lacks it)",
		value: func(d *Data, _ string) string { return d.phone().full() }},
	{name: "iphone", example: "+447123456789", meaning: "{phone} with a leading +",
		value: func(d *Data, _ string) string { return plus(d.phone().full()) }},
	{name: "cphone", example: "7123456789", meaning: "the customer's phone without the country calling code (and without a trunk prefix such as 0)",
		value: func(d *Data, _ string) string { return d.phone().national }},
	{name: "phonecc", example: "44", meaning: "the phone's country calling code: the phonecc or phc field, else the country's",
		value: func(d *Data, _ string) string { return d.phoneCC() }},
	{name: "iphonecc", example: "+44", meaning: "{phonecc} with a leading +",
		value: func(d *Data, _ string) string { return plus(d.phoneCC()) }},
	{name: "geo", example: "gb", meaning: "the ISO country code in small letters",
		value: func(d *Data, _ string) string { return strings.ToLower(d.lead().Country) }},
	{name: "country", example: "gb", meaning: "the ISO country code in small letters",
		value: func(d *Data, _ string) string { return strings.ToLower(d.lead().Country) }},
	{name: "geoup", example: "GB", meaning: "the ISO country code in capital letters",
		value: func(d *Data, _ string) string { return strings.ToUpper(d.lead().Country) }},
	{name: "comment", example: "Call after 6pm", meaning: "the order comment",
		value: func(d *Data, _ string) string { return d.lead().Comment }},
	{name: "index", example: "SW1A 1AA", meaning: "the ZIP code for delivery",
		value: func(d *Data, _ string) string { return d.lead().Zip }},
	{name: "area", example: "Greater London", meaning: "the delivery region",
		value: func(d *Data, _ string) string { return d.lead().Area }},
	{name: "city", example: "London", meaning: "the delivery city",
		value: func(d *Data, _ string) string { return d.lead().City }},
	{name: "street", example: "Baker Street", meaning: "the delivery street",
		value: func(d *Data, _ string) string { return d.lead().Street }},
	{name: "house", example: "221B", meaning: "house, building and apartment",
		value: func(d *Data, _ string) string { return d.lead().House }},
	{name: "addr", example: "Greater London, London, Baker Street, 221B", meaning: "the delivery address without the ZIP code: area, city, street, house, the ones that are set, joined by \", \"",
		value: func(d *Data, _ string) string { return d.addr() }},
	{name: "fulladdr", example: "SW1A 1AA, Greater London, London, Baker Street, 221B", meaning: "the delivery address with the ZIP code first",
		value: func(d *Data, _ string) string { return d.fullAddr() }},
	{name: "straddr", example: "Baker Street, 221B", meaning: "the street address: street and house",
		value: func(d *Data, _ string) string { return d.strAddr() }},
	{name: "delivery", example: "2", meaning: "the internal delivery type id (empty when none)",
		value: func(d *Data, _ string) string { return id(int64(d.lead().Delivery)) }},
	{name: "discount", example: "10", meaning: "the product discount, in percent",
		value: leadNumber(func(l *lead.Lead) float64 { return l.Discount })},
	{name: "count", example: "2", meaning: "the quantity of goods",
		value: leadNumber(func(l *lead.Lead) float64 { return float64(l.Count) })},
	{name: "currency", example: "gbp", meaning: "the order currency as stored",
		value: func(d *Data, _ string) string { return d.lead().Currency }},
	{name: "curr", example: "GBP", meaning: "the three-letter ISO code of the order currency, in capital letters",
		value: func(d *Data, _ string) string { return strings.ToUpper(d.lead().Currency) }},
	{name: "price", example: "98", meaning: "the total order price",
		value: leadNumber(func(l *lead.Lead) float64 { return l.Price })},
	{name: "base", example: "49", meaning: "the unit price",
		value: leadNumber(func(l *lead.Lead) float64 { return l.Base })},
	{name: "delpr", example: "4.5", meaning: "the shipping cost",
		value: leadNumber(func(l *lead.Lead) float64 { return l.DelPr })},
	{name: "more", example: "0", meaning: "an additional markup (or, negative, discount) on delivery, in the order currency",
		value: leadNumber(func(l *lead.Lead) float64 { return l.More })},
	{name: "offer", example: "1", meaning: "the offer id",
		value: func(d *Data, _ string) string { return d.offerID() }},
	{name: "siteurl", example: "https://shop.example/keto", meaning: "smart landing address: the landing's url param, else the landing's URL, else the offer's url param",
		value: func(d *Data, _ string) string { return d.siteURL() }},
	{name: "sitename", example: "Keto LP", meaning: "the landing's name",
		value: func(d *Data, _ string) string { return d.site().Name }},
	{name: "spaceurl", example: "https://blog.example/keto", meaning: "the prelanding's URL",
		value: func(d *Data, _ string) string { return d.space().URL }},
	{name: "spacename", example: "Keto blog", meaning: "the prelanding's name",
		value: func(d *Data, _ string) string { return d.space().Name }},
	{name: "land", example: "https://keto.example/lp1", meaning: "the landing's URL, if there is one",
		value: func(d *Data, _ string) string { return d.site().URL }},
	{name: "preland", example: "https://blog.example/keto", meaning: "the prelanding's URL, if there is one",
		value: func(d *Data, _ string) string { return d.space().URL }},
	{name: "domain", example: "shop.example", meaning: "the site's domain: the host of {siteurl}",
		value: func(d *Data, _ string) string { return d.domain() }},
	{name: "wm", example: "12", meaning: "the affiliate id",
		value: func(d *Data, _ string) string { return d.wmID() }},
	{name: "wmi", example: "12", meaning: "smart affiliate id: the agent's id for agent traffic, else the affiliate id",
		value: func(d *Data, _ string) string { return d.wmi() }},
	{name: "wmname", example: "Ann Publisher", meaning: "the affiliate's name",
		value: func(d *Data, _ string) string { return d.wm().Name }},
	{name: "wmmail", example: "ann@pub.example", meaning: "the affiliate's email",
		value: func(d *Data, _ string) string { return d.wm().Email }},
	{name: "exti", example: "ag-1", meaning: "the agency id",
		value: func(d *Data, _ string) string { return d.lead().ExtI }},
	{name: "extu", example: "ag-order-9", meaning: "the order id at the agency",
		value: func(d *Data, _ string) string { return d.lead().ExtU }},
	{name: "exts", example: "src-4", meaning: "the source id at the agency",
		value: func(d *Data, _ string) string { return d.lead().ExtS }},
	{name: "click", example: "c-77", meaning: "the internal click id",
		value: func(d *Data, _ string) string { return d.lead().Click }},
	{name: "subid", example: "x32-tag", meaning: "the subid (x32) tag",
		value: func(d *Data, _ string) string { return d.lead().SubID }},
	{name: "uuid", example: "x64-tag", meaning: "the uuid (x64) tag",
		value: func(d *Data, _ string) string { return d.lead().UUID }},
	{name: "sub1", example: "adset_29384", meaning: "the sub1 tag",
		value: func(d *Data, _ string) string { return d.lead().Sub1 }},
	{name: "sub2", example: "creative_118", meaning: "the sub2 tag",
		value: func(d *Data, _ string) string { return d.lead().Sub2 }},
	{name: "sub3", example: "s3", meaning: "the sub3 tag",
		value: func(d *Data, _ string) string { return d.lead().Sub3 }},
	{name: "sub4", example: "s4", meaning: "the sub4 tag",
		value: func(d *Data, _ string) string { return d.lead().Sub4 }},
	{name: "sub5", example: "s5", meaning: "the sub5 tag",
		value: func(d *Data, _ string) string { return d.lead().Sub5 }},
	{name: "utms", example: "facebook", meaning: "the utm_source tag",
		value: func(d *Data, _ string) string { return d.lead().UtmSource }},
	{name: "utmc", example: "keto_uk", meaning: "the utm_campaign tag",
		value: func(d *Data, _ string) string { return d.lead().UtmCampaign }},
	{name: "utmn", example: "video_a", meaning: "the utm_content tag",
		value: func(d *Data, _ string) string { return d.lead().UtmContent }},
	{name: "utmt", example: "weight loss", meaning: "the utm_term tag",
		value: func(d *Data, _ string) string { return d.lead().UtmTerm }},
	{name: "utmm", example: "cpc", meaning: "the utm_medium tag",
		value: func(d *Data, _ string) string { return d.lead().UtmMedium }},
	{name: "ip", example: "203.0.113.7", meaning: "the customer's IP address",
		value: func(d *Data, _ string) string { return d.lead().IP }},
	{name: "ip4", example: "203.0.113.7", meaning: "the customer's IPv4 address, empty for IPv6",
		value: func(d *Data, _ string) string { return d.ipVersion(true) }},
	{name: "ip6", example: "", meaning: "the customer's IPv6 address, empty for IPv4",
		value: func(d *Data, _ string) string { return d.ipVersion(false) }},
	{name: "ua", example: "Mozilla/5.0", meaning: "the customer's User-Agent",
		value: func(d *Data, _ string) string { return d.lead().UA }},
	{name: "mobile", example: "1", meaning: "traffic type: 0 desktop, 1 mobile",
		value: leadFlag(func(l *lead.Lead) bool { return l.Mobile })},
	{name: "bad", example: "0", meaning: "traffic quality: 0 normal, 1 suspicious",
		value: leadFlag(func(l *lead.Lead) bool { return l.Bad })},
	{name: "cwm", example: "12.5", meaning: "the affiliate's commission in the system currency",
		value: leadNumber(func(l *lead.Lead) float64 { return l.CWM })},
	{name: "cwmr", example: "16.2", meaning: "the affiliate's commission in the real currency",
		value: leadNumber(func(l *lead.Lead) float64 { return l.CWMR })},
	{name: "cwmc", example: "USD", meaning: "the ISO code of the real currency of the affiliate's commission",
		value: func(d *Data, _ string) string { return d.lead().CWMC }},
	{name: "cpay", example: "20", meaning: "the advertiser's commission in the system currency",
		value: leadNumber(func(l *lead.Lead) float64 { return l.CPay })},
	{name: "cpayr", example: "25.5", meaning: "the advertiser's commission in the real currency",
		value: leadNumber(func(l *lead.Lead) float64 { return l.CPayR })},
	{name: "cpayc", example: "EUR", meaning: "the ISO code of the real currency of the advertiser's commission",
		value: func(d *Data, _ string) string { return d.lead().CPayC }},

	{name: "ofp", arg: "stream", example: "7Kx2", meaning: "the offer parameter named by the argument",
		value: func(d *Data, arg string) string { return d.offer().Params[arg] }},
	{name: "ofpg", arg: "price", example: "49", meaning: "the offer parameter named by the argument, for the lead's country",
		value: func(d *Data, arg string) string { return d.ofpg(arg) }},
	{name: "goal", arg: "event", example: "purchase", meaning: "the goal parameter named by the argument",
		value: func(d *Data, arg string) string { return d.goal().Params[arg] }},
	{name: "site", arg: "theme", example: "dark", meaning: "the landing's parameter named by the argument",
		value: func(d *Data, arg string) string { return d.site().Params[arg] }},
	{name: "space", arg: "author", example: "Dr. Lee", meaning: "the prelanding's parameter named by the argument",
		value: func(d *Data, arg string) string { return d.space().Params[arg] }},
	{name: "offer", arg: "name", example: "Keto Slim", meaning: "a main field of the offer: id or name",
		value: func(d *Data, arg string) string { return offerFields[arg](d) }, check: checkOfferField},
	{name: "meta", arg: "color", example: "red", meaning: "the order's custom field named by the argument",
		value: func(d *Data, arg string) string { return d.lead().Meta[arg] }},
	fileMacro,

	{name: "click_id", example: "abc123xyz", meaning: "the tracker's click id: click_id from the intake, else sub1",
		value: func(d *Data, _ string) string { return d.lead().ClickIDOrSub1() }},
	{name: "lead_id", example: "SR-5521", meaning: "the order id at the CRM (the ext)",
		value: func(d *Data, _ string) string { return d.lead().Ext }},
	{name: "status", example: "rejected", meaning: "the status (a postback's, else the lead's): its label from the postback labels, by status name, else by stage; else the status name",
		value: func(d *Data, _ string) string { return d.statusLabel() }},
	{name: "stage", example: "cancel", meaning: "the stage of the status: wait, approve, cancel or trash",
		value: func(d *Data, _ string) string { return string(d.status().Stage()) }},
	{name: "rcode", example: "7", meaning: "the cancel reason code (empty when there is none)",
		value: func(d *Data, _ string) string { return id(int64(d.lead().Reason)) }},
	{name: "reason", example: "duplicate", meaning: "the cancel reason's name",
		value: func(d *Data, _ string) string { return d.lead().Reason.String() }},
	{name: "payout", example: "12.5", meaning: "the affiliate's commission, as {cwm}",
		value: leadNumber(func(l *lead.Lead) float64 { return l.CWM })},
	{name: "amount", example: "12.50", meaning: "the affiliate's commission formatted 0.00: a dot and two decimals",
		value: func(d *Data, _ string) string { return d.amount() }},
	{name: "campaign", example: "cpa_uk_wl", meaning: "the campaign alias",
		value: func(d *Data, _ string) string { return d.campaignAlias() }},
	{name: "time", example: "1767225600", meaning: "the time now, in Unix seconds",
		value: func(d *Data, _ string) string { return d.unixTime() }},
	{name: "secret", arg: "token", example: "tk_live_42", meaning: "the integration's secret named by the argument",
		value: func(d *Data, arg string) string { return d.Secrets[arg] }},
}

// fileMacro is {file:x}; a body field that is exactly this macro is attached
// as a file by the multipart encoder.
var fileMacro = &macro{name: "file", arg: "passport", example: "passport.jpg",
	meaning: "the file in the order's custom field named by the argument: its file name in text; attached as a file in multipart bodies",
	value:   func(d *Data, arg string) string { return d.fileName(arg) }}

// plain and withArg index the table by name, for macros without and with an
// argument.
var plain, withArg = indexTable()

func indexTable() (plain, withArg map[string]*macro) {
	plain = make(map[string]*macro)
	withArg = make(map[string]*macro)
	for _, m := range table {
		if m.arg == "" {
			plain[m.name] = m
		} else {
			withArg[m.name] = m
		}
	}
	return plain, withArg
}

// leadNumber makes the value function of an amount or quantity of the lead:
// "" when there is no lead, else the number, 0 included.
func leadNumber(field func(l *lead.Lead) float64) func(d *Data, _ string) string {
	return func(d *Data, _ string) string {
		if d.Lead == nil {
			return ""
		}
		return number(field(d.Lead))
	}
}

// leadFlag makes the value function of a yes/no field of the lead: "" when
// there is no lead, else "0" or "1".
func leadFlag(field func(l *lead.Lead) bool) func(d *Data, _ string) string {
	return func(d *Data, _ string) string {
		if d.Lead == nil {
			return ""
		}
		if field(d.Lead) {
			return "1"
		}
		return "0"
	}
}

func plus(s string) string {
	if s == "" {
		return ""
	}
	return "+" + s
}

// Known reports whether name is the name of a macro, with or without an
// argument ("id", "ofp").
func Known(name string) bool {
	return plain[name] != nil || withArg[name] != nil
}

// Doc documents one macro, for the author's guide.
type Doc struct {
	Name string // "ofp"
	// Arg is, for a macro that takes an argument, the example's argument
	// ("stream": the guide shows {ofp:stream}); "" for a macro without one.
	Arg string
	// Example is what the macro gives for the guide's example lead.
	Example string
	Meaning string
}

// Docs returns one Doc per macro, in the order of the platform's
// documentation, then the status-notification macros. {offer} and {offer:x}
// are two macros.
func Docs() []Doc {
	docs := make([]Doc, len(table))
	for i, m := range table {
		docs[i] = Doc{Name: m.name, Arg: m.arg, Example: m.example, Meaning: m.meaning}
	}
	return docs
}
