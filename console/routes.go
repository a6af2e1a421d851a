package console

import (
	"net/http"

	"github.com/leadrelay/leadrelay/storage/user"
)

func (c *Console) routes() {
	m := c.mux
	m.Handle("GET /admin/static/", http.StripPrefix("/admin/", http.FileServerFS(files)))
	m.HandleFunc("GET /admin/signin", c.signinForm)
	m.HandleFunc("POST /admin/signin", c.signin)
	m.HandleFunc("POST /admin/signout", c.signedIn(c.signout))
	m.HandleFunc("GET /admin/{$}", c.signedIn(c.dashboard))
	m.HandleFunc("POST /admin/sweep", c.signedIn(c.sweep))

	m.HandleFunc("GET /admin/integrations", c.signedIn(c.integrations))
	m.HandleFunc("GET /admin/integrations/new", c.may(user.Configure, c.newIntegration))
	m.HandleFunc("POST /admin/integrations/new", c.may(user.Configure, c.saveIntegration))
	m.HandleFunc("POST /admin/integrations/import", c.may(user.Configure, c.importIntegration))
	m.HandleFunc("GET /admin/integrations/{id}", c.signedIn(c.integration))
	m.HandleFunc("POST /admin/integrations/{id}/test", c.signedIn(c.testIntegration))
	m.HandleFunc("GET /admin/integrations/{id}/export", c.signedIn(c.exportIntegration))
	m.HandleFunc("GET /admin/integrations/{id}/edit", c.may(user.Configure, c.editIntegration))
	m.HandleFunc("POST /admin/integrations/{id}/edit", c.may(user.Configure, c.saveIntegration))
	m.HandleFunc("POST /admin/integrations/{id}/delete", c.may(user.Configure, c.deleteIntegration))
	m.HandleFunc("POST /admin/integrations/{id}/resume", c.signedIn(c.resume))

	m.HandleFunc("GET /admin/leads", c.signedIn(c.leads))
	m.HandleFunc("GET /admin/leads/{id}", c.signedIn(c.lead))
	m.HandleFunc("POST /admin/leads/{id}", c.signedIn(c.editLead))
	m.HandleFunc("GET /admin/failed", c.signedIn(c.failed))
	m.HandleFunc("POST /admin/failed", c.signedIn(c.requeue))
	m.HandleFunc("GET /admin/log", c.signedIn(c.logPage))

	m.HandleFunc("GET /admin/catalog/{kind}", c.signedIn(c.catalogList))
	m.HandleFunc("POST /admin/catalog/{kind}", c.may(user.Configure, c.catalogSave))
	m.HandleFunc("GET /admin/catalog/{kind}/{id}", c.signedIn(c.catalogObject))
	m.HandleFunc("POST /admin/catalog/{kind}/{id}", c.may(user.Configure, c.catalogSave))
	m.HandleFunc("POST /admin/catalog/{kind}/{id}/delete", c.may(user.Configure, c.catalogDelete))

	m.HandleFunc("GET /admin/users", c.may(user.ManageUsers, c.users))
	m.HandleFunc("POST /admin/users", c.may(user.ManageUsers, c.addUser))
	m.HandleFunc("POST /admin/users/{name}/{action}", c.may(user.ManageUsers, c.userAction))

	m.HandleFunc("/admin/", c.signedIn(func(w http.ResponseWriter, r *http.Request) {
		c.problem(w, r, http.StatusNotFound, "The console has no page "+r.URL.Path+".")
	}))
}
