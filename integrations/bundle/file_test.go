package bundle_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/leadrelay/leadrelay/integrations/bundle"
)

// TestReadFile reads import files as leadrelay import does: a document alone
// or a bundle, scripts from "@file.lua" beside the file.
func TestReadFile(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"crm/doc.json":      {Data: []byte(`{"id":7,"name":"crm","enabled":true,"offers":[1],"hook":"@hook.lua","new":{"enabled":true,"url":"https://crm.example/","post":"@post.lua"}}`)},
		"crm/post.lua":      {Data: []byte("return true\n")},
		"crm/hook.lua":      {Data: []byte("return {}\n")},
		"crm/abs.json":      {Data: []byte(`{"id":6,"name":"abs","enabled":true,"new":{"enabled":true,"url":"https://crm.example/","post":"@/shared/common.lua"}}`)},
		"shared/common.lua": {Data: []byte("return 1\n")},
		"crm/bundle.json":   {Data: []byte(`{"integrations":[{"id":8,"name":"b","enabled":true,"offers":[2],"sync":{"enabled":true,"url":"https://b.example/","pre":"@post.lua"}}],"campaigns":[{"alias":"c","offer":2}]}`)},
		"bad/missing.json":  {Data: []byte(`{"id":9,"name":"m","new":{"post":"@nope.lua"}}`)},
		"bad/unknown.json":  {Data: []byte(`{"id":9,"name":"m","new":{"urll":"x"}}`)},
		"bad/catalog.json":  {Data: []byte(`{"integrations":[],"offers":[{"id":1,"nme":"x"}]}`)},
	}
	b, err := bundle.ReadFile(fsys, "crm/doc.json")
	if err != nil {
		t.Fatal(err)
	}
	if doc := b.Integrations[0]; doc.New.Post != "return true\n" || doc.Hook != "return {}\n" {
		t.Errorf("scripts not read: post %q hook %q", doc.New.Post, doc.Hook)
	}
	b, err = bundle.ReadFile(fsys, "crm/abs.json")
	if err != nil || b.Integrations[0].New.Post != "return 1\n" {
		t.Errorf("a script by absolute path: %+v, %v", b, err)
	}
	b, err = bundle.ReadFile(fsys, "crm/bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Integrations) != 1 || b.Integrations[0].Sync.Pre != "return true\n" || len(b.Campaigns) != 1 || b.Campaigns[0].Alias != "c" {
		t.Errorf("bundle read as %+v", b)
	}
	for name, wantErr := range map[string]string{
		"bad/missing.json": "post: reading the script",
		"bad/unknown.json": "new.urll",
		"bad/catalog.json": "nme",
	} {
		if _, err := bundle.ReadFile(fsys, name); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: error %v, want one about %q", name, err, wantErr)
		}
	}
}
