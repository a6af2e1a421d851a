package dispatcher

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// check runs the integration's check mode in place of a second send of a
// lead whose send was uncertain (on_uncertain check). The task becomes the
// check's, so its log row and metrics name the check mode.
func (d *Dispatcher) check(ctx context.Context, t *task) (*attempt, change) {
	t.mode, t.cm = mode.Check, t.integ.Mode(mode.Check)
	a := d.try(ctx, t)
	return a, checkChange(t.lead, a)
}

// checkChange reads a check's answer (SPEC §9): an id moves the lead to
// processing with that ext and settles it; empty clears check_due, so the
// lead is sent again a minute later, as after any sending error; a failed
// check, or an answer that is neither, is checked again a minute later.
func checkChange(l *lead.Lead, a *attempt) change {
	ch := change{edit: leadEdit(l, a.edit)}
	if a.stopped {
		ch.retry = true
		a.err = fmt.Errorf("the check failed, and is tried again in a minute: %w", a.err)
		return ch
	}
	switch v := a.verdict; v.Kind {
	case KindAccept:
		ch.status, ch.ext = lead.Processing, v.Ext
		if v.UseLeadExt {
			ch.ext = extOrID(l, a.edit)
		}
		ch.uncertain, ch.checkDue = storage.MarkCleared, storage.MarkCleared
		a.outcome = OutcomeSuccess
		a.err = fmt.Errorf("the check found the lead at the target (ext %q): not sent again", ch.ext)
	case KindRetry:
		ch.retry = true
		ch.checkDue = storage.MarkCleared
		a.outcome, a.err = OutcomeError, errCheckNotFound
	default:
		ch.retry = true
		a.outcome = OutcomeError
		a.err = fmt.Errorf("a check returns the target's id for the lead, or empty when it has none, not %s: checked again in a minute", scripting.FormatValue(a.ret))
	}
	return ch
}

var errCheckNotFound = errors.New("the check did not find the lead at the target: it is sent again in a minute")
