package integrations

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/integrations/wire"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/lead"
)

var _ ScriptCompiler = (*scripting.Engine)(nil)

func compileDoc(t *testing.T, doc string) *Compiled {
	t.Helper()
	i, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(i, 3, scripting.NewEngine(scripting.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCompileSpecDocument(t *testing.T) {
	t.Parallel()
	c := compileDoc(t, specDoc)
	if c.Version != 3 || c.Doc.ID != 7 || c.Concurrency != 16 || c.MaxAttempts != 1440 {
		t.Errorf("compiled: %+v", c)
	}
	if c.Hook == nil || c.Hook.Name() != "integration 7 hook" {
		t.Errorf("hook: %v", c.Hook)
	}
	n := c.Mode(mode.New)
	if n == nil || n.Pre == nil || n.Post == nil || n.Post.Name() != "integration 7 new.post" {
		t.Fatalf("new mode: %+v", n)
	}
	if n.Timeout.String() != "30s" || n.Method != "POST" || n.Format != "json" || n.IsStub() {
		t.Errorf("new mode: %+v", n)
	}
	if c.Mode(mode.Changes) != nil {
		t.Error("a disabled mode is returned")
	}
	if s := c.Mode(mode.Sync); s == nil || s.Pre != nil || s.Post != nil || s.Timeout.String() != "10s" {
		t.Errorf("sync mode: %+v", s)
	}
	if p := c.Mode(mode.Postback); p == nil || p.Format != "query" {
		t.Errorf("postback mode: %+v", p)
	}
	if c.Mode("bogus") != nil {
		t.Error("an unknown mode is returned")
	}
}

func TestCompileReportsScriptErrors(t *testing.T) {
	t.Parallel()
	engine := scripting.NewEngine(scripting.Config{})
	tests := []struct {
		edit   func(i *Integration)
		field  string
		script string
		line   int
	}{
		{func(i *Integration) { i.New.Post = "local r = 1\nif r then\n  return r\n" }, "new.post", "integration 7 new.post", 4},
		{func(i *Integration) { i.Sync.Pre = "url = = 1" }, "sync.pre", "integration 7 sync.pre", 1},
		{func(i *Integration) { i.Hook = "\n\nreturn {" }, "hook", "integration 7 hook", 3},
		{func(i *Integration) { i.Changes.Post = "x(" }, "changes.post", "integration 7 changes.post", 1},
	}
	for _, tt := range tests {
		i, err := Parse([]byte(specDoc))
		if err != nil {
			t.Fatal(err)
		}
		tt.edit(i)
		_, err = Compile(i, 1, engine)
		var ve *ValidationError
		var se *scripting.Error
		if !errors.As(err, &ve) || ve.Field != tt.field || !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a *ValidationError for it wrapping a *scripting.Error", tt.field, err)
			continue
		}
		if se.Script != tt.script || se.Line < tt.line-1 || se.Line > tt.line || se.Message == "" {
			t.Errorf("%s: script error %+v, want script %q near line %d", tt.field, se, tt.script, tt.line)
		}
	}
}

func TestCompileValidates(t *testing.T) {
	t.Parallel()
	i, err := Parse([]byte(specDoc))
	if err != nil {
		t.Fatal(err)
	}
	i.New.Method = "FETCH"
	_, err = Compile(i, 1, scripting.NewEngine(scripting.Config{}))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "new.method" {
		t.Errorf("Compile: %v, want the new.method error", err)
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	c := compileDoc(t, `{"id": 7, "name": "crm", "secrets": {"token": "tk 1&2"}, "idempotency_header": "Idempotency-Key",
		"new": {"enabled": true, "url": "https://crm.example/add?name={name}&t={secret:token}",
			"headers": "Authorization: Bearer {secret:token}\n# a note\n\nX-Name:{name}\n  X-Empty:",
			"fields": "phone {phone}\r\nname  {fname}\n# skipped {id}\n\n   \ncomment\ntext hello {name}!\nraw {\"a\":{id}}\nscan {file:passport}\nmissing {file:other}"},
		"postback": {"enabled": true, "url": "https://t.example/pb", "method": "GET", "headers": "idempotency-key: mine"},
		"sync": {"enabled": true, "url": "https://crm.example/sync"}}`)
	d := &macros.Data{
		Lead: &lead.Lead{ID: 42, Name: "Jo\r\nAnn", Last: "Lee", Phone: "447123456789", Country: "gb", Status: lead.Packaging,
			Files: map[string]lead.File{"passport": {Name: "p.jpg", ContentType: "image/jpeg", Data: []byte("JPEG")}}},
		Secrets: c.Doc.Secrets,
	}
	got := c.Mode(mode.New).Build(d)
	want := &wire.Request{
		URL:    "https://crm.example/add?name=Jo%0D%0AAnn&t=tk%201%262",
		Method: "POST",
		Headers: []wire.Field{
			{Name: "Authorization", Value: "Bearer tk 1&2"},
			{Name: "X-Name", Value: "JoAnn"},
			{Name: "X-Empty", Value: ""},
		},
		Fields: []wire.Field{
			{Name: "phone", Value: "447123456789"},
			{Name: "name", Value: " Jo\r\nAnn Lee"},
			{Name: "comment", Value: ""},
			{Name: "text", Value: "hello Jo\r\nAnn!"},
			{Name: "raw", Value: `{"a":42}`},
			{Name: "scan", Value: "p.jpg"},
			{Name: "missing", Value: ""},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build (-want +got):\n%s", diff)
	}
	files := c.Mode(mode.New).Files(d)
	if diff := cmp.Diff(map[string]lead.File{"scan": d.Lead.Files["passport"]}, files); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	if got := c.Mode(mode.Sync).Build(nil); got.URL != "https://crm.example/sync" {
		t.Errorf("Build(nil): %+v", got)
	}
}

func TestIsStub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc  string
		mode mode.Mode
		want bool
	}{
		{`{"name":"s","new":{"enabled":true}}`, mode.New, true},
		{`{"name":"s","new":{"enabled":true,"fields":"# only a note\n\n"}}`, mode.New, true},
		{`{"name":"s","new":{"enabled":true,"url":"https://x.example"}}`, mode.New, false},
		{`{"name":"s","new":{"enabled":true,"pre":"url = 'https://x'","fields":"a b"}}`, mode.New, false},
		{`{"name":"s","sync":{"enabled":true,"pre":"url = 'https://x'"}}`, mode.Sync, false},
	}
	for _, tt := range tests {
		if got := compileDoc(t, tt.doc).Mode(tt.mode).IsStub(); got != tt.want {
			t.Errorf("%s: IsStub = %v, want %v", tt.doc, got, tt.want)
		}
	}
}
