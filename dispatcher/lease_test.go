package dispatcher

import (
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/scripting"
)

// A claim's lease counts the two scripts of each send at the engine's own
// time limit, so leases and runs cannot disagree.
func TestLeaseTakesTheEngineTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		scriptTimeout time.Duration
		request       time.Duration
		rounds        int
		want          time.Duration
	}{
		{"default engine", 0, 30 * time.Second, 1, 30*time.Second + 2*scripting.DefaultTimeout + 15*time.Second},
		{"short scripts", 500 * time.Millisecond, 10 * time.Second, 2, 2*(10*time.Second+time.Second) + 15*time.Second},
		{"long scripts", 20 * time.Second, 10 * time.Second, 3, 3*(10*time.Second+40*time.Second) + 15*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &Dispatcher{cfg: Config{Engine: scripting.NewEngine(scripting.Config{Timeout: tt.scriptTimeout})}.WithDefaults()}
			if got := d.lease(tt.request, tt.rounds); got != tt.want {
				t.Errorf("lease(%s, %d) with scripts of %s = %s, want %s", tt.request, tt.rounds, tt.scriptTimeout, got, tt.want)
			}
		})
	}
}
