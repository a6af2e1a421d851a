package scripting

import (
	"context"
	"testing"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
)

// The pre and post scripts of a typical CRM integration: pre builds the
// order's products and a signature header, post reads the CRM's JSON answer.
const (
	benchPre = `
local products = {}
for _, it in ipairs(items) do
  products[#products + 1] = {
    sku = ofps["sku_" .. it.id] or tostring(it.id),
    qty = it.qty,
    price = it.price,
  }
end
post.products = products
post.phone = "+" .. o.phone
post.name = string.upper(string.sub(o.name, 1, 1)) .. string.sub(o.name, 2)
post.country = string.upper(o.order_country)
post.order_id = o.order_id
headers["X-Signature"] = hmac_sha256(secrets.token, o.order_id .. o.phone)
if o.ext_oid ~= "" then
  url = false
  result = o.ext_oid
end
`
	benchPost = `
local r = json.decode(result)
if not r then return false end
if r.status == "ok" then
  local note = string.format("accepted as %s at %s", tostring(r.id), string.lower(response.headers["Server"] or ""))
  lead.edit(o.order_id, {exto = r.id, comment = note})
  log(note)
  return r.id
end
if r.error == "double" then return -7 end
return false
`
)

// benchOrder is o as the dispatcher gives it: all 73 fields of a lead.
func benchOrder() Fields {
	order := Fields{
		"order_id": int64(1024), "offer_id": int64(7), "order_country": "gb", "order_status": int64(1),
		"name": "john smith", "phone": "447700900123", "ext_oid": "", "order_reason": int64(0),
		"order_items": `{"17":[1,49,12.5],"18":[2,19.5,4]}`, "items": `{"17":[1,49,12.5],"18":[2,19.5,4]}`,
		"id": int64(1024), "offer": int64(7), "country": "gb", "status": int64(1), "meta": nil,
		"created_at": "2026-11-21T15:04:05Z", "updated_at": "2026-11-21T15:04:05Z",
		"ip": "203.0.113.7", "ua": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "uuid": "3f1c9a52-8d2e-4c1b-9a7e-2b5d6f8e0c14",
		"price": 49.0, "currency": "GBP", "mobile": true, "bad": false, "failed": false, "phonecc": "GB",
	}
	for _, name := range []string{"agent", "attempts", "base", "cpay", "cpayr", "cwm", "cwmr", "delivery", "delpr",
		"discount", "goal", "integration", "more", "reason", "site", "space", "wm", "count"} {
		order[name] = int64(0)
	}
	for _, name := range []string{"area", "campaign", "city", "click", "click_id", "comment", "cpayc", "cwmc", "email",
		"ext", "exti", "exts", "extu", "house", "lang", "last", "street", "sub1", "sub2", "sub3", "sub4", "sub5",
		"subid", "utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term", "zip"} {
		order[name] = ""
	}
	return order
}

func benchEnvs() (pre, post func() *Env) {
	order := benchOrder()
	items := []Item{{ID: 17, Qty: 1, Price: 49, Cost: 12.5}, {ID: 18, Qty: 2, Price: 19.5, Cost: 4}}
	// The offer's parameters and the integration's secrets come from the
	// catalog, not from each lead.
	offerParams := map[string]string{"sku_17": "A-17", "sku_18": "A-18"}
	secrets := map[string]string{"token": "s3cret"}
	base := func() *Env {
		return &Env{Order: order, Items: items, LeadID: 1024, OfferParams: offerParams, Secrets: secrets}
	}
	pre = func() *Env {
		env := base()
		env.Mode = mode.New
		env.Request = &wire.Request{
			URL: "https://crm.example/api/orders", Method: "POST",
			Headers: []wire.Field{{Name: "Content-Type", Value: "application/json"}},
			Fields:  []wire.Field{{Name: "offer", Value: "7"}, {Name: "source", Value: "leadrelay"}},
		}
		return env
	}
	post = func() *Env {
		env := base()
		env.Mode = mode.New
		env.Result = `{"status":"ok","id":84921}`
		env.Response = &wire.Response{Code: 200, Headers: map[string]string{"Server": "nginx"}, Body: `{"status":"ok","id":84921}`, TimeMS: 42}
		return env
	}
	return pre, post
}

// BenchmarkPrePost runs the pre and post pair as the dispatcher does for a
// new lead: pooled (Engine.Run) and on a fresh Lua state for each run.
func BenchmarkPrePost(b *testing.B) {
	e := NewEngine(Config{})
	pre, err := e.Compile("bench new.pre", benchPre)
	if err != nil {
		b.Fatal(err)
	}
	post, err := e.Compile("bench new.post", benchPost)
	if err != nil {
		b.Fatal(err)
	}
	preEnv, postEnv := benchEnvs()
	ctx := context.Background()

	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchPair(b, pre, post, preEnv(), postEnv(), func(s *Script, env *Env) (*Result, error) {
				return e.Run(ctx, s, env)
			})
		}
	})
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchPair(b, pre, post, preEnv(), postEnv(), func(s *Script, env *Env) (*Result, error) {
				return newVM(e.cfg).exec(ctx, s, env)
			})
		}
	})
}

func benchPair(b *testing.B, pre, post *Script, preEnv, postEnv *Env, run func(*Script, *Env) (*Result, error)) {
	if _, err := run(pre, preEnv); err != nil {
		b.Fatal(err)
	}
	if len(preEnv.Request.Fields) != 7 || len(preEnv.Request.Headers) != 2 {
		b.Fatalf("pre left the request %#v", preEnv.Request)
	}
	res, err := run(post, postEnv)
	if err != nil {
		b.Fatal(err)
	}
	if res.Return != int64(84921) || *res.Edit.Ext != "84921" {
		b.Fatalf("post returned %#v", res)
	}
}
