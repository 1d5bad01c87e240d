package metrics

import (
	"context"
	"database/sql/driver"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"relais/internal/testfixture"
	"relais/queries"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// scrape GETs /metrics from a real HTTP server on 127.0.0.1 serving m.
func scrape(t testing.TB, srv *httptest.Server) string {
	t.Helper()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("scrape: read: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: status %d: %s", resp.StatusCode, body)
	}
	return string(body)
}

// serve mounts m on a real HTTP server on 127.0.0.1.
func serve(t testing.TB, m *Metrics) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// fixtureMetrics is the fixed data set: the hand-made snapshot, a real
// database with a fixed ingest_log, and a few HTTP observations.
func fixtureMetrics(t testing.TB) (*Metrics, *queries.DB) {
	t.Helper()
	db := openTestDB(t)
	seedIngestLog(t, db)
	m := New(Options{DB: db, Snapshots: fixedSource{fixtureSnapshot()}})
	m.ObserveHTTP("/", 200, 3*time.Millisecond)
	m.ObserveHTTP("/", 200, 40*time.Millisecond)
	m.ObserveHTTP("/sites/{id}", 404, 700*time.Microsecond)
	m.ObserveHTTP("/export.xlsx", 200, 1500*time.Millisecond)
	m.ObserveIngest("people", 0, 0, false, time.Date(2026, 10, 15, 5, 0, 0, 0, time.UTC))
	return m, db
}

