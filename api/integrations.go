package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/storage"
)

func (s *Server) integrationRoutes(admin *gin.RouterGroup) {
	admin.GET("/integrations", s.h(s.listIntegrations))
	admin.POST("/integrations", s.h(s.createIntegration))
	admin.GET("/integrations/:id", s.h(s.getIntegration))
	admin.PUT("/integrations/:id", s.h(s.putIntegration))
	admin.DELETE("/integrations/:id", s.h(s.deleteIntegration))
	admin.POST("/integrations/:id/test", s.h(s.testIntegration))
	admin.POST("/integrations/:id/resume", s.h(s.resume))
}

// listIntegrations answers every integration, lowest id first, secrets ***.
func (s *Server) listIntegrations(c *gin.Context) error {
	if err := onlyFilters(c); err != nil {
		return err
	}
	recs, err := s.opts.Store.ListIntegrations(c.Request.Context())
	if err != nil {
		return err
	}
	out := make([]*integrations.Integration, 0, len(recs))
	for _, rec := range recs {
		doc, err := RecordDocument(&rec)
		if err != nil {
			return err
		}
		out = append(out, integrations.Redacted(doc))
	}
	c.JSON(http.StatusOK, gin.H{"integrations": out})
	return nil
}

func (s *Server) getIntegration(c *gin.Context) error {
	id, err := integrationID(c)
	if err != nil {
		return err
	}
	doc, err := s.opts.Dispatcher.Integration(c.Request.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return notFound("integration %d does not exist", id)
	}
	if err != nil {
		return err
	}
	paused, err := s.opts.Dispatcher.Paused(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, withPauses{Integration: integrations.Redacted(doc), Paused: paused})
	return nil
}

// createIntegration stores a new integration, with the id it gives or a new
// one; an id already taken is a conflict (PUT replaces).
func (s *Server) createIntegration(c *gin.Context) error {
	doc, err := readDocument(c)
	if err != nil {
		return err
	}
	if doc.ID != 0 {
		if _, err := s.opts.Store.GetIntegration(c.Request.Context(), doc.ID); err == nil {
			return newError(http.StatusConflict, CodeConflict, "integration %d exists already: PUT replaces it", doc.ID)
		}
	}
	return s.saveIntegration(c, doc, http.StatusCreated)
}

// putIntegration creates or replaces an integration. A secret sent as ***
// keeps its stored value, so a document read from the API saves back as is.
func (s *Server) putIntegration(c *gin.Context) error {
	id, err := integrationID(c)
	if err != nil {
		return err
	}
	doc, err := readDocument(c)
	if err != nil {
		return err
	}
	if doc.ID != 0 && doc.ID != id {
		return invalid("id: the body says %d and the path %d", doc.ID, id)
	}
	doc.ID = id
	rec, err := s.opts.Store.GetIntegration(c.Request.Context(), id)
	switch {
	case err == nil:
		stored, err := RecordDocument(rec)
		if err != nil {
			return err
		}
		integrations.MergeSecrets(doc, stored)
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	return s.saveIntegration(c, doc, http.StatusOK)
}

// saveIntegration checks the document (templates and scripts compile),
// stores it and drops the dispatcher's cached copy. The answer is the
// document with its warnings: what is legal but most likely cannot work.
func (s *Server) saveIntegration(c *gin.Context, doc *integrations.Integration, status int) error {
	if doc.ID < 0 {
		return invalid("id: an id is not negative")
	}
	if err := s.opts.Dispatcher.Check(doc); err != nil {
		return err
	}
	rec, err := NewRecord(doc)
	if err != nil {
		return err
	}
	if err := s.opts.Store.SaveIntegration(c.Request.Context(), rec); err != nil {
		return err
	}
	s.opts.Dispatcher.Invalidate(rec.ID)
	if err := s.logChange(c, rec.ID, "integration %d saved", rec.ID); err != nil {
		return err
	}
	doc.ID = rec.ID
	warnings, err := documentWarnings(c.Request.Context(), s.opts.Store, doc)
	if err != nil {
		return err
	}
	c.JSON(status, savedIntegration{Integration: integrations.Redacted(doc), Warnings: warnings})
	return nil
}

func (s *Server) deleteIntegration(c *gin.Context) error {
	id, err := integrationID(c)
	if err != nil {
		return err
	}
	if err := s.opts.Store.DeleteIntegration(c.Request.Context(), id); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return notFound("integration %d does not exist", id)
		}
		return err
	}
	s.opts.Dispatcher.Invalidate(id)
	if err := s.logChange(c, id, "integration %d deleted", id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func integrationID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("integration %s does not exist", c.Param("id"))
	}
	return id, nil
}

// readDocument parses the body as an integration document, strictly.
func readDocument(c *gin.Context) (*integrations.Integration, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return nil, err
	}
	return ParseDocument(body)
}

// ParseDocument parses an integration document: bad JSON is a 400, a
// document that is JSON but not an integration a 422 naming the field.
func ParseDocument(body []byte) (*integrations.Integration, error) {
	if !json.Valid(body) {
		var v any
		return nil, badJSON(json.Unmarshal(body, &v))
	}
	doc, err := integrations.Parse(body)
	if err != nil {
		var docErr *integrations.ValidationError
		if errors.As(err, &docErr) {
			return nil, err
		}
		return nil, invalid("%v", err)
	}
	return doc, nil
}

// NewRecord is how an integration document is stored: as JSON, secrets
// included, with its name and enabled flag beside it. A value its column
// cannot hold (a name over 255 characters) is a 422.
func NewRecord(doc *integrations.Integration) (*storage.IntegrationRecord, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	rec := &storage.IntegrationRecord{ID: doc.ID, Name: doc.Name, Enabled: doc.Enabled, Document: string(b)}
	if err := checkColumns(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// RecordDocument reads a stored integration's document, its id filled in.
func RecordDocument(rec *storage.IntegrationRecord) (*integrations.Integration, error) {
	doc, err := integrations.Parse([]byte(rec.Document))
	if err != nil {
		return nil, err
	}
	doc.ID = rec.ID
	return doc, nil
}
