package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leadrelay/leadrelay/storage"
)

// Options wires the server to the rest of leadrelay.
type Options struct {
	// Store is the database. Required.
	Store *storage.Store
	// Dispatcher stores, sends and changes leads. Required.
	Dispatcher Dispatcher
	// AdminToken guards the admin API; empty turns the admin API off (503).
	AdminToken string
	// Registry serves /metrics; the server adds its collectors to it.
	// Default: a registry of the server's own.
	Registry *prometheus.Registry
	// Logger receives unexpected errors. Default: discarded.
	Logger *slog.Logger
}

// Server serves the HTTP API.
type Server struct {
	opts      Options
	log       *slog.Logger
	engine    *gin.Engine
	campaigns *campaignCache
}

// New builds the server and its routes, and registers its metrics.
func New(opts Options) (*Server, error) {
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := opts.Registry.Register(newStoreCollector(opts.Store, log)); err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{opts: opts, log: log, engine: gin.New(), campaigns: newCampaignCache(opts.Store)}
	s.routes()
	return s, nil
}

// Handler is the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) routes() {
	e := s.engine
	e.HandleMethodNotAllowed = true
	e.Use(gin.CustomRecovery(func(c *gin.Context, v any) {
		s.log.Error("a handler panicked", "path", c.Request.URL.Path, "panic", v)
		c.AbortWithStatusJSON(http.StatusInternalServerError, newError(http.StatusInternalServerError, CodeInternal, "internal error; the server log has the details"))
	}))
	e.NoRoute(func(c *gin.Context) {
		s.fail(c, notFound("no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		s.fail(c, newError(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.opts.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})))
	s.publicRoutes(e.Group("", s.limitBody))
	admin := e.Group("/api/v1/admin", s.requirePerson, s.limitBody)
	s.integrationRoutes(admin)
	s.catalogRoutes(admin)
	s.leadRoutes(admin)
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.opts.Store.Ping(ctx); err != nil {
		s.log.Error("readiness", "err", err)
		c.JSON(http.StatusServiceUnavailable, newError(http.StatusServiceUnavailable, "DB_UNREACHABLE", "the database does not answer"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
