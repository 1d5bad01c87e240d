package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newDemoTestMain(t *testing.T) (*Main, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	return testMain(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
}

func TestDemoCommandWritesFilesAndListsThem(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	m, out, errb := newDemoTestMain(t)
	if code := m.Main([]string{"demo", "--config", "/dev/null", "--out", dir, "--seed", "3", "--as-of", "2026-10-15"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("stdout has %d lines, want 9 files and the config:\n%s", len(lines), out)
	}
	for _, l := range lines {
		name := strings.SplitN(l, "\t", 2)[0]
		if _, err := os.Stat(name); err != nil {
			t.Errorf("listed %s: %v", name, err)
		}
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "relais.yaml"))
	if err != nil || !strings.Contains(string(cfg), "start: 2026-08-02") {
		t.Errorf("relais.yaml (as of 2026-10-15 wants start 2026-08-02): %s %v", cfg, err)
	}
	if !strings.Contains(errb.String(), "demo written") {
		t.Errorf("stderr lacks the closing log line: %s", errb)
	}
}

func TestDemoCommandRefusesBadUsageWithExit1(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown scale", []string{"--out", "x", "--scale", "huge"}, `--scale "huge"`},
		{"missing out", []string{"--scale", "small"}, "--out is required"},
		{"bad date", []string{"--out", "x", "--as-of", "30/11/2026"}, "--as-of"},
		{"bad seed", []string{"--out", "x", "--seed", "one"}, "seed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, errb := newDemoTestMain(t)
			code := m.Main(append([]string{"demo", "--config", "/dev/null"}, tc.args...))
			if code != 1 || !strings.Contains(errb.String(), tc.want) || !strings.Contains(errb.String(), "usage: relais demo") {
				t.Errorf("exit %d, stderr %q; want 1 naming %q with the usage line", code, errb, tc.want)
			}
		})
	}
}
