package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/leadrelay/leadrelay/integrations/wire"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// NewHTTPRequest encodes req for the wire in format (a mode's effective
// format) and returns the request with the body as sent, for the log:
//
//   - form: application/x-www-form-urlencoded; names as written ("a[b]"
//     stays literal); a nested value a script set is flattened the way PHP's
//     http_build_query does: items[0][id]=…, map keys in sorted order.
//   - json: application/json; names nest: "a[b]" is an object, "a[]" appends
//     to an array, "a[0][id]" indexes one (an index past the end appends);
//     top-level keys keep the order of the fields; a later field replaces an
//     earlier one of the same name; numbers a script set stay numbers.
//   - multipart: multipart/form-data, one part a field (nested values
//     flattened as in form); a field named in files is attached as that file,
//     with its name and content type.
//   - query: the fields (flattened as in form) are appended to the URL's
//     query, after any query it has; no body.
//   - raw: the body is the string the pre script left in post; an error if
//     it left none. Its default Content-Type follows the text: JSON, XML, or
//     plain text.
//
// A string left in post by the pre script is the body in form and json too,
// with the format's Content-Type. The format's Content-Type is sent unless a
// header sets one (multipart always sends its own, which names the boundary).
// Headers are added in order, their values without control characters (a
// script may have set any); a Host header sets the request's host.
func NewHTTPRequest(ctx context.Context, req *wire.Request, format string, files map[string]lead.File) (*http.Request, []byte, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the request URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, nil, fmt.Errorf("the request URL %q is not an http:// or https:// URL", req.URL)
	}
	body, contentType, err := encodeBody(req, format, files)
	if err != nil {
		return nil, nil, err
	}
	if format == FormatQuery {
		u.RawQuery = appendQuery(u.RawQuery, req.Fields)
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = DefaultMethod
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		return nil, nil, fmt.Errorf("making the request: %w", err)
	}
	for _, h := range req.Headers {
		if !isToken(h.Name) {
			return nil, nil, fmt.Errorf("%q is not a header name", h.Name)
		}
		value := macros.InHeader.Escape(scalarText(h.Value))
		if http.CanonicalHeaderKey(h.Name) == "Host" {
			hreq.Host = value
			continue
		}
		hreq.Header.Add(h.Name, value)
	}
	if contentType != "" && (hreq.Header.Get("Content-Type") == "" || format == FormatMultipart) {
		hreq.Header.Set("Content-Type", contentType)
	}
	return hreq, body, nil
}

// encodeBody returns the body and its default Content-Type.
func encodeBody(req *wire.Request, format string, files map[string]lead.File) ([]byte, string, error) {
	switch format {
	case FormatForm:
		if req.IsRaw {
			return []byte(req.Raw), "application/x-www-form-urlencoded", nil
		}
		return []byte(appendQuery("", req.Fields)), "application/x-www-form-urlencoded", nil
	case FormatJSON:
		if req.IsRaw {
			return []byte(req.Raw), "application/json", nil
		}
		b, err := encodeJSON(req.Fields)
		return b, "application/json", err
	case FormatMultipart:
		if req.IsRaw {
			return nil, "", errors.New("the pre script left a string in post, and a multipart body is made of fields")
		}
		return encodeMultipart(req.Fields, files)
	case FormatQuery:
		if req.IsRaw {
			return nil, "", errors.New("the pre script left a string in post, and format query has no body")
		}
		return nil, "", nil
	case FormatRaw:
		if !req.IsRaw {
			return nil, "", errors.New("format raw sends the string the pre script leaves in post, and it left none")
		}
		return []byte(req.Raw), sniffContentType(req.Raw), nil
	}
	return nil, "", fmt.Errorf("unknown format %q", format)
}

func sniffContentType(body string) string {
	switch t := strings.TrimSpace(body); {
	case strings.HasPrefix(t, "{") || strings.HasPrefix(t, "["):
		return "application/json"
	case strings.HasPrefix(t, "<"):
		return "application/xml"
	}
	return "text/plain; charset=utf-8"
}

// pair is one flattened name and value.
type pair struct{ name, value string }

// flatten turns fields into name/value pairs the way PHP's http_build_query
// does: maps become name[key] (keys sorted), arrays name[0], name[1]…; nil is
// left out; true and false are 1 and 0.
func flatten(fields []wire.Field) []pair {
	var pairs []pair
	for _, f := range fields {
		pairs = flattenValue(pairs, f.Name, f.Value)
	}
	return pairs
}

func flattenValue(pairs []pair, name string, v any) []pair {
	switch v := v.(type) {
	case nil:
		return pairs
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			pairs = flattenValue(pairs, name+"["+k+"]", v[k])
		}
		return pairs
	case []any:
		for i, e := range v {
			pairs = flattenValue(pairs, name+"["+strconv.Itoa(i)+"]", e)
		}
		return pairs
	}
	return append(pairs, pair{name, scalarText(v)})
}

// scalarText writes a single value as text the way scripts' values become
// text everywhere (scripting.FormatValue: whole numbers without exponent or
// fraction, tables as JSON), except that a form field's boolean is 1 or 0.
func scalarText(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "1"
		}
		return "0"
	case json.Number:
		return v.String()
	}
	return scripting.FormatValue(v)
}

