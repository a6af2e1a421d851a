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
// the document it was: nothing the form does not show is lost, secrets
// keep their values, and the JSON box leaves out what the form shows.
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
				form := edit.formValues(t, "editor")
				var box map[string]any
				if err := json.Unmarshal([]byte(form.Get("document")), &box); err != nil {
					t.Fatalf("%s %s: the JSON box: %v", ex.Folder, doc.Name, err)
				}
				for _, k := range []string{"offers", "countries", "secrets", "hours", "caps"} {
					if _, ok := box[k]; ok {
						t.Errorf("%s %s: the JSON box holds %q, which the form shows", ex.Folder, doc.Name, k)
					}
				}
				for name, value := range doc.Secrets {
					if strings.Contains(edit.body, value) {
						t.Errorf("%s %s: the editor shows the value of secret %q", ex.Folder, doc.Name, name)
					}
				}
				saved := br.post(fmt.Sprintf("/admin/integrations/%d/edit", doc.ID), form)
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

// The offers, countries and secrets are form controls: a ticked list of
// the document's and the catalog's offers, a text of country codes, and
// rows of secrets whose values read *** and keep the stored value when
// left so. No page shows a secret's value.
func TestEditorOffersCountriesSecrets(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		b.person("sam", user.Support, password)
		br := b.browser()
		home := br.signIn("ann", password)
		for _, name := range []string{"Slim <tea>", "Coffee"} {
			if p := br.submit(home, "/admin/catalog/offers", url.Values{"name": {name}}); p.code != http.StatusOK {
				t.Fatalf("adding offer %s = %d:\n%s", name, p.code, p.body)
			}
		}
		const doc = `{"id":7,"name":"crm","enabled":true,"offers":[9,1],"countries":["gb","de"],
 "secrets":{"token":"tok-secret-1","hook":"hk-secret-2"},"retry":{"max_attempts":4},
 "new":{"enabled":true,"url":"https://crm.example/orders?t={secret:token}","fields":"phone {phone}"}}`
		if p := br.submit(home, "/admin/integrations/import", url.Values{"json": {doc}}); p.code != http.StatusOK {
			t.Fatalf("import = %d:\n%s", p.code, p.body)
		}
		stored := []string{"tok-secret-1", "hk-secret-2", "hk-new", "ex-"}
		editSteps(t, br, s, 7, stored, []editStep{
			{"unchanged", func(url.Values) {}, http.StatusOK, func(map[string]any) {}, []string{
				`<input type="checkbox" name="offers" value="9" checked> 9 (not in the catalog)`,
				`<input type="checkbox" name="offers" value="1" checked> 1 Slim &lt;tea&gt;`,
				`<input type="checkbox" name="offers" value="2"> 2 Coffee`,
				`id="countries" value="gb, de"`,
				`<input name="secrets.name" value="hook"`, `<input name="secrets.value" value="***"`,
				`id="retry-max_attempts" value="4"`, `<textarea name="document" id="document" rows="14" spellcheck="false">{}</textarea>`,
			}},
			{"an offer ticked and one the catalog lacks unticked", func(v url.Values) {
				v["offers"] = []string{"1", "2"}
			}, http.StatusOK, func(doc map[string]any) {
				doc["offers"] = []any{1.0, 2.0}
			}, []string{`<input type="checkbox" name="offers" value="2" checked> 2 Coffee`}},
			{"countries in capitals, commas and spaces", func(v url.Values) {
				v.Set("countries", " GB de,,  fr ")
			}, http.StatusOK, func(doc map[string]any) {
				doc["countries"] = []any{"gb", "de", "fr"}
			}, []string{`id="countries" value="gb, de, fr"`}},
			{"a country that is not one", func(v url.Values) {
				v.Set("countries", "gb, britain")
			}, http.StatusUnprocessableEntity, nil, []string{`id="countries" value="gb, britain"`, "countries[1]"}},
			{"a secret changed, one left as ***, one added", func(v url.Values) {
				v["secrets.value"][0] = "hk-new"
				v["secrets.name"][2], v["secrets.value"][2] = "extra", "ex-<1>"
			}, http.StatusOK, func(doc map[string]any) {
				doc["secrets"] = map[string]any{"token": "tok-secret-1", "hook": "hk-new", "extra": "ex-<1>"}
			}, nil},
			{"a secret removed", func(v url.Values) {
				v.Add("secrets.remove", "0")
			}, http.StatusOK, func(doc map[string]any) {
				delete(doc["secrets"].(map[string]any), "extra")
			}, []string{`<input name="secrets.name" value="hook"`, `<input name="secrets.name" value="token"`}},
			{"a secret without a name", func(v url.Values) {
				v["secrets.value"][2] = "orphan"
			}, http.StatusUnprocessableEntity, nil, []string{"secrets row 3: a row with a value has a name"}},
			{"a secret named twice", func(v url.Values) {
				v["secrets.name"][2], v["secrets.value"][2] = "hook", "x"
			}, http.StatusUnprocessableEntity, nil, []string{"secrets row 3: &#34;hook&#34; is named twice"}},
			{"no countries and no offers", func(v url.Values) {
				v.Set("countries", "")
				delete(v, "offers")
			}, http.StatusOK, func(doc map[string]any) {
				doc["offers"] = []any{}
				delete(doc, "countries")
			}, []string{`<input type="checkbox" name="offers" value="1"> 1 Slim &lt;tea&gt;`}},
		})
		support := b.browser()
		support.signIn("sam", password)
		view := support.get("/admin/integrations/7")
		contains(t, view, `&#34;token&#34;: &#34;***&#34;`)
		for _, secret := range []string{"tok-secret-1", "hk-new"} {
			if strings.Contains(view.body, secret) {
				t.Errorf("support's page shows the secret %q", secret)
			}
		}
	})
}

