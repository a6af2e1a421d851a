package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// leadBody is lead i, a landing page's nine fields, as a urlencoded form
// or as a JSON object, and its Content-Type.
func leadBody(i int64, form bool) ([]byte, string) {
	id := strconv.FormatInt(i, 10)
	fields := [...][2]string{
		{"alias", intakeCampaign}, {"name", "Load Test " + id}, {"phone", fmt.Sprintf("4477009%05d", i%100000)},
		{"email", "load" + id + "@example.com"}, {"country", "gb"}, {"click_id", "clk" + id},
		{"sub1", "adset_29384"}, {"utm_source", "facebook"}, {"landing_variant", "b"},
	}
	var b strings.Builder
	if !form {
		b.WriteByte('{')
	}
	for k, f := range fields {
		switch {
		case k > 0 && form:
			b.WriteByte('&')
		case k > 0:
			b.WriteByte(',')
		}
		if form {
			b.WriteString(url.QueryEscape(f[0]) + "=" + url.QueryEscape(f[1]))
		} else {
			b.WriteString(strconv.Quote(f[0]) + ":" + strconv.Quote(f[1]))
		}
	}
	if form {
		return []byte(b.String()), "application/x-www-form-urlencoded"
	}
	b.WriteByte('}')
	return []byte(b.String()), "application/json"
}
