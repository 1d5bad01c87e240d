package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestTheGoHeapGetsHalfOfDuckDBsMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		duckdb string
		want   int64
	}{
		{"", 300e6}, // the default 600MB
		{"2GB", 1e9},
		{"3GiB", 3 << 29},
		{"200MB", minGoMemoryLimit},
		{"80%", minGoMemoryLimit},
	} {
		if got := goMemoryLimit(tc.duckdb); got != tc.want {
			t.Errorf("goMemoryLimit(%q) = %d, want %d", tc.duckdb, got, tc.want)
		}
	}

	dir := t.TempDir()
	cfg := filepath.Join(dir, "relais.yaml")
	if err := os.WriteFile(cfg, []byte("database:\n  memory_limit: 2GB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"", "1GiB"} {
		var set []int64
		m := NewMain()
		m.Stdout, m.Stderr = io.Discard, io.Discard
		m.Getenv = func(k string) string {
			if k == "GOMEMLIMIT" {
				return env
			}
			return ""
		}
		m.SetGoMemoryLimit = func(n int64) { set = append(set, n) }
		if code := m.Main([]string{"kpi", "--db", filepath.Join(dir, "t.duckdb"), "--config", cfg, "--format", "json"}); code != 0 {
			t.Fatalf("relais kpi: exit %d", code)
		}
		want := []int64{1e9}
		if env != "" {
			want = nil // GOMEMLIMIT's own limit stays
		}
		if len(set) != len(want) || len(set) == 1 && set[0] != want[0] {
			t.Errorf("GOMEMLIMIT=%q: limits set %v, want %v", env, set, want)
		}
	}
}
