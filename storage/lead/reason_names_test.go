package lead_test

import (
	"slices"
	"testing"

	"github.com/leadrelay/leadrelay/storage/lead"
)

// TestReasonsHaveNames: Reasons lists, in order of code, exactly the codes
// that have a built-in name.
func TestReasonsHaveNames(t *testing.T) {
	t.Parallel()
	got := lead.Reasons()
	if !slices.IsSorted(got) || !slices.Contains(got, lead.ReasonDuplicate) {
		t.Fatalf("Reasons() = %v, want sorted and holding duplicate", got)
	}
	for _, r := range got {
		if name, ok := r.Name(); !ok || name != r.String() {
			t.Errorf("reason %d: Name() = %q, %v; String() = %q", r, name, ok, r.String())
		}
	}
	if name, ok := lead.Reason(99).Name(); ok {
		t.Errorf("reason 99 has the name %q, want none", name)
	}
}
