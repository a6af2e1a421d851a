package integrations

import (
	"fmt"
	"net/http/httptrace"
	"sync/atomic"
)

// writeTrace records, through httptrace, whether a request was ever written
// in full. The transport may write a request more than once (it retries an
// idempotent request whose reused connection broke before any answer); one
// full write is enough for the target to have it.
type writeTrace struct {
	written atomic.Bool
}

func (w *writeTrace) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				w.written.Store(true)
			}
		},
	}
}

// classify adds ErrUncertain to a transport error of a request that was
// written in full.
func (w *writeTrace) classify(err error) error {
	if w.written.Load() {
		return fmt.Errorf("%w: %w", ErrUncertain, err)
	}
	return err
}

// What on_uncertain may say (SPEC §9 "Uncertain sends").
const (
	// OnUncertainRetry sends the lead again a minute later, with the same
	// idempotency key. It is the default.
	OnUncertainRetry = "retry"
	// OnUncertainCheck runs the check mode before any second send.
	OnUncertainCheck = "check"
	// OnUncertainHold sends the lead no more until support re-queues it.
	OnUncertainHold = "hold"
)

// UncertainAction is OnUncertain, or OnUncertainRetry when unset.
func (i *Integration) UncertainAction() string {
	if i.OnUncertain == "" {
		return OnUncertainRetry
	}
	return i.OnUncertain
}

func (i *Integration) validateUncertain(v *validator) {
	switch i.OnUncertain {
	case "", OnUncertainRetry, OnUncertainHold:
	case OnUncertainCheck:
		if i.Check == nil || !i.Check.Enabled {
			v.add("on_uncertain", "on_uncertain check runs the check mode, and there is no enabled check mode: add one, or choose retry or hold")
		}
	default:
		v.add("on_uncertain", fmt.Sprintf("%q is not what to do after an uncertain send: retry, check or hold", i.OnUncertain))
	}
}
