package dispatcher_test

import (
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
