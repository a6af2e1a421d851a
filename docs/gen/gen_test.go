package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/macros"
)

const guidePath = "../guide.md"

func readGuide(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(guidePath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGuideIsUpToDate fails while docs/guide.md differs from what the
// generator writes: run go run ./docs/gen from the repository root.
func TestGuideIsUpToDate(t *testing.T) {
	t.Parallel()
	guide := readGuide(t)
	next, err := rewrite(guide)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(guide, next); diff != "" {
		t.Errorf("docs/guide.md is out of date; run go run ./docs/gen (-guide +generated):\n%s", diff)
	}
}

// TestGuideNames checks the hand-written parts name what the code has:
// every outcome of the log, every mode and every macro.
func TestGuideNames(t *testing.T) {
	t.Parallel()
	guide := readGuide(t)
	names := []string{dispatcher.OutcomeSuccess, dispatcher.OutcomeRejected, dispatcher.OutcomeError, dispatcher.OutcomeHTTPFail,
		dispatcher.OutcomeNoID, dispatcher.OutcomeSkipped, dispatcher.OutcomeRedirect, dispatcher.OutcomeDeleted}
	for _, name := range names {
		if !strings.Contains(guide, "| `"+name+"` |") {
			t.Errorf("the outcomes table has no row for %s", name)
		}
	}
	for _, m := range integrations.Modes() {
		if !strings.Contains(guide, "| "+string(m)+" |") {
			t.Errorf("the modes table has no row for %s", m)
		}
	}
	for _, d := range macros.Docs() {
		if !strings.Contains(guide, "`{"+d.Name) {
			t.Errorf("the guide does not show {%s}", d.Name)
		}
	}
}

// TestGuideLinks checks the guide's links to files of the repository.
func TestGuideLinks(t *testing.T) {
	t.Parallel()
	guide := readGuide(t)
	for _, part := range strings.Split(guide, "](")[1:] {
		target, _, _ := strings.Cut(part, ")")
		target, _, _ = strings.Cut(target, "#")
		if target == "" || strings.Contains(target, "://") {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", target)); err != nil {
			t.Errorf("the guide links to %s: %v", target, err)
		}
	}
}

func TestRewrite(t *testing.T) {
	t.Parallel()
	guide := "# Guide\n\n<!-- BEGIN macros (go run ./docs/gen) -->\nold\n<!-- END macros -->\n\ntext\n\n" +
		"<!-- BEGIN returns (go run ./docs/gen) -->\n<!-- END returns -->\nend\n"
	next, err := rewrite(guide)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(next, "# Guide\n\n<!-- BEGIN macros (go run ./docs/gen) -->\n| macro |") || strings.Contains(next, "old") ||
		!strings.Contains(next, "\n<!-- END macros -->\n\ntext\n\n") || !strings.HasSuffix(next, "<!-- END returns -->\nend\n") {
		t.Errorf("rewritten:\n%s", next)
	}
	if again, _ := rewrite(next); again != next {
		t.Errorf("a second rewrite changed the guide")
	}
	if _, err := rewrite("# Guide\n<!-- END macros -->\n"); err == nil || !strings.Contains(err.Error(), "no macros section") {
		t.Errorf("a guide without sections: error %v", err)
	}
}

// TestReturnTable spot-checks the generated rules against SPEC §3.
func TestReturnTable(t *testing.T) {
	t.Parallel()
	table := returnTable()
	for _, row := range []string{
		"| `84921` | processing, ext `84921` | processing, ext `84921`; the thank-you page | done | done; `84921` kept as this integration's id |",
		"| `-7` | cancel, reason 7 | cancel, reason 7; the thank-you page | done | done; `-7` kept as this integration's id |",
		"| `\"Registration failed\"` | processing, ext `Registration failed` | deleted; the visitor sees the text | done |",
		"| `0` | sending error: again in a minute | sending error: the lead goes the classic way | sending error: again in a minute | sending error: again in a minute |",
	} {
		if !strings.Contains(table, row) {
			t.Errorf("the return table has no row\n%s\nin\n%s", row, table)
		}
	}
}
