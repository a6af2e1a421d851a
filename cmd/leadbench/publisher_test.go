package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLeadBodyReadsAsTheLead decodes both encodings of a lead as the
// intake does and checks every field.
func TestLeadBodyReadsAsTheLead(t *testing.T) {
	t.Parallel()
	want := map[string]string{"alias": intakeCampaign, "name": "Load Test 300003", "phone": "447700900003",
		"email": "load300003@example.com", "country": "gb", "click_id": "clk300003", "sub1": "adset_29384",
		"utm_source": "facebook", "landing_variant": "b"}
	for _, form := range []bool{true, false} {
		body, contentType := leadBody(300003, form)
		got := map[string]string{}
		if form {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
			r.Header.Set("Content-Type", contentType)
			if err := r.ParseForm(); err != nil {
				t.Fatal(err)
			}
			for k := range r.PostForm {
				got[k] = r.PostForm.Get(k)
			}
		} else if err := json.Unmarshal(body, &got); err != nil || contentType != "application/json" {
			t.Fatalf("%s %s: %v", contentType, body, err)
		}
		if len(got) != len(want) {
			t.Errorf("form=%v: read %v, want %v", form, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("form=%v: %s = %q, want %q", form, k, got[k], v)
			}
		}
	}
}
