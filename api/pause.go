package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/storage"
)

// withPauses is an integration document as GET shows it: with its paused
// modes (SPEC §9).
type withPauses struct {
	*integrations.Integration
	Paused map[string]dispatcher.Paused `json:"paused,omitempty"`
}

// resume is POST /api/v1/admin/integrations/{id}/resume {"mode":"new"}:
// it ends the mode's pause at once.
func (s *Server) resume(c *gin.Context) error {
	id, err := integrationID(c)
	if err != nil {
		return err
	}
	var req struct {
		Mode string `json:"mode"`
	}
	if err := decodeStrict(c.Request, &req); err != nil {
		return err
	}
	if req.Mode == "" {
		return invalid("mode: name the mode to resume, such as \"new\"")
	}
	if _, err := s.opts.Dispatcher.Integration(c.Request.Context(), id); errors.Is(err, storage.ErrNotFound) {
		return notFound("no integration %d", id)
	} else if err != nil {
		return err
	}
	resumed, err := s.opts.Dispatcher.Resume(c.Request.Context(), id, req.Mode, person(c).Name)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"resumed": resumed})
	return nil
}
