package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/leadrelay/leadrelay/api"
	"github.com/leadrelay/leadrelay/console"
	"github.com/leadrelay/leadrelay/storage"
)

func runMigrate(ctx context.Context, a *app, args []string) error {
	cfg, err := a.parseConfig("migrate", args)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "schema at version %d (%s)\n", v, store.Dialect())
	return nil
}

func runServe(ctx context.Context, a *app, args []string) error {
	cfg, err := a.parseConfig("serve", args)
	if err != nil {
		return err
	}
	rt, err := a.openRuntime(ctx, cfg)
	if err != nil {
		return err
	}
	// The dispatcher stops after the HTTP server has drained: requests still
	// being answered may need it.
	defer rt.close()
	return a.serve(ctx, cfg, rt)
}

// serve runs the HTTP API and the sweep scheduler until ctx ends (SIGINT,
// SIGTERM) or serving fails.
func (a *app) serve(ctx context.Context, cfg Config, rt *runtime) error {
	a.tuneCollector()
	srv, err := api.New(api.Options{Store: rt.store, Dispatcher: rt.dispatcher, AdminToken: cfg.AdminToken,
		Registry: rt.registry, Logger: a.logger})
	if err != nil {
		return err
	}
	con, err := console.New(console.Options{Store: rt.store, API: srv.Handler(), Logger: a.logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	if cfg.AdminToken == "" {
		a.logger.Info("no LEADRELAY_ADMIN_TOKEN: the admin API and the console take the people of leadrelay user add")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cfg.PprofAddr != "" {
		go a.servePprof(ctx, cfg.PprofAddr)
	}
	schedulerDone := make(chan error, 1)
	go func() { schedulerDone <- rt.dispatcher.Run(ctx) }()
	httpServer := &http.Server{Handler: con.Handler(), ReadHeaderTimeout: 10 * time.Second}
	a.logger.Info("leadrelay serving", "addr", ln.Addr().String(), "console", "http://"+ln.Addr().String()+"/admin/", "db", storage.RedactDSN(cfg.DSN), "schedule", cfg.Schedule)
	err = a.serveUntilDone(ctx, httpServer, ln, rt)
	cancel()
	if schedErr := <-schedulerDone; err == nil && schedErr != nil {
		err = fmt.Errorf("running the scheduler: %w", schedErr)
	}
	return err
}

// defaultHTTPGrace is how long serve waits for HTTP requests once it
// stops, beyond the sends of sweeps in flight.
const defaultHTTPGrace = 15 * time.Second

// serveUntilDone serves until ctx ends (SIGINT/SIGTERM), then stops: every
// sweep stops claiming (an admin sweep too), no sync send starts, and the
// HTTP server drains its requests. A request that runs a sweep or a sync
// send ends when its sends in flight have ended, each within its own time
// limits, which may be later than the HTTP grace: serve waits for those
// sends and their outcomes rather than cut them off, which would send their
// leads again.
func (a *app) serveUntilDone(ctx context.Context, hs *http.Server, ln net.Listener, rt *runtime) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}
	rt.dispatcher.Stop()
	a.logger.Info("leadrelay stopping")
	grace := cmp.Or(a.httpGrace, defaultHTTPGrace)
	err := shutdown(hs, grace)
	if errors.Is(err, context.DeadlineExceeded) {
		a.logger.Info("requests outlast the HTTP grace: waiting for the sends in flight of sweeps and sync sends", "grace", grace)
		rt.dispatcher.Wait()
		err = shutdown(hs, grace)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("stopping HTTP: %w", err)
	}
	return nil
}

// shutdown drains the HTTP server's requests for up to grace.
func shutdown(hs *http.Server, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return hs.Shutdown(ctx)
}

// parseConfig reads the configuration flags and environment for a command
// that takes no other flags or arguments.
func (a *app) parseConfig(name string, args []string) (Config, error) {
	cfg, rest, err := a.parseFlags(name, args, nil)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	return cfg, err
}

// parseFlags reads the configuration flags and environment, and the
// command's own flags that bind registers; it returns the arguments left.
func (a *app) parseFlags(name string, args []string, bind func(fs *flag.FlagSet)) (Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "%s\n\nFlags:\n", commandDetail(name))
		fs.PrintDefaults()
	}
	load := bindConfig(fs, a.env, name == "serve")
	if bind != nil {
		bind(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, nil, errHelp
		}
		return Config{}, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg, err := load()
	cfg.existing = !createsDatabase(name)
	return cfg, fs.Args(), err
}

// createsDatabase tells whether a word may create the database it is given:
// serve, migrate, import and user do (a newcomer's first admin may come
// before the first serve); the others work on one that exists, and never
// leave an empty leadrelay.db behind.
func createsDatabase(word string) bool {
	return word == "serve" || word == "migrate" || word == "import" || word == "user"
}

func commandDetail(name string) string {
	for _, c := range commands() {
		if c.name == name {
			return c.detail
		}
	}
	return "leadrelay " + name
}

// openStore connects to the configured database and migrates it. An error
// names the DSN it used.
func openStore(ctx context.Context, cfg Config) (*storage.Store, error) {
	dsn := storage.RedactDSN(cfg.DSN)
	if path, ok := strings.CutPrefix(cfg.DSN, "sqlite:"); ok && cfg.existing && path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no database at %s (LEADRELAY_DSN or --dsn): %w; run leadrelay migrate to create one", dsn, err)
		}
	}
	store, err := storage.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("opening the database %s (LEADRELAY_DSN or --dsn): %w", dsn, err)
	}
	if err := store.Migrate(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	return store, nil
}
