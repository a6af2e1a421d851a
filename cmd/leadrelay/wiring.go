package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
)

// runtime is what the commands that work on leads share: the database, the
// dispatcher and the metrics registry it reports to.
type runtime struct {
	cfg        Config
	store      *storage.Store
	dispatcher *dispatcher.Dispatcher
	registry   *prometheus.Registry
}

// openRuntime opens and migrates the database and builds the dispatcher;
// close releases both.
func (a *app) openRuntime(ctx context.Context, cfg Config) (*runtime, error) {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rt, err := newRuntime(ctx, a, cfg, store)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return rt, nil
}

func newRuntime(ctx context.Context, a *app, cfg Config, store *storage.Store) (*runtime, error) {
	secret, err := leadSecret(ctx, cfg, store)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d, err := dispatcher.New(dispatcher.Config{
		Store:       store,
		Engine:      scripting.NewEngine(scripting.Config{Timeout: cfg.ScriptTimeout, MaxMemoryBytes: cfg.ScriptMemory, BudgetBytes: cfg.ScriptBudget}),
		Tokens:      macros.NewTokens([]byte(secret)),
		Logger:      a.logger,
		Registerer:  reg,
		Schedule:    cfg.Schedule,
		Workers:     cfg.Workers,
		LeaseMargin: cfg.LeaseMargin,
		OutageLimit: cfg.OutageLimit,
		LogDays:     cfg.LogDays,
		IMailDomain: cfg.IMailDomain,
		AlertURL:    cfg.AlertURL,
	})
	if err != nil {
		return nil, err
	}
	return &runtime{cfg: cfg, store: store, dispatcher: d, registry: reg}, nil
}

// close stops the dispatcher, writing what it holds, then closes the
// database.
func (rt *runtime) close() {
	rt.dispatcher.Close()
	_ = rt.store.Close()
}

// leadSecret is LEADRELAY_SECRET, or else the secret generated on first use
// and kept in the database, so every process and restart shares it.
func leadSecret(ctx context.Context, cfg Config, store *storage.Store) (string, error) {
	if cfg.Secret != "" {
		return cfg.Secret, nil
	}
	secret, err := store.Setting(ctx, "secret", randomSecret)
	if err != nil {
		return "", fmt.Errorf("reading the generated secret: %w", err)
	}
	return secret, nil
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
