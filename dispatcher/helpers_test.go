package dispatcher_test

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/dispatcher/clock"
)

func dispatcherRequeue(ids ...int64) dispatcher.Requeue {
	return dispatcher.Requeue{IDs: ids}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func newFakeClock() *clock.Fake {
	return clock.NewFake(time.Date(2026, 11, 21, 12, 0, 30, 0, time.UTC))
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// messages is a slog handler that hands each record's message to a channel,
// so a test can wait for a line instead of sleeping.
type messages struct{ ch chan<- string }

func (m messages) Enabled(context.Context, slog.Level) bool { return true }

func (m messages) Handle(_ context.Context, r slog.Record) error {
	m.ch <- r.Message
	return nil
}

func (m messages) WithAttrs([]slog.Attr) slog.Handler { return m }

func (m messages) WithGroup(string) slog.Handler { return m }
