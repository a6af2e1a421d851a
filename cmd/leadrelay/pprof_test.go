package main

import (
	"bytes"
	"testing"
	"time"
)

// TestLeaseMarginAndPprofAddr: the load-test settings come from the
// environment like the others, and a negative margin is refused.
func TestLeaseMarginAndPprofAddr(t *testing.T) {
	t.Parallel()
	env := map[string]string{"LEADRELAY_LEASE_MARGIN": "2s", "LEADRELAY_PPROF_ADDR": "127.0.0.1:6060"}
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, env: func(k string) string { return env[k] }}
	cfg, err := a.parseConfig("serve", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LeaseMargin != 2*time.Second || cfg.PprofAddr != "127.0.0.1:6060" {
		t.Errorf("lease margin %s, pprof addr %q", cfg.LeaseMargin, cfg.PprofAddr)
	}
	if _, err := a.parseConfig("serve", []string{"--lease-margin", "-1s"}); err == nil {
		t.Error("a negative lease margin was taken")
	}
}