// editStep is one edit of the editor's form: what it changes, the answer's
// code and text, and the change to the stored document (nil for none).
type editStep struct {
	name string
	edit func(v url.Values)
	code int
	want func(doc map[string]any)
	page []string
}

// editSteps saves the editor's form of integration id once a step, each
// changed by its step, and checks the stored document after each; no page
// may show any of the secrets.
func editSteps(t *testing.T, br *browser, s *storage.Store, id int64, secrets []string, steps []editStep) {
	t.Helper()
	path := fmt.Sprintf("/admin/integrations/%d/edit", id)
	want := storedDocument(t, s, id)
	for _, tt := range steps {
		edit := br.get(path)
		form := edit.formValues(t, "editor")
		tt.edit(form)
		p := br.post(path, form)
		if p.code != tt.code {
			t.Fatalf("%s: saving = %d, want %d:\n%s", tt.name, p.code, tt.code, p.body)
		}
		contains(t, p, tt.page...)
		if tt.want != nil {
			tt.want(want)
		}
		if diff := cmp.Diff(want, storedDocument(t, s, id)); diff != "" {
			t.Errorf("%s: the stored document (-want +got):\n%s", tt.name, diff)
		}
		for _, page := range []page{edit, p} {
			for _, secret := range secrets {
				if strings.Contains(page.body, secret) {
					t.Errorf("%s: the editor shows the secret %q", tt.name, secret)
				}
			}
		}
	}
}

