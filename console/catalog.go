package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"

	"github.com/leadrelay/leadrelay/storage/user"
)

// catalogKinds are the catalog's kinds, as the API names them.
var catalogKinds = []string{"offers", "campaigns", "sites", "goals", "affiliates"}

// catalogPage lists one kind, or shows one object in its form.
type catalogPage struct {
	Kind    string
	Kinds   []string
	Rows    []map[string]any
	ID      string
	JSON    string
	MayEdit bool
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
	c.showCatalog(w, r, http.StatusOK, "", "{}")
}

func (c *Console) showCatalog(w http.ResponseWriter, r *http.Request, status int, problem, draft string) {
	k, ok := c.kind(w, r)
	if !ok {
		return
	}
	a := c.call(r, http.MethodGet, "/api/v1/admin/"+k+"?limit=500", nil)
	var list map[string][]map[string]any
	if !a.OK() || a.decode(&list) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	s, _ := sessionOf(r)
	c.render(w, r, status, "catalog", view{Title: "Catalog: " + k, Error: problem,
		Data: catalogPage{Kind: k, Kinds: catalogKinds, Rows: list[k], JSON: draft, MayEdit: s.person.Role.May(user.Configure)}})
}

func (c *Console) catalogObject(w http.ResponseWriter, r *http.Request) {
	k, ok := c.kind(w, r)
	if !ok {
		return
	}
	a := c.call(r, http.MethodGet, "/api/v1/admin/"+k+"/"+url.PathEscape(r.PathValue("id")), nil)
	if !a.OK() {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	s, _ := sessionOf(r)
	c.render(w, r, http.StatusOK, "object", view{Title: k + " " + r.PathValue("id"),
		Data: catalogPage{Kind: k, Kinds: catalogKinds, ID: r.PathValue("id"), JSON: pretty(json.RawMessage(a.Body)),
			MayEdit: s.person.Role.May(user.Configure)}})
}

// catalogSave creates (POST to the kind) or replaces (POST to an object) an
// object from its JSON through the API.
func (c *Console) catalogSave(w http.ResponseWriter, r *http.Request) {
	k, ok := c.kind(w, r)
	if !ok {
		return
	}
	body := r.PostFormValue("json")
	method, path := http.MethodPost, "/api/v1/admin/"+k
	id := r.PathValue("id")
	if id != "" {
		method, path = http.MethodPut, path+"/"+url.PathEscape(id)
	}
	a := c.call(r, method, path, []byte(body))
	if !a.OK() {
		if id == "" {
			c.showCatalog(w, r, a.Code, a.failure().Message, body)
			return
		}
		c.render(w, r, a.Code, "object", view{Title: k + " " + id, Error: a.failure().Message,
			Data: catalogPage{Kind: k, Kinds: catalogKinds, ID: id, JSON: body, MayEdit: true}})
		return
	}
	http.Redirect(w, r, "/admin/catalog/"+k, http.StatusSeeOther)
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
