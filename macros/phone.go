package macros

import (
	"hash/maphash"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// phoneParts is a phone number split into its calling code and national
// number, both digits only.
type phoneParts struct {
	cc       string
	national string
}

// full is the number with its calling code, digits only.
func (p phoneParts) full() string { return p.cc + p.national }

// phone splits the lead's phone. Parsing with phonenumbers costs tens of
// microseconds, so results are kept in a small cache shared by all expansions.
func (d *Data) phone() phoneParts {
	l := d.lead()
	if l.Phone == "" {
		return phoneParts{}
	}
	return phoneCache.get(l.Phone, d.ccHint(), l.Country)
}

// ccHint is the calling code the lead names itself: its phonecc field, else
// the phc custom field; digits only.
func (d *Data) ccHint() string {
	l := d.lead()
	cc := l.PhoneCC
	if cc == "" {
		cc = l.Meta["phc"]
	}
	return onlyDigits(cc)
}

// phoneCC is {phonecc}: the lead's own calling code, else the one of its phone
// number (which is its country's unless the number is foreign), else its
// country's.
func (d *Data) phoneCC() string {
	if cc := d.ccHint(); cc != "" {
		return cc
	}
	if cc := d.phone().cc; cc != "" {
		return cc
	}
	return countryCallingCode(regionOf(d.lead().Country))
}

func onlyDigits(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return strings.Map(func(r rune) rune {
				if '0' <= r && r <= '9' {
					return r
				}
				return -1
			}, s)
		}
	}
	return s
}

// regionOf turns a lead's country into a phonenumbers region ("GB"), or "".
func regionOf(country string) string {
	if len(country) != 2 {
		return ""
	}
	region := strings.ToUpper(country)
	if !phonenumbers.GetSupportedRegions()[region] {
		return ""
	}
	return region
}

func countryCallingCode(region string) string {
	if region == "" {
		return ""
	}
	if cc := phonenumbers.GetCountryCodeForRegion(region); cc != 0 {
		return strconv.Itoa(cc)
	}
	return ""
}

// splitPhone finds the calling code and national number of a stored phone
// (any non-digits are ignored), given the calling code the lead names (may be
// "") and its country (may be ""):
//
//  0. the digits as the expected calling code followed by a national number
//     of a length possible for it, checked on the metadata alone: most
//     stored phones read so, and parsing (regular expressions, tens of
//     microseconds) is left for the rest;
//  1. the digits read as an international number, when that is a valid number
//     with the expected calling code (or any, when none is expected);
//  2. else the digits read as a national number of the country (or of the
//     calling code the lead names, when that is another country's); a trunk
//     prefix such as the 0 of "07123 456789" is dropped;
//  3. else the digits read as a valid international number of another
//     country (a foreign phone on the lead);
//  4. else, for numbers phonenumbers does not know as valid, the expected
//     calling code is stripped from the front when it is there.
//
// The calling code is never doubled: step 2 does not read digits that start
// with the expected code and are longer than the country's mobile numbers as
// a national number (phonenumbers accepts "491511234567" as a German one,
// which would make the full number 49491511234567).
func splitPhone(phone, ccHint, country string) phoneParts {
	digits := onlyDigits(phone)
	if digits == "" {
		return phoneParts{}
	}
	region := regionOf(country)
	if ccHint != "" && countryCallingCode(region) != ccHint {
		if cc, err := strconv.Atoi(ccHint); err == nil {
			region = phonenumbers.GetRegionCodeForCountryCode(cc)
		}
	}
	want := ccHint
	if want == "" {
		want = countryCallingCode(region)
	}
	if parts, ok := splitByLength(digits, want); ok {
		return parts
	}
	return parsePhone(digits, want, region)
}

