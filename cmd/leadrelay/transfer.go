package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/integrations/bundle"
)

func runImport(ctx context.Context, a *app, args []string) error {
	cfg, files, err := a.parseFlags("import", args, nil)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: name the JSON files to import: leadrelay import FILE…", errUsage)
	}
	all := &bundle.Bundle{}
	for _, path := range files {
		b, err := readBundleFile(path)
		if err != nil {
			return err
		}
		all.Append(b)
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		counts, err := bundle.Import(ctx, rt.store, api.ImportChecker(rt.dispatcher), all)
		if err != nil {
			return err
		}
		warnings, err := api.ImportWarnings(ctx, rt.store, all)
		if err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintln(a.stdout, "warning: "+w)
		}
		for _, kind := range bundle.Keys {
			if n := counts[kind]; n == 1 {
				fmt.Fprintf(a.stdout, "imported 1 %s\n", strings.TrimSuffix(kind, "s"))
			} else if n > 0 {
				fmt.Fprintf(a.stdout, "imported %d %s\n", n, kind)
			}
		}
		return nil
	})
}

// readBundleFile reads an import file from disk with bundle.ReadFile: a
// script given as "@file.lua" is read relative to the JSON file, or from an
// absolute path.
func readBundleFile(p string) (*bundle.Bundle, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	b, err := bundle.ReadFile(rootFS{os.DirFS("/")}, strings.TrimPrefix(filepath.ToSlash(abs), "/"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return b, nil
}

// rootFS is the file system from /, whose errors name a file by its whole
// path ("/srv/crm/post.lua"), as its user knows it.
type rootFS struct{ fsys fs.FS }

func (r rootFS) Open(name string) (fs.File, error) {
	f, err := r.fsys.Open(name)
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		pathErr.Path = "/" + name
	}
	return f, err
}

func runExport(ctx context.Context, a *app, args []string) error {
	var withSecrets bool
	cfg, rest, err := a.parseFlags("export", args, func(flags *flag.FlagSet) {
		flags.BoolVar(&withSecrets, "with-secrets", false, "write the integrations' secrets in clear, not as ***")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	return a.withRuntime(ctx, cfg, func(ctx context.Context, rt *runtime) error {
		b, err := bundle.Export(ctx, rt.store, withSecrets)
		if err != nil {
			return err
		}
		if withSecrets {
			fmt.Fprintln(a.stderr, "leadrelay export: the integrations' secrets are written in clear: keep the output safe")
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	})
}
