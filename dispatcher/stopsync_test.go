package dispatcher_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/leadrelay/leadrelay/dispatcher"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
	"github.com/leadrelay/leadrelay/storage/storagetest"
)

// TestStopWaitsForASyncSend: a stop waits for a sync send under way, as for
// a sweep's sends: Wait returns only once its outcome is written. A lead
// that asks for a sync send after the stop is stored for the classic send,
// unclaimed and due, and the landing page is told so.
func TestStopWaitsForASyncSend(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		b := setup(t, s)
		arrived, release := make(chan struct{}), make(chan struct{})
		target := newCRM(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
			close(arrived)
			<-release
			_, _ = io.WriteString(w, `{"id":84921}`)
		})
		var once sync.Once
		free := func() { once.Do(func() { close(release) }) }
		t.Cleanup(free) // before the target closes: a failed test must not leave it waiting
		b.integration(t, map[string]any{"name": "callcentre", "enabled": true, "offers": []int{1},
			"sync": map[string]any{"enabled": true, "url": target.URL, "post": `return json.decode(result).id`}})
		ann := &lead.Lead{Name: "Ann", Phone: "447000000001", Country: "gb", OfferID: 1}
		sent := make(chan *dispatcher.Received, 1)
		go func() {
			got, err := b.d.Intake(context.Background(), dispatcher.Intake{Lead: ann, Sync: true})
			if err != nil {
				t.Error(err)
			}
			sent <- got
		}()
		<-arrived
		b.d.Stop()
		waited := make(chan struct{})
		go func() { b.d.Wait(); close(waited) }()
		bob := &lead.Lead{Name: "Bob", Phone: "447000000002", Country: "gb", OfferID: 1}
		late, err := b.d.Intake(context.Background(), dispatcher.Intake{Lead: bob, Sync: true})
		if err != nil {
			t.Fatal(err)
		}
		if res := late.Sync; res.Result != dispatcher.SyncQueued || !strings.Contains(res.Message, "stopping") {
			t.Errorf("a sync send asked for after the stop = %+v, want queued, stopping", res)
		}
		select {
		case <-waited:
			t.Fatal("Wait returned while a sync send was under way")
		default:
		}
		free()
		<-waited
		first := <-sent
		if first.Sync.Result != dispatcher.SyncAccepted {
			t.Errorf("the sync send under way at the stop = %+v, want accepted", first.Sync)
		}
		if got := b.lead(t, ann.ID); got.Status != lead.Processing || got.Ext != "84921" {
			t.Errorf("after Wait the first lead is %v with ext %q, want processing with 84921", got.Status, got.Ext)
		}
		if got := b.lead(t, bob.ID); got.Status != lead.New || got.ClaimToken != "" {
			t.Errorf("the lead after the stop is %v with claim %q, want new and unclaimed", got.Status, got.ClaimToken)
		}
		if n := len(target.got()); n != 1 {
			t.Errorf("the target got %d requests, want 1", n)
		}
	})
}
