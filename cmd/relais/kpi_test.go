package main

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/queries"
)

// kpiTestDB writes a small database: two sites, one of them struggling.
func kpiTestDB(t *testing.T) (dbPath, configPath string) {
	t.Helper()
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "relais.duckdb")
	ctx := context.Background()
	db, err := queries.Open(ctx, queries.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string, rows ...[]driver.Value) { testfixture.Load(t, db, name, rows...) }
	load("sites", []driver.Value{"LYON", "Lyon", nil, int64(100)}, []driver.Value{"AAA", "Aaa", nil, nil})
	load("people", []driver.Value{"p1", "LYON", "ambassador", "Ann", nil, nil, nil})
	load("activity", []driver.Value{"p1", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), "visit"})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	configPath = filepath.Join(dir, "relais.yaml")
	cfg := "program:\n  start: 2026-09-01\ntargets:\n  - kpi: adoption\n    target: 0.5\n  - kpi: mau\n    target: 10\n    direction: at_most\n"
	if err := os.WriteFile(configPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dbPath, configPath
}

// testMain is the binary's Main with no environment, its clock stopped at
// now, writing to the two buffers it returns.
func testMain(now time.Time) (*Main, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(string) string { return "" }
	m.Now = func() time.Time { return now }
	return m, &out, &errb
}

// runCommand runs `relais COMMAND ARGS...` on 2026-11-30 at noon UTC.
func runCommand(t *testing.T, command string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	m, out, errb := testMain(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	code = m.Main(append([]string{command}, args...))
	return code, out.String(), errb.String()
}

func runKPI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCommand(t, "kpi", args...)
}

func keysOf(t *testing.T, v any, what string) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object: %v", what, v)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sorted(ks ...string) []string {
	out := append([]string(nil), ks...)
	sort.Strings(out)
	return out
}

func TestKPIJSONHasExactlyTheKeysOfTheContract(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	code, stdout, stderr := runKPI(t, "--db", dbPath, "--config", cfg, "--as-of", "2026-11-30", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if rest := strings.TrimSpace(stdout[dec.InputOffset():]); rest != "" {
		t.Errorf("stdout has more than the document: %q", rest)
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s keys\n got %v\nwant %v", what, got, want)
		}
	}
	check("document", keysOf(t, doc, "document"), sorted("as_of", "timezone", "program", "overall", "sites", "targets"))
	check("program", keysOf(t, doc["program"], "program"), sorted("start", "day", "phase", "configured"))
	overall := doc["overall"].(map[string]any)
	check("overall", keysOf(t, overall, "overall"), sorted(queries.OverallKeys()...))
	check("overall.ideas_by_status", keysOf(t, overall["ideas_by_status"], "ideas_by_status"), sorted(queries.Statuses()...))
	sites := doc["sites"].([]any)
	if len(sites) != 2 {
		t.Fatalf("%d sites, want 2", len(sites))
	}
	for i, s := range sites {
		check("site", keysOf(t, s, "site"), sorted(queries.SiteKeys()...))
		site := s.(map[string]any)
		check("site.ideas_by_status", keysOf(t, site["ideas_by_status"], "ideas_by_status"), sorted(queries.Statuses()...))
		if flags, ok := site["flags"].([]any); !ok || flags == nil {
			t.Errorf("site %d flags = %v, want a list", i, site["flags"])
		}
	}
	if sites[0].(map[string]any)["site_id"] != "AAA" {
		t.Errorf("sites not sorted by site_id")
	}
	targets := doc["targets"].([]any)
	if len(targets) != 2 {
		t.Fatalf("%d targets, want the 2 configured", len(targets))
	}
	for _, tr := range targets {
		check("target", keysOf(t, tr, "target"), sorted("id", "value", "target", "direction", "pace", "status"))
	}
	if doc["as_of"] != "2026-11-30" || doc["timezone"] != "Europe/Paris" {
		t.Errorf("as_of %v timezone %v", doc["as_of"], doc["timezone"])
	}
	if p := doc["program"].(map[string]any); p["start"] != "2026-09-01" || p["day"] != float64(91) || p["configured"] != true {
		t.Errorf("program = %v", p)
	}
	// Null where undefined: AAA has no headcount.
	if v, ok := sites[0].(map[string]any)["headcount"]; !ok || v != nil {
		t.Errorf("AAA headcount = %v, want null", v)
	}
}

func TestKPITableListsStrugglingSitesFirst(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	code, stdout, stderr := runKPI(t, "--db", dbPath, "--config", cfg, "--as-of", "2026-11-30")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Program: day 91, phase scale_up", "adoption  0.01   >= 0.5  0.5   off_track", "mau       1      <= 10   10    met"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	// AAA has no ambassador (struggling); LYON has an active one.
	aaa, lyon := strings.Index(stdout, "\nAAA "), strings.Index(stdout, "\nLYON ")
	if aaa < 0 || lyon < 0 || aaa > lyon {
		t.Errorf("struggling AAA should come before LYON:\n%s", stdout)
	}
}

func TestKPIRejectsAnUnknownFormat(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	code, stdout, stderr := runKPI(t, "--db", dbPath, "--config", cfg, "--format", "xml")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "usage: relais kpi") {
		t.Errorf("exit %d stdout %q stderr %q, want exit 1 with the usage line", code, stdout, stderr)
	}
}
