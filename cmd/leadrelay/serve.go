package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
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
	srv, err := api.New(api.Options{Store: rt.store, Dispatcher: rt.dispatcher, AdminToken: cfg.AdminToken,
		Registry: rt.registry, Logger: a.logger})
	if err != nil {
		return err
	}
	con, err := console.New(console.Options{Store: rt.store, API: srv.Handler(), LastSweep: rt.dispatcher.LastSweep, Logger: a.logger})
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
	err = serveUntilDone(ctx, a, httpServer, ln)
	cancel()
	if schedErr := <-schedulerDone; err == nil && schedErr != nil {
		err = fmt.Errorf("running the scheduler: %w", schedErr)
	}
	return err
}

// serveUntilDone serves until ctx ends (SIGINT/SIGTERM), then drains requests.
func serveUntilDone(ctx context.Context, a *app, hs *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}
	a.logger.Info("leadrelay stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("stopping HTTP: %w", err)
	}
	return nil
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
	load := bindConfig(fs, a.env)
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
	return cfg, fs.Args(), err
}

func commandDetail(name string) string {
	for _, c := range commands() {
		if c.name == name {
			return c.detail
		}
	}
	return "leadrelay " + name
}

// openStore connects to the configured database and migrates it.
func openStore(ctx context.Context, cfg Config) (*storage.Store, error) {
	store, err := storage.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	return store, nil
}
