package integrations

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// fieldsOf lists the fields of the ValidationErrors in err.
func fieldsOf(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var ve *ValidationError
		if errors.As(err, &ve) {
			out = append(out, ve.Field)
		}
	}
	walk(err)
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	minus := -1
	valid := func() *Integration {
		return &Integration{Name: "crm", Offers: []int64{1},
			New: &Mode{Enabled: true, URL: "https://crm.example/add", Fields: "phone {phone}"}}
	}
	tests := []struct {
		name   string
		edit   func(i *Integration)
		fields []string // want exactly these, in order
	}{
		{"valid", func(i *Integration) {}, nil},
		{"stub", func(i *Integration) { i.New.URL, i.New.Fields = "", "" }, nil},
		{"no name", func(i *Integration) { i.Name = " " }, []string{"name"}},
		{"negative id", func(i *Integration) { i.ID = -3 }, []string{"id"}},
		{"offer zero", func(i *Integration) { i.Offers = []int64{1, 0} }, []string{"offers[1]"}},
		{"countries", func(i *Integration) { i.Countries = []string{"gb", "GB", "gbr", ""} }, []string{"countries[1]", "countries[2]", "countries[3]"}},
		{"countries not assigned", func(i *Integration) { i.Countries = []string{"uk", "de", "zz"} }, []string{"countries[0]", "countries[2]"}},
		{"negative concurrency", func(i *Integration) { i.Concurrency = -1 }, []string{"concurrency"}},
		{"negative max_attempts", func(i *Integration) { i.Retry.MaxAttempts = &minus }, []string{"retry.max_attempts"}},
		{"secret names", func(i *Integration) { i.Secrets = map[string]string{"a b": "x", "ok": "y"} }, []string{"secrets.a b"}},
		{"redacted secret without a stored one", func(i *Integration) { i.Secrets = map[string]string{"token": "***"} }, []string{"secrets.token"}},
		{"status_map", func(i *Integration) {
			i.StatusMap = map[string]string{"1": "processing", "2": "7", "3": "shipped", "4": "13"}
		}, []string{"status_map.3", "status_map.4"}},
		{"postback_labels", func(i *Integration) {
			i.PostbackLabels = map[string]string{"approve": "a", "paid": "b", "won": "c"}
		}, []string{"postback_labels.won"}},
		{"idempotency header", func(i *Integration) { i.IdempotencyHeader = "Idempotency Key" }, []string{"idempotency_header"}},
		{"on_uncertain retry", func(i *Integration) { i.OnUncertain = "retry" }, nil},
		{"on_uncertain hold", func(i *Integration) { i.OnUncertain = "hold" }, nil},
		{"on_uncertain check", func(i *Integration) {
			i.OnUncertain = "check"
			i.Check = &Mode{Enabled: true, URL: "https://crm.example/find?id={id}", Method: "GET"}
		}, nil},
		{"on_uncertain check without a check mode", func(i *Integration) { i.OnUncertain = "check" }, []string{"on_uncertain"}},
		{"on_uncertain check with the check mode off", func(i *Integration) {
			i.OnUncertain = "check"
			i.Check = &Mode{URL: "https://crm.example/find"}
		}, []string{"on_uncertain"}},
		{"on_uncertain unknown", func(i *Integration) { i.OnUncertain = "ask" }, []string{"on_uncertain"}},
		{"check without a URL", func(i *Integration) { i.Check = &Mode{Enabled: true} }, []string{"check.url"}},
		{"method", func(i *Integration) { i.New.Method = "FETCH" }, []string{"new.method"}},
		{"method lower case is fine", func(i *Integration) { i.New.Method = "put" }, nil},
		{"format", func(i *Integration) { i.New.Format = "xml" }, []string{"new.format"}},
		{"raw without pre", func(i *Integration) { i.New.Format = "raw" }, []string{"new.format"}},
		{"raw with pre", func(i *Integration) { i.New.Format, i.New.Pre = "raw", "post = 'x'" }, nil},
		{"GET with a body", func(i *Integration) { i.New.Method, i.New.Format = "GET", "json" }, []string{"new.format"}},
		{"GET query", func(i *Integration) { i.New.Method = "GET" }, nil},
		{"negative timeout", func(i *Integration) { i.New.Timeout = Duration(-time.Second) }, []string{"new.timeout"}},
		{"long timeout", func(i *Integration) { i.New.Timeout = Duration(time.Hour) }, []string{"new.timeout"}},
		{"approved without from_status", func(i *Integration) { i.Approved = &Mode{Enabled: true, URL: "https://x.example"} }, []string{"approved.from_status"}},
		{"approved bad from_status", func(i *Integration) {
			i.Approved = &Mode{Enabled: true, URL: "https://x.example", FromStatus: "shipped"}
		}, []string{"approved.from_status"}},
		{"approved from_status id", func(i *Integration) { i.Approved = &Mode{Enabled: true, URL: "https://x.example", FromStatus: "6"} }, nil},
		{"from_status elsewhere", func(i *Integration) { i.New.FromStatus = "packaging" }, []string{"new.from_status"}},
		{"statuses", func(i *Integration) {
			i.Postback = &Mode{Enabled: true, URL: "https://t.example", Statuses: []string{"cancel", "9", "won"}}
		}, []string{"postback.statuses[2]"}},
		{"statuses elsewhere", func(i *Integration) { i.New.Statuses = []string{"cancel"} }, []string{"new.statuses"}},
		{"url scheme", func(i *Integration) { i.New.URL = "ftp://x" }, []string{"new.url"}},
		{"url from a macro", func(i *Integration) { i.New.URL = "{ofp:url}" }, nil},
		{"url bad macro", func(i *Integration) { i.New.URL = "https://x.example/{ofp}" }, []string{"new.url"}},
		{"enabled mode without url", func(i *Integration) { i.Sync = &Mode{Enabled: true} }, []string{"sync.url"}},
		{"disabled mode without url", func(i *Integration) { i.Sync = &Mode{} }, nil},
		{"mode url from pre", func(i *Integration) { i.Sync = &Mode{Enabled: true, Pre: "url = 'https://x'"} }, nil},
		{"new fields without url", func(i *Integration) { i.New.URL = "" }, []string{"new.url"}},
		{"header lines", func(i *Integration) {
			i.New.Headers = "X-Ok: 1\n\n# note\nno colon here\nBad Name: 2\nX-Meta: {meta}"
		}, []string{"new.headers line 4", "new.headers line 5", "new.headers line 6"}},
		{"field lines", func(i *Integration) { i.New.Fields = "a {id}\n# {ofp}\nb {offer:price}\nc\n\nd {secret}" }, []string{"new.fields line 3", "new.fields line 6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			i := valid()
			tt.edit(i)
			err := i.Validate()
			if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %q, want %q; error: %v", got, tt.fields, err)
			}
			for _, f := range tt.fields {
				if !strings.Contains(err.Error(), f+": ") {
					t.Errorf("error text %q does not name %s", err, f)
				}
			}
		})
	}
}
