package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/dispatcher"
)

// testFlags are the flags of leadrelay test.
type testFlags struct {
	integration, lead        int64
	mode, leadFile, respFile string
	respCode                 int
	send, respJSON           bool
	// bodyFile, headers and query are the webhook of a hook dry run.
	bodyFile       string
	headers, query listFlag
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func (f *testFlags) bind(fs *flag.FlagSet) {
	fs.Int64Var(&f.integration, "integration", 0, "the integration to try (required)")
	fs.StringVar(&f.mode, "mode", "new", "the mode: new, changes, approved, sync or postback")
	fs.Int64Var(&f.lead, "lead", 0, "a stored lead's id")
	fs.StringVar(&f.leadFile, "lead-file", "", "a JSON file holding a lead's fields, as the API takes them")
	fs.BoolVar(&f.send, "send", false, "really send the request")
	fs.StringVar(&f.respFile, "response-file", "", "a file holding the body of the answer to pretend")
	fs.IntVar(&f.respCode, "response-code", 200, "the code of the answer to pretend")
	fs.BoolVar(&f.respJSON, "response-json", false, `the response file is the whole answer: {"code":200,"headers":{…},"body":"…"}`)
	fs.StringVar(&f.bodyFile, "body-file", "", "--mode hook: a file holding the webhook's body")
	fs.Var(&f.headers, "header", `--mode hook: a header of the webhook, "Name: value" (again for more)`)
	fs.Var(&f.query, "query", "--mode hook: a query parameter of the webhook, name=value (again for more)")
}

// hookRequest checks the flags of a hook dry run and reads the webhook.
func (f *testFlags) hookRequest() (map[string]any, error) {
	switch {
	case f.integration <= 0:
		return nil, fmt.Errorf("%w: --integration is required", errUsage)
	case f.bodyFile == "":
		return nil, fmt.Errorf("%w: --mode hook needs --body-file, the webhook's body", errUsage)
	case f.lead != 0 || f.leadFile != "" || f.send || f.respFile != "":
		return nil, fmt.Errorf("%w: --mode hook takes --body-file, --header and --query, not a lead or a response", errUsage)
	}
	body, err := os.ReadFile(f.bodyFile)
	if err != nil {
		return nil, err
	}
	headers, query := map[string]string{}, map[string]string{}
	for _, h := range f.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("%w: --header %q is not \"Name: value\"", errUsage, h)
		}
		headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	for _, q := range f.query {
		name, value, ok := strings.Cut(q, "=")
		if !ok {
			return nil, fmt.Errorf("%w: --query %q is not name=value", errUsage, q)
		}
		query[name] = value
	}
	return map[string]any{"mode": "hook", "body": string(body), "headers": headers, "query": query}, nil
}

// dryRun checks the flags and reads the files into a dry run.
func (f *testFlags) dryRun() (dispatcher.DryRun, error) {
	switch {
	case f.integration <= 0:
		return dispatcher.DryRun{}, fmt.Errorf("%w: --integration is required", errUsage)
	case (f.lead == 0) == (f.leadFile == ""):
		return dispatcher.DryRun{}, fmt.Errorf("%w: give --lead or --lead-file, one of the two", errUsage)
	case f.send && f.respFile != "":
		return dispatcher.DryRun{}, fmt.Errorf("%w: give --send or --response-file, not both", errUsage)
	case f.respJSON && f.respFile == "":
		return dispatcher.DryRun{}, fmt.Errorf("%w: --response-json reads the --response-file: give one", errUsage)
	}
	var leadJSON []byte
	if f.leadFile != "" {
		var err error
		if leadJSON, err = os.ReadFile(f.leadFile); err != nil {
			return dispatcher.DryRun{}, err
		}
	}
	var resp *dispatcher.StubResponse
	if f.respFile != "" {
		raw, err := os.ReadFile(f.respFile)
		if err != nil {
			return dispatcher.DryRun{}, err
		}
		if resp, err = f.stubResponse(raw); err != nil {
			return dispatcher.DryRun{}, err
		}
	}
	run, err := api.DryRunOf(f.integration, f.mode, f.lead, leadJSON, f.send, resp)
	if err != nil {
		return run, fmt.Errorf("%w: %v (flags --lead or --lead-file, --send or --response-file)", errUsage, err)
	}
	return run, nil
}

// stubResponse reads a response file: the body of an answer with
// --response-code, or with --response-json the whole answer.
func (f *testFlags) stubResponse(raw []byte) (*dispatcher.StubResponse, error) {
	if !f.respJSON {
		return &dispatcher.StubResponse{Code: f.respCode, Body: string(raw)}, nil
	}
	var r dispatcher.StubResponse
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %s is not an answer {\"code\":200,\"headers\":{…},\"body\":\"…\"} (--response-json): %v", errUsage, f.respFile, err)
	}
	return &r, nil
}

func runTest(ctx context.Context, a *app, args []string) error {
	var f testFlags
	cfg, rest, err := a.parseFlags("test", args, f.bind)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	if f.mode == "hook" {
		return a.testHook(ctx, cfg, &f)
	}
	run, err := f.dryRun()
	if err != nil {
		return err
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		res, err := rt.dispatcher.DryRun(ctx, run)
		if err != nil {
			return err
		}
		printDryRun(a.stdout, res)
		if res.Error != nil {
			return errScriptFailed
		}
		return nil
	})
}

