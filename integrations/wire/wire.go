// Package wire holds what integrations and scripts exchange about one send:
// the request the templates build and the pre script may change, the
// target's response the post script reads, and the JSON string writer both
// sides encode with. It imports nothing of ours, so integrations, scripting
// and the dispatcher share it without depending on one another.
package wire

// Field is one named value of a request: a header, or a body field. A body
// field's Value is a string for template fields; a script may set numbers,
// booleans, nested tables (map[string]any) or arrays ([]any).
type Field struct {
	Name  string
	Value any
}

// Request is the outbound request as the templates built it and the
// preprocessing script may change it (the globals url, method, headers and
// post), before it is encoded.
type Request struct {
	URL string
	// Cancelled is true when pre set url to false or nil: no request is made.
	Cancelled bool
	Method    string
	Headers   []Field
	// Fields is the post table, in template order; keys a script adds come after,
	// sorted. Used unless Raw is set.
	Fields []Field
	// Raw is set when post is a string: the request body as is.
	Raw   string
	IsRaw bool
}

// Response is what the target answered, as the processing script sees it in
// the global response. Code is 0 when no request was made.
type Response struct {
	Code    int
	Headers map[string]string
	Body    string
	TimeMS  int64
}
