package macros

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
)

// lang is {lang}: the language part of the lead's lang field ("en" of
// "en-GB"), else the most likely language of its country; lower case.
func (d *Data) lang() string {
	l := d.lead()
	if l.Lang != "" {
		base, _, _ := strings.Cut(strings.ReplaceAll(l.Lang, "_", "-"), "-")
		return strings.ToLower(base)
	}
	return countryLanguages()[strings.ToLower(l.Country)]
}

// countryLanguages maps every country phonenumbers knows ("ua") to its most
// likely language ("uk"), as CLDR's likely-subtags data gives it.
var countryLanguages = sync.OnceValue(func() map[string]string {
	langs := make(map[string]string)
	for region := range phonenumbers.GetSupportedRegions() {
		r, err := language.ParseRegion(region)
		if err != nil {
			continue
		}
		tag, err := language.Compose(language.Und, r)
		if err != nil {
			continue
		}
		if base, conf := tag.Base(); conf >= language.High {
			langs[strings.ToLower(region)] = base.String()
		}
	}
	return langs
})
