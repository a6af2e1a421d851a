package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/storage"
)

// TestCancelledNamesTheContext: a statement its context cut short reads as
// context.Canceled whatever the driver said, and any other error is left as
// it is.
func TestCancelledNamesTheContext(t *testing.T) {
	t.Parallel()
	interrupted := errors.New("interrupted (9)")
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name         string
		ctx          context.Context
		err          error
		wantCanceled bool
	}{
		{"the driver's word after a cancel", done, interrupted, true},
		{"context.Canceled already", done, context.Canceled, true},
		{"an error of a live context", context.Background(), interrupted, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := storage.Cancelled(tc.ctx, tc.err)
			if errors.Is(got, context.Canceled) != tc.wantCanceled {
				t.Errorf("Cancelled(%v) = %v; is context.Canceled: %v, want %v", tc.err, got, !tc.wantCanceled, tc.wantCanceled)
			}
			if !strings.Contains(got.Error(), tc.err.Error()) {
				t.Errorf("Cancelled(%v) = %v lost the driver's error", tc.err, got)
			}
		})
	}
}
