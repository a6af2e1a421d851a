package dispatcher

import (
	"strings"
	"testing"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/integrations/wire"
)

// TestShownResponseCutsAfterRedacting: a body over the limit is redacted
// before it is cut, so a secret across the cut leaves no part of itself,
// and a body that redaction shortens below the limit is kept whole.
func TestShownResponseCutsAfterRedacting(t *testing.T) {
	t.Parallel()
	const secret = "sk_live_9fQ2xLm7Tz"
	r := integrations.NewRedactor(map[string]string{"token": secret})
	tests := []struct {
		name, body, want string
	}{
		{"a secret across the cut", strings.Repeat("a", 90) + " " + secret, strings.Repeat("a", 90) + " ***"},
		{"shorter once redacted", strings.Repeat(secret+" ", 8), strings.Repeat("*** ", 8)},
	}
	for _, tt := range tests {
		v := shownResponse(&wire.Response{Code: 200, Body: tt.body}, false, 100, r)
		if !v.Truncated || !strings.HasPrefix(tt.want, v.Body) || len(v.Body) > 100 || strings.Contains(v.Body, secret[:4]) {
			t.Errorf("%s: body %q, truncated %v; want a cut of %q", tt.name, v.Body, v.Truncated, tt.want)
		}
	}
}
