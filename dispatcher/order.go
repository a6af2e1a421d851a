package dispatcher

import (
	"cmp"
	"encoding/json"
	"slices"

	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// orderRow is the global o: every stored field of the lead by its column
// name, plus the platform's names for the ones its scripts use (order_id,
// order_status, order_reason, order_country, offer_id, order_items as JSON
// text, ext_oid).
func orderRow(l *lead.Lead) map[string]any {
	row := map[string]any{}
	if b, err := json.Marshal(l); err == nil {
		_ = json.Unmarshal(b, &row)
	}
	items, _ := json.Marshal(l.Items)
	if l.Items == nil {
		items = []byte("{}")
	}
	row["status"] = int64(l.Status)
	row["items"] = string(items)
	delete(row, "files")
	for k, v := range map[string]any{
		"order_id":      l.ID,
		"order_status":  int64(l.Status),
		"order_reason":  int64(l.Reason),
		"order_country": l.Country,
		"offer_id":      l.OfferID,
		"order_items":   string(items),
		"ext_oid":       l.Ext,
	} {
		row[k] = v
	}
	return row
}

func sortItems(items []scripting.Item) {
	slices.SortFunc(items, func(a, b scripting.Item) int { return cmp.Compare(a.ID, b.ID) })
}
