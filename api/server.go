package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/storage"
)

// Options wires the server to the rest of leadrelay.
type Options struct {
	Store  *storage.Store
	Logger *slog.Logger
}

// Server serves the HTTP API.
type Server struct {
	opts   Options
	engine *gin.Engine
}

// New builds the server and its routes.
func New(opts Options) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{opts: opts, engine: gin.New()}
	s.engine.Use(gin.Recovery())
	s.engine.GET("/healthz", s.healthz)
	s.engine.GET("/readyz", s.readyz)
	return s
}

// Handler is the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.opts.Store.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "error", "code": "DB_UNREACHABLE", "error": err.Error()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