// parsePhone is splitPhone's steps 1 to 4, with the phonenumbers parser.
func parsePhone(digits, want, region string) phoneParts {
	intl, err := phonenumbers.Parse("+"+digits, "")
	intlValid := err == nil && phonenumbers.IsValidNumber(intl)
	if intlValid && (want == "" || strconv.Itoa(int(intl.GetCountryCode())) == want) {
		return partsOf(intl)
	}
	if region != "" && region != "ZZ" {
		if n, err := phonenumbers.Parse(digits, region); err == nil && phonenumbers.IsValidNumber(n) {
			if parts := partsOf(n); !keepsCode(parts, digits, want, region) {
				return parts
			}
		}
	}
	if intlValid {
		return partsOf(intl)
	}
	if want != "" && strings.HasPrefix(digits, want) && len(digits) > len(want) {
		return phoneParts{cc: want, national: digits[len(want):]}
	}
	return phoneParts{cc: want, national: digits}
}

// keepsCode tells whether parts read digits, which start with the calling
// code want, as a national number that still holds that code while being
// longer than the region's mobile numbers: Germany's "491511234567" is +49
// and an invalid 1511234567, not the valid fixed line 0491 1511234567, while
// India's "9123456789" is a mobile number, not +91 23456789.
func keepsCode(parts phoneParts, digits, want, region string) bool {
	if want == "" || parts.cc != want || !strings.HasPrefix(digits, want) || !strings.HasSuffix(parts.national, digits) {
		return false
	}
	mobile := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE)
	return mobile != nil && len(digits) > len(phonenumbers.GetNationalSignificantNumber(mobile))
}

// splitByLength reads digits as calling code cc and a national number when
// they start with cc, the rest has a length the metadata allows for cc, and
// the digits as a whole do not: "447123456789" is +44 7123456789, while
// India's "9123456789" could be +91 23456789 or itself, and is left to the
// parser. A national number with a leading zero is left to the parser too,
// which knows where that zero belongs.
func splitByLength(digits, cc string) (phoneParts, bool) {
	if cc == "" || !strings.HasPrefix(digits, cc) || len(digits) == len(cc) || digits[len(cc)] == '0' {
		return phoneParts{}, false
	}
	code, err := strconv.ParseInt(cc, 10, 32)
	if err != nil {
		return phoneParts{}, false
	}
	national := digits[len(cc):]
	if !possibleNational(int32(code), national) || possibleNational(int32(code), digits) {
		return phoneParts{}, false
	}
	return phoneParts{cc: cc, national: national}, true
}

// possibleNational tells whether national has a length the metadata allows
// for numbers of calling code cc.
func possibleNational(cc int32, national string) bool {
	nsn, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return false
	}
	n := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nsn}
	return phonenumbers.IsPossibleNumberWithReason(n) == phonenumbers.IS_POSSIBLE
}

func partsOf(n *phonenumbers.PhoneNumber) phoneParts {
	return phoneParts{cc: strconv.Itoa(int(n.GetCountryCode())), national: phonenumbers.GetNationalSignificantNumber(n)}
}

// phoneCacheSize is the number of slots of the phone cache: enough for the
// leads a sweep's workers expand at the same time.
const phoneCacheSize = 1024

// phoneSlots is a direct-mapped cache of splitPhone results: each input hashes
// to one slot, and a newer input simply replaces the older one. It needs no
// lock and never grows.
type phoneSlots struct {
	seed  maphash.Seed
	slots [phoneCacheSize]atomic.Pointer[phoneEntry]
}

type phoneEntry struct {
	phone, ccHint, country string
	parts                  phoneParts
}

var phoneCache = &phoneSlots{seed: maphash.MakeSeed()}

func (c *phoneSlots) get(phone, ccHint, country string) phoneParts {
	h := maphash.String(c.seed, phone) ^ maphash.String(c.seed, ccHint)*31 ^ maphash.String(c.seed, country)*961
	slot := &c.slots[h%phoneCacheSize]
	if e := slot.Load(); e != nil && e.phone == phone && e.ccHint == ccHint && e.country == country {
		return e.parts
	}
	e := &phoneEntry{phone: phone, ccHint: ccHint, country: country, parts: splitPhone(phone, ccHint, country)}
	slot.Store(e)
	return e.parts
}

// PhoneDigits is the lead's phone as {phone} writes it: digits with the
// calling code, "" when the lead has none.
func PhoneDigits(l *lead.Lead) string {
	d := &Data{Lead: l}
	return d.phone().full()
}
