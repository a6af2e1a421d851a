// Package integrations holds the integration document of SPEC §2 and what
// turns it into requests on the wire.
//
// # The document
//
// Integration and Mode are the JSON document, key for key. Parse reads it
// strictly (an unknown key is an error naming it, "new.urll"); Validate checks
// it and names each field that is wrong ("new.method", "countries[1]",
// "new.fields line 3"); WithDefaults and the Effective methods give the
// defaults: concurrency 16, retry.max_attempts 1440 (0 means no limit),
// method POST, format form (query for GET), timeout 30s (10s for sync).
// Redacted and MergeSecrets keep secrets out of the API's answers while a
// document read from the API can be saved back as it is.
//
// # Compiling
//
// Compile validates a document, parses every template once and compiles
// every Lua script once, for one version of the integration. Templates are
// the mode's url, one "Name: value" header a line, and one "name value" field
// a line (split at the first space; a name alone sends an empty value; blank
// lines and lines starting with # are skipped). A script that does not compile
// is a *ValidationError naming its field ("new.post") that wraps the
// *scripting.Error with the script's name and line.
//
// # Sending
//
// A delivery goes:
//
//	cm := compiled.Mode(mode.New) // nil: disabled or missing
//	req := cm.Build(data)         // templates expanded
//	// … the pre script may change req …
//	hreq, body, err := integrations.NewHTTPRequest(ctx, req, cm.Format, cm.Files(data))
//	resp, truncated, err := client.Do(ctx, hreq, cm.Timeout)
//	// … the post script reads resp …
//
// NewHTTPRequest encodes the fields as form, json (names nest: a[b], a[]),
// multipart (a field that is exactly {file:x} attaches the lead's file),
// query or raw. Client.Do never follows redirects, reads at most 1 MiB of a
// body, and wraps ErrTransport when no response came; every HTTP status is a
// response. When the request was written in full before the answer failed
// (httptrace's WroteRequest), the error wraps ErrUncertain too: the target
// may have taken it. RetryAfter reads a 429's pause.
//
// # Secrets in the log
//
// A Redactor replaces every secret value, also percent-encoded,
// form-encoded, JSON-escaped and in base64, with "***", and a run of base64,
// hex or percent-encoding that decodes (up to MaxDecodeLayers deep) to text
// holding a secret with "***" whole; Header keeps a credential header
// (IsCredentialHeader) to its scheme word, "Basic ***". Run the URL, each
// header and the body through it before they are stored or shown.
//
// # Beside it
//
// Three packages under this folder hold what others share with it:
// integrations/mode names the modes (mode.New, mode.Sync, …), a leaf that
// storage and scripting use too; integrations/wire holds the request Build
// returns and the response Client.Do reads (wire.Request, wire.Response,
// wire.Field) and the JSON string writer, a leaf that scripting hands to
// scripts; integrations/bundle reads, imports and exports the integrations
// and the catalog as one file (leadrelay import and export).
package integrations
