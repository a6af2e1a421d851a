// Package examples holds one folder per real target system: the import
// files (integration documents with their catalog objects and campaigns),
// the Lua scripts they name as "@file.lua", a README, and a test that runs
// the integration through the real API and dispatcher against a fake server.
//
// The folders are embedded, so leadrelay demo can import them without the
// source tree: All reads every import file the way leadrelay import reads
// one from disk, and PointAt sends the requests somewhere else.
package examples

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/integrations"
)

//go:embed */*.json */*.lua
var files embed.FS

// Example is one import file of an example folder.
type Example struct {
	Folder string // "retrack"
	File   string // "retrack.json"
	// Bundle is the file's content, every "@file.lua" replaced by the script.
	Bundle *api.Bundle
}

// FS returns the embedded example folders: each folder's .json and .lua files.
func FS() fs.FS { return files }

// All reads every embedded import file, folders and files in name order.
func All() ([]Example, error) {
	names, err := fs.Glob(files, "*/*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]Example, 0, len(names))
	for _, name := range names {
		b, err := Read(files, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Example{Folder: path.Dir(name), File: path.Base(name), Bundle: b})
	}
	return out, nil
}

// bundleKeys are the top-level keys of an import file that holds a bundle.
var bundleKeys = []string{"integrations", "offers", "sites", "goals", "affiliates", "campaigns"}

// scriptKeys are the keys of a mode that may name a script file.
var scriptKeys = []string{"pre", "post"}

// Read reads an import file from fsys as leadrelay import reads one: a single
// integration document, or a bundle {"integrations":[…],"offers":[…],…}. An
// integration's "hook", or a mode's "pre" or "post", written "@name.lua" is
// the content of that file, relative to the import file's folder.
func Read(fsys fs.FS, name string) (*api.Bundle, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %w", name, err)
	}
	r := reader{fsys: fsys, dir: path.Dir(name)}
	var b *api.Bundle
	if isBundle(top) {
		b, err = r.bundle(top)
	} else {
		var doc *integrations.Integration
		doc, err = r.document(raw)
		b = &api.Bundle{Integrations: []*integrations.Integration{doc}}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

func isBundle(top map[string]json.RawMessage) bool {
	for k := range top {
		if !slices.Contains(bundleKeys, k) {
			return false
		}
	}
	return len(top) > 0
}

// reader reads import files and the scripts beside them.
type reader struct {
	fsys fs.FS
	dir  string
}

func (r reader) bundle(top map[string]json.RawMessage) (*api.Bundle, error) {
	var docs []json.RawMessage
	if err := strictJSON(top["integrations"], &docs); err != nil {
		return nil, fmt.Errorf("integrations: %w", err)
	}
	b := &api.Bundle{}
	for i, raw := range docs {
		doc, err := r.document(raw)
		if err != nil {
			return nil, fmt.Errorf("integrations[%d]: %w", i, err)
		}
		b.Integrations = append(b.Integrations, doc)
	}
	catalog := map[string]any{"offers": &b.Offers, "sites": &b.Sites, "goals": &b.Goals,
		"affiliates": &b.Affiliates, "campaigns": &b.Campaigns}
	for _, key := range bundleKeys[1:] {
		if err := strictJSON(top[key], catalog[key]); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	return b, nil
}

// strictJSON decodes raw (if any) into dst, refusing unknown keys.
func strictJSON(raw json.RawMessage, dst any) error {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

// document reads one integration document with its scripts inlined.
func (r reader) document(raw []byte) (*integrations.Integration, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if err := r.inline(doc, "hook"); err != nil {
		return nil, err
	}
	for _, mode := range integrations.Modes() {
		m, ok := doc[mode].(map[string]any)
		if !ok {
			continue
		}
		for _, key := range scriptKeys {
			if err := r.inline(m, key); err != nil {
				return nil, fmt.Errorf("%s: %w", mode, err)
			}
		}
	}
	resolved, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return integrations.Parse(resolved)
}

// inline replaces a value "@name.lua" with the content of that file.
func (r reader) inline(obj map[string]any, key string) error {
	s, ok := obj[key].(string)
	if !ok || !strings.HasPrefix(s, "@") {
		return nil
	}
	src, err := fs.ReadFile(r.fsys, path.Join(r.dir, strings.TrimPrefix(s, "@")))
	if err != nil {
		return fmt.Errorf("%s: reading the script: %w", key, err)
	}
	obj[key] = string(src)
	return nil
}

// PointAt makes every request of b go to base instead of the host it names:
// in each mode's url and each campaign's postback_url, the scheme and host
// are replaced by base (such as "http://127.0.0.1:4321/retrack"); the path
// and query stay.
func PointAt(b *api.Bundle, base string) {
	base = strings.TrimSuffix(base, "/")
	for _, doc := range b.Integrations {
		for _, name := range integrations.Modes() {
			if m := doc.Mode(name); m != nil && m.URL != "" {
				m.URL = rebase(m.URL, base)
			}
		}
	}
	for i := range b.Campaigns {
		if u := b.Campaigns[i].PostbackURL; u != "" {
			b.Campaigns[i].PostbackURL = rebase(u, base)
		}
	}
}

// rebase replaces the scheme and host of the URL template u with base.
func rebase(u, base string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return base + rest[i:]
	}
	return base
}
