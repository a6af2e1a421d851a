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
}

func (f *testFlags) bind(fs *flag.FlagSet) {
	fs.Int64Var(&f.integration, "integration", 0, "the integration to try (required)")
	fs.StringVar(&f.mode, "mode", "new", "the mode: new, changes, approved, sync or postback")
	fs.Int64Var(&f.lead, "lead", 0, "a stored lead's id")
	fs.StringVar(&f.leadFile, "lead-file", "", "a JSON file holding a lead's fields, as the API takes them")
	fs.BoolVar(&f.send, "send", false, "really send the request")
	fs.StringVar(&f.respFile, "response-file", "", "a file holding the body of the answer to pretend")
	fs.IntVar(&f.respCode, "response-code", 200, "the code of the answer to pretend")
	fs.BoolVar(&f.respJSON, "response-json", false, `the response file is the whole answer: {"code":200,"headers":{…},"body":"…"}`)
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
