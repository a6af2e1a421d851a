package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/examples"
)

// demoTables is the summary the demo prints: every mode, the failures it
// stages, and the leads where they end.
const demoTables = `attempts by integration and mode
integration           mode      SUCCESS  REJECTED  ERROR  SKIPPED  REDIRECT  DELETED
(campaign postbacks)  postback  14       -         -      -        -         -
affiliatepro          new       3        1         -      -        -         -
affiliatepro          approved  2        -         -      -        -         -
autologin             new       1        -         -      2        -         -
autologin             sync      -        2         1      -        2         1
retrack               new       4        -         3      -        -         -
retrack               postback  2        -         -      -        -         -
s2s-cake              postback  2        -         -      -        -         -
s2s-hasoffers         postback  2        -         -      -        -         -
s2s-keitaro           postback  6        -         -      -        -         -
s2s-postback          postback  2        -         -      -        -         -
salesrender-cpa       new       2        1         -      -        -         -
salesrender-crm       new       6        1         1      -        -         -
salesrender-crm       changes   1        -         -      -        -         -

leads by integration and status
integration       processing  cancel  packaging  deleted
(no integration)  -           1       2          -
affiliatepro      1           1       2          -
autologin         3           2       -          1
retrack           2           1       1          -
salesrender-cpa   2           1       -          -
salesrender-crm   3           2       2          -
` + demoNext

// TestDemo runs leadrelay demo end to end and checks its story and summary,
// and that it leaves no temporary folder behind.
func TestDemo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, env: func(string) string { return "" }}
	if code := a.main(context.Background(), []string{"demo"}); code != 0 {
		t.Fatalf("leadrelay demo: exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	story, tables, ok := strings.Cut(out.String(), "\n\n")
	if !ok {
		t.Fatalf("no summary in:\n%s", out.String())
	}
	if diff := cmp.Diff(demoTables, tables); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	for _, want := range []string{
		"console: http://127.0.0.1:",
		"27 leads came in through the API; the landing pages that waited for the synchronous send were told: cancelled 2, error 1, queued 1, redirect 2",
		"09:01  sweep  new: ERROR 2, REJECTED 3, SKIPPED 2, SUCCESS 14; postback: SUCCESS 11",
		"'shipped', a label the status_map does not know: refused → 422",
		"09:02  sweep  new: ERROR 1, SUCCESS 1; changes: SUCCESS 1; approved: SUCCESS 2; postback: SUCCESS 17",
		"09:03  sweep  new: ERROR 1\n09:03    lead 14 (Down Nilsson) failed after 3 attempts",
		"support re-queues the failed leads: 1 re-queued\n09:04  sweep  new: SUCCESS 1",
		"09:04  one request as the log keeps it: lead ",
		"\n       answer 200 {",
	} {
		if !strings.Contains(story, want) {
			t.Errorf("the story does not say %q:\n%s", want, story)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the demo left %v in the temporary folder", left)
	}
}

func TestDemoUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"demo", "-h"}, 0, "temporary folder"},
		{[]string{"demo", "now"}, exitUsage, `unexpected argument "now"`},
		{[]string{"demo", "--dsn", "sqlite:x.db"}, exitUsage, "flag provided but not defined"},
	} {
		var out, errOut bytes.Buffer
		a := &app{stdout: &out, stderr: &errOut, env: func(string) string { return "" }}
		if code := a.main(context.Background(), tt.args); code != tt.code || !strings.Contains(errOut.String(), tt.says) {
			t.Errorf("leadrelay %v: exit %d %q, want %d and %q", tt.args, code, errOut.String(), tt.code, tt.says)
		}
	}
}

// TestExamplesReadAsImported: the demo's embedded examples are what
// leadrelay import reads from examples/ on disk, scripts and all.
func TestExamplesReadAsImported(t *testing.T) {
	t.Parallel()
	all, err := examples.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range all {
		fromDisk, err := readBundleFile(filepath.Join("..", "..", "examples", ex.Folder, ex.File))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fromDisk, ex.Bundle); diff != "" {
			t.Errorf("%s/%s (-import +embedded):\n%s", ex.Folder, ex.File, diff)
		}
	}
}
