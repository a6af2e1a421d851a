package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// fuzzContentTypes are the bodies' types the fuzzer picks from.
var fuzzContentTypes = []string{
	"application/json", "application/x-www-form-urlencoded", "text/plain", "",
	"multipart/form-data; boundary=XyZ", "application/merge-patch+json", "application/xml",
}

// FuzzIntakeDecoding: whatever a landing page or a publisher sends to the
// intake (POST /api/v1/leads, /api.php), as JSON, a form or anything else,
// reading it into a lead never panics, and a refusal is never a 5xx.
func FuzzIntakeDecoding(f *testing.F) {
	for _, seed := range []struct {
		kind  uint8
		query string
		body  string
	}{
		{0, "", `{"alias":"fz","phone":"447123456789","name":"Ann","items":{"17":[1,49,12.5]},"meta":{"a":"b"},"sync":1}`},
		{0x80, "", `{"alias":"fz","cwm":1e400,"ext":["x"],"status":"cancel","reason":-3,"items":{"x":[]}}`},
		{1, "", "alias=fz&phone=%2B44+7123&items=%7B%2217%22%3A%5B1%5D%7D&meta=%7B%7D&country=GB"},
		{0x81, "action=receive", "alias=fzk&key=k&price=1e9&count=-1&email=A@B&status=99&reason=x"},
		{2, "", `{"alias":"fz"}{"more":1}`},
		{3, "alias=fz&phone=1", ""},
		{4, "", "--XyZ\r\nContent-Disposition: form-data; name=\"alias\"\r\n\r\nfz\r\n--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.pdf\"\r\n\r\n%PDF\r\n--XyZ--\r\n"},
		{5, "", `{"alias":"fz","phone":"\u0000\ud800","sync":"maybe"}`},
	} {
		f.Add(seed.kind, seed.query, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, kind uint8, query string, body []byte) {
		r, err := http.NewRequest(http.MethodPost, "/api/v1/leads?"+query, bytes.NewReader(body))
		if err != nil {
			r = httptest.NewRequest(http.MethodPost, "/api/v1/leads", bytes.NewReader(body))
		}
		if ct := fuzzContentTypes[int(kind&0x7f)%len(fuzzContentTypes)]; ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		r.Body = http.MaxBytesReader(nil, r.Body, MaxBodyBytes)
		trust := intakeTrust{fields: kind&0x80 != 0}
		if err := decodeIntake(r, trust); err != nil {
			if e := asError(err); e.HTTPStatus >= 500 {
				t.Fatalf("POST %s (%s) %q: %d %v", r.URL, r.Header.Get("Content-Type"), body, e.HTTPStatus, err)
			}
		}
	})
}

// decodeIntake reads a request as the intake does, up to the campaign's
// lookup: its values, alias, key and sync, the lead and its columns.
func decodeIntake(r *http.Request, trust intakeTrust) error {
	in, err := readInput(r)
	if err != nil {
		return err
	}
	in.raw()
	for _, k := range []string{"action", "alias", "key"} {
		if _, err := in.take(k); err != nil {
			return err
		}
	}
	syncText, err := in.take("sync")
	if err != nil {
		return err
	}
	if _, err := asBool("sync", syncText); err != nil {
		return err
	}
	l, err := buildLead(in, trust)
	if err != nil {
		return err
	}
	return checkColumns(l)
}
