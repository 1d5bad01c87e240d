package testfixture

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"relais/queries"
)

// BenchEnv returns the environment variable key, and skips the benchmark
// when it is unset: the benchmarks on a large demo run only when asked to
// (`make bench-large`, `make soak`). what, when not "", says in the skip
// message what the variable names.
func BenchEnv(b testing.TB, key, what string) string {
	b.Helper()
	v := os.Getenv(key)
	if v == "" {
		msg := key + " is not set"
		if what != "" {
			msg += " (" + what + ")"
		}
		b.Skip(msg)
	}
	return v
}

// OpenBenchDB opens the database RELAIS_BENCH_DB names (for example the
// large demo, loaded with `relais ingest`), closed when the benchmark ends;
// the benchmark is skipped when it is unset.
func OpenBenchDB(b testing.TB) *queries.DB {
	b.Helper()
	path := BenchEnv(b, "RELAIS_BENCH_DB", "")
	db, err := queries.Open(context.Background(), queries.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchAsOf is the date RELAIS_BENCH_AS_OF gives (YYYY-MM-DD, a UTC
// midnight), and whether it is set.
func BenchAsOf(b testing.TB) (time.Time, bool) {
	b.Helper()
	s := os.Getenv("RELAIS_BENCH_AS_OF")
	if s == "" {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		b.Fatal(err)
	}
	return d, true
}

// DemoFiles lists the exports in a folder written by `relais demo`: its
// CSV and XLSX files, rejects files left out, sorted by name.
func DemoFiles(dir string) []string {
	var files []string
	for _, pat := range []string{"*.csv", "*.xlsx"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, f := range m {
			if !strings.HasSuffix(f, ".rejects.csv") {
				files = append(files, f)
			}
		}
	}
	sort.Strings(files)
	return files
}
