package scripting_test

import (
	"context"
	"fmt"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/scripting"
)

// A processing script for new leads, run on three answers of a CRM. What
// its return value does to the lead is the dispatcher's to read (SPEC §3,
// dispatcher.Classify).
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
		if res.Edit != nil {
			fmt.Printf("returned %s (lead.edit set exto %s)\n", scripting.FormatValue(res.Return), *res.Edit.Ext)
			continue
		}
		fmt.Printf("returned %s\n", scripting.FormatValue(res.Return))
	}
	// Output:
	// returned 84921 (lead.edit set exto 84921)
	// returned -7
	// returned false
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
