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
	"time"
)

// exitUsage is the exit code for a command line that cannot be run.
const exitUsage = 2

// errUsage marks errors in how a command was called.
var errUsage = errors.New("usage")

// errHelp says a command printed its help when asked (-h).
var errHelp = errors.New("help printed")

type command struct {
	name  string
	usage string
	// detail is printed above the flags by "leadrelay COMMAND -h".
	detail string
	run    func(ctx context.Context, app *app, args []string) error
}

// app is what every command shares: its output streams and environment.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            envSource
	logger         *slog.Logger
	// httpGrace is how long serve waits for HTTP requests once it stops,
	// beyond the sends of sweeps in flight. Default 15 s.
	httpGrace time.Duration
}

func commands() []command {
	return []command{
		{"serve", "HTTP API and the minute scheduler (migrates the database first)", "leadrelay serve [flags]", runServe},
		{"migrate", "create or upgrade the schema", "leadrelay migrate [flags]", runMigrate},
		{"sweep", "one sweep now, then exit; prints counts by outcome", "leadrelay sweep [--mode M]", runSweep},
		{"requeue", "put failed or cancelled leads back in their queue", requeueDetail, runRequeue},
		{"test", "dry-run an integration on a lead, printed for a person", testDetail, runTest},
		{"leads", "list leads, newest first, as a table or as JSON", leadsDetail, runLeads},
		{"log", "list the log, newest first, as a table or as JSON", logDetail, runLog},
		{"import", "import integrations, catalog and campaigns from JSON files", importDetail, runImport},
		{"export", "print integrations, catalog and campaigns as JSON, secrets as ***", exportDetail, runExport},
		{"user", "add, list and remove people, and issue their API tokens", userDetail, runUser},
		{"demo", "a self-contained run against a fake CRM", "leadrelay demo", runDemo},
	}
}

const (
	requeueDetail = `leadrelay requeue [--ids 1,2] [--status S] [--reason R] [--failed] [--integration I] [--since T] [--until T] [--mode M]

Failed or cancelled leads go back to new (attempts reset, reason cleared),
or with --mode a mode's failed deliveries back in its queue. Name the leads
by --ids or by a filter; statuses and reasons by id or name, times as
RFC 3339 or a date.`
	testDetail = `leadrelay test --integration I --mode M (--lead N | --lead-file F) [--send | --response-file F [--response-code N | --response-json]]
leadrelay test --integration I --mode hook --body-file F [--header "Name: value"]… [--query k=v]…

Runs one mode of an integration on a stored lead (--lead) or on a lead given
as a JSON file of its fields (--lead-file), and prints the request, the
response, the script log, the return value and what it would do to the
lead. Nothing is written. Without --send no request is made: the processing
script reads the --response-file as the body of an answer with code
--response-code (default 200), or with --response-json as the whole answer
{"code":200,"headers":{…},"body":"…"}; with no file it sees no response at
all (code 0). With --mode hook, the hook script reads the webhook whose body
is in --body-file, and the output says which lead it names, which status
change and which postbacks would follow. The exit code is 1 when a script
failed.`
	importDetail = `leadrelay import FILE…

Each FILE holds one integration document, or an object
{"integrations":[…],"offers":[…],"sites":[…],"goals":[…],"affiliates":[…],"campaigns":[…]}
as leadrelay export writes it. An integration's "pre", "post" or "hook" may
be "@name.lua": the script is read from that file, relative to the JSON
file. Objects with an id are created or replaced; a campaign without one
replaces the campaign of the same alias; a secret given as *** keeps the
stored value. Everything is checked as the admin API checks it, and nothing
is stored when anything is wrong.`
	exportDetail = `leadrelay export [--with-secrets] > leadrelay.json

Prints every integration and the whole catalog as one JSON object, for
leadrelay import. Integration secrets read ***: imported back into the
same database, *** keeps the stored value. For a move to another database,
--with-secrets writes them in clear (and says so on stderr): keep that
output safe.`
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, env: osEnv,
		logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	go func() {
		<-ctx.Done()
		// The first signal stops the command gently; a second one ends the
		// process at once, no worse than SIGKILL.
		stop()
		a.logger.Info("stopping: sends in flight finish and their outcomes are written; a second signal ends at once")
	}()
	os.Exit(a.main(ctx, os.Args[1:]))
}

func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.printHelp(a.stderr)
		return exitUsage
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		a.printHelp(a.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, a, args[1:])
		switch {
		case err == nil, errors.Is(err, errHelp):
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

func (a *app) printHelp(w io.Writer) {
	fmt.Fprintln(w, "leadrelay stores leads and delivers them to the systems that work them.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nRun leadrelay COMMAND -h for a command's flags.")
}