// retry.max_attempts, the caps and the hours are form controls; an object
// the form empties leaves the document, and the document's other keys stay.
func TestEditorRetryCapsHours(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		const doc = `{"id":8,"name":"crm","enabled":true,"offers":[1],"timezone":"Europe/Berlin",
 "retry":{"max_attempts":4},"caps":{"daily":500},"hours":{"mon-fri":"09:00-18:00"},"status_map":{"accepted":"packaging"},
 "new":{"enabled":true,"url":"https://crm.example/orders","fields":"phone {phone}"}}`
		if p := br.submit(home, "/admin/integrations/import", url.Values{"json": {doc}}); p.code != http.StatusOK {
			t.Fatalf("import = %d:\n%s", p.code, p.body)
		}
		editSteps(t, br, s, 8, nil, []editStep{
			{"unchanged", func(url.Values) {}, http.StatusOK, func(map[string]any) {}, []string{
				`id="retry-max_attempts" value="4"`, `id="caps-daily" value="500"`, `id="caps-hourly" value=""`,
				`<input name="hours.name" value="mon-fri"`, `<input name="hours.value" value="09:00-18:00"`,
				`&#34;status_map&#34;: {`,
			}},
			{"no limit on attempts and an hourly cap", func(v url.Values) {
				v.Set("retry.max_attempts", "0")
				v.Set("caps.hourly", " 60 ")
			}, http.StatusOK, func(doc map[string]any) {
				doc["retry"] = map[string]any{"max_attempts": 0.0}
				doc["caps"] = map[string]any{"daily": 500.0, "hourly": 60.0}
			}, []string{`id="caps-hourly" value="60"`}},
			{"a day's hours added and a range removed", func(v url.Values) {
				v.Add("hours.remove", "0")
				v["hours.name"][1], v["hours.value"][1] = "sat", "10:00-14:00,20:00-02:00"
			}, http.StatusOK, func(doc map[string]any) {
				doc["hours"] = map[string]any{"sat": "10:00-14:00,20:00-02:00"}
			}, []string{`<input name="hours.name" value="sat"`}},
			{"a cap that is not a number", func(v url.Values) {
				v.Set("caps.daily", "lots")
			}, http.StatusUnprocessableEntity, nil, []string{"caps.daily: not a whole number: &#34;lots&#34;", `id="caps-daily" value="lots"`}},
			{"hours that do not parse", func(v url.Values) {
				v["hours.value"][0] = "all day"
			}, http.StatusUnprocessableEntity, nil, []string{`<input name="hours.value" value="all day"`}},
			{"the default attempts, no caps and no hours", func(v url.Values) {
				v.Set("retry.max_attempts", "")
				v.Set("caps.daily", "")
				v.Set("caps.hourly", "")
				v.Add("hours.remove", "0")
			}, http.StatusOK, func(doc map[string]any) {
				doc["retry"] = map[string]any{}
				delete(doc, "caps")
				delete(doc, "hours")
			}, []string{`<textarea name="document" id="document" rows="14" spellcheck="false">{
  &#34;retry&#34;: {},
  &#34;status_map&#34;: {`}},
		})
	})
}

// approved's from_status is a select of the statuses and postback's
// statuses a ticked list, the mode's own in its order first.
func TestEditorModeStatuses(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		b.person("ann", user.Admin, password)
		br := b.browser()
		home := br.signIn("ann", password)
		const doc = `{"id":9,"name":"crm","enabled":true,"offers":[1],
 "approved":{"enabled":true,"url":"https://crm.example/approved","from_status":"packaging"},
 "postback":{"enabled":true,"url":"https://tracker.example/pb?s={status}","statuses":["cancel","packaging"]}}`
		if p := br.submit(home, "/admin/integrations/import", url.Values{"json": {doc}}); p.code != http.StatusOK {
			t.Fatalf("import = %d:\n%s", p.code, p.body)
		}
		editSteps(t, br, s, 9, nil, []editStep{
			{"unchanged", func(url.Values) {}, http.StatusOK, func(map[string]any) {}, []string{
				`<option value="packaging" selected>packaging</option>`,
				`name="postback.statuses" value="cancel" checked> cancel</label>
<label class="check"><input type="checkbox" name="postback.statuses" value="packaging" checked> packaging</label>
<label class="check"><input type="checkbox" name="postback.statuses" value="new"> new</label>`,
			}},
			{"another status to send and one more to post back", func(v url.Values) {
				v.Set("approved.from_status", "delivered")
				v.Add("postback.statuses", "paid")
			}, http.StatusOK, func(doc map[string]any) {
				doc["approved"].(map[string]any)["from_status"] = "delivered"
				doc["postback"].(map[string]any)["statuses"] = []any{"cancel", "packaging", "paid"}
			}, []string{`<option value="delivered" selected>delivered</option>`}},
			{"a status that is not one", func(v url.Values) {
				v.Set("approved.from_status", "<shipped>")
			}, http.StatusUnprocessableEntity, nil, []string{`<option value="&lt;shipped&gt;" selected>&lt;shipped&gt;</option>`}},
			{"every status posted back", func(v url.Values) {
				delete(v, "postback.statuses")
			}, http.StatusOK, func(doc map[string]any) {
				delete(doc["postback"].(map[string]any), "statuses")
			}, []string{`name="postback.statuses" value="new"> new`}},
		})
	})
}
