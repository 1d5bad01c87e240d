package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"relais/queries"
)

func runIngest(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: time.Now}
	code := m.Main(append([]string{"ingest"}, args...))
	return code, out.String(), errb.String()
}

func TestIngestExitStatusSaysWhetherEveryRowLoaded(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sites := write("sites.csv", "site_id,name,headcount\nLYON,Lyon,1 200\n")
	votes := write("votes.csv", "idea_id,voter_id,voted_at\nI1,p1,2026-10-01\n")
	bad := write("ideas.csv", "idea_id,site_id,title,created_at,status\nI1,LYON,T,hier,submitted\nI2,LYON,T,2026-10-01,submitted\n")
	refused := write("people.csv", "person_id,role\np1,ambassador\n")
	consul := write("consul.csv", "\"id\";\"title\";\"description\";\"cached_votes_up\";\"created_at\";\"retired_at\"\r\n\"1\";\"T\";\"D\";\"3\";\"01/01/2024\";\"2024-02-01 10:00:00 +0100\"\r\n")
	db := filepath.Join(dir, "t.duckdb")
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stdout  []string
		stderr  []string
		nostdin bool
	}{
		{"every row loaded", []string{"--db", db, sites, votes}, 0,
			[]string{"sites.csv: 1 rows, 1 loaded, 0 rejected\n  dataset sites", "votes.csv: 1 rows, 1 loaded, 0 rejected\n  dataset votes",
				"database: sites 1, people 0, ideas 0, votes 1,", "1 votes rows point (idea_id) to 1 ideas not loaded"}, nil, false},
		{"shipped mapping and --set", []string{"--db", db, "--mapping", "consul-proposals", "--set", "site_id=MADRID", consul}, 0,
			[]string{"consul.csv: 1 rows, 1 loaded, 0 rejected\n  dataset ideas; ignored columns: description, cached_votes_up"}, nil, false},
		{"a rejected row", []string{"--db", db, bad}, 2,
			[]string{"ideas.csv: 2 rows, 0 loaded, 1 rejected\n  dataset ideas; nothing loaded"},
			[]string{"ideas.csv:2: created_at: hier: not a date-time", "1 of 1 files had rejected rows or were refused"}, false},
		{"a rejected row with --skip-invalid", []string{"--db", db, "--skip-invalid", bad}, 2,
			[]string{"ideas.csv: 2 rows, 1 loaded, 1 rejected\n  dataset ideas; rejected rows written to " + bad + ".rejects.csv"}, nil, false},
		{"a refused file does not stop the others", []string{"--db", db, refused, sites}, 2,
			[]string{"people.csv: 0 rows, 0 loaded, 0 rejected\n  dataset people; refused: missing required column site_id", "sites.csv: 1 rows, 1 loaded"}, nil, false},
		{"a missing file", []string{"--db", db, filepath.Join(dir, "nope.csv")}, 2, []string{"nope.csv: 0 rows, 0 loaded, 0 rejected\n  refused: cannot read"}, nil, false},
		{"no file", []string{"--db", db}, 1, nil, []string{"no file to ingest", "usage: relais ingest"}, false},
		{"bad date order", []string{"--db", db, "--date-order", "ymd", sites}, 1, nil, []string{"--date-order \"ymd\": want dmy or mdy"}, false},
		{"unknown dataset", []string{"--db", db, "--dataset", "idea", sites}, 1, nil, []string{"--dataset \"idea\""}, false},
		{"unknown mapping", []string{"--db", db, "--mapping", "nope", sites}, 1, nil, []string{"no such shipped mapping"}, false},
		{"bad --set", []string{"--db", db, "--set", "site_id", sites}, 1, nil, []string{"want COLUMN=VALUE"}, false},
		{"--set of an unknown column", []string{"--db", db, "--set", "sit_id=X", sites}, 1, nil, []string{`no dataset has a column "sit_id"`}, false},
		// Go's flag package stops at the first file: "--db" used to be read as a file name.
		{"flags after the files", []string{sites, "--db", db, "--dataset", "sites", "--skip-invalid"}, 0, []string{"sites.csv: 1 rows, 1 loaded, 0 rejected\n  dataset sites"}, nil, false},
		{"a bad flag after the files", []string{"--db", db, sites, "--bogus"}, 1, nil, []string{"-bogus", "usage: relais ingest"}, false},
		{"after -- every argument is a file", []string{"--db", db, sites, "--", "--skip-invalid"}, 2, []string{"--skip-invalid: 0 rows, 0 loaded, 0 rejected\n  refused: cannot read"}, nil, false},
		{"French dataset name", []string{"--db", db, "--dataset", "idées", "--mapping", "consul-proposals", "--set", "site_id=M", consul}, 0, nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runIngest(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestIngestHelperHoldsTheDatabase is not a test: it is the other process
// that holds a database in TestIngestOnAHeldDatabaseExitsTwo.
func TestIngestHelperHoldsTheDatabase(t *testing.T) {
	path := os.Getenv("RELAIS_TEST_HOLD_DB")
	if path == "" {
		t.Skip("helper process only")
	}
	db, err := queries.Open(context.Background(), queries.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	os.Stdout.WriteString("ready\n")
	io.Copy(io.Discard, os.Stdin)
}

func TestIngestOnAHeldDatabaseExitsTwoAndNamesTheServer(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "held.duckdb")
	holdDatabase(t, db)
	sites := filepath.Join(dir, "sites.csv")
	if err := os.WriteFile(sites, []byte("site_id,name\nLYON,Lyon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runIngest(t, "--db", db, sites)
	if code != 2 || !strings.Contains(stderr, "relais serve") || !strings.Contains(stderr, "inbox") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
