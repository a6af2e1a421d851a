package dispatcher_test

import (
	"fmt"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/integrations/mode"
)

// The return values of a synchronous send.
func ExampleClassify() {
	for _, v := range []any{"https://crm.example/login?token=x", int64(84921), "id:A-17", "-12", "Phone number is invalid", nil} {
		verdict := dispatcher.Classify(mode.Sync, v)
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
