package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnvAndFlags(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"LEADRELAY_WORKERS":        "8",
		"LEADRELAY_SCRIPT_TIMEOUT": "500ms",
		"LEADRELAY_ADDR":           ":9000",
		"LEADRELAY_SCRIPT_MEMORY":  "64MiB",
		"LEADRELAY_SCRIPT_BUDGET":  "3GiB",
	}
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, env: func(k string) string { return env[k] }}
	cfg, err := a.parseConfig("serve", []string{"--addr", "127.0.0.1:9999", "--script-memory", "16MiB"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Workers != 8 || cfg.ScriptTimeout != 500*time.Millisecond || cfg.ScriptBudget != 3<<30 {
		t.Errorf("env not read: %+v", cfg)
	}
	if cfg.ScriptMemory != 16<<20 {
		t.Errorf("--script-memory did not win over env: %d", cfg.ScriptMemory)
	}
	if cfg.Addr != "127.0.0.1:9999" {
		t.Errorf("flag did not win over env: addr %q", cfg.Addr)
	}
	if cfg.DSN != DefaultDSN || cfg.Schedule != DefaultSchedule || cfg.LogDays != DefaultLogDays {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestBadConfigExitsWithOneLineReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"schedule", map[string]string{"LEADRELAY_SCHEDULE": "every minute"}, "not a valid cron schedule"},
		{"workers", map[string]string{"LEADRELAY_WORKERS": "many"}, "not a whole number"},
		{"zero workers", map[string]string{"LEADRELAY_WORKERS": "-1"}, "from 1 to 10000"},
		{"timeout", map[string]string{"LEADRELAY_SCRIPT_TIMEOUT": "2"}, "not a duration"},
		{"script memory", map[string]string{"LEADRELAY_SCRIPT_MEMORY": "lots"}, "LEADRELAY_SCRIPT_MEMORY \"lots\" is not a size"},
		{"tiny script memory", map[string]string{"LEADRELAY_SCRIPT_MEMORY": "1KiB"}, "from 1MiB to 1GiB"},
		{"script budget", map[string]string{"LEADRELAY_SCRIPT_BUDGET": "1.5GB"}, "LEADRELAY_SCRIPT_BUDGET \"1.5GB\" is not a size"},
		{"budget below one run", map[string]string{"LEADRELAY_SCRIPT_MEMORY": "64MiB", "LEADRELAY_SCRIPT_BUDGET": "32MiB"}, "at least one run's LEADRELAY_SCRIPT_MEMORY"},
		{"dsn", map[string]string{"LEADRELAY_DSN": "postgres://x/y"}, "starts with sqlite: or mysql://"},
		{"unreachable mysql", map[string]string{"LEADRELAY_DSN": "mysql://root@127.0.0.1:1/x"}, "reaching the mysql database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			a := &app{stdout: &bytes.Buffer{}, stderr: &stderr, env: func(k string) string { return tt.env[k] }}
			code := a.main(context.Background(), []string{"migrate"})
			if code == 0 {
				t.Fatal("exit code 0 for a bad configuration")
			}
			out := strings.TrimSpace(stderr.String())
			if strings.Count(out, "\n") != 0 || !strings.Contains(out, tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", out, tt.want)
			}
		})
	}
}

func TestMigrateOnEmbeddedDatabase(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	dsn := "sqlite:" + t.TempDir() + "/lr.db"
	a := &app{stdout: &stdout, stderr: &bytes.Buffer{}, env: func(k string) string {
		if k == "LEADRELAY_DSN" {
			return dsn
		}
		return ""
	}}
	if code := a.main(context.Background(), []string{"migrate"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !regexp.MustCompile(`^schema at version [1-9][0-9]* \(sqlite\)\n$`).MatchString(stdout.String()) {
		t.Errorf("stdout = %q", stdout.String())
	}
}