// errScriptFailed is test's error when the dry run's script failed: the
// output has said how, and the exit code says that it did.
var errScriptFailed = errors.New("the script failed (see error above)")

// wire is a request or a response as a dry run reports it.
type wire struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// printDryRun writes a dry run for a person to read.
func printDryRun(w io.Writer, res *dispatcher.DryRunResult) {
	if req := asWire(res.Request); req != nil {
		fmt.Fprintln(w, "request")
		fmt.Fprintf(w, "  %s %s\n", req.Method, req.URL)
		printMessage(w, req)
	}
	if resp := asWire(res.Response); resp != nil {
		fmt.Fprintln(w, "response")
		fmt.Fprintf(w, "  %d\n", resp.Code)
		printMessage(w, resp)
	}
	if len(res.ScriptLog) > 0 {
		fmt.Fprintln(w, "script log")
		for _, line := range res.ScriptLog {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	ret, _ := json.Marshal(res.Return)
	fmt.Fprintf(w, "return   %s\n", ret)
	fmt.Fprintf(w, "effect   %s\n", describeEffect(res.Effect))
	if e := res.Error; e != nil {
		fmt.Fprintf(w, "error    %s\n", describeScriptError(e))
	}
}

func asWire(v any) *wire {
	if v == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil || string(raw) == "null" {
		return nil
	}
	var out wire
	if json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return &out
}

func printMessage(w io.Writer, m *wire) {
	for _, k := range slices.Sorted(maps.Keys(m.Headers)) {
		fmt.Fprintf(w, "  %s: %s\n", k, m.Headers[k])
	}
	if m.Body != "" {
		fmt.Fprintln(w)
		for _, line := range strings.Split(m.Body, "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	fmt.Fprintln(w)
}

func describeEffect(e dispatcher.Effect) string {
	var parts []string
	if e.Status != nil {
		parts = append(parts, "status "+*e.Status)
	}
	if e.Reason != 0 {
		parts = append(parts, fmt.Sprintf("reason %d", e.Reason))
	}
	if e.Ext != "" {
		parts = append(parts, "ext "+e.Ext)
	}
	if e.Redirect != "" {
		parts = append(parts, "redirect to "+e.Redirect)
	}
	switch {
	case e.Retry && e.Message != "":
		parts = append(parts, "a sending error: "+e.Message)
	case e.Retry:
		parts = append(parts, "a sending error: sent again a minute later")
	case e.Message != "":
		parts = append(parts, fmt.Sprintf("message %q", e.Message))
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}

func describeScriptError(e *dispatcher.ScriptError) string {
	switch {
	case e.Script != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Script, e.Line, e.Message)
	case e.Script != "":
		return e.Script + ": " + e.Message
	}
	return e.Message
}

// testHook is leadrelay test --mode hook: the admin API's hook dry run,
// printed for a person.
func (a *app) testHook(ctx context.Context, cfg Config, f *testFlags) error {
	req, err := f.hookRequest()
	if err != nil {
		return err
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		srv, err := api.New(api.Options{Store: rt.store, Dispatcher: rt.dispatcher, AdminToken: randomSecret(), Logger: a.logger})
		if err != nil {
			return err
		}
		body, err := srv.Post(ctx, "/integrations/"+strconv.FormatInt(f.integration, 10)+"/test", req)
		if err != nil {
			return err
		}
		var res hookDryRun
		if err := json.Unmarshal(body, &res); err != nil {
			return err
		}
		res.print(a.stdout)
		if res.Error != nil {
			return errScriptFailed
		}
		return nil
	})
}

// hookDryRun is the answer of the admin API's hook dry run.
type hookDryRun struct {
	ScriptLog []string                `json:"script_log"`
	Return    json.RawMessage         `json:"return"`
	Error     *dispatcher.ScriptError `json:"error"`
	Effect    *api.HookEffect         `json:"effect"`
}

func (r *hookDryRun) print(w io.Writer) {
	if len(r.ScriptLog) > 0 {
		fmt.Fprintln(w, "script log")
		for _, line := range r.ScriptLog {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	if len(r.Return) > 0 {
		fmt.Fprintf(w, "return   %s\n", r.Return)
	}
	if r.Error != nil {
		fmt.Fprintf(w, "error    %s\n", describeScriptError(r.Error))
		return
	}
	e := r.Effect
	if e.LeadID != 0 {
		fmt.Fprintf(w, "lead     %d (%s)\n", e.LeadID, e.From)
	}
	if e.Refused != "" {
		fmt.Fprintf(w, "refused  %d: %s\n", e.Code, e.Refused)
		return
	}
	change := "status " + e.From + " → " + e.Status
	if e.Status == e.From {
		change = "status stays " + e.Status
	}
	if e.Reason != 0 {
		change += fmt.Sprintf(", reason %d", e.Reason)
	}
	if e.Ext != nil {
		change += ", ext " + *e.Ext
	}
	if e.Comment != nil {
		change += fmt.Sprintf(", comment %q", *e.Comment)
	}
	fmt.Fprintf(w, "effect   %s\n", change)
	if len(e.Postbacks) == 0 {
		fmt.Fprintln(w, "postbacks none")
		return
	}
	fmt.Fprintln(w, "postbacks")
	for _, p := range e.Postbacks {
		if p.Campaign != "" {
			fmt.Fprintf(w, "  campaign %s: %s\n", p.Campaign, p.Status)
		} else {
			fmt.Fprintf(w, "  integration %d: %s\n", p.Integration, p.Status)
		}
	}
}
