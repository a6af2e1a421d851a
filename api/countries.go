package api

import (
	"strings"

	"github.com/leadrelay/leadrelay/integrations"
)

// country reads a country as ISO 3166-1 alpha-2 in lower case ("GB" → "gb");
// anything else is refused, since routing and the phone macros depend on it.
func country(s string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(s))
	switch {
	case c == "" || integrations.IsCountry(c):
		return c, nil
	case c == "uk":
		return "", invalid(`country: "uk" is not an ISO 3166-1 code; the United Kingdom is "gb"`)
	}
	return "", invalid("country: %q is not an ISO 3166-1 alpha-2 code such as \"gb\"", s)
}
