package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/examples"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
	"github.com/leadrelay/leadrelay/storage/user"
)

// storedDocument is an integration's document as the database holds it,
// secrets and all.
func storedDocument(t *testing.T, s *storage.Store, id int64) map[string]any {
	t.Helper()
	rec, err := s.GetIntegration(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(rec.Document), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// Every example integration, saved from the editor's form unchanged, is
// the document it was: nothing the form does not show is lost.
func TestEditorSavesExamplesUnchanged(t *testing.T) {
	t.Parallel()
	all, err := examples.All()
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		n := 0
		for _, ex := range all {
			for _, doc := range ex.Bundle.Integrations {
				n++
				raw, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				if p := br.submit(home, "/admin/integrations/import", url.Values{"json": {string(raw)}}); p.code != http.StatusOK {
					t.Fatalf("%s %s: import = %d:\n%s", ex.Folder, doc.Name, p.code, p.body)
				}
				before := storedDocument(t, s, doc.ID)
				edit := br.get(fmt.Sprintf("/admin/integrations/%d/edit", doc.ID))
				saved := br.post(fmt.Sprintf("/admin/integrations/%d/edit", doc.ID), edit.formValues(t, "editor"))
				if saved.code != http.StatusOK || !strings.Contains(saved.body, "Saved integration") {
					t.Fatalf("%s %s: saving the form unchanged = %d:\n%s", ex.Folder, doc.Name, saved.code, saved.body)
				}
				if diff := cmp.Diff(before, storedDocument(t, s, doc.ID)); diff != "" {
					t.Errorf("%s %s: the document after saving the form unchanged (-before +after):\n%s", ex.Folder, doc.Name, diff)
				}
			}
		}
		if n < 5 {
			t.Errorf("the examples hold %d integrations; the test expects every folder's", n)
		}
	})
}

// A mode's section edits its url, method, format, headers and fields as
// rows; the document's other keys stay.
func TestEditorModeSections(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		const doc = `{"id":5,"name":"crm","enabled":true,"offers":[1],"secrets":{"token":"t0k"},
 "new":{"enabled":true,"url":"https://crm.example/orders","method":"post","format":"json",
  "headers":"X-Token:{secret:token}\n# the CRM wants this\nAccept: application/json\n",
  "fields":"# who\nphone {phone}\n\nname  {name}\nsource"},
 "approved":{"enabled":false,"url":"https://crm.example/approved","from_status":"packaging"}}`
		if p := br.submit(home, "/admin/integrations/import", url.Values{"json": {doc}}); p.code != http.StatusOK {
			t.Fatalf("import = %d:\n%s", p.code, p.body)
		}
		original := storedDocument(t, s, 5)
		tests := []struct {
			name string
			edit func(v url.Values)
			code int
			want func(doc map[string]any)
			page []string
		}{
			{"unchanged, comments, blank lines and spacing stay", func(url.Values) {}, http.StatusOK, func(map[string]any) {}, nil},
			{"a header's value, a field removed and one added", func(v url.Values) {
				v["new.headers.value"][0] = "Bearer {secret:token}"
				v.Add("new.fields.remove", "1")
				v["new.fields.name"][4], v["new.fields.value"][4] = "country", "{geo}"
				v.Set("new.method", "PUT")
				v.Set("new.format", "form")
			}, http.StatusOK, func(doc map[string]any) {
				m := doc["new"].(map[string]any)
				m["headers"] = "X-Token: Bearer {secret:token}\n# the CRM wants this\nAccept: application/json"
				m["fields"] = "# who\nname  {name}\nsource\ncountry {geo}"
				m["method"], m["format"] = "PUT", "form"
			}, []string{`value="Bearer {secret:token}"`}},
			{"a mode the document lacks, filled in", func(v url.Values) {
				v.Set("changes.enabled", "1")
				v.Set("changes.url", "https://crm.example/changes/{ext}")
				v["changes.fields.name"][0], v["changes.fields.value"][0] = "status", "{status}"
			}, http.StatusOK, func(doc map[string]any) {
				doc["changes"] = map[string]any{"enabled": true, "url": "https://crm.example/changes/{ext}", "fields": "status {status}"}
			}, nil},
			{"a macro that does not parse, marked at its row", func(v url.Values) {
				v["new.fields.value"][1] = "{ofp}"
			}, http.StatusUnprocessableEntity, nil, []string{`<tr class="bad"><td><input name="new.fields.name" value="name"`, `<p>new.fields line 2: {ofp} at offset 0`}},
			{"a field's name with a space", func(v url.Values) {
				v["new.fields.name"][4] = "first name"
			}, http.StatusUnprocessableEntity, nil, []string{"new.fields row 5: a field&#39;s name has no spaces"}},
			{"a macro misspelt, saved with a warning", func(v url.Values) {
				v["new.fields.value"][3] = "{phnoe}"
			}, http.StatusOK, func(doc map[string]any) {
				doc["new"].(map[string]any)["fields"] = "# who\nname  {name}\nsource\ncountry {phnoe}"
			}, []string{`id="warnings"`, "did you mean {phone}?"}},
		}
		want := original
		for i, tt := range tests {
			edit := br.get("/admin/integrations/5/edit")
			if i == 0 {
				contains(t, edit, `<option value="post" selected>post</option>`)
			}
			form := edit.formValues(t, "editor")
			tt.edit(form)
			p := br.post("/admin/integrations/5/edit", form)
			if p.code != tt.code {
				t.Fatalf("%s: saving = %d, want %d:\n%s", tt.name, p.code, tt.code, p.body)
			}
			contains(t, p, tt.page...)
			if tt.want != nil {
				tt.want(want)
			}
			if diff := cmp.Diff(want, storedDocument(t, s, 5)); diff != "" {
				t.Errorf("%s: the stored document (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}
