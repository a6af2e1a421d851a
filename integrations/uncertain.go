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
