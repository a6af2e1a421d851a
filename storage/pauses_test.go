package storage_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestAttemptFailedPausesAtTheCount: the call that makes pauseAfter
// failures in a row pauses the mode, and no other; 0 counts and never
// pauses; a success starts the count again.
func TestAttemptFailedPausesAtTheCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		pauseAfter int
		// calls lists what each call does: 'f' a failure, 's' a success;
		// want the failures that pause (1-based call numbers).
		calls string
		want  []int
	}{
		{"at the third", 3, "fffff", []int{3}},
		{"at the first", 1, "fff", []int{1}},
		{"never", 0, "ffffff", nil},
		{"a success starts again", 3, "ffsfff", []int{6}},
		{"paused again after a success", 2, "ffsff", []int{2, 5}},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for i, tt := range tests {
			k := storage.PauseKey{Integration: int64(i + 1), Mode: "new"}
			var got []int
			for n, c := range tt.calls {
				if c == 's' {
					if _, _, err := s.AttemptSucceeded(ctx, k); err != nil {
						t.Fatal(err)
					}
					continue
				}
				paused, err := s.AttemptFailed(ctx, k, tt.pauseAfter, int64(1000*(n+1)), "HTTP 502")
				if err != nil {
					t.Fatal(err)
				}
				if paused {
					got = append(got, n+1)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: pausing calls (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

// TestAttemptFailedKeepsTheLastMessage: the pause shows since when and the
// last error, cut to 1024 bytes of valid UTF-8.
func TestAttemptFailedKeepsTheLastMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 1023) + "я" + "tail"
	tests := []struct {
		name, message, want string
	}{
		{"short", "HTTP 502", "HTTP 502"},
		{"empty", "", ""},
		{"cut inside a rune", long, strings.Repeat("a", 1023)},
		{"exactly 1024", strings.Repeat("ж", 512), strings.Repeat("ж", 512)},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for i, tt := range tests {
			k := storage.PauseKey{Integration: int64(i + 1), Mode: "postback"}
			if _, err := s.AttemptFailed(ctx, k, 2, 500, "first"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AttemptFailed(ctx, k, 2, 700, tt.message); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			pauses, err := s.Pauses(ctx, 1000)
			if err != nil {
				t.Fatal(err)
			}
			want := storage.PauseState{Since: 700, Message: tt.want}
			if diff := cmp.Diff(want, pauses[k]); diff != "" {
				t.Errorf("%s: pause (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

// TestAttemptFailedOnePausesAcrossStores: of many failures counted at once
// by several processes, exactly one pauses the mode.
func TestAttemptFailedOnePausesAcrossStores(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			stores := storagetest.Processes(t, b.DSN(t), 2)
			k := storage.PauseKey{Integration: 7, Mode: "new"}
			var paused atomic.Int32
			var wg sync.WaitGroup
			for i := range 30 {
				wg.Go(func() {
					p, err := stores[i%2].AttemptFailed(context.Background(), k, 5, 1000, "timeout")
					if err != nil {
						t.Error(err)
					}
					if p {
						paused.Add(1)
					}
				})
			}
			wg.Wait()
			if paused.Load() != 1 {
				t.Errorf("%d calls paused the mode, want exactly 1", paused.Load())
			}
			modes, err := stores[0].FailingModes(context.Background())
			if err != nil || len(modes) != 1 || modes[0] != k {
				t.Errorf("FailingModes = %v, %v; want %v", modes, err, k)
			}
		})
	}
}

// TestAttemptSucceeded: a success ends the count and a pause after
// failures, and says so with the last error; it leaves a 429's pause.
func TestAttemptSucceeded(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		k := storage.PauseKey{Integration: 7, Mode: "new"}
		succeed := func() (bool, string) {
			t.Helper()
			resumed, msg, err := s.AttemptSucceeded(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			return resumed, msg
		}
		if resumed, msg := succeed(); resumed || msg != "" {
			t.Errorf("a mode that never failed: %v %q", resumed, msg)
		}
		if _, err := s.AttemptFailed(ctx, k, 3, 1000, "HTTP 500"); err != nil {
			t.Fatal(err)
		}
		if resumed, _ := succeed(); resumed {
			t.Error("a mode that failed once and was not paused was resumed")
		}
		if modes, err := s.FailingModes(ctx); err != nil || len(modes) != 0 {
			t.Errorf("failing after a success: %v, %v", modes, err)
		}
		for range 3 {
			if _, err := s.AttemptFailed(ctx, k, 3, 2000, "HTTP 503"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PauseUntil(ctx, 7, "new", 9000); err != nil {
			t.Fatal(err)
		}
		if resumed, msg := succeed(); !resumed || msg != "HTTP 503" {
			t.Errorf("a paused mode: resumed %v %q, want true and the last error", resumed, msg)
		}
		if resumed, _ := succeed(); resumed {
			t.Error("resumed twice")
		}
		pauses, err := s.Pauses(ctx, 3000)
		if want := (storage.PauseState{Until: 9000, Message: "HTTP 503"}); err != nil || len(pauses) != 1 || pauses[k] != want {
			t.Errorf("pauses after the success = %v, %v; want only the 429's, %+v", pauses, err, want)
		}
	})
}

// TestResumeEndsEitherPause: a resume ends a pause after failures and a
// 429's pause, and says whether there was one.
func TestResumeEndsEitherPause(t *testing.T) {
	t.Parallel()
	const now = 10_000
	tests := []struct {
		name        string
		failures    int // failed attempts before, with pause_after 2
		until       int64
		wantResumed bool
		wantMessage string
	}{
		{"nothing", 0, 0, false, ""},
		{"failing, not paused", 1, 0, false, "HTTP 500"},
		{"paused after failures", 2, 0, true, "HTTP 500"},
		{"a 429's pause", 0, now + 5000, true, ""},
		{"a 429's pause that ended", 0, now - 1, false, ""},
		{"both", 3, now + 5000, true, "HTTP 500"},
	}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for i, tt := range tests {
			k := storage.PauseKey{Integration: int64(i + 1), Mode: "changes"}
			for range tt.failures {
				if _, err := s.AttemptFailed(ctx, k, 2, now-100, "HTTP 500"); err != nil {
					t.Fatal(err)
				}
			}
			if tt.until != 0 {
				if err := s.PauseUntil(ctx, k.Integration, k.Mode, tt.until); err != nil {
					t.Fatal(err)
				}
			}
			resumed, msg, err := s.Resume(ctx, k, now)
			if err != nil {
				t.Fatal(err)
			}
			if resumed != tt.wantResumed || msg != tt.wantMessage {
				t.Errorf("%s: Resume = %v %q, want %v %q", tt.name, resumed, msg, tt.wantResumed, tt.wantMessage)
			}
			if again, _, err := s.Resume(ctx, k, now); err != nil || again {
				t.Errorf("%s: a second Resume = %v, %v; want false", tt.name, again, err)
			}
			if paused, err := s.Paused(ctx, now); err != nil || len(paused) != 0 {
				t.Errorf("%s: paused after the resume: %v, %v", tt.name, paused, err)
			}
			if modes, err := s.FailingModes(ctx); err != nil || len(modes) != 0 {
				t.Errorf("%s: failing after the resume: %v, %v", tt.name, modes, err)
			}
		}
	})
}

// TestTakeProbe: a mode paused after failures gives one probe when it is
// due, to exactly one of the processes asking, and the next ProbeEvery
// later.
func TestTakeProbe(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			stores := storagetest.Processes(t, b.DSN(t), 2)
			s := stores[0]
			k := storage.PauseKey{Integration: 7, Mode: "new"}
			const since = 100_000
			if ok, err := s.TakeProbe(ctx, k, since); err != nil || ok {
				t.Errorf("a probe of a mode never paused = %v, %v", ok, err)
			}
			if err := s.PauseUntil(ctx, 7, "new", since*10); err != nil {
				t.Fatal(err)
			}
			if ok, err := s.TakeProbe(ctx, k, since*20); err != nil || ok {
				t.Errorf("a probe of a 429's pause = %v, %v; want none", ok, err)
			}
			if _, err := s.AttemptFailed(ctx, k, 1, since, "HTTP 502"); err != nil {
				t.Fatal(err)
			}
			take := func(at int64) int32 {
				var took atomic.Int32
				var wg sync.WaitGroup
				for i := range 12 {
					wg.Go(func() {
						ok, err := stores[i%2].TakeProbe(ctx, k, at)
						if err != nil {
							t.Error(err)
						}
						if ok {
							took.Add(1)
						}
					})
				}
				wg.Wait()
				return took.Load()
			}
			first := int64(since + storage.ProbeEvery)
			for _, tt := range []struct {
				at   int64
				want int32
			}{{first - 1, 0}, {first, 1}, {first + 1, 0}, {first + storage.ProbeEvery - 1, 0}, {first + storage.ProbeEvery + 7, 1}} {
				if got := take(tt.at); got != tt.want {
					t.Errorf("at %d: %d probes taken, want %d", tt.at, got, tt.want)
				}
			}
			if _, _, err := s.AttemptSucceeded(ctx, k); err != nil {
				t.Fatal(err)
			}
			if got := take(first + 10*storage.ProbeEvery); got != 0 {
				t.Errorf("after a success: %d probes taken, want none", got)
			}
		})
	}
}

// TestPausesAndFailingModes: Pauses lists each paused mode by either kind,
// FailingModes each mode with failures, paused or not.
func TestPausesAndFailingModes(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if p, err := s.Pauses(ctx, 0); err != nil || len(p) != 0 {
			t.Fatalf("Pauses of none = %v, %v", p, err)
		}
		if m, err := s.FailingModes(ctx); err != nil || len(m) != 0 {
			t.Fatalf("FailingModes of none = %v, %v", m, err)
		}
		failing := storage.PauseKey{Integration: 1, Mode: "new"}
		pausedAfter := storage.PauseKey{Integration: 2, Mode: "new"}
		limited := storage.PauseKey{Integration: 3, Mode: "approved"}
		expired := storage.PauseKey{Integration: 4, Mode: "postback"}
		if _, err := s.AttemptFailed(ctx, failing, 5, 100, "once"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AttemptFailed(ctx, pausedAfter, 1, 200, "HTTP 502"); err != nil {
			t.Fatal(err)
		}
		for k, until := range map[storage.PauseKey]int64{limited: 5000, expired: 900} {
			if err := s.PauseUntil(ctx, k.Integration, k.Mode, until); err != nil {
				t.Fatal(err)
			}
		}
		pauses, err := s.Pauses(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		want := map[storage.PauseKey]storage.PauseState{
			pausedAfter: {Since: 200, Message: "HTTP 502"},
			limited:     {Until: 5000},
		}
		if diff := cmp.Diff(want, pauses); diff != "" {
			t.Errorf("Pauses (-want +got):\n%s", diff)
		}
		modes, err := s.FailingModes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[storage.PauseKey]bool{}
		for _, k := range modes {
			got[k] = true
		}
		if diff := cmp.Diff(map[storage.PauseKey]bool{failing: true, pausedAfter: true}, got); diff != "" {
			t.Errorf("FailingModes (-want +got):\n%s", diff)
		}
	})
}
