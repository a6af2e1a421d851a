package dispatcher_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/scripting"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// claimed is a slog handler that hands over the mode of each claim the
// dispatcher logs.
type claimed struct{ modes chan string }

func (c claimed) Enabled(context.Context, slog.Level) bool { return true }

func (c claimed) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "claimed" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "mode" {
				c.modes <- a.Value.String()
			}
			return true
		})
	}
	return nil
}

func (c claimed) WithAttrs([]slog.Attr) slog.Handler { return c }

func (c claimed) WithGroup(string) slog.Handler { return c }

// waitClaim waits until the dispatcher has claimed rows of mode.
func (c claimed) waitClaim(mode string) {
	for m := <-c.modes; m != mode; m = <-c.modes {
	}
}

// TestAClaimThatRanOutWhileWaitingIsNotSent: with one worker, integration
// A's slow CRM holds it while integration B's postback, claimed with B's
// short lease, waits; the lease runs out and a second claim takes the row,
// from the same dispatcher's next sweep or from another dispatcher. When the
// worker comes free, the stale claim must not send it: B gets the postback
// once.
func TestAClaimThatRanOutWhileWaitingIsNotSent(t *testing.T) {
	t.Parallel()
	for _, backend := range storagetest.Backends() {
		for _, second := range []string{"same dispatcher", "another dispatcher"} {
			t.Run(backend.Name+"/"+second, func(t *testing.T) {
				t.Parallel()
				dsn := backend.DSN(t)
				fake := newFakeClock()
				newOne := func(workers int, logger *slog.Logger) (*dispatcher.Dispatcher, *storage.Store) {
					s := storagetest.Open(t, dsn)
					d, err := dispatcher.New(dispatcher.Config{
						Store: s, Engine: scripting.NewEngine(scripting.Config{Timeout: time.Second}),
						Tokens: macros.NewTokens([]byte("k")), Clock: fake, Logger: logger,
						FlushInterval: 5 * time.Millisecond, Workers: workers,
					})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(d.Close)
					return d, s
				}
				claims := claimed{modes: make(chan string, 16)}
				d1, s := newOne(1, slog.New(claims))
				b := &bundle{store: s, d: d1, clock: fake}
				arrived, release := make(chan struct{}), make(chan struct{})
				var once sync.Once
				slow := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
					once.Do(func() { close(arrived); <-release })
					_, _ = w.Write([]byte(`{"id":"A-1"}`))
				})
				tracker := newCRM(t, answer(http.StatusOK, "OK"))
				slowMode := newMode(slow.URL, "")
				slowMode["timeout"] = "30s"
				b.integration(t, map[string]any{"name": "slow", "enabled": true, "offers": []int{1}, "new": slowMode})
				b.integration(t, map[string]any{"name": "fast", "enabled": true, "offers": []int{2}, "new": map[string]any{"enabled": true},
					"postback": map[string]any{"enabled": true, "url": tracker.URL, "method": "GET", "timeout": "1s", "statuses": []string{"packaging"}}})
				b.newLead(t, &lead.Lead{Name: "Ann", OfferID: 1})
				l := b.newLead(t, &lead.Lead{Name: "Bob", OfferID: 2})
				if err := d1.ChangeStatus(context.Background(), dispatcher.StatusChange{LeadID: l.ID, Status: lead.Packaging, Source: "test"}); err != nil {
					t.Fatal(err)
				}
				var sweeps sync.WaitGroup
				sweep := func(d *dispatcher.Dispatcher, mode string) {
					sweeps.Go(func() {
						if _, err := d.Sweep(context.Background(), mode); err != nil {
							t.Errorf("sweep %s: %v", mode, err)
						}
					})
				}
				sweep(d1, "new")
				<-arrived // A's send holds the only worker
				sweep(d1, "postback")
				claims.waitClaim("postback") // B's postback waits for the worker
				fake.Advance(time.Minute)    // past B's lease, not A's
				if second == "same dispatcher" {
					sweep(d1, "postback")
					claims.waitClaim("postback")
				} else {
					d2, _ := newOne(4, nil)
					if _, err := d2.Sweep(context.Background(), "postback"); err != nil {
						t.Fatal(err)
					}
				}
				close(release)
				sweeps.Wait()
				if n := len(tracker.got()); n != 1 {
					t.Errorf("B got the postback %d times, want once", n)
				}
				sent := 0
				for _, row := range b.log(t, l.ID) {
					if row.Mode == "postback" {
						sent++
					}
				}
				if sent != 1 {
					t.Errorf("postback log rows = %d, want 1", sent)
				}
			})
		}
	}
}
