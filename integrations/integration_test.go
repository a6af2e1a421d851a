package integrations

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/mode"
)

// specDoc is the document of SPEC §2, with Lua in place of the ellipses.
const specDoc = `{
  "id": 7,
  "name": "salesrender-uk",
  "enabled": true,
  "offers": [1, 2],
  "countries": ["gb"],
  "concurrency": 16,
  "secrets": {"token": "tk-123"},
  "status_map": {"1": "processing", "3": "packaging", "4": "cancel", "accepted": "packaging"},
  "retry": {"max_attempts": 1440},
  "new":      {"enabled": true, "url": "https://crm.example/leads", "method": "POST", "format": "json",
               "headers": "Authorization: {secret:token}", "fields": "phone {phone}\nname {fname}",
               "pre": "-- Lua", "post": "return true", "timeout": "30s"},
  "changes":  {"enabled": false, "url": "https://crm.example/leads/{ext}", "method": "PATCH"},
  "approved": {"enabled": true, "url": "https://fulfil.example/orders", "from_status": "packaging"},
  "sync":     {"enabled": true, "url": "https://crm.example/sync", "timeout": "10s"},
  "postback": {"enabled": true, "url": "https://tracker.example/pb?c={click_id}&s={status}", "method": "GET", "statuses": ["packaging", "cancel"]},
  "postback_labels": {"wait": "pending", "approve": "accepted", "cancel": "rejected", "trash": "rejected"},
  "hook": "return {lead_id = 1}"
}`

func TestParseSpecDocument(t *testing.T) {
	t.Parallel()
	i, err := Parse([]byte(specDoc))
	if err != nil {
		t.Fatal(err)
	}
	if err := i.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if i.ID != 7 || i.Name != "salesrender-uk" || !i.Enabled || i.MaxAttempts() != 1440 ||
		i.New.Timeout != Duration(30*time.Second) || i.Approved.FromStatus != "packaging" ||
		len(i.Postback.Statuses) != 2 || i.StatusMap["accepted"] != "packaging" {
		t.Errorf("parsed: %+v", i)
	}
	out, err := json.Marshal(i)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal): %v\n%s", err, out)
	}
	if diff := cmp.Diff(i, again); diff != "" {
		t.Errorf("round trip (-first +second):\n%s", diff)
	}
}

func TestParseIsStrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc   string
		field string
	}{
		{`{"name":"x","new":{"timeout":"soon"}}`, "new.timeout"},
		{`{"name":"x","new":{"timeout":30}}`, "new.timeout"},
		{`{"name":"x","approved":{"from_status":1.5}}`, "approved.from_status"},
		{`{"name":"x","postback":{"statuses":[true]}}`, "postback.statuses"},
		{`{"name":"x","status_map":{"1":[6]}}`, "status_map"},
		{`{"name":"x","colour":1}`, "colour"},
		{`{"name":"x","new":{"urll":"https://a"}}`, "new.urll"},
		{`{"name":"x","new":{"URL":"https://a"}}`, "new.URL"},
		{`{"name":"x","retry":{"max":3}}`, "retry.max"},
		{`{"name":"x","postback":{"enabled":true,"statuses":[],"label":"x"}}`, "postback.label"},
		{`{"name":"x","concurrency":"many"}`, "concurrency"},
		{`{"name":"x","offers":["a"]}`, "offers"},
		{`{"name":"x","new":{"enabled":"yes"}}`, "new.enabled"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field {
			t.Errorf("Parse(%s) = %v, want an error naming %s", tt.doc, err, tt.field)
		}
	}
	for _, bad := range []string{`{`, `{} {}`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s): no error", bad)
		}
	}
}

// TestTypeErrorsReadWell: a value of the wrong type is explained in a
// sentence that reads right.
func TestTypeErrorsReadWell(t *testing.T) {
	t.Parallel()
	tests := []struct{ doc, want string }{
		{`{"name":"x","concurrency":"many"}`, "concurrency: a JSON string cannot be an int"},
		{`{"name":"x","name":1}`, "name: a JSON number cannot be a string"},
		{`{"name":"x","new":{"timeout":30}}`, `new.timeout: a timeout is a duration such as "30s", not 30`},
		{`{"name":"x","approved":{"from_status":-2}}`, `approved.from_status: a status is a name or an id, such as "packaging" or 6, not -2`},
	}
	for _, tt := range tests {
		if _, err := Parse([]byte(tt.doc)); err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%s) = %v, want %s", tt.doc, err, tt.want)
		}
	}
}

// TestStatusIdsAsNumbers: from_status, statuses and status_map take a status
// id as a JSON number as well as a string (SPEC §1).
func TestStatusIdsAsNumbers(t *testing.T) {
	t.Parallel()
	i, err := Parse([]byte(`{"name":"x","status_map":{"accepted":6,"1":"processing"},
		"approved":{"enabled":true,"url":"https://a.example","from_status":6},
		"postback":{"enabled":true,"url":"https://t.example","statuses":[6,"cancel"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if i.Approved.FromStatus != "6" || !slices.Equal(i.Postback.Statuses, []string{"6", "cancel"}) || i.StatusMap["accepted"] != "6" {
		t.Errorf("from_status %q, statuses %q, status_map %v", i.Approved.FromStatus, i.Postback.Statuses, i.StatusMap)
	}
	if err := i.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	zero := 0
	i := &Integration{
		Name:     "x",
		New:      &Mode{},
		Sync:     &Mode{},
		Postback: &Mode{Method: "get"},
		Changes:  &Mode{Method: "PUT", Format: "json", Timeout: Duration(5 * time.Second)},
	}
	d := i.WithDefaults()
	if d.Concurrency != 16 || *d.Retry.MaxAttempts != 1440 {
		t.Errorf("integration defaults: concurrency %d, max_attempts %d", d.Concurrency, *d.Retry.MaxAttempts)
	}
	want := map[mode.Mode][3]string{
		mode.New:      {"POST", "form", "30s"},
		mode.Sync:     {"POST", "form", "10s"},
		mode.Postback: {"GET", "query", "30s"},
		mode.Changes:  {"PUT", "json", "5s"},
	}
	for name, w := range want {
		m := d.Mode(name)
		if got := [3]string{m.Method, m.Format, time.Duration(m.Timeout).String()}; got != w {
			t.Errorf("%s defaults: %v, want %v", name, got, w)
		}
	}
	if i.New.Method != "" || i.Concurrency != 0 {
		t.Error("WithDefaults changed its receiver")
	}
	i.Retry.MaxAttempts = &zero
	if i.MaxAttempts() != 0 {
		t.Error("max_attempts 0 (no limit) read as the default")
	}
	if i.Mode("bogus") != nil || d.Mode(mode.Approved) != nil {
		t.Error("Mode of a missing mode is not nil")
	}
	if got := Modes(); !cmp.Equal(got, []mode.Mode{"new", "changes", "approved", "sync", "postback", "check"}) {
		t.Errorf("Modes() = %v", got)
	}
}

func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	i, err := Parse([]byte(specDoc))
	if err != nil {
		t.Fatal(err)
	}
	c := i.Clone()
	c.Secrets["token"] = "changed"
	c.Offers[0] = 99
	c.New.URL = "changed"
	c.Postback.Statuses[0] = "changed"
	*c.Retry.MaxAttempts = 1
	if i.Secrets["token"] != "tk-123" || i.Offers[0] != 1 || i.New.URL == "changed" ||
		i.Postback.Statuses[0] != "packaging" || i.MaxAttempts() != 1440 {
		t.Error("changing the clone changed the original")
	}
}
