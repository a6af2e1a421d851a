package integrations_test

import (
	"context"
	"fmt"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/lead"
)

func Example() {
	doc := []byte(`{
		"id": 7, "name": "crm-uk", "enabled": true, "offers": [1],
		"secrets": {"token": "tk-123"},
		"new": {"enabled": true, "url": "https://crm.example/api/leads?src={utms}", "format": "json",
			"headers": "Authorization: Bearer {secret:token}",
			"fields": "phone {phone}\nclient[first] {iname}\nclient[last] {ilast}\n# the offer\nitems[0][sku] {ofp:sku}",
			"post": "local r = json.decode(result)\nreturn r.id"}
	}`)
	i, err := integrations.Parse(doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := integrations.Compile(i, 1, scripting.NewEngine(scripting.Config{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	cm := c.Mode(mode.New)
	d := &macros.Data{
		Lead:    &lead.Lead{ID: 42, Name: "Олена Коваль", Phone: "07123456789", Country: "gb", UtmSource: "fb ads"},
		Secrets: i.Secrets,
	}
	req := cm.Build(d) // the pre script would run on req here
	hreq, body, err := integrations.NewHTTPRequest(context.Background(), req, cm.Format, cm.Files(d))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(hreq.Method, hreq.URL)
	fmt.Println("Authorization:", integrations.Redact(hreq.Header.Get("Authorization"), i.Secrets))
	fmt.Println("Content-Type:", hreq.Header.Get("Content-Type"))
	fmt.Println(string(body))
	// Output:
	// POST https://crm.example/api/leads?src=fb%20ads
	// Authorization: Bearer ***
	// Content-Type: application/json
	// {"phone":"447123456789","client":{"first":"Олена","last":"Коваль"},"items":[{"sku":""}]}
}
