package scripting_test

import (
	"context"
	"fmt"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/scripting"
)

// A processing script for new leads, run on three answers of a CRM and read
// by the rules of SPEC §3.
func Example() {
	engine := scripting.NewEngine(scripting.Config{})
	post, err := engine.Compile("integration 7 new.post", `
local r = json.decode(result)
if not r then return false end
if r.status == "ok" then
  lead.edit(o.order_id, {exto = r.id})
  return r.id
end
if r.error == "double" then return -7 end
return false`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, body := range []string{
		`{"status":"ok","id":84921}`,
		`{"status":"error","error":"double"}`,
		`<html>502 Bad Gateway</html>`,
	} {
		res, err := engine.Run(context.Background(), post, &scripting.Env{
			Mode:   mode.New,
			Order:  scripting.Fields{"order_id": 1024},
			LeadID: 1024,
			Result: body,
		})
		if err != nil {
			fmt.Println(err)
			continue
		}
		verdict := scripting.Classify(mode.New, res.Return)
		switch verdict.Kind {
		case scripting.KindAccept:
			fmt.Printf("%s: processing, ext %s (lead.edit set %s)\n", verdict.Kind, verdict.Ext, *res.Edit.Ext)
		case scripting.KindReject:
			fmt.Printf("%s: cancel, reason %d\n", verdict.Kind, verdict.Reason)
		default:
			fmt.Printf("%s: send again in a minute\n", verdict.Kind)
		}
	}
	// Output:
	// accept: processing, ext 84921 (lead.edit set 84921)
	// reject: cancel, reason 7
	// retry: send again in a minute
}

// A script that fails reports its name, line and message.
func ExampleError() {
	engine := scripting.NewEngine(scripting.Config{})
	post, _ := engine.Compile("integration 7 new.post", "local r = json.decode(result)\nreturn r.id")
	_, err := engine.Run(context.Background(), post, &scripting.Env{Result: "not json"})
	fmt.Println(err)
	// Output:
	// integration 7 new.post:2: attempt to index a non-table object(nil) with key 'id'
}

// The return values of a synchronous send.
func ExampleClassify() {
	for _, v := range []any{"https://crm.example/login?token=x", int64(84921), "id:A-17", "-12", "Phone number is invalid", nil} {
		verdict := scripting.Classify(mode.Sync, v)
		fmt.Printf("%-8s %q %q %d %q\n", verdict.Kind, verdict.URL, verdict.Ext, verdict.Reason, verdict.Message)
	}
	// Output:
	// redirect "https://crm.example/login?token=x" "" 0 ""
	// accept   "" "84921" 0 ""
	// accept   "" "A-17" 0 ""
	// reject   "" "" 12 ""
	// message  "" "" 0 "Phone number is invalid"
	// retry    "" "" 0 ""
}
