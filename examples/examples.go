// Package examples holds one folder per real target system: the import
// files (integration documents with their catalog objects and campaigns),
// the Lua scripts they name as "@file.lua", a README, and a test that runs
// the integration through the real API and dispatcher against a fake server.
//
// The folders are embedded, so leadrelay demo can import them without the
// source tree: All reads every import file with bundle.ReadFile, as
// leadrelay import reads one from disk, and PointAt sends the requests
// somewhere else.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/bundle"
)

//go:embed */*.json */*.lua
var files embed.FS

// Example is one import file of an example folder.
type Example struct {
	Folder string // "retrack"
	File   string // "retrack.json"
	// Bundle is the file's content, every "@file.lua" replaced by the script.
	Bundle *bundle.Bundle
}

// All reads every embedded import file, folders and files in name order.
func All() ([]Example, error) {
	names, err := fs.Glob(files, "*/*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]Example, 0, len(names))
	for _, name := range names {
		b, err := bundle.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, Example{Folder: path.Dir(name), File: path.Base(name), Bundle: b})
	}
	return out, nil
}

// PointAt makes every request of b go to base instead of the host it names:
// in each mode's url and each campaign's postback_url, the scheme and host
// are replaced by base (such as "http://127.0.0.1:4321/retrack"); the path
// and query stay.
func PointAt(b *bundle.Bundle, base string) {
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
