package console

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// pageSize is how many rows a list shows.
const pageSize = 50

// listPage is a filtered, paged list.
type listPage struct {
	Filter url.Values
	Rows   []map[string]any
	Next   string
	Flash  string
}

// filterQuery keeps the named filters of the request's query, and the
// paging.
func filterQuery(r *http.Request, names ...string) url.Values {
	q := url.Values{}
	for _, n := range append(names, "after") {
		if v := strings.TrimSpace(r.URL.Query().Get(n)); v != "" {
			q.Set(n, v)
		}
	}
	q.Set("limit", strconv.Itoa(pageSize))
	return q
}

// nextPage is the link to the rows after the last shown, "" at the end.
func nextPage(path string, q url.Values, rows []map[string]any) string {
	if len(rows) < pageSize {
		return ""
	}
	next := url.Values{}
	for k, v := range q {
		next[k] = v
	}
	next.Set("after", num(rows[len(rows)-1]["id"]))
	next.Del("limit")
	return path + "?" + next.Encode()
}

var leadFilters = []string{"status", "reason", "integration", "failed", "uncertain"}

func (c *Console) leads(w http.ResponseWriter, r *http.Request) {
	c.leadList(w, r, "leads", "/admin/leads", filterQuery(r, leadFilters...), "")
}

func (c *Console) failed(w http.ResponseWriter, r *http.Request) {
	q := filterQuery(r, "integration", "status", "reason")
	q.Set("failed", "true")
	c.leadList(w, r, "failed", "/admin/failed", q, "")
}

func (c *Console) leadList(w http.ResponseWriter, r *http.Request, page, path string, q url.Values, flash string) {
	a := c.call(r, http.MethodGet, "/api/v1/admin/leads?"+q.Encode(), nil)
	var list struct {
		Leads []map[string]any `json:"leads"`
	}
	if !a.OK() || a.decode(&list) != nil {
		c.render(w, r, a.Code, page, view{Title: "Leads", Error: a.failure().Message, Data: listPage{Filter: q}})
		return
	}
	c.render(w, r, http.StatusOK, page, view{Title: strings.ToUpper(page[:1]) + page[1:], Flash: flash,
		Data: listPage{Filter: q, Rows: list.Leads, Next: nextPage(path, q, list.Leads)}})
}

// requeue re-queues the ticked leads, or every failed lead the filter
// matches, through the API; the answer is how many went back.
func (c *Console) requeue(w http.ResponseWriter, r *http.Request) {
	req := map[string]any{}
	if r.PostFormValue("all") != "" {
		f := map[string]any{"failed": true}
		for _, k := range []string{"status", "reason"} {
			if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
				f[k] = v
			}
		}
		if v := strings.TrimSpace(r.PostFormValue("integration")); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				c.problem(w, r, http.StatusUnprocessableEntity, "integration: not a number: "+v)
				return
			}
			f["integration"] = id
		}
		req["filter"] = f
	} else {
		var ids []int64
		for _, v := range r.PostForm["ids"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				c.problem(w, r, http.StatusUnprocessableEntity, "lead id: not a number: "+v)
				return
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			c.failedWith(w, r, "Tick the leads to re-queue, or re-queue all that the filter shows.")
			return
		}
		req["ids"] = ids
	}
	a := c.call(r, http.MethodPost, "/api/v1/admin/leads/requeue", req)
	var ans struct {
		Requeued int `json:"requeued"`
	}
	if !a.OK() || a.decode(&ans) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	c.failedWith(w, r, fmt.Sprintf("Re-queued %d leads.", ans.Requeued))
}

func (c *Console) failedWith(w http.ResponseWriter, r *http.Request, flash string) {
	q := url.Values{"failed": {"true"}, "limit": {strconv.Itoa(pageSize)}}
	c.leadList(w, r, "failed", "/admin/failed", q, flash)
}

// leadPage is a lead with its log, and its edit form.
type leadPage struct {
	Lead  map[string]any
	Log   []map[string]any
	Shown []string
}

// leadFormFields are the order data the edit form offers.
var leadFormFields = []string{"name", "last", "phone", "email", "country", "city", "street", "house", "zip", "price", "count", "currency"}

