package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"relais/ingest"
	"relais/internal/testfixture"
)

func TestConfigReadsTheLimitsAndNamesTheKeyOfABadOne(t *testing.T) {
	cfg, err := ParseConfig([]byte("limits:\n  field_bytes: 65536\n  record_bytes: 2MiB\n  xlsx_bytes: 1.5 GiB\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (ingest.Limits{FieldBytes: 65536, RecordBytes: 2 << 20, XLSXBytes: 3 << 29}); cfg.Limits != want {
		t.Fatalf("got %+v, want %+v", cfg.Limits, want)
	}
	if cfg, err := ParseConfig(nil); err != nil || cfg.Limits != (ingest.Limits{}) {
		t.Fatalf("no limits key: %+v %v (want zero: the defaults)", cfg.Limits, err)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"limits:\n  field_bytes: lots\n", `limits.field_bytes: "lots" is not a size`},
		{"limits:\n  record_bytes: 4 parsecs\n", `limits.record_bytes: "4 parsecs" is not a size`},
		{"limits:\n  xlsx_bytes: 100\n", "limits.xlsx_bytes: 100 bytes is below the least it may be, 1 MiB"},
		{"limits:\n  field_bytes: 8MiB\n", "limits.field_bytes: 8 MiB is more than limits.record_bytes (4 MiB)"},
		{"limits:\n  rows: 3\n", "field rows not found"},
	} {
		if _, err := ParseConfig([]byte(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: want %q, got %v", tc.yaml, tc.want, err)
		}
	}
}

// relais ingest reads the limits from relais.yaml; a field beyond them
// refuses the file with the line and the column, and loads nothing.
func TestIngestRefusesAFieldBeyondTheConfiguredLimit(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	config := testfixture.WriteFile(t, dir, "relais.yaml", "limits:\n  field_bytes: 1KiB\n")
	sites := testfixture.WriteFile(t, dir, "sites.csv", "site_id,name\nLYON,\"Lyon\nPARIS,"+strings.Repeat("Paris ", 200)+"\n")
	code, stdout, stderr := runIngest(t, "--db", db, "--config", config, sites)
	want := "sites.csv: 0 rows, 0 loaded, 0 rejected\n  dataset sites; refused: cannot read: line 2: column name: a field longer than 1 KiB (limit limits.field_bytes): a quote that never closes?"
	if code != 2 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "database: sites 0,") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
	}
}

// A file named in Windows-1252 (as French Windows machines name them)
// loads; the summary names it in UTF-8.
func TestIngestLoadsAFileNamedInLatin1(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "Donn\xe9es_sites.csv")
	if err := os.WriteFile(name, []byte("site_id,name\nLYON,Lyon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIngest(t, "--db", filepath.Join(dir, "t.duckdb"), name)
	if want := "Données_sites.csv: 1 rows, 1 loaded, 0 rejected\n  dataset sites"; code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
	}
}
