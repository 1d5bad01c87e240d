package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"relais/internal/testfixture"
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
	write := func(name, content string) string { return testfixture.WriteFile(t, dir, name, content) }
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

// holdDatabase starts a helper process that holds db and whose command line
// reads "relais HOLDER" (as /proc/PID/cmdline shows it); it ends with the
// test.
func holdDatabase(t *testing.T, db, holder string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIngestHelperHoldsTheDatabase$", "--", holder)
	cmd.Args[0] = "relais"
	cmd.Env = append(os.Environ(), "RELAIS_TEST_HOLD_DB="+db)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("helper: %q %v", line, err)
	}
	return cmd.Process.Pid
}

func TestCommandsOnAHeldDatabaseExitTwoNameTheHolderAndSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	sites := filepath.Join(dir, "sites.csv")
	if err := os.WriteFile(sites, []byte("site_id,name\nLYON,Lyon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, holder := range []string{"serve", "ingest"} {
		db := filepath.Join(dir, holder+".duckdb")
		pid := holdDatabase(t, db, holder)
		for _, tc := range []struct {
			caller string
			args   []string
			want   map[string][]string // holder -> phrases
		}{
			{"ingest", []string{"ingest", "--db", db, sites}, map[string][]string{
				"serve":  {"held by a running `relais serve`", "inbox", "/api/v1/ingest"},
				"ingest": {"held by a running `relais ingest`", "wait for it to finish"},
			}},
			{"kpi", []string{"kpi", "--db", db}, map[string][]string{
				"serve":  {"held by a running `relais serve`", "/api/v1/kpis", "stop the server"},
				"ingest": {"held by a running `relais ingest`", "wait for it to finish"},
			}},
			{"export", []string{"export", "--db", db, "--out", filepath.Join(dir, "x.xlsx")}, map[string][]string{
				"serve":  {"held by a running `relais serve`", "/export.xlsx", "stop the server"},
				"ingest": {"held by a running `relais ingest`", "wait for it to finish"},
			}},
		} {
			t.Run(tc.caller+" while "+holder+" holds it", func(t *testing.T) {
				var out, errb bytes.Buffer
				m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: time.Now}
				code := m.Main(tc.args)
				stderr := errb.String()
				if code != 2 {
					t.Fatalf("exit %d, stderr:\n%s", code, stderr)
				}
				for _, w := range append(tc.want[holder], fmt.Sprintf("process %d", pid)) {
					if !strings.Contains(stderr, w) {
						t.Errorf("stderr lacks %q:\n%s", w, stderr)
					}
				}
				if holder == "ingest" && strings.Contains(stderr, "inbox") {
					t.Errorf("another ingest holds it, yet the message speaks of an inbox:\n%s", stderr)
				}
			})
		}
	}
}

// cancelOnLoaded cancels the run's context as soon as a file is logged as
// loaded, that is right after its commit: the instant an interrupt that
// arrived during the commit takes effect.
type cancelOnLoaded struct {
	slog.Handler
	cancel context.CancelFunc
}

func (h cancelOnLoaded) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "loaded" {
		h.cancel()
	}
	return h.Handler.Handle(ctx, r)
}

func TestIngestInterruptedDuringACommitReportsWhatTheDatabaseHolds(t *testing.T) {
	dir := t.TempDir()
	sites := testfixture.WriteFile(t, dir, "sites.csv", "site_id,name\nLYON,Lyon\n")
	people := testfixture.WriteFile(t, dir, "people.csv", "person_id,site_id,role\np1,LYON,ambassador\n")
	for _, tc := range []struct {
		name   string
		files  []string
		code   int
		stdout []string
		stderr string
		people int64
	}{
		{"during the last file's commit: every file loaded", []string{sites}, 0,
			[]string{"sites.csv: 1 rows, 1 loaded, 0 rejected"}, "every file is loaded", 0},
		{"during the first file's commit: the first loaded, not the second", []string{sites, people}, 2,
			[]string{"sites.csv: 1 rows, 1 loaded, 0 rejected", "people.csv: 0 rows, 0 loaded"}, "interrupted", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "t.duckdb")
			var out, errb bytes.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: time.Now}
			m.Logger = slog.New(cancelOnLoaded{slog.NewTextHandler(&errb, nil), cancel})
			run, err := m.ParseFlags(append([]string{"ingest", "--db", db}, tc.files...))
			if err != nil {
				t.Fatal(err)
			}
			err = m.Run(ctx, run)
			if cerr := m.Close(); cerr != nil {
				t.Fatal(cerr)
			}
			if code := m.report(err); code != tc.code {
				t.Errorf("exit %d, want %d: %v\n%s", code, tc.code, err, errb.String())
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errb.String())
			}
			h, err := queries.Open(context.Background(), queries.Options{Path: db})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			var nSites, nPeople int64
			if err := h.SQL().QueryRow(`SELECT (SELECT count(*) FROM sites), (SELECT count(*) FROM people)`).Scan(&nSites, &nPeople); err != nil {
				t.Fatal(err)
			}
			if nSites != 1 || nPeople != tc.people {
				t.Errorf("the database holds %d sites and %d people; the output said sites loaded and people not", nSites, nPeople)
			}
		})
	}
}
