package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/user"
)

// usersPage lists the people, and shows a password or token made just now,
// once.
type usersPage struct {
	Users  []storage.User
	Secret string
}

func (c *Console) users(w http.ResponseWriter, r *http.Request) {
	c.showUsers(w, r, http.StatusOK, "", "", "")
}

func (c *Console) showUsers(w http.ResponseWriter, r *http.Request, status int, flash, problem, secret string) {
	list, err := c.opts.Store.ListUsers(r.Context())
	if err != nil {
		c.log.Error("listing users", "err", err)
		c.problem(w, r, http.StatusInternalServerError, "the users could not be read; the server log has the details")
		return
	}
	c.render(w, r, status, "users", view{Title: "Users", Flash: flash, Error: problem, Data: usersPage{Users: list, Secret: secret}})
}

// addUser adds a person, as leadrelay user add does; with no password given
// one is made up and shown once.
func (c *Console) addUser(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role, err := user.ParseRole(r.PostFormValue("role"))
	if err != nil {
		c.showUsers(w, r, http.StatusUnprocessableEntity, "", err.Error(), "")
		return
	}
	if err := user.CheckName(name); err != nil {
		c.showUsers(w, r, http.StatusUnprocessableEntity, "", err.Error(), "")
		return
	}
	hash, madeUp, err := user.PasswordHash(r.PostFormValue("password"))
	if err != nil {
		c.showUsers(w, r, http.StatusUnprocessableEntity, "", err.Error(), "")
		return
	}
	secret := ""
	if madeUp != "" {
		secret = "Password of " + name + ", shown this once: " + madeUp
	}
	err = c.opts.Store.CreateUser(r.Context(), &storage.User{Name: name, Role: role, PasswordHash: hash})
	if errors.Is(err, storage.ErrExists) {
		c.showUsers(w, r, http.StatusConflict, "", "There is a user "+name+" already.", "")
		return
	}
	if err != nil {
		c.log.Error("adding a user", "err", err)
		c.problem(w, r, http.StatusInternalServerError, "the user could not be added; the server log has the details")
		return
	}
	c.showUsers(w, r, http.StatusOK, fmt.Sprintf("Added %s (%s).", name, role), "", secret)
}

// userAction removes a user, issues a token or revokes them all.
func (c *Console) userAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	u, err := c.opts.Store.UserByName(ctx, name)
	if errors.Is(err, storage.ErrNotFound) {
		c.showUsers(w, r, http.StatusNotFound, "", "There is no user "+name+".", "")
		return
	}
	if err != nil {
		c.log.Error("loading a user", "err", err)
		c.problem(w, r, http.StatusInternalServerError, "the user could not be read; the server log has the details")
		return
	}
	switch r.PathValue("action") {
	case "remove":
		err = c.opts.Store.RemoveUser(ctx, name)
		if err == nil {
			c.showUsers(w, r, http.StatusOK, "Removed "+name+".", "", "")
		}
	case "token":
		token := user.NewSecret()
		err = c.opts.Store.AddToken(ctx, u.ID, storage.HashToken(token))
		if err == nil {
			c.showUsers(w, r, http.StatusOK, "", "", "API token of "+name+", shown this once: "+token)
		}
	case "revoke":
		var n int64
		n, err = c.opts.Store.RevokeTokens(ctx, u.ID)
		if err == nil {
			c.showUsers(w, r, http.StatusOK, fmt.Sprintf("Revoked %d tokens of %s.", n, name), "", "")
		}
	default:
		c.problem(w, r, http.StatusNotFound, "No such action on a user: "+r.PathValue("action"))
		return
	}
	if err != nil {
		c.log.Error("changing a user", "err", err)
		c.problem(w, r, http.StatusInternalServerError, "the change failed; the server log has the details")
	}
}
