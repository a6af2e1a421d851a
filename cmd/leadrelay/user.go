package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/user"
)

const userDetail = `leadrelay user add NAME [--role admin|support]
leadrelay user list
leadrelay user remove NAME
leadrelay user token NAME [--revoke]

People who sign in to the console (GET /admin/) and call the admin API.
add reads the password from standard input (the first line); with nothing
there it makes one up and prints it once. token prints a new API token,
sent as Authorization: Bearer TOKEN and shown this once only; --revoke ends
all of the user's tokens instead. An admin may do everything; support may
read (secrets as ***), edit leads, re-queue, sweep, resume and run dry runs
with a given response.`

func runUser(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(a.stderr, userDetail)
			return errHelp
		}
		return fmt.Errorf("%w: say add, list, remove or token", errUsage)
	}
	word, args := args[0], args[1:]
	var role string
	var revoke bool
	name, cfg, err := a.parseUserFlags(args, func(fs *flag.FlagSet) {
		switch word {
		case "add":
			fs.StringVar(&role, "role", string(user.Support), "admin or support")
		case "token":
			fs.BoolVar(&revoke, "revoke", false, "end every token of the user instead of making one")
		}
	})
	if err != nil {
		return err
	}
	if (word == "list") != (name == "") {
		if word == "list" {
			return fmt.Errorf("%w: user list takes no name", errUsage)
		}
		return fmt.Errorf("%w: user %s needs a NAME", errUsage, word)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	switch word {
	case "add":
		return a.addUser(ctx, store, name, role)
	case "list":
		return a.listUsers(ctx, store)
	case "remove":
		if err := store.RemoveUser(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "removed %s\n", name)
		return nil
	case "token":
		return a.userToken(ctx, store, name, revoke)
	}
	return fmt.Errorf("%w: unknown word %q: say add, list, remove or token", errUsage, word)
}

// parseUserFlags reads NAME, which may come before or after the flags.
func (a *app) parseUserFlags(args []string, bind func(fs *flag.FlagSet)) (string, Config, error) {
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cfg, rest, err := a.parseFlags("user", args, bind)
	if err != nil {
		return "", cfg, err
	}
	if name == "" && len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return "", cfg, fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	return name, cfg, nil
}

func (a *app) addUser(ctx context.Context, store *storage.Store, name, roleName string) error {
	role, err := user.ParseRole(roleName)
	if err != nil {
		return fmt.Errorf("%w: --role: %v", errUsage, err)
	}
	if err := user.CheckName(name); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	password, err := a.readPassword()
	if err != nil {
		return err
	}
	hash, madeUp, err := user.PasswordHash(password)
	if err != nil {
		return err
	}
	if err := store.CreateUser(ctx, &storage.User{Name: name, Role: role, PasswordHash: hash}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "added %s (%s)\n", name, role)
	if madeUp != "" {
		fmt.Fprintf(a.stdout, "password: %s\n(shown this once; sign in at /admin/)\n", madeUp)
	}
	return nil
}

// readPassword reads the first line of standard input; "" when standard
// input is a terminal or empty.
func (a *app) readPassword() (string, error) {
	if a.stdin == nil {
		return "", nil
	}
	if f, ok := a.stdin.(*os.File); ok {
		if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice != 0 {
			return "", nil
		}
	}
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (a *app) listUsers(ctx context.Context, store *storage.Store) error {
	users, err := store.ListUsers(ctx)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		fmt.Fprintln(a.stdout, "no users: add one with leadrelay user add NAME --role admin")
		return nil
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tADDED")
	for _, u := range users {
		fmt.Fprintf(w, "%s\t%s\t%s\n", u.Name, u.Role, u.CreatedAt.UTC().Format("2006-01-02 15:04"))
	}
	return w.Flush()
}

func (a *app) userToken(ctx context.Context, store *storage.Store, name string, revoke bool) error {
	u, err := store.UserByName(ctx, name)
	if err != nil {
		return err
	}
	if revoke {
		n, err := store.RevokeTokens(ctx, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "revoked %d tokens of %s\n", n, name)
		return nil
	}
	token := user.NewSecret()
	if err := store.AddToken(ctx, u.ID, storage.HashToken(token)); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", token)
	fmt.Fprintf(a.stderr, "a new API token of %s (%s), shown this once: send it as Authorization: Bearer TOKEN\n", name, u.Role)
	return nil
}
