package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// Dispatcher is what the API asks of the dispatcher: exactly the methods of
// *dispatcher.Dispatcher it calls.
type Dispatcher interface {
	Tokens() *macros.Tokens
	Intake(ctx context.Context, in dispatcher.Intake) (*dispatcher.Received, error)
	ChangeStatus(ctx context.Context, ch dispatcher.StatusChange) error
	MarkChanged(ctx context.Context, leadID int64, cols map[string]any) error
	Requeue(ctx context.Context, r dispatcher.Requeue) (int, error)
	DryRun(ctx context.Context, r dispatcher.DryRun) (*dispatcher.DryRunResult, error)
	Sweep(ctx context.Context, mode string) (map[string]int, error)
	Hook(ctx context.Context, integrationID int64, body []byte, request map[string]any) (*dispatcher.HookResult, error)
	TryHook(ctx context.Context, integrationID int64, body []byte, request map[string]any) (*dispatcher.HookTry, error)
	Postbacks(ctx context.Context, l *lead.Lead, status lead.Status) []dispatcher.Postback
	Check(doc *integrations.Integration) error
	Invalidate(integrationID int64)
	Integration(ctx context.Context, id int64) (*integrations.Integration, error)
	Redactor(ctx context.Context, id int64) (*integrations.Redactor, error)
	Paused(ctx context.Context, integration int64) (map[string]dispatcher.Paused, error)
	Resume(ctx context.Context, integration int64, mode, by string) (bool, error)
}

var _ Dispatcher = (*dispatcher.Dispatcher)(nil)

// dispatcherError turns the dispatcher's and the integration document's
// errors into answers; nil for anything else.
func dispatcherError(err error) *Error {
	var scriptErr *scripting.Error
	var docErr *integrations.ValidationError
	switch {
	case errors.Is(err, dispatcher.ErrUnknownMode):
		return invalid("%v", err)
	case errors.Is(err, dispatcher.ErrStopping):
		return newError(http.StatusServiceUnavailable, CodeUnavailable,
			"this leadrelay process is stopping; ask again in %d seconds, of it or of another process", retryAfterSeconds)
	case errors.Is(err, dispatcher.ErrNoIntegration):
		return newError(http.StatusUnprocessableEntity, CodeNoIntegration, "%v", err)
	case errors.Is(err, dispatcher.ErrHookResult):
		return newError(http.StatusUnprocessableEntity, CodeScript, "%v", err)
	case errors.As(err, &docErr):
		return documentError(err)
	case errors.As(err, &scriptErr):
		e := newError(http.StatusUnprocessableEntity, CodeScript, "%s", scriptErr.Message)
		e.Script, e.Line = scriptErr.Script, scriptErr.Line
		return e
	}
	return nil
}

// documentError describes what is wrong with an integration document: each
// problem with its field, and the script and line of a script that does not
// compile.
func documentError(err error) *Error {
	var problems []Problem
	var first *Error
	for _, one := range unjoin(err) {
		p := Problem{Message: one.Error()}
		var docErr *integrations.ValidationError
		if errors.As(one, &docErr) {
			p.Field = docErr.Field
		}
		problems = append(problems, p)
		if first == nil {
			first = invalid("%s", p.Message)
			first.Field = p.Field
			var scriptErr *scripting.Error
			if errors.As(one, &scriptErr) {
				first.Script, first.Line = scriptErr.Script, scriptErr.Line
			}
		}
	}
	if len(problems) > 1 {
		first.Problems = problems
	}
	return first
}

// unjoin lists the errors an errors.Join holds, or err alone.
func unjoin(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()
	}
	return []error{err}
}
