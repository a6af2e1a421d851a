package dispatcher

import (
	"errors"
	"fmt"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// Uncertain sends (SPEC §9). A new or sync send whose request was written
// and never answered in full may have reached the target. Such a lead is
// marked uncertain, and its integration's on_uncertain says what comes next:
// a plain retry, a check before any second send, or a hold for support.
// Whatever it says, a marked lead that the target later answers "duplicate"
// (reason 7) is held, not cancelled: the duplicate is most likely the lead's
// own first send.

// isUncertain reports whether the attempt's request may have reached the
// target unanswered.
func isUncertain(a *attempt) bool {
	return a.outcome == OutcomeHTTPFail && errors.Is(a.err, integrations.ErrUncertain)
}

// errDuplicateAfterUncertain is the message of a lead held by the reason 7
// guard.
var errDuplicateAfterUncertain = errors.New("the target answered duplicate (reason 7) after an uncertain send, so it most likely has this lead: held for support, not cancelled")

// applyUncertain adds to a new or sync send's change what SPEC §9 asks: an
// uncertain failure marks the lead and follows on_uncertain; a cancel for
// reason 7 of a marked lead becomes a hold; and when a check found nothing
// (check_due cleared on a marked lead), the send that follows settles the
// mark.
func applyUncertain(t *task, a *attempt, ch *change) {
	l := t.lead
	if l.CheckDue {
		ch.checkDue = storage.MarkCleared
	}
	switch {
	case isUncertain(a):
		ch.uncertain = storage.MarkSet
		switch t.integ.Doc.UncertainAction() {
		case integrations.OnUncertainCheck:
			ch.checkDue = storage.MarkSet
			a.err = fmt.Errorf("%w; the check mode asks the target before any second send", a.err)
		case integrations.OnUncertainHold:
			ch.hold = true
			a.err = fmt.Errorf("%w; held for support (on_uncertain hold)", a.err)
		}
	case l.Uncertain && ch.status == lead.Cancel && lead.Reason(ch.reason) == lead.ReasonDuplicate:
		ch.status, ch.reason, ch.retry = 0, 0, false
		ch.hold = true
		a.outcome, a.err = OutcomeError, errDuplicateAfterUncertain
	case l.Uncertain && !l.CheckDue && ch.status != 0 &&
		t.integ.Doc.UncertainAction() == integrations.OnUncertainCheck:
		ch.uncertain = storage.MarkCleared
	}
}
