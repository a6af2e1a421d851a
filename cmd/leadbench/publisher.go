package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// leadFields are a landing page's lead: name and value, the value's %d or
// %05d replaced by the lead's number.
var leadFields = [][2]string{
	{"alias", intakeCampaign}, {"name", "Load Test %d"}, {"phone", "4477009%05d"},
	{"email", "load%d@example.com"}, {"country", "gb"}, {"click_id", "clk%d"},
	{"sub1", "adset_29384"}, {"utm_source", "facebook"}, {"landing_variant", "b"},
}

// leadBody is lead i as a urlencoded form or as a JSON object, and its
// Content-Type.
func leadBody(i int64, form bool) ([]byte, string) {
	var b strings.Builder
	if !form {
		b.WriteByte('{')
	}
	for k, f := range leadFields {
		v := f[1]
		switch {
		case strings.Contains(v, "%05d"):
			v = fmt.Sprintf(v, i%100000)
		case strings.Contains(v, "%d"):
			v = fmt.Sprintf(v, i)
		}
		switch {
		case k > 0 && form:
			b.WriteByte('&')
		case k > 0:
			b.WriteByte(',')
		}
		if form {
			b.WriteString(url.QueryEscape(f[0]) + "=" + url.QueryEscape(v))
		} else {
			b.WriteString(strconv.Quote(f[0]) + ":" + strconv.Quote(v))
		}
	}
	if form {
		return []byte(b.String()), "application/x-www-form-urlencoded"
	}
	b.WriteByte('}')
	return []byte(b.String()), "application/json"
}
