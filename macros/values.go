package macros

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// This file holds the macros that compute their value rather than read one field.

// id formats an identifier; 0 means none and reads as "".
func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// number formats an amount or a quantity without exponent and without a
// fraction when it is whole: 49 → "49", 49.5 → "49.5".
func number(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// amount is {amount}: the affiliate's commission as 0.00.
func (d *Data) amount() string {
	if d.Lead == nil {
		return ""
	}
	return strconv.FormatFloat(d.Lead.CWM, 'f', 2, 64)
}

func (d *Data) fullName() string {
	l := d.lead()
	return strings.TrimSpace(strings.TrimSpace(l.Name) + " " + strings.TrimSpace(l.Last))
}

// smartName is {iname} and {ilast}: name and last when last is set; else the
// name split at its middle word boundary, the first name taking the odd word
// ("Anna Maria Rossi" → "Anna Maria", "Rossi"); a single word is all first name.
func (d *Data) smartName() (first, last string) {
	l := d.lead()
	if strings.TrimSpace(l.Last) != "" {
		return strings.TrimSpace(l.Name), strings.TrimSpace(l.Last)
	}
	name := strings.TrimSpace(l.Name)
	words := strings.Fields(name)
	if len(words) < 2 {
		return name, ""
	}
	half := (len(words) + 1) / 2
	return strings.Join(words[:half], " "), strings.Join(words[half:], " ")
}

// joinNonEmpty joins the parts that are not blank with ", ".
func joinNonEmpty(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p)
	}
	return b.String()
}

func (d *Data) addr() string {
	l := d.lead()
	return joinNonEmpty(l.Area, l.City, l.Street, l.House)
}

func (d *Data) fullAddr() string {
	l := d.lead()
	return joinNonEmpty(l.Zip, l.Area, l.City, l.Street, l.House)
}

func (d *Data) strAddr() string {
	l := d.lead()
	return joinNonEmpty(l.Street, l.House)
}

// siteURL is {siteurl}: the landing's "url" param (the address the network
// sends traffic to), else the landing's URL, else the offer's "url" param (its
// default landing).
func (d *Data) siteURL() string {
	if u := d.site().Params["url"]; u != "" {
		return u
	}
	if u := d.site().URL; u != "" {
		return u
	}
	return d.offer().Params["url"]
}

// domain is {domain}: the host of {siteurl}, without port or user.
func (d *Data) domain() string {
	return hostOf(d.siteURL())
}

func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	} else {
		u = strings.TrimPrefix(u, "//")
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if strings.HasPrefix(u, "[") {
		if i := strings.IndexByte(u, ']'); i >= 0 {
			return u[1:i]
		}
	}
	if i := strings.LastIndexByte(u, ':'); i >= 0 {
		u = u[:i]
	}
	return strings.ToLower(u)
}

func (d *Data) wmID() string {
	if n := d.lead().WM; n != 0 {
		return id(n)
	}
	return id(d.wm().ID)
}

// wmi is {wmi}: on agent traffic the agent's id, else the affiliate's.
func (d *Data) wmi() string {
	if n := d.lead().Agent; n != 0 {
		return id(n)
	}
	if d.Agent != nil && d.Agent.ID != 0 {
		return id(d.Agent.ID)
	}
	return d.wmID()
}

func (d *Data) offerID() string {
	if n := d.lead().OfferID; n != 0 {
		return id(n)
	}
	return id(d.offer().ID)
}

// offerFields are the fields {offer:x} reads; Parse refuses any other.
var offerFields = map[string]func(d *Data) string{
	"id":   (*Data).offerID,
	"name": func(d *Data) string { return d.offer().Name },
}

func checkOfferField(arg string) string {
	if offerFields[arg] == nil {
		return "the offer's fields are id and name"
	}
	return ""
}

// ofpg is {ofpg:x}: the offer's param x for the lead's country.
func (d *Data) ofpg(name string) string {
	return d.offer().GeoParams[strings.ToLower(d.lead().Country)][name]
}

// ipVersion returns the lead's IP when it is of the asked family ("" otherwise).
func (d *Data) ipVersion(v4 bool) string {
	addr, err := netip.ParseAddr(strings.TrimSpace(d.lead().IP))
	if err != nil {
		return ""
	}
	if addr.Is4() || addr.Is4In6() {
		if v4 {
			return addr.Unmap().String()
		}
		return ""
	}
	if v4 {
		return ""
	}
	return addr.String()
}

// statusLabel is {status}: the label of the status name, else of its stage,
// else the status name.
func (d *Data) statusLabel() string {
	s := d.status()
	if s == 0 {
		return ""
	}
	name := s.String()
	if label := d.Labels[name]; label != "" {
		return label
	}
	if label := d.Labels[string(s.Stage())]; label != "" {
		return label
	}
	return name
}

func (d *Data) campaignAlias() string {
	if a := d.campaign().Alias; a != "" {
		return a
	}
	return d.lead().Campaign
}

func (d *Data) unixTime() string {
	now := d.Now
	if now.IsZero() {
		now = time.Now()
	}
	return strconv.FormatInt(now.Unix(), 10)
}

func (d *Data) eid() string {
	if d.Tokens == nil || d.lead().ID == 0 {
		return ""
	}
	return d.Tokens.Encode(d.lead().ID)
}

const (
	upperAlpha = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	lowerAlpha = "abcdefghijkmnpqrstuvwxyz"
	digitAlpha = "23456789"
	lowerDigit = lowerAlpha + digitAlpha
)

// ipass is {ipass}: the pass custom field, else a generated password: one
// capital, six small letters and three digits, without look-alike characters.
func (d *Data) ipass() string {
	if p := d.lead().Meta["pass"]; p != "" {
		return p
	}
	if d.Tokens == nil {
		return ""
	}
	return d.Tokens.generate("ipass", d.lead().ID,
		upperAlpha, lowerAlpha, lowerAlpha, lowerAlpha, lowerAlpha, lowerAlpha, lowerAlpha,
		digitAlpha, digitAlpha, digitAlpha)
}

// imail is {imail}: the lead's email, else a generated address of ten small
// letters and digits at the imail domain.
func (d *Data) imail() string {
	if e := d.lead().Email; e != "" {
		return e
	}
	if d.Tokens == nil {
		return ""
	}
	domain := d.IMailDomain
	if domain == "" {
		domain = DefaultIMailDomain
	}
	return d.Tokens.generate("imail", d.lead().ID,
		lowerAlpha, lowerDigit, lowerDigit, lowerDigit, lowerDigit,
		lowerDigit, lowerDigit, lowerDigit, lowerDigit, lowerDigit) + "@" + domain
}

func (d *Data) fileName(field string) string {
	return d.lead().Files[field].Name
}
