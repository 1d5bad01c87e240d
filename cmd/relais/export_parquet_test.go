package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"relais/queries"
)

// runCmd runs one relais command line; the clock is fixed.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	m, out, errb := newDemoTestMain(t)
	code := m.Main(args)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errb := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("relais %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errb)
	}
	return out
}

// duck opens an in-memory DuckDB to read Parquet files as a data team would.
func duck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func scalar[T any](t *testing.T, db *sql.DB, q string) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func sameFigure(a *float64, b sql.NullFloat64) bool {
	if a == nil || !b.Valid {
		return a == nil && !b.Valid
	}
	return math.Abs(*a-b.Float64) <= 1e-9*math.Max(1, math.Abs(*a))
}

func TestParquetExportReadsBackWithTheSameCountsAndKPIs(t *testing.T) {
	dir := t.TempDir()
	demoDir := filepath.Join(dir, "demo")
	const asOf = "2026-11-20"
	mustRun(t, "demo", "--config", "/dev/null", "--out", demoDir, "--seed", "5", "--as-of", asOf)
	files, _ := filepath.Glob(filepath.Join(demoDir, "*.csv"))
	xlsx, _ := filepath.Glob(filepath.Join(demoDir, "*.xlsx"))
	cfg := filepath.Join(demoDir, "relais.yaml")
	dbA := filepath.Join(dir, "a.duckdb")
	mustRun(t, append([]string{"ingest", "--db", dbA, "--config", cfg}, append(files, xlsx...)...)...)
	out := filepath.Join(dir, "parquet")
	mustRun(t, "export", "--db", dbA, "--config", cfg, "--as-of", asOf, "--parquet", out)
	var doc queries.Document
	if err := json.Unmarshal([]byte(mustRun(t, "kpi", "--db", dbA, "--config", cfg, "--as-of", asOf, "--format", "json")), &doc); err != nil {
		t.Fatal(err)
	}

	// Counts: every dataset file against the database.
	a, err := queries.Open(context.Background(), queries.Options{Path: dbA})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, ds := range queries.Datasets() {
		var n int64
		if err := a.SQL().QueryRow("SELECT count(*) FROM " + ds.Name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[ds.Name] = n
	}
	a.Close()
	pq := duck(t)
	if _, err := pq.Exec("SET TimeZone = 'Europe/Paris'"); err != nil {
		t.Fatal(err)
	}
	for _, ds := range queries.Datasets() {
		src := "'" + filepath.Join(out, ds.Name+".parquet") + "'"
		if ds.Name == "activity" {
			src = "'" + filepath.Join(out, "activity", "*", "*.parquet") + "', hive_partitioning = true"
		}
		if got := scalar[int64](t, pq, "SELECT count(*) FROM read_parquet("+src+")"); got != counts[ds.Name] || got == 0 {
			t.Errorf("%s: %d rows in Parquet, %d in the database", ds.Name, got, counts[ds.Name])
		}
	}
	for _, ds := range queries.Datasets() {
		src := "'" + filepath.Join(out, ds.Name+".parquet") + "'"
		if ds.Name == "activity" {
			src = "'" + filepath.Join(out, "activity", "*", "*.parquet") + "', hive_partitioning = false"
		}
		var want []string
		for _, c := range ds.Columns {
			want = append(want, c.Name)
		}
		got := scalar[string](t, pq, "SELECT string_agg(column_name, ',') FROM (DESCRIBE SELECT * FROM read_parquet("+src+"))")
		if got != strings.Join(want, ",") {
			t.Errorf("%s: columns %s, want the canonical %s", ds.Name, got, strings.Join(want, ","))
		}
	}
	misplaced := scalar[int64](t, pq, "SELECT count(*) FROM read_parquet('"+filepath.Join(out, "activity", "*", "*.parquet")+"', hive_partitioning = true) WHERE strftime(occurred_at, '%Y-%m') <> month")
	if misplaced != 0 {
		t.Errorf("%d activity rows in another month's partition", misplaced)
	}

	// KPIs: the Parquet rows against the JSON document.
	cols := func(file string) []string {
		rows, err := pq.Query("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('" + filepath.Join(out, file) + "'))")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var l []string
		for rows.Next() {
			var c string
			rows.Scan(&c)
			l = append(l, c)
		}
		return l
	}
	checked := 0
	for _, key := range cols("kpi_overall.parquet") {
		if key == "as_of" || key == "program_start" || key == "program_day" || strings.HasPrefix(key, "ideas_by_status_") {
			continue
		}
		v := scalar[sql.NullFloat64](t, pq, `SELECT "`+key+`"::DOUBLE FROM read_parquet('`+filepath.Join(out, "kpi_overall.parquet")+`')`)
		if !sameFigure(doc.Overall.Value(key), v) {
			t.Errorf("overall %s: Parquet %v, document %v", key, v, doc.Overall.Value(key))
		}
		checked++
	}
	for _, s := range doc.Sites {
		for _, key := range cols("kpi_sites.parquet") {
			switch key {
			case "as_of", "site_id", "name", "flags", "struggling":
				continue
			}
			if strings.HasPrefix(key, "ideas_by_status_") {
				got := scalar[int64](t, pq, `SELECT "`+key+`" FROM read_parquet('`+filepath.Join(out, "kpi_sites.parquet")+`') WHERE site_id = '`+s.SiteID+`'`)
				if got != s.IdeasByStatus.Get(strings.TrimPrefix(key, "ideas_by_status_")) {
					t.Errorf("site %s %s: %d", s.SiteID, key, got)
				}
				continue
			}
			v := scalar[sql.NullFloat64](t, pq, `SELECT "`+key+`"::DOUBLE FROM read_parquet('`+filepath.Join(out, "kpi_sites.parquet")+`') WHERE site_id = '`+s.SiteID+`'`)
			if !sameFigure(s.Figures.Value(key), v) {
				t.Errorf("site %s %s: Parquet %v, document %v", s.SiteID, key, v, s.Figures.Value(key))
			}
			checked++
		}
	}
	if checked < 20 || len(doc.Sites) == 0 {
		t.Fatalf("only %d figures checked", checked)
	}
	if n := scalar[int64](t, pq, "SELECT count(DISTINCT coalesce(site_id, '')) FROM read_parquet('"+filepath.Join(out, "weekly.parquet")+"')"); n != int64(len(doc.Sites)+1) {
		t.Errorf("weekly series for %d sites (overall included), want %d", n, len(doc.Sites)+1)
	}

	// The Parquet files loaded back give the same KPI document.
	dbB := filepath.Join(dir, "b.duckdb")
	back := []string{"ingest", "--db", dbB, "--config", cfg}
	for _, ds := range queries.Datasets() {
		if ds.Name == "activity" {
			parts, _ := filepath.Glob(filepath.Join(out, "activity", "*", "*.parquet"))
			back = append(back, parts...)
			continue
		}
		back = append(back, filepath.Join(out, ds.Name+".parquet"))
	}
	if loaded := mustRun(t, back...); strings.Contains(loaded, "ignored columns") {
		t.Errorf("the export's own files have columns a load ignores:\n%s", loaded)
	}
	docB := mustRun(t, "kpi", "--db", dbB, "--config", cfg, "--as-of", asOf, "--format", "json")
	docA := mustRun(t, "kpi", "--db", dbA, "--config", cfg, "--as-of", asOf, "--format", "json")
	if docA != docB {
		t.Fatalf("KPIs differ after loading the Parquet files back:\n%s\n%s", docA, docB)
	}
	if _, err := os.Stat(out + ".tmp"); err == nil {
		t.Fatal("temporary folder left behind")
	}
}
