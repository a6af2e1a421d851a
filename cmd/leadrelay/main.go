// Command leadrelay stores leads and delivers them to the systems that work
// them. Run "leadrelay help" for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// exitUsage is the exit code for a command line that cannot be run.
const exitUsage = 2

// errUsage marks errors in how a command was called.
var errUsage = errors.New("usage")

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, app *app, args []string) error
}

// app is what every command shares: its output streams and environment.
type app struct {
	stdout, stderr io.Writer
	env            envSource
	logger         *slog.Logger
}

func commands() []command {
	return []command{
		{"serve", "HTTP API and the minute scheduler (migrates the database first)", runServe},
		{"migrate", "create or upgrade the schema", runMigrate},
		{"sweep", "one sweep now, then exit; prints counts by outcome: sweep [--mode M]", notYet},
		{"requeue", "put failed or cancelled leads back in the queue", notYet},
		{"test", "dry-run an integration on a lead", notYet},
		{"import", "import integrations, catalog and campaigns from JSON files", notYet},
		{"export", "export integrations, catalog and campaigns as JSON", notYet},
		{"demo", "a self-contained run against a fake CRM", notYet},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdout: os.Stdout, stderr: os.Stderr, env: osEnv,
		logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	os.Exit(a.main(ctx, os.Args[1:]))
}

func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		a.printHelp()
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, a, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(a.stderr, "leadrelay %s: %v\n", c.name, err)
			return exitUsage
		default:
			fmt.Fprintf(a.stderr, "leadrelay %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(a.stderr, "leadrelay: unknown command %q; run leadrelay help\n", args[0])
	return exitUsage
}

func (a *app) printHelp() {
	fmt.Fprintln(a.stdout, "leadrelay stores leads and delivers them to the systems that work them.")
	fmt.Fprintln(a.stdout, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(a.stdout, "  %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(a.stdout, "\nRun leadrelay COMMAND -h for a command's flags.")
}

func notYet(_ context.Context, _ *app, _ []string) error {
	return fmt.Errorf("%w: not available yet", errUsage)
}
