package clock

import (
	"testing"
	"time"
)

func TestFakeWakesWaitersInOrder(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	late := f.After(2 * time.Minute)
	early := f.After(time.Minute)
	f.Advance(90 * time.Second)
	select {
	case got := <-early:
		if !got.Equal(start.Add(time.Minute)) {
			t.Errorf("early woke at %v", got)
		}
	default:
		t.Fatal("the one-minute waiter did not wake after 90s")
	}
	select {
	case <-late:
		t.Fatal("the two-minute waiter woke after 90s")
	default:
	}
	f.Advance(30 * time.Second)
	if got := <-late; !got.Equal(start.Add(2 * time.Minute)) {
		t.Errorf("late woke at %v", got)
	}
	if !f.Now().Equal(start.Add(2 * time.Minute)) {
		t.Errorf("Now = %v", f.Now())
	}
}
