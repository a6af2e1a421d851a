package integrations

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// received is a request as the server read it.
type received struct {
	Method, URI, ContentType, UserAgent, Auth, Host string
	Body                                            string
}

// recorder is a fake CRM that keeps the last request and answers 200 "ok".
func recorder(t *testing.T) (*httptest.Server, func() received) {
	t.Helper()
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{Method: r.Method, URI: r.RequestURI, ContentType: r.Header.Get("Content-Type"),
			UserAgent: r.Header.Get("User-Agent"), Auth: r.Header.Get("Authorization"), Host: r.Host, Body: string(body)}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, func() received { return <-got }
}

// send encodes req in format, sends it to srv with a fresh client and
// checks that the body the log keeps is the body the server got.
func send(t *testing.T, srv *httptest.Server, req *wire.Request, format string, files map[string]lead.File, last func() received) received {
	t.Helper()
	req.URL = srv.URL + req.URL
	hreq, body, err := NewHTTPRequest(context.Background(), req, format, files)
	if err != nil {
		t.Fatalf("NewHTTPRequest: %v", err)
	}
	resp, truncated, err := NewClient(ClientOptions{Version: "1.2.3"}).Do(context.Background(), hreq, 0)
	if err != nil || resp.Code != 200 || resp.Body != "ok" || truncated {
		t.Fatalf("Do: %+v, %v, %v", resp, truncated, err)
	}
	got := last()
	if got.Body != string(body) {
		t.Errorf("the body for the log %q is not the body sent %q", body, got.Body)
	}
	return got
}

// scriptFields are fields as a pre script may leave them: nested tables,
// numbers, booleans, nil.
func scriptFields() []wire.Field {
	return []wire.Field{
		{Name: "name", Value: "Zoë & Co = \"best\" #1"},
		{Name: "a[b]", Value: "x"},
		{Name: "items", Value: []any{
			map[string]any{"id": "A-17", "qty": int64(2), "price": 49.5},
			map[string]any{"id": "B-2", "qty": int64(1), "price": float64(49)},
		}},
		{Name: "vip", Value: true},
		{Name: "none", Value: nil},
		{Name: "big", Value: float64(84921000000)},
	}
}

func TestWireFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		req    wire.Request
		want   received
	}{
		{"form", FormatForm, wire.Request{Method: "POST", URL: "/add?x=1", Fields: scriptFields(),
			Headers: []wire.Field{{Name: "Authorization", Value: "Bearer t\r\nX-Injected: 1"}}},
			received{Method: "POST", URI: "/add?x=1", ContentType: "application/x-www-form-urlencoded", UserAgent: "leadrelay/1.2.3", Auth: "Bearer tX-Injected: 1",
				Body: "name=Zo%C3%AB+%26+Co+%3D+%22best%22+%231&a%5Bb%5D=x&items%5B0%5D%5Bid%5D=A-17&items%5B0%5D%5Bprice%5D=49.5&items%5B0%5D%5Bqty%5D=2" +
					"&items%5B1%5D%5Bid%5D=B-2&items%5B1%5D%5Bprice%5D=49&items%5B1%5D%5Bqty%5D=1&vip=1&big=84921000000"}},
		{"json nested", FormatJSON, wire.Request{Method: "PUT", URL: "/leads/7", Fields: []wire.Field{
			{Name: "phone", Value: "447123456789"},
			{Name: "client[name]", Value: "<Іван>"},
			{Name: "client[address][city]", Value: "Київ"},
			{Name: "tags[]", Value: "a"},
			{Name: "tags[]", Value: "b"},
			{Name: "cart[0][id]", Value: "17"},
			{Name: "cart[0][qty]", Value: int64(2)},
			{Name: "cart[1][id]", Value: "18"},
			{Name: "price", Value: 49.5},
			{Name: "meta", Value: map[string]any{"z": 1.0, "a": []any{"x", nil}}},
			{Name: "odd]name[", Value: "literal"},
			{Name: "phone", Value: "replaced"},
		}},
			received{Method: "PUT", URI: "/leads/7", ContentType: "application/json", UserAgent: "leadrelay/1.2.3",
				Body: `{"phone":"replaced","client":{"name":"<Іван>","address":{"city":"Київ"}},"tags":["a","b"],` +
					`"cart":[{"id":"17","qty":2},{"id":"18"}],"price":49.5,"meta":{"a":["x",null],"z":1},"odd]name[":"literal"}`}},
		{"json empty", FormatJSON, wire.Request{Method: "POST", URL: "/"},
			received{Method: "POST", URI: "/", ContentType: "application/json", UserAgent: "leadrelay/1.2.3", Body: `{}`}},
		{"json string from pre", FormatJSON, wire.Request{Method: "POST", URL: "/gql", IsRaw: true, Raw: `{"query":"{ x }"}`,
			Headers: []wire.Field{{Name: "Content-Type", Value: "application/graphql+json"}}},
			received{Method: "POST", URI: "/gql", ContentType: "application/graphql+json", UserAgent: "leadrelay/1.2.3", Body: `{"query":"{ x }"}`}},
		{"query after a query", FormatQuery, wire.Request{Method: "GET", URL: "/pb?key=k#frag", Fields: []wire.Field{
			{Name: "clickid", Value: "abc 1&2"}, {Name: "status", Value: "accepted"}, {Name: "amount", Value: "12.50"}}},
			received{Method: "GET", URI: "/pb?key=k&clickid=abc+1%262&status=accepted&amount=12.50", UserAgent: "leadrelay/1.2.3"}},
		{"query without a query", FormatQuery, wire.Request{Method: "GET", URL: "/pb", Fields: []wire.Field{{Name: "a", Value: "1"}},
			Headers: []wire.Field{{Name: "User-Agent", Value: "Mine/1"}, {Name: "Host", Value: "crm.example"}}},
			received{Method: "GET", URI: "/pb?a=1", UserAgent: "Mine/1", Host: "crm.example"}},
		{"raw json", FormatRaw, wire.Request{Method: "POST", URL: "/raw", IsRaw: true, Raw: ` {"a":1}`},
			received{Method: "POST", URI: "/raw", ContentType: "application/json", UserAgent: "leadrelay/1.2.3", Body: ` {"a":1}`}},
		{"raw xml", FormatRaw, wire.Request{Method: "POST", URL: "/raw", IsRaw: true, Raw: `<lead/>`},
			received{Method: "POST", URI: "/raw", ContentType: "application/xml", UserAgent: "leadrelay/1.2.3", Body: `<lead/>`}},
		{"raw text", FormatRaw, wire.Request{Method: "delete", URL: "/raw", IsRaw: true, Raw: "id=5"},
			received{Method: "DELETE", URI: "/raw", ContentType: "text/plain; charset=utf-8", UserAgent: "leadrelay/1.2.3", Body: "id=5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, last := recorder(t)
			if tt.want.Host == "" {
				tt.want.Host = strings.TrimPrefix(srv.URL, "http://")
			}
			got := send(t, srv, &tt.req, tt.format, nil, last)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request on the wire (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWireMultipartWithFile(t *testing.T) {
	t.Parallel()
	c := compileDoc(t, `{"name":"m","new":{"enabled":true,"url":"https://x.example","format":"multipart",
		"headers":"Content-Type: multipart/form-data",
		"fields":"name {fname}\nscan {file:passport}\nlabel Scan: {file:passport}\nnone {file:missing}"}}`)
	d := &macros.Data{Lead: &lead.Lead{Name: "Олена", Last: "\"Q\"",
		Files: map[string]lead.File{"passport": {Name: "pass \"port\".jpg", ContentType: "image/jpeg", Data: []byte{0xff, 0xd8, 0, 1, '\r', '\n'}}}}}
	cm := c.Mode(mode.New)
	req := cm.Build(d)
	req.Fields = append(req.Fields, wire.Field{Name: "items", Value: []any{int64(17), "x"}})
	req.URL = "/upload"
	srv, last := recorder(t)
	got := send(t, srv, req, cm.Format, cm.Files(d), last)

	mediaType, params, err := mime.ParseMediaType(got.ContentType)
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q: %v", got.ContentType, err)
	}
	type part struct{ Name, FileName, ContentType, Data string }
	var parts []part
	mr := multipart.NewReader(strings.NewReader(got.Body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(p)
		parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(data)})
	}
	want := []part{
		{"name", "", "", `Олена "Q"`},
		{"scan", `pass "port".jpg`, "image/jpeg", "\xff\xd8\x00\x01\r\n"},
		{"label", "", "", "Scan: pass \"port\".jpg"},
		{"none", "", "", ""},
		{"items[0]", "", "", "17"},
		{"items[1]", "", "", "x"},
	}
	if diff := cmp.Diff(want, parts); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
}

func TestNewHTTPRequestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		req    wire.Request
		format string
	}{
		{"raw without a string", wire.Request{URL: "https://x.example", Fields: []wire.Field{{Name: "a", Value: "1"}}}, FormatRaw},
		{"string in multipart", wire.Request{URL: "https://x.example", IsRaw: true, Raw: "x"}, FormatMultipart},
		{"string in query", wire.Request{URL: "https://x.example", IsRaw: true, Raw: "x"}, FormatQuery},
		{"unknown format", wire.Request{URL: "https://x.example"}, "xml"},
		{"relative URL", wire.Request{URL: "/add"}, FormatForm},
		{"no URL", wire.Request{}, FormatForm},
		{"ftp URL", wire.Request{URL: "ftp://x.example/a"}, FormatForm},
		{"bad URL", wire.Request{URL: "https://x.example/%zz"}, FormatForm},
		{"bad method", wire.Request{URL: "https://x.example/", Method: "BAD METHOD"}, FormatForm},
		{"bad header name", wire.Request{URL: "https://x.example/", Headers: []wire.Field{{Name: "X Bad", Value: "1"}}}, FormatForm},
	}
	for _, tt := range tests {
		if _, _, err := NewHTTPRequest(context.Background(), &tt.req, tt.format, nil); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	hreq, body, err := NewHTTPRequest(context.Background(), &wire.Request{URL: "https://x.example/"}, FormatForm, nil)
	if err != nil || hreq.Method != "POST" || !bytes.Equal(body, []byte{}) {
		t.Errorf("empty method: %v %v %q", hreq.Method, err, body)
	}
}