func (c *Console) lead(w http.ResponseWriter, r *http.Request) {
	c.showLead(w, r, http.StatusOK, "", "")
}

func (c *Console) showLead(w http.ResponseWriter, r *http.Request, status int, flash, problem string) {
	a := c.call(r, http.MethodGet, "/api/v1/admin/leads/"+url.PathEscape(r.PathValue("id")), nil)
	var l map[string]any
	if !a.OK() || a.decode(&l) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	p := leadPage{Lead: l}
	if rows, ok := l["log"].([]any); ok {
		for _, row := range rows {
			if m, ok := row.(map[string]any); ok {
				p.Log = append(p.Log, m)
			}
		}
	}
	delete(l, "log")
	for _, k := range sortedKeys(l) {
		if m, ok := l[k].(map[string]any); ok && len(m) == 0 {
			continue
		}
		if v := l[k]; v != nil && v != "" && v != float64(0) && v != false {
			p.Shown = append(p.Shown, k)
		}
	}
	c.render(w, r, status, "lead", view{Title: "Lead " + num(l["id"]), Flash: flash, Error: problem, Data: p})
}

// editLead sends the fields the form changed as a PATCH.
func (c *Console) editLead(w http.ResponseWriter, r *http.Request) {
	a := c.call(r, http.MethodGet, "/api/v1/admin/leads/"+url.PathEscape(r.PathValue("id")), nil)
	var l map[string]any
	if !a.OK() || a.decode(&l) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	patch := map[string]any{}
	if st := r.PostFormValue("status"); st != "" && st != text(l["status"]) {
		patch["status"] = st
	}
	if rs := r.PostFormValue("reason"); rs != "" && rs != num(l["reason"]) {
		patch["reason"] = rs
	}
	if cm, ok := r.PostForm["comment"]; ok && cm[0] != text(l["comment"]) {
		patch["comment"] = cm[0]
	}
	for _, k := range leadFormFields {
		if v, ok := r.PostForm[k]; ok && v[0] != text(l[k]) {
			patch[k] = v[0]
		}
	}
	if len(patch) == 0 {
		c.showLead(w, r, http.StatusOK, "Nothing changed.", "")
		return
	}
	if _, ok := patch["reason"]; ok && patch["status"] == nil {
		patch["status"] = text(l["status"])
	}
	res := c.call(r, http.MethodPatch, "/api/v1/admin/leads/"+url.PathEscape(r.PathValue("id")), patch)
	if !res.OK() {
		c.showLead(w, r, res.Code, "", res.failure().Message)
		return
	}
	keys := make([]string, 0, len(patch))
	for k := range patch {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	c.showLead(w, r, http.StatusOK, "Saved: "+strings.Join(keys, ", ")+".", "")
}

func (c *Console) logPage(w http.ResponseWriter, r *http.Request) {
	q := filterQuery(r, "lead_id", "integration", "outcome")
	a := c.call(r, http.MethodGet, "/api/v1/admin/log?"+q.Encode(), nil)
	var list struct {
		Log []map[string]any `json:"log"`
	}
	if !a.OK() || a.decode(&list) != nil {
		c.render(w, r, a.Code, "log", view{Title: "Log", Error: a.failure().Message, Data: listPage{Filter: q}})
		return
	}
	c.render(w, r, http.StatusOK, "log", view{Title: "Log", Data: listPage{Filter: q, Rows: list.Log, Next: nextPage("/admin/log", q, list.Log)}})
}

// sweep runs a sweep now through the API and shows its outcomes.
func (c *Console) sweep(w http.ResponseWriter, r *http.Request) {
	a := c.call(r, http.MethodPost, "/api/v1/admin/sweep", map[string]any{})
	var ans struct {
		Outcomes map[string]int `json:"outcomes"`
	}
	if !a.OK() || a.decode(&ans) != nil {
		c.problem(w, r, a.Code, a.failure().Message)
		return
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(ans.Outcomes)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, ans.Outcomes[k]))
	}
	flash := "Swept: nothing was due."
	if len(parts) > 0 {
		flash = "Swept: " + strings.Join(parts, ", ") + "."
	}
	c.failedWith(w, r, flash)
}
