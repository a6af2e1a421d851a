package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/storage"
)

// The codes of the API's error answers.
const (
	CodeNoID          = "NO_ID"
	CodeValidation    = "VALIDATION"
	CodeNotFound      = "NOT_FOUND"
	CodeUnauthorized  = "UNAUTHORIZED"
	CodeForbidden     = "FORBIDDEN"
	CodeBadJSON       = "BAD_JSON"
	CodeBadForm       = "BAD_FORM"
	CodeTooLarge      = "TOO_LARGE"
	CodeUnsupported   = "UNSUPPORTED_MEDIA_TYPE"
	CodeUnknownAlias  = "UNKNOWN_ALIAS"
	CodeConflict      = "CONFLICT"
	CodeScript        = "SCRIPT_ERROR"
	CodeNoIntegration = "NO_INTEGRATION"
	CodeAdminDisabled = "ADMIN_DISABLED"
	CodeUnavailable   = "UNAVAILABLE"
	CodeInternal      = "INTERNAL"
)

// Error is an answer that went wrong: an HTTP status and the body
// {"status":"error","code":…,"error":…}, with the field, script and line when
// the trouble has them, and every problem when there are several.
type Error struct {
	HTTPStatus int       `json:"-"`
	Status     string    `json:"status"`
	Code       string    `json:"code"`
	Message    string    `json:"error"`
	Field      string    `json:"field,omitempty"`
	Script     string    `json:"script,omitempty"`
	Line       int       `json:"line,omitempty"`
	Problems   []Problem `json:"errors,omitempty"`
}

// Problem is one of several things wrong with a request.
type Problem struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"error"`
}

func (e *Error) Error() string { return e.Message }

func newError(status int, code, format string, args ...any) *Error {
	return &Error{HTTPStatus: status, Status: "error", Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalid is a 422 VALIDATION error.
func invalid(format string, args ...any) *Error {
	return newError(http.StatusUnprocessableEntity, CodeValidation, format, args...)
}

// notFound is a 404 NOT_FOUND error.
func notFound(format string, args ...any) *Error {
	return newError(http.StatusNotFound, CodeNotFound, format, args...)
}

// handler is a gin handler that may fail; the failure becomes the answer.
type handler func(c *gin.Context) error

// h adapts a handler to gin, answering its error.
func (s *Server) h(fn handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			s.fail(c, err)
		}
	}
}

// fail answers err as an Error; anything unexpected is a 500 whose details go
// to the server log only.
func (s *Server) fail(c *gin.Context, err error) {
	e := asError(err)
	if e.HTTPStatus >= 500 {
		s.log.Error("answering a request", "method", c.Request.Method, "path", c.FullPath(), "err", err)
	}
	c.AbortWithStatusJSON(e.HTTPStatus, e)
}

// asError turns any error into the Error the client sees.
func asError(err error) *Error {
	var e *Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &tooLarge):
		return newError(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is over %d bytes", tooLarge.Limit)
	case errors.Is(err, storage.ErrNotFound):
		return notFound("%s", err)
	case errors.Is(err, storage.ErrDuplicate):
		return newError(http.StatusConflict, CodeConflict, "%s", err)
	case errors.Is(err, context.DeadlineExceeded):
		return newError(http.StatusServiceUnavailable, CodeUnavailable, "the database did not answer in time; try again")
	}
	if e := dispatcherError(err); e != nil {
		return e
	}
	return newError(http.StatusInternalServerError, CodeInternal, "internal error; the server log has the details")
}
