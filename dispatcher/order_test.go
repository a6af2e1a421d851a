package dispatcher

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// TestOrderRowIsTheLeadsJSON: o holds every field of the lead's JSON form
// under its JSON name (numbers as numbers, times as RFC 3339 text, an absent
// meta as nil), without files, plus the platform's names.
func TestOrderRowIsTheLeadsJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 21, 12, 0, 0, 123456789, time.UTC)
	tests := map[string]*lead.Lead{
		"full": {ID: 42, Status: lead.New, Reason: 7, Comment: "call after 6", OfferID: 3, WM: 12, Ext: "E-1",
			Name: "Ann", Phone: "447123456789", Country: "gb", Mobile: true, Price: 49.5, Count: 2,
			Items: lead.Items{17: {Qty: 1, Price: 49, Cost: 12.5}}, Meta: map[string]string{"color": "red"},
			Files:     map[string]lead.File{"doc": {Name: "a.txt", Data: []byte("x")}},
			CreatedAt: at, UpdatedAt: at, LastMessage: "retry", IntegrationID: 7, Attempts: 3},
		"empty": {ID: 1, Status: lead.New},
	}
	for name, l := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			row := orderRow{l}
			all := map[string]any{}
			row.Each(func(name string, value any) { all[name] = value })
			want := viaJSON(t, l)
			if diff := cmp.Diff(want, viaJSON(t, all)); diff != "" {
				t.Errorf("o's fields (-want +got):\n%s", diff)
			}
			for name := range want {
				if diff := cmp.Diff(all[name], row.Field(name)); diff != "" {
					t.Errorf("o.%s (-from Each +from Field):\n%s", name, diff)
				}
			}
			if got := row.Field("no_such_field"); got != nil {
				t.Errorf("o.no_such_field = %#v, want nil", got)
			}
		})
	}
}

// viaJSON is v's JSON form read back, so int64 and float64 compare as the
// numbers they are; for a lead it adds what orderRow adds.
func viaJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	l, ok := v.(*lead.Lead)
	if !ok {
		return out
	}
	items := "{}"
	if l.Items != nil {
		b, _ := json.Marshal(l.Items)
		items = string(b)
	}
	delete(out, "files")
	for k, v := range map[string]any{"status": float64(l.Status), "items": items, "order_id": float64(l.ID),
		"order_status": float64(l.Status), "order_reason": float64(l.Reason), "order_country": l.Country,
		"offer_id": float64(l.OfferID), "order_items": items, "ext_oid": l.Ext} {
		out[k] = v
	}
	return out
}
