// Package user holds what a person may do: the roles of SPEC §10 and the one
// rule that says which role may take which action.
package user

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a person is allowed: admin or support.
type Role string

// The two roles.
const (
	Admin   Role = "admin"
	Support Role = "support"
)

// ParseRole reads a role by its name.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case Admin, Support:
		return r, nil
	}
	return "", fmt.Errorf("role %q: want admin or support", s)
}

// Action is one kind of thing a person does through the API or the console.
type Action string

// The actions the roles are told apart by.
const (
	// Read is reading anything, secrets excepted.
	Read Action = "read"
	// ReadSecrets is reading integrations' secrets and campaigns' keys in clear.
	ReadSecrets Action = "read secrets"
	// EditLead is a PATCH of a lead: status, reason, comment, order data.
	EditLead Action = "edit leads"
	// Requeue puts failed or cancelled leads back in a queue.
	Requeue Action = "re-queue leads"
	// Sweep runs a sweep now.
	Sweep Action = "run a sweep"
	// Resume ends a mode's pause.
	Resume Action = "resume a paused mode"
	// DryRun runs an integration on a lead with a given response.
	DryRun Action = "run dry runs"
	// Send runs a dry run that really sends.
	Send Action = "send for real from a dry run"
	// Configure changes integrations, the catalog and campaigns.
	Configure Action = "change integrations, the catalog and campaigns"
	// ManageUsers adds and removes people and their tokens.
	ManageUsers Action = "manage users"
)

// supportMay lists what support may do; admin may do everything.
var supportMay = map[Action]bool{Read: true, EditLead: true, Requeue: true, Sweep: true, Resume: true, DryRun: true}

// May reports whether the role is allowed the action.
func (r Role) May(a Action) bool {
	switch r {
	case Admin:
		return true
	case Support:
		return supportMay[a]
	}
	return false
}

// Person is who makes a request: a user by name, or the environment's admin
// token.
type Person struct {
	Name string
	Role Role
}

// AdminToken is the name the environment's LEADRELAY_ADMIN_TOKEN goes by in
// the log's "by".
const AdminToken = "admin-token"

// Refusal is the sentence a refused person reads.
func (p Person) Refusal(a Action) string {
	return fmt.Sprintf("%s is %s, and %s may not %s; ask an admin", p.Name, p.Role, p.Role, a)
}

// Password lengths: bcrypt reads 72 bytes at most, and a short password is
// guessed.
const (
	MinPassword = 10
	MaxPassword = 72
)

// HashPassword is how a password is kept: its bcrypt hash.
func HashPassword(password string) (string, error) {
	switch {
	case len(password) < MinPassword:
		return "", fmt.Errorf("the password is shorter than %d characters", MinPassword)
	case len(password) > MaxPassword:
		return "", fmt.Errorf("the password is longer than %d bytes, which bcrypt cannot tell apart", MaxPassword)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hashing the password: %w", err)
	}
	return string(h), nil
}

// CheckName refuses a name a person cannot have: empty, longer than 64
// characters, or with a space in it.
func CheckName(name string) error {
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n") {
		return fmt.Errorf("the name %q: 1 to 64 characters, no spaces", name)
	}
	return nil
}

// PasswordHash hashes a new person's password (see HashPassword); with none
// given it makes one up and returns it too, to be shown once.
func PasswordHash(password string) (hash, madeUp string, err error) {
	if password == "" {
		password = NewSecret()[:24]
		madeUp = password
	}
	hash, err = HashPassword(password)
	return hash, madeUp, err
}

// CheckPassword reports whether password is the one hash was made of.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHash is compared against when there is no user of the name, so an
// unknown name takes as long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user, no such password"), bcrypt.DefaultCost)
	return h
})

// SpendCheck takes the time of a password check and refuses, for a name
// that has no user.
func SpendCheck(password string) {
	_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
}

// NewSecret is a new random token: an API token, a session cookie, a CSRF
// token or a generated password; 32 random bytes in hex.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type personKey struct{}

// WithPerson marks ctx as a request p makes, so the changes made under it
// are logged with p's name as "by".
func WithPerson(ctx context.Context, p Person) context.Context {
	return context.WithValue(ctx, personKey{}, p)
}

// From is the person ctx was marked with; false when none was.
func From(ctx context.Context) (Person, bool) {
	p, ok := ctx.Value(personKey{}).(Person)
	return p, ok
}

// By is the name of the person ctx was marked with, "" when none was.
func By(ctx context.Context) string {
	p, _ := From(ctx)
	return p.Name
}
