package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/user"
)

// runIn runs one command line with stdin as its standard input.
func (c *cli) runIn(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"LEADRELAY_DSN": c.dsn}
	a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, env: func(k string) string { return env[k] }}
	code = a.main(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestUserWords(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	if code, out, errOut := c.runIn("correct horse battery\n", "user", "add", "ann", "--role", "admin"); code != 0 || !strings.Contains(out, "added ann (admin)") {
		t.Fatalf("user add: exit %d, %q, %q", code, out, errOut)
	}
	code, out, _ := c.runIn("", "user", "add", "--role", "support", "bob")
	if code != 0 || !strings.Contains(out, "password: ") {
		t.Fatalf("user add without a password: exit %d, %q", code, out)
	}
	generated := strings.Fields(strings.SplitN(out, "password: ", 2)[1])[0]
	if code, _, errOut := c.runIn("correct horse battery\n", "user", "add", "ann"); code == 0 || !strings.Contains(errOut, "exists already") {
		t.Errorf("a second ann: exit %d, %q", code, errOut)
	}
	if code, _, errOut := c.runIn("short\n", "user", "add", "cy"); code == 0 || !strings.Contains(errOut, "shorter than 10") {
		t.Errorf("a short password: exit %d, %q", code, errOut)
	}
	if code, _, errOut := c.runIn("", "user", "add", "cy", "--role", "root"); code != exitUsage || !strings.Contains(errOut, "want admin or support") {
		t.Errorf("an unknown role: exit %d, %q", code, errOut)
	}
	code, token, _ := c.runIn("", "user", "token", "bob")
	token = strings.TrimSpace(token)
	if code != 0 || len(token) != 64 {
		t.Fatalf("user token: exit %d, %q", code, token)
	}
	if out := c.mustRun("user", "list"); !strings.Contains(out, "ann") || !strings.Contains(out, "support") {
		t.Errorf("user list = %q", out)
	}

	c.withStore(func(s *storage.Store) {
		ctx := context.Background()
		bob, err := s.UserByToken(ctx, storage.HashToken(token))
		if err != nil || bob.Name != "bob" || !user.CheckPassword(bob.PasswordHash, generated) {
			t.Fatalf("bob by his token: %+v, %v", bob, err)
		}
		ann, err := s.UserByName(ctx, "ann")
		if err != nil || !user.CheckPassword(ann.PasswordHash, "correct horse battery") || strings.Contains(ann.PasswordHash, "horse") {
			t.Fatalf("ann's password is not kept as a bcrypt hash: %+v, %v", ann, err)
		}
	})

	if out := c.mustRun("user", "token", "bob", "--revoke"); !strings.Contains(out, "revoked 1 tokens") {
		t.Errorf("user token --revoke = %q", out)
	}
	c.mustRun("user", "remove", "bob")
	if code, _, errOut := c.runIn("", "user", "remove", "bob"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("removing bob twice: exit %d, %q", code, errOut)
	}
}
