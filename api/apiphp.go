package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// apiPHP is GET|POST /api.php, the platform's endpoint (seed 000) for
// publisher links that already exist: action=receive takes a lead as POST
// /api/v1/leads does, action=order_status a status as POST /api/v1/status
// does, under the same parameter names. Both answer
// {"status":"success","lead_id":N} with 200, as the platform did.
func (s *Server) apiPHP(c *gin.Context) error {
	in, err := readInput(c.Request)
	if err != nil {
		return err
	}
	action, err := in.take("action")
	if err != nil {
		return err
	}
	switch action {
	case "receive":
		l, got, err := s.intake(c, in)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, success{Status: "success", LeadID: l.ID, Sync: got.Sync, DuplicateOf: got.DuplicateOf})
	case "order_status":
		id, err := s.statusUpdate(c.Request.Context(), in)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, succeeded(id))
	default:
		return invalid("action: want receive or order_status, not %q", action)
	}
	return nil
}
