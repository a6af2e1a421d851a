package dispatcher

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// alert is the JSON an alert POSTs to the alert URL (SPEC §9).
type alert struct {
	Event       string `json:"event"`
	Integration int64  `json:"integration"`
	Mode        string `json:"mode"`
	Message     string `json:"message"`
}

// Alert sending: each try has alertTimeout, and alertTries are made, a
// second apart, before the alert is given up and logged.
const (
	alertTimeout = 5 * time.Second
	alertTries   = 3
	alertGap     = time.Second
)

// alert POSTs a to the alert URL, when one is set, in the background: a
// failed alert is logged and never holds up delivery.
func (d *Dispatcher) alert(a alert) {
	if d.cfg.AlertURL == "" {
		return
	}
	body, err := json.Marshal(a)
	if err != nil {
		d.cfg.Logger.Error("writing an alert", "err", err)
		return
	}
	go func() {
		var err error
		for try := range alertTries {
			if try > 0 {
				time.Sleep(alertGap)
			}
			if err = d.postAlert(body); err == nil {
				return
			}
		}
		d.cfg.Logger.Error("sending an alert", "event", a.Event, "integration", a.Integration, "mode", a.Mode, "err", err)
	}()
}

func (d *Dispatcher) postAlert(body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), alertTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.AlertURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the alert URL answered %s", resp.Status)
	}
	return nil
}
