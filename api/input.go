package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// MaxBodyBytes is the largest request body the API reads (1 MiB); a larger
// one is refused with 413.
const MaxBodyBytes = 1 << 20

// limitBody refuses bodies over MaxBodyBytes: at once when Content-Length
// says so, else when reading passes the limit.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > MaxBodyBytes {
		s.fail(c, &http.MaxBytesError{Limit: MaxBodyBytes})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
}

// input is what a request carries, whatever its encoding: the query string,
// overlaid by the body's keys (a JSON object, a urlencoded or a multipart
// form). JSON values keep their type (string, json.Number, bool, nil,
// []any, map[string]any); form values are strings.
type input struct {
	values map[string]any
	files  map[string]lead.File
	isJSON bool
}

// readInput reads the query and body of r (a GET's body is not read). A JSON body is recognised by its
// Content-Type, or sniffed when a browser sends it as text/plain (to avoid a
// CORS preflight) or with no type at all.
func readInput(r *http.Request) (*input, error) {
	in := &input{values: map[string]any{}}
	for k, v := range r.URL.Query() {
		in.values[k] = v[0]
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return in, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		return in, in.readMultipart(r)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	switch {
	case len(bytes.TrimSpace(body)) == 0 && mt != "application/json":
		return in, nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return in, in.readJSON(body)
	case mt == "application/x-www-form-urlencoded":
		return in, in.readForm(body)
	case mt == "" || mt == "text/plain":
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			return in, in.readJSON(body)
		}
		return in, in.readForm(body)
	}
	return nil, newError(http.StatusUnsupportedMediaType, CodeUnsupported,
		"send JSON (application/json) or a form (application/x-www-form-urlencoded or multipart/form-data), not %s", mt)
}

func (in *input) readJSON(body []byte) error {
	if err := decodeObjectInto(body, in.values); err != nil {
		return err
	}
	in.isJSON = true
	return nil
}

// decodeObject reads one JSON object, numbers kept as json.Number.
func decodeObject(body []byte) (map[string]any, error) {
	obj := map[string]any{}
	return obj, decodeObjectInto(body, obj)
}

// decodeObjectInto reads one JSON object into dst, over the keys dst has;
// numbers are kept as json.Number. On an error dst may hold some of the
// object's keys.
func decodeObjectInto(body []byte, dst map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' {
		// Not an object: decoded whole, so that a syntax error is told
		// before the type.
		var v any
		if err := dec.Decode(&v); err != nil {
			return badJSON(err)
		}
		if dec.More() {
			return moreThanOneValue()
		}
		return newError(http.StatusBadRequest, CodeBadJSON, "the body is not a JSON object")
	}
	if err := dec.Decode(&dst); err != nil {
		return badJSON(err)
	}
	if dec.More() {
		return moreThanOneValue()
	}
	return nil
}

func moreThanOneValue() error {
	return newError(http.StatusBadRequest, CodeBadJSON, "the body holds more than one JSON value")
}

// badJSON describes a JSON syntax error, or passes a read error on.
func badJSON(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	if errors.Is(err, io.EOF) {
		return newError(http.StatusBadRequest, CodeBadJSON, "the body is empty: send a JSON object")
	}
	return newError(http.StatusBadRequest, CodeBadJSON, "the body is not valid JSON: %v", err)
}

func (in *input) readForm(body []byte) error {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return newError(http.StatusBadRequest, CodeBadForm, "the body is not a valid form: %v", err)
	}
	for k, v := range form {
		in.values[k] = v[0]
	}
	return nil
}

func (in *input) readMultipart(r *http.Request) error {
	if err := r.ParseMultipartForm(MaxBodyBytes); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return newError(http.StatusBadRequest, CodeBadForm, "the body is not a valid multipart form: %v", err)
	}
	defer r.MultipartForm.RemoveAll()
	for k, v := range r.MultipartForm.Value {
		in.values[k] = v[0]
	}
	in.files = map[string]lead.File{}
	for k, headers := range r.MultipartForm.File {
		f, err := readFile(k, headers[0])
		if err != nil {
			return err
		}
		in.files[k] = f
	}
	return nil
}

func readFile(field string, fh *multipart.FileHeader) (lead.File, error) {
	f, err := fh.Open()
	if err != nil {
		return lead.File{}, newError(http.StatusBadRequest, CodeBadForm, "reading the file %s: %v", field, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return lead.File{}, newError(http.StatusBadRequest, CodeBadForm, "reading the file %s: %v", field, err)
	}
	return lead.File{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data}, nil
}

// take removes a key and returns its value as a trimmed string ("" when
// absent); a value that is not text is an error.
func (in *input) take(key string) (string, error) {
	v, ok := in.values[key]
	if !ok {
		return "", nil
	}
	delete(in.values, key)
	s, err := asText(key, v)
	return strings.TrimSpace(s), err
}

// redactedKeys are never written to the log: the campaign key and lead token.
var redactedKeys = []string{"key", "token"}

// raw is the request as the log keeps it: the values as JSON or a form, with
// the secrets reading *** and each file named with its size.
func (in *input) raw() string {
	vals := in.values
	if len(in.files) > 0 || slices.ContainsFunc(redactedKeys, in.has) {
		vals = maps.Clone(in.values)
		for _, k := range redactedKeys {
			if _, ok := vals[k]; ok {
				vals[k] = "***"
			}
		}
		for k, f := range in.files {
			vals[k] = fileSummary(f)
		}
	}
	if in.isJSON {
		b, _ := json.Marshal(vals)
		return string(b)
	}
	var form strings.Builder
	for i, k := range sortedKeys(vals) {
		if i > 0 {
			form.WriteByte('&')
		}
		s, _ := asText(k, vals[k])
		form.WriteString(url.QueryEscape(k))
		form.WriteByte('=')
		form.WriteString(url.QueryEscape(s))
	}
	return form.String()
}

func (in *input) has(key string) bool {
	_, ok := in.values[key]
	return ok
}

// sortedKeys are m's keys in order, in one allocation.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fileSummary(f lead.File) string {
	return f.Name + " (" + f.ContentType + ", " + strconv.Itoa(len(f.Data)) + " bytes)"
}