// stable drops the series that depend on the machine or the clock (Go
// runtime, process, DB pool), keeping the rest of the exposition as is.
func stable(exposition string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(exposition, "\n") {
		name := line
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			name = line[len("# HELP "):]
		}
		if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

func TestScrapeMatchesGolden(t *testing.T) {
	m, _ := fixtureMetrics(t)
	got := stable(scrape(t, serve(t, m)))
	path := filepath.Join("testdata", "metrics.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./metrics -run Golden -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("/metrics differs from %s (rerun with -update if intended)\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only one side has.
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

func TestMetricsPassLint(t *testing.T) {
	m, _ := fixtureMetrics(t)
	cases := []struct {
		name string
		lint func() error
	}{
		{"kpi collector", func() error { return problems(testutil.CollectAndLint(m.kpi)) }},
		{"ops collector", func() error { return problems(testutil.CollectAndLint(m.ops)) }},
		{"whole registry", func() error { return problems(testutil.GatherAndLint(m.reg)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.lint(); err != nil {
				t.Error(err)
			}
		})
	}
}

type lintError []string

func (e lintError) Error() string { return "lint: " + strings.Join(e, "; ") }

// problems turns lint results into an error naming each problem.
func problems(ps []promlint.Problem, err error) error {
	if err != nil {
		return err
	}
	var out lintError
	for _, p := range ps {
		out = append(out, p.Metric+": "+p.Text)
	}
	if len(out) > 0 {
		return out
	}
	return nil
}

func TestScrapeSeries(t *testing.T) {
	m, _ := fixtureMetrics(t)
	out := scrape(t, serve(t, m))
	cases := []struct {
		name    string
		series  string
		present bool
	}{
		{"unknown headcount is absent, not 0", `relais_site_headcount{site="NANTES"}`, false},
		{"suppressed eNPS is absent", `relais_site_enps{site="RENNES"}`, false},
		{"eNPS with enough answers is present", `relais_site_enps{site="LYON"} 42.857142857142854`, true},
		{"delays are in seconds", `relais_site_decision_delay_median_seconds{site="LYON"} 475200`, true},
		{"every flag has a series, 0 when it does not hold", `relais_site_flag{flag="low_adoption",site="LYON"} 0`, true},
		{"a flag that holds is 1", `relais_site_flag{flag="no_active_ambassador",site="NANTES"} 1`, true},
		{"struggling is 0/1", `relais_site_struggling{site="NANTES"} 1`, true},
		{"statuses include zeros", `relais_site_ideas_by_status{site="NANTES",status="implemented"} 0`, true},
		{"target without data has no value", `relais_target_value{target="enps"}`, false},
		{"target without data says no_data", `relais_target_status{status="no_data",target="enps"} 1`, true},
		{"overall has no site label", `relais_overall_monthly_active_users 540`, true},
		{"counters from ingest_log sum the files", `relais_ingest_rows_total{dataset="ideas",outcome="loaded"} 73`, true},
		{"datasets never loaded count 0", `relais_ingest_rows_total{dataset="surveys",outcome="loaded"} 0`, true},
		{"datasets never loaded have no last success", `relais_ingest_last_success_timestamp_seconds{dataset="surveys"}`, false},
		{"refused files count by dataset", `relais_ingest_failures_total{dataset="people"} 1`, true},
		{"program phase is 0/1", `relais_program_phase{phase="launch"} 1`, true},
		{"database pool stats are exported", `go_sql_max_open_connections{db_name="relais"}`, true},
		{"Go collector is registered", `go_goroutines `, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Contains(out, tc.series); got != tc.present {
				t.Errorf("series %q present = %v, want %v", tc.series, got, tc.present)
			}
		})
	}
}

func TestScrapeWithoutSnapshotExportsOnlyOps(t *testing.T) {
	db := openTestDB(t)
	m := New(Options{DB: db, Snapshots: fixedSource{nil}})
	out := scrape(t, serve(t, m))
	for _, prefix := range []string{"relais_site_", "relais_overall_", "relais_target_", "relais_program_", "relais_snapshot_"} {
		if strings.Contains(out, "\n"+prefix) {
			t.Errorf("without a snapshot, %s* series are exported", prefix)
		}
	}
	if !strings.Contains(out, `relais_ingest_files_total{dataset="sites"} 0`) {
		t.Errorf("ops metrics missing without a snapshot:\n%s", out)
	}
}

// loadSites commits one sites file through the real loader.
func loadSites(t testing.TB, db *queries.DB, ids ...string) {
	t.Helper()
	rows := make([][]driver.Value, len(ids))
	for i, id := range ids {
		rows[i] = []driver.Value{id, id, nil, int64(10)}
	}
	testfixture.Load(t, db, "sites", rows...)
}

func TestIngestCountersFollowLoads(t *testing.T) {
	db := openTestDB(t)
	// A long refresh period: only the new DB version can make the counters
	// move.
	m := New(Options{DB: db, Snapshots: fixedSource{nil}, IngestRefresh: time.Hour})
	srv := serve(t, m)
	if out := scrape(t, srv); !strings.Contains(out, `relais_ingest_rows_total{dataset="sites",outcome="loaded"} 0`) {
		t.Fatalf("before any load:\n%s", out)
	}
	loadSites(t, db, "A", "B")
	m.ObserveIngest("sites", 2, 0, true, time.Now())
	want := `relais_ingest_rows_total{dataset="sites",outcome="loaded"} 2`
	// The scrape after a load serves the cached summary and starts a
	// refresh; a later one sees the load.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := scrape(t, srv)
		if strings.Contains(out, want) && strings.Contains(out, `relais_ingest_last_success_timestamp_seconds{dataset="sites"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("counters never followed the load:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestScrapeAnswersWhileALoadIsOpen(t *testing.T) {
	db := openTestDB(t)
	seedIngestLog(t, db)
	m := New(Options{DB: db, Snapshots: fixedSource{fixtureSnapshot()}})
	srv := serve(t, m)
	ctx := context.Background()
	ds, _ := queries.LookupDataset("sites")
	l, err := db.NewLoader(ctx, ds) // holds the write lock until Close
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Append([]driver.Value{"Z", "Z", nil, nil}); err != nil {
		t.Fatal(err)
	}
	m.ObserveIngest("sites", 1, 0, true, time.Now()) // force a refresh
	out := scrape(t, srv)
	if !strings.Contains(out, `relais_site_struggling{site="NANTES"} 1`) {
		t.Errorf("KPI series missing while a load is open:\n%s", out)
	}
	if !strings.Contains(out, `relais_ingest_rows_total{dataset="ideas",outcome="loaded"} 73`) {
		t.Errorf("ingest series missing while a load is open:\n%s", out)
	}
}

func TestScrapeServesTheKPIEngineSnapshot(t *testing.T) {
	db := openTestDB(t)
	loadSites(t, db, "A", "B")
	snaps := queries.NewSnapshots(db, queries.Settings{}, nil)
	if err := snaps.Refresh(context.Background()); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	out := scrape(t, serve(t, New(Options{DB: db, Snapshots: snaps})))
	for _, want := range []string{
		"relais_overall_sites 2",
		`relais_site_struggling{site="A"} 1`, // no ambassador at all
		`relais_site_headcount{site="B"} 10`,
		"relais_snapshot_timestamp_seconds ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestEveryMetricHasHelpText(t *testing.T) {
	m, _ := fixtureMetrics(t)
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range families {
		names[mf.GetName()] = true
		if strings.TrimSpace(mf.GetHelp()) == "" {
			t.Errorf("%s has no help text", mf.GetName())
		}
	}
	// Every registry metric was gathered (the fixture has every figure), so
	// none escaped the check above.
	for _, d := range queries.Registry() {
		if d.Metric == "" {
			continue
		}
		if d.Levels&queries.AtOverall != 0 && !names["relais_overall_"+d.Metric] {
			t.Errorf("registry metric %s (%s) not exported at overall level", d.Metric, d.Key)
		}
	}
}
