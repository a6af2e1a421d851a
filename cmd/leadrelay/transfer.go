package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/integrations"
)

// bundleKeys are the keys of an import file that holds more than one
// integration document.
var bundleKeys = []string{"integrations", "offers", "sites", "goals", "affiliates", "campaigns"}

// scriptKeys are the keys of a mode that hold a Lua script.
var scriptKeys = []string{"pre", "post"}

func runImport(ctx context.Context, a *app, args []string) error {
	cfg, files, err := a.parseFlags("import", args, nil)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: name the JSON files to import: leadrelay import FILE…", errUsage)
	}
	all := &api.Bundle{}
	for _, path := range files {
		b, err := readBundleFile(path)
		if err != nil {
			return err
		}
		appendBundle(all, b)
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		counts, err := api.Import(ctx, rt.store, rt.dispatcher, all)
		if err != nil {
			return err
		}
		for _, kind := range bundleKeys {
			if counts[kind] > 0 {
				fmt.Fprintf(a.stdout, "imported %d %s\n", counts[kind], kind)
			}
		}
		return nil
	})
}

func appendBundle(all, b *api.Bundle) {
	all.Integrations = append(all.Integrations, b.Integrations...)
	all.Offers = append(all.Offers, b.Offers...)
	all.Sites = append(all.Sites, b.Sites...)
	all.Goals = append(all.Goals, b.Goals...)
	all.Affiliates = append(all.Affiliates, b.Affiliates...)
	all.Campaigns = append(all.Campaigns, b.Campaigns...)
}

// readBundleFile reads an import file: one integration document, or an
// object whose keys are among bundleKeys. A script given as "@file.lua" is
// read from that file, relative to the JSON file.
func readBundleFile(path string) (*api.Bundle, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %v", path, err)
	}
	dir := filepath.Dir(path)
	if !isBundle(top) {
		doc, err := readDocument(raw, dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &api.Bundle{Integrations: []*integrations.Integration{doc}}, nil
	}
	b, err := readBundle(top, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
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

func readBundle(top map[string]json.RawMessage, dir string) (*api.Bundle, error) {
	var docs []json.RawMessage
	if err := strictJSON(top["integrations"], &docs); err != nil {
		return nil, fmt.Errorf("integrations: %w", err)
	}
	b := &api.Bundle{}
	for i, raw := range docs {
		doc, err := readDocument(raw, dir)
		if err != nil {
			return nil, fmt.Errorf("integrations[%d]: %w", i, err)
		}
		b.Integrations = append(b.Integrations, doc)
	}
	for key, dst := range map[string]any{"offers": &b.Offers, "sites": &b.Sites, "goals": &b.Goals, "affiliates": &b.Affiliates, "campaigns": &b.Campaigns} {
		if err := strictJSON(top[key], dst); err != nil {
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

// readDocument reads one integration document, its "@file.lua" scripts read
// from dir.
func readDocument(raw []byte, dir string) (*integrations.Integration, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if err := readScript(doc, "hook", dir); err != nil {
		return nil, err
	}
	for _, mode := range integrations.Modes() {
		m, ok := doc[mode].(map[string]any)
		if !ok {
			continue
		}
		for _, key := range scriptKeys {
			if err := readScript(m, key, dir); err != nil {
				return nil, fmt.Errorf("%s: %w", mode, err)
			}
		}
	}
	resolved, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return api.ParseDocument(resolved)
}

// readScript replaces a value "@name.lua" with the content of that file.
func readScript(obj map[string]any, key, dir string) error {
	s, ok := obj[key].(string)
	if !ok || !strings.HasPrefix(s, "@") {
		return nil
	}
	path := strings.TrimPrefix(s, "@")
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s: reading the script: %w", key, err)
	}
	obj[key] = string(src)
	return nil
}

func runExport(ctx context.Context, a *app, args []string) error {
	cfg, err := a.parseConfig("export", args)
	if err != nil {
		return err
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		b, err := api.Export(ctx, rt.store)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	})
}
