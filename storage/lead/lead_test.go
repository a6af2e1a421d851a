package lead

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

// TestItemsJSONMatchesEncodingJSON checks the hand-written encoding against
// encoding/json's for the same map with plain arrays.
func TestItemsJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	floats := []float64{0, 1, -1, 49, 12.5, 0.1, 1e-7, -2.5e-9, 123456789, 1e20, 1e21, 3.4e38, math.SmallestNonzeroFloat64, math.MaxFloat64}
	for _, items := range []Items{nil, {}, {17: {Qty: 1, Price: 49, Cost: 12.5}}} {
		check(t, items)
	}
	items := Items{}
	for i, f := range floats {
		items[int64(i*7-20)] = Item{Qty: f, Price: -f, Cost: f / 3}
	}
	check(t, items)
	if _, err := json.Marshal(Items{1: {Qty: math.NaN()}}); err == nil {
		t.Error("NaN was encoded; want an error")
	}
}

func check(t *testing.T, items Items) {
	t.Helper()
	var plain map[string][3]float64
	if items != nil {
		plain = map[string][3]float64{}
		for id, it := range items {
			plain[strconv.FormatInt(id, 10)] = [3]float64{it.Qty, it.Price, it.Cost}
		}
	}
	want, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var back Items
	if err := json.Unmarshal(got, &back); err != nil || len(back) != len(items) {
		t.Errorf("reading %s back: %v, %d items", got, err, len(back))
	}
}
