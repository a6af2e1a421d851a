package democrm_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/examples/democrm"
)

func do(crm *democrm.CRM, method, target, body string) (int, string) {
	rec := httptest.NewRecorder()
	crm.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	return rec.Code, rec.Body.String()
}

// TestAnswers: each example's target answers as the real one, and a word in
// the request picks a failure.
func TestAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target, body string
		code                       int
		answer                     string
	}{
		{"salesrender order", "POST", "/salesrender-crm/companies/1234/CRM", `{"query":"mutation { orderMutation { addOrder(input: {…}) { id } } }"}`, 200, `"addOrder":{"id":84921}`},
		{"salesrender update", "POST", "/salesrender-crm/companies/1234/CRM", `{"query":"mutation { orderMutation { updateOrder(input: { id: 84999 …"}`, 200, `"updateOrder":{"id":84999}`},
		{"salesrender duplicate", "POST", "/salesrender-crm/companies/1234/CRM", `{"query":"… firstName: \"Dup\" …"}`, 200, `Duplicate order`},
		{"tracker", "GET", "/salesrender-crm/pb?clickid=dup-1&status=pending", "", 200, `"ok"`},
		{"cpa lead", "POST", "/salesrender-cpa/companies/1234/CPA", `{"query":"…"}`, 200, `"addLead":{"id":"`},
		{"retrack lead", "POST", "/retrack/api/v2/leads", `{"click":"anna-1"}`, 200, `"uuid":"3afc4a82-93c3-423f-8ee8-`},
		{"retrack update", "POST", "/retrack/api/v2/leads/u-1", `{"status":"approved"}`, 200, `"uuid":"u-1"`},
		{"retrack down", "POST", "/retrack/api/v2/leads", `{"click":"down-14"}`, 500, `internal error`},
		{"addClick", "POST", "/affiliatepro/integration/addClick", `{"click_token":"mia-1"}`, 200, `"click_id":"apc-`},
		{"addClick blocked", "POST", "/affiliatepro/integration/addClick", `{"click_token":"ban-1"}`, 403, `blocked`},
		{"s2sConvert", "POST", "/affiliatepro/integration/s2sConvert", `{"click_id":"apc-1"}`, 200, `"conversion_id":`},
		{"broker", "POST", "/autologin/api/v1/register", `{"first_name":"Max"}`, 200, `"url":"https://login.broker.example/auto?t=`},
		{"broker duplicate", "POST", "/autologin/api/v1/register", `{"first_name":"Dup"}`, 409, `"duplicate"`},
		{"broker message", "POST", "/autologin/api/v1/register", `{"first_name":"Msg"}`, 200, `"message":`},
		{"postback", "GET", "/s2s-postback/p.ashx?r=down-1", "", 200, `"ok"`},
		{"unknown", "GET", "/nowhere/x", "", 404, `no such example`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, body := do(democrm.New(), tt.method, tt.target, tt.body)
			if code != tt.code || !strings.Contains(body, tt.answer) {
				t.Errorf("%s %s: %d %s, want %d with %s", tt.method, tt.target, code, body, tt.code, tt.answer)
			}
		})
	}
}

// TestFlakyAndDown: a flaky request fails the first time only; a down one
// until Recover.
func TestFlakyAndDown(t *testing.T) {
	t.Parallel()
	crm := democrm.New()
	flaky := `{"click":"flaky-3"}`
	if code, _ := do(crm, "POST", "/retrack/api/v2/leads", flaky); code != http.StatusBadGateway {
		t.Errorf("flaky, first time: %d, want 502", code)
	}
	if code, _ := do(crm, "POST", "/retrack/api/v2/leads", flaky); code != http.StatusOK {
		t.Errorf("flaky, second time: %d, want 200", code)
	}
	down := `{"click":"down-4"}`
	for range 2 {
		if code, _ := do(crm, "POST", "/retrack/api/v2/leads", down); code != http.StatusInternalServerError {
			t.Errorf("down: %d, want 500", code)
		}
	}
	crm.Recover()
	if code, _ := do(crm, "POST", "/retrack/api/v2/leads", down); code != http.StatusOK {
		t.Errorf("down after Recover: %d, want 200", code)
	}
}
