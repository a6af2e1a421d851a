package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/leadrelay/leadrelay/integrations"
)

// Keys are the top-level keys of an import file that holds a bundle,
// in the order an import reports them.
var Keys = []string{"integrations", "offers", "sites", "goals", "affiliates", "campaigns"}

// scriptKeys are the keys of a mode that may name a script file.
var scriptKeys = []string{"pre", "post"}

// Append adds everything other holds to b.
func (b *Bundle) Append(other *Bundle) {
	b.Integrations = append(b.Integrations, other.Integrations...)
	b.Offers = append(b.Offers, other.Offers...)
	b.Sites = append(b.Sites, other.Sites...)
	b.Goals = append(b.Goals, other.Goals...)
	b.Affiliates = append(b.Affiliates, other.Affiliates...)
	b.Campaigns = append(b.Campaigns, other.Campaigns...)
}

// ReadFile reads an import file from fsys, as leadrelay import does: a
// single integration document, or a bundle {"integrations":[…],"offers":[…],…}.
// An integration's "hook", or a mode's "pre" or "post", written "@name.lua"
// is the content of that file, relative to the import file's folder. Errors
// do not repeat name: the caller names the file as its user knows it.
func ReadFile(fsys fs.FS, name string) (*Bundle, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	r := importReader{fsys: fsys, dir: path.Dir(name)}
	var b *Bundle
	if isBundle(top) {
		b, err = r.bundle(top)
	} else {
		var doc *integrations.Integration
		doc, err = r.document(raw)
		b = &Bundle{Integrations: []*integrations.Integration{doc}}
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

func isBundle(top map[string]json.RawMessage) bool {
	for k := range top {
		if !slices.Contains(Keys, k) {
			return false
		}
	}
	return len(top) > 0
}

// importReader reads import files and the scripts beside them.
type importReader struct {
	fsys fs.FS
	dir  string
}

func (r importReader) bundle(top map[string]json.RawMessage) (*Bundle, error) {
	var docs []json.RawMessage
	if err := strictJSON(top["integrations"], &docs); err != nil {
		return nil, fmt.Errorf("integrations: %w", err)
	}
	b := &Bundle{}
	for i, raw := range docs {
		doc, err := r.document(raw)
		if err != nil {
			return nil, fmt.Errorf("integrations[%d]: %w", i, err)
		}
		b.Integrations = append(b.Integrations, doc)
	}
	catalog := map[string]any{"offers": &b.Offers, "sites": &b.Sites, "goals": &b.Goals,
		"affiliates": &b.Affiliates, "campaigns": &b.Campaigns}
	for _, key := range Keys[1:] {
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
func (r importReader) document(raw []byte) (*integrations.Integration, error) {
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
		m, ok := doc[string(mode)].(map[string]any)
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

// inline replaces a value "@name.lua" with the content of that file: relative
// to the import file's folder, or from the root of fsys when it starts with /.
func (r importReader) inline(obj map[string]any, key string) error {
	s, ok := obj[key].(string)
	if !ok || !strings.HasPrefix(s, "@") {
		return nil
	}
	name := strings.TrimPrefix(s, "@")
	if path.IsAbs(name) {
		name = strings.TrimPrefix(name, "/")
	} else {
		name = path.Join(r.dir, name)
	}
	src, err := fs.ReadFile(r.fsys, name)
	if err != nil {
		return fmt.Errorf("%s: reading the script: %w", key, err)
	}
	obj[key] = string(src)
	return nil
}
