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

// TestOutageLimit: LEADRELAY_OUTAGE_LIMIT is read like the other durations,
// defaults to ten minutes, and a negative one is refused.
func TestOutageLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  string
		want time.Duration
	}{{"", 10 * time.Minute}, {"30s", 30 * time.Second}} {
		a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, env: func(k string) string {
			if k == "LEADRELAY_OUTAGE_LIMIT" {
				return tc.env
			}
			return ""
		}}
		cfg, err := a.parseConfig("serve", nil)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.OutageLimit != tc.want {
			t.Errorf("LEADRELAY_OUTAGE_LIMIT=%q: outage limit %s, want %s", tc.env, cfg.OutageLimit, tc.want)
		}
	}
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, env: func(string) string { return "" }}
	if _, err := a.parseConfig("serve", []string{"--outage-limit", "-1s"}); err == nil {
		t.Error("a negative outage limit was taken")
	}
}
