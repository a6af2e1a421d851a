package examples_test

import (
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/examples"
	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/bundle"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/catalog"
)

// TestAll reads every embedded example and compiles its integrations. The
// demo imports them all into one database, so ids, offers and campaign
// aliases must not clash.
func TestAll(t *testing.T) {
	t.Parallel()
	all, err := examples.All()
	if err != nil {
		t.Fatal(err)
	}
	engine := scripting.NewEngine(scripting.Config{})
	ids, offers, aliases := map[int64]string{}, map[int64]string{}, map[string]string{}
	for _, ex := range all {
		where := ex.Folder + "/" + ex.File
		for _, doc := range ex.Bundle.Integrations {
			if _, err := integrations.Compile(doc, 1, engine); err != nil {
				t.Errorf("%s: integration %d: %v", where, doc.ID, err)
			}
			unique(t, ids, doc.ID, where, "integration id")
		}
		for _, o := range ex.Bundle.Offers {
			unique(t, offers, o.ID, where, "offer id")
		}
		for _, c := range ex.Bundle.Campaigns {
			unique(t, aliases, c.Alias, where, "campaign alias")
		}
	}
	folders := map[string]bool{}
	for _, ex := range all {
		folders[ex.Folder] = true
	}
	want := []string{"affiliatepro", "autologin", "retrack", "s2s-postback", "salesrender-cpa", "salesrender-crm"}
	for _, f := range want {
		if !folders[f] {
			t.Errorf("no example in %s", f)
		}
	}
}

func unique[K comparable](t *testing.T, seen map[K]string, key K, where, what string) {
	t.Helper()
	if first, ok := seen[key]; ok {
		t.Errorf("%s: %s %v is taken by %s", where, what, key, first)
	}
	seen[key] = where
}

var scriptRef = regexp.MustCompile(`"@([^"]+\.lua)"`)

// TestFolders: every example folder (a folder with import files; the
// others hold Go packages that serve the examples) has a README and a test,
// and every script in it is named by one of its import files.
func TestFolders(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		dir := e.Name()
		if !e.IsDir() || len(glob(t, dir, "*.json")) == 0 {
			continue
		}
		names := glob(t, dir, "*")
		if !slices.Contains(names, "README.md") {
			t.Errorf("%s has no README.md", dir)
		}
		if len(glob(t, dir, "*_test.go")) == 0 {
			t.Errorf("%s has no test", dir)
		}
		named := map[string]bool{}
		for _, f := range glob(t, dir, "*.json") {
			raw, err := os.ReadFile(path.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range scriptRef.FindAllStringSubmatch(string(raw), -1) {
				named[m[1]] = true
			}
		}
		for _, lua := range glob(t, dir, "*.lua") {
			if !named[lua] {
				t.Errorf("%s/%s is named by no import file", dir, lua)
			}
		}
	}
}

func glob(t *testing.T, dir, pattern string) []string {
	t.Helper()
	paths, err := fs.Glob(os.DirFS(dir), pattern)
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// TestPointAt moves the scheme and host of every URL, keeping path, query
// and macros.
func TestPointAt(t *testing.T) {
	t.Parallel()
	b := &bundle.Bundle{Integrations: []*integrations.Integration{{
		New:      &integrations.Mode{URL: "https://crm.example/api/{ofp:path}?k={secret:k}"},
		Postback: &integrations.Mode{URL: "http://tracker.example?c={click_id}"},
		Changes:  &integrations.Mode{URL: ""},
		Approved: &integrations.Mode{URL: "https://fulfil.example"},
	}}}
	b.Campaigns = []catalog.Campaign{{PostbackURL: "https://binom.example/click.php?cnv_id={click_id}"}}
	examples.PointAt(b, "http://127.0.0.1:9/demo/")
	doc := b.Integrations[0]
	got := []string{doc.New.URL, doc.Postback.URL, doc.Changes.URL, doc.Approved.URL, b.Campaigns[0].PostbackURL}
	want := []string{"http://127.0.0.1:9/demo/api/{ofp:path}?k={secret:k}", "http://127.0.0.1:9/demo?c={click_id}", "",
		"http://127.0.0.1:9/demo", "http://127.0.0.1:9/demo/click.php?cnv_id={click_id}"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("URLs (-want +got):\n%s", diff)
	}
}