// appendQuery appends the flattened fields to a URL-encoded query.
func appendQuery(query string, fields []wire.Field) string {
	var b strings.Builder
	b.WriteString(query)
	for _, p := range flatten(fields) {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "&") {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.value))
	}
	return b.String()
}

func encodeMultipart(fields []wire.Field, files map[string]lead.File) ([]byte, string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range fields {
		if file, ok := files[f.Name]; ok {
			if err := writeFilePart(w, f.Name, file); err != nil {
				return nil, "", err
			}
			continue
		}
		for _, p := range flattenValue(nil, f.Name, f.Value) {
			if err := w.WriteField(p.name, p.value); err != nil {
				return nil, "", fmt.Errorf("writing multipart field %s: %w", p.name, err)
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("closing the multipart body: %w", err)
	}
	return body.Bytes(), w.FormDataContentType(), nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

func writeFilePart(w *multipart.Writer, field string, file lead.File) error {
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`,
		quoteEscaper.Replace(field), quoteEscaper.Replace(file.Name)))
	contentType := file.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("writing file field %s: %w", field, err)
	}
	if _, err := part.Write(file.Data); err != nil {
		return fmt.Errorf("writing file field %s: %w", field, err)
	}
	return nil
}

// jsonObject is a JSON object that keeps its keys in the order they came.
type jsonObject struct {
	keys []string
	vals map[string]any
}

// jsonArray is a JSON array being built.
type jsonArray struct {
	items []any
}

// jsonContainer is where a nested field name puts its value: an object by
// key, or an array by index ("" appends).
type jsonContainer interface {
	get(seg string) any
	put(seg string, v any)
}

func (o *jsonObject) get(key string) any { return o.vals[key] }

func (o *jsonObject) put(key string, v any) {
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
}

func (a *jsonArray) get(seg string) any {
	if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(a.items) {
		return a.items[i]
	}
	return nil
}

func (a *jsonArray) put(seg string, v any) {
	if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(a.items) {
		a.items[i] = v
		return
	}
	a.items = append(a.items, v)
}

func newJSONObject() *jsonObject { return &jsonObject{vals: make(map[string]any)} }

// encodeJSON nests the fields by their names and writes the object.
func encodeJSON(fields []wire.Field) ([]byte, error) {
	root := newJSONObject()
	for _, f := range fields {
		setPath(root, fieldPath(f.Name), f.Value)
	}
	return appendJSONValue(make([]byte, 0, 512), root)
}

// fieldPath splits "a[b][]" into ["a", "b", ""]. A name whose brackets do not
// read so is one literal key.
func fieldPath(name string) []string {
	open := strings.IndexByte(name, '[')
	if open <= 0 || !strings.HasSuffix(name, "]") {
		return []string{name}
	}
	path := []string{name[:open]}
	for rest := name[open:]; rest != ""; {
		end := strings.IndexByte(rest, ']')
		if rest[0] != '[' || end < 0 || strings.IndexByte(rest[1:end], '[') >= 0 {
			return []string{name}
		}
		path = append(path, rest[1:end])
		rest = rest[end+1:]
	}
	return path
}

// setPath puts v at path under c, making the objects and arrays on the way:
// a segment followed by "" or a number holds an array, by any other text an
// object. A value in the way of a container is replaced by it.
func setPath(c jsonContainer, path []string, v any) {
	for len(path) > 1 {
		seg, next := path[0], path[1]
		child := c.get(seg)
		var cc jsonContainer
		if next == "" || isIndex(next) {
			if a, ok := child.(*jsonArray); ok {
				cc = a
			} else {
				cc = &jsonArray{}
			}
		} else {
			if o, ok := child.(*jsonObject); ok {
				cc = o
			} else {
				cc = newJSONObject()
			}
		}
		if cc != child {
			c.put(seg, cc)
		}
		c, path = cc, path[1:]
	}
	c.put(path[0], v)
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s[0] != '-' && s[0] != '+'
}

// MarshalJSON writes the object with its keys in order.
func (o *jsonObject) MarshalJSON() ([]byte, error) { return o.appendJSON(nil) }

func (o *jsonObject) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, k := range o.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = wire.AppendJSONString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSONValue(b, o.vals[k]); err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the array.
func (a *jsonArray) MarshalJSON() ([]byte, error) { return a.appendJSON(nil) }

func (a *jsonArray) appendJSON(b []byte) ([]byte, error) {
	if a.items == nil {
		return append(b, "[]"...), nil
	}
	b = append(b, '[')
	for i, v := range a.items {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSONValue(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendJSONValue writes a body value as marshalJSON would: strings, objects
// and arrays directly (a body is mostly strings, and encoding/json would
// take an encoder per key and per value), anything else through
// marshalJSON. An object's or array's error is wrapped as encoding/json
// wraps a Marshaler's.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case string:
		return wire.AppendJSONString(b, v), nil
	case *jsonObject:
		if b, err = v.appendJSON(b); err != nil {
			return nil, &json.MarshalerError{Type: reflect.TypeOf(v), Err: err}
		}
		return b, nil
	case *jsonArray:
		if b, err = v.appendJSON(b); err != nil {
			return nil, &json.MarshalerError{Type: reflect.TypeOf(v), Err: err}
		}
		return b, nil
	}
	enc, err := marshalJSON(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// marshalJSON is json.Marshal without HTML escaping: CRMs read "<" as "<".
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
