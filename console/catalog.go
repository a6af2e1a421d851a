package console

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/leadrelay/leadrelay/storage/user"
)

// catalogKinds are the catalog's kinds, as the API names them.
var catalogKinds = []string{"offers", "campaigns", "sites", "goals", "affiliates"}

// catalogPage lists one kind with a form for a new object, or shows one
// object in its form.
type catalogPage struct {
	Kind    string
	Kinds   []string
	Columns []catalogField
	Rows    []map[string]any
	// ID is the object's, "" on the list.
	ID string
	// Controls are the form's: the object's, or a new one's.
	Controls []control
	MayEdit  bool
}

func (c *Console) kind(w http.ResponseWriter, r *http.Request) (string, bool) {
	k := r.PathValue("kind")
	if !slices.Contains(catalogKinds, k) {
		c.problem(w, r, http.StatusNotFound, "The catalog has no "+k+": it has offers, campaigns, sites, goals and affiliates.")
		return "", false
	}
	return k, true
}

func (c *Console) catalogList(w http.ResponseWriter, r *http.Request) {
	k, ok := c.kind(w, r)
	if !ok {
		return
	}
	c.showCatalog(w, r, k, http.StatusOK, "", map[string]any{})
}

// showCatalog lists kind k, its new object's form holding draft.
func (c *Console) showCatalog(w http.ResponseWriter, r *http.Request, k string, status int, problem string, draft map[string]any) {
	a := c.call(r, http.MethodGet, "/api/v1/admin/"+k+"?limit=500", nil)
	var list map[string][]map[string]any
	if !a.OK() || a.decode(&list) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	s, _ := sessionOf(r)
	c.render(w, r, status, "catalog", view{Title: "Catalog: " + k, Error: problem,
		Data: catalogPage{Kind: k, Kinds: catalogKinds, Columns: listed(k), Rows: list[k],
			Controls: controlsFor(k, draft), MayEdit: s.person.Role.May(user.Configure)}})
}

func (c *Console) catalogObject(w http.ResponseWriter, r *http.Request) {
	k, ok := c.kind(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	a := c.call(r, http.MethodGet, "/api/v1/admin/"+k+"/"+url.PathEscape(id), nil)
	var obj map[string]any
	if !a.OK() || a.decode(&obj) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	c.showObject(w, r, k, num(obj["id"]), http.StatusOK, "", "", obj)
}

// showObject shows one object of kind k in its form.
func (c *Console) showObject(w http.ResponseWriter, r *http.Request, k, id string, status int, flash, problem string, obj map[string]any) {
	s, _ := sessionOf(r)
	c.render(w, r, status, "object", view{Title: k + " " + id, Flash: flash, Error: problem,
		Data: catalogPage{Kind: k, Kinds: catalogKinds, ID: id, Controls: controlsFor(k, obj),
			MayEdit: s.person.Role.May(user.Configure)}})
}

// catalogSave creates (POST to the kind) or replaces (POST to an object) an
// object from its form through the API. A new object may give its id.
func (c *Console) catalogSave(w http.ResponseWriter, r *http.Request) {
	k, ok := c.kind(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	obj, err := objectOf(k, r)
	if id == "" {
		if raw := r.PostFormValue("id"); raw != "" {
			obj["id"] = raw
			if n, perr := parseID(raw); perr == nil {
				obj["id"] = n
			} else if err == nil {
				err = perr
			}
		}
	}
	fail := func(status int, msg string) {
		if id == "" {
			c.showCatalog(w, r, k, status, msg, obj)
			return
		}
		c.showObject(w, r, k, id, status, "", msg, obj)
	}
	if err != nil {
		fail(http.StatusUnprocessableEntity, err.Error())
		return
	}
	method, path := http.MethodPost, "/api/v1/admin/"+k
	if id != "" {
		method, path = http.MethodPut, path+"/"+url.PathEscape(id)
	}
	a := c.call(r, method, path, obj)
	var saved map[string]any
	if !a.OK() || a.decode(&saved) != nil {
		fail(a.Code, a.failure().Message)
		return
	}
	if id == "" {
		http.Redirect(w, r, "/admin/catalog/"+k+"/"+num(saved["id"]), http.StatusSeeOther)
		return
	}
	c.showObject(w, r, k, num(saved["id"]), http.StatusOK, "Saved.", "", saved)
}

func (c *Console) catalogDelete(w http.ResponseWriter, r *http.Request) {
	k, ok := c.kind(w, r)
	if !ok {
		return
	}
	a := c.call(r, http.MethodDelete, "/api/v1/admin/"+k+"/"+url.PathEscape(r.PathValue("id")), nil)
	if !a.OK() {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	http.Redirect(w, r, "/admin/catalog/"+k, http.StatusSeeOther)
}
