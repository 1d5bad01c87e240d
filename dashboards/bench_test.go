package dashboards

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sort"
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/queries"
)

// BenchmarkServerOnDemoDB measures every page and API call with a warm
// snapshot (p95 over 40 requests after one warm-up) and the workbook, on
// the database named by RELAIS_BENCH_DB (for example the large demo,
// loaded with `relais ingest`); RELAIS_BENCH_AS_OF sets the as-of date
// (default: today). Skipped when RELAIS_BENCH_DB is unset.
func BenchmarkServerOnDemoDB(b *testing.B) {
	db := testfixture.OpenBenchDB(b)
	ctx := context.Background()
	now := time.Now
	if d, ok := testfixture.BenchAsOf(b); ok {
		at := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, db.Location())
		now = func() time.Time { return at }
	}
	snaps := queries.NewSnapshots(db, queries.Settings{}, now)
	// Signed in through the proxy headers: the core team's pages come from
	// the rendered-page cache, the other roles' are rendered per request.
	s, err := New(Options{DB: db, Snapshots: snaps, Now: now, Auth: proxyAuth(b)})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Serve(sctx, ln) }()
	defer func() { cancel(); <-done }()
	base := "http://" + ln.Addr().String()
	start := time.Now()
	snap, err := snaps.Today(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(start).Seconds(), "snapshot-s")
	site := ""
	if len(snap.Doc.Sites) > 0 {
		site = snap.Doc.Sites[len(snap.Doc.Sites)/2].SiteID
	}
	routes := []struct{ name, path string }{
		{"sponsor", "/"}, {"sites", "/sites"}, {"site", "/sites/" + site}, {"committee", "/committee"}, {"challenges", "/challenges"}, {"data", "/data"},
		{"api-kpis", "/api/v1/kpis"}, {"api-site", "/api/v1/sites/" + site}, {"api-series", "/api/v1/series?site=" + site},
		{"api-committee", "/api/v1/committee"},
	}
	role := ""
	fetch := func(p string) time.Duration {
		t0 := time.Now()
		req, err := http.NewRequest(http.MethodGet, base+p, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("X-Test-User", "bench")
		req.Header.Set("X-Test-Groups", role)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", p, resp.StatusCode)
		}
		return time.Since(t0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, group := range []string{"g-core", "staff"} { // core team, viewer
			role = group
			prefix := map[string]string{"g-core": "", "staff": "viewer-"}[group]
			for _, r := range routes {
				if group != "g-core" && r.name == "data" {
					continue
				}
				first := fetch(r.path) // warm-up: page queries cached per data version
				var ds []time.Duration
				for n := 0; n < 40; n++ {
					ds = append(ds, fetch(r.path))
				}
				sort.Slice(ds, func(a, c int) bool { return ds[a] < ds[c] })
				p95 := ds[len(ds)*95/100-1]
				b.ReportMetric(float64(p95.Microseconds())/1000, prefix+r.name+"-p95-ms")
				b.ReportMetric(float64(first.Microseconds())/1000, prefix+r.name+"-cold-ms")
			}
		}
		// The served workbook, its queries warm in the page cache.
		role = "g-core"
		fetch("/export.xlsx")
		b.ReportMetric(fetch("/export.xlsx").Seconds(), "export-xlsx-s")
	}
}

// BenchmarkWorkbookOnDemoDB times the workbook alone (queries included) on
// RELAIS_BENCH_DB; skipped when unset.
func BenchmarkWorkbookOnDemoDB(b *testing.B) {
	db := testfixture.OpenBenchDB(b)
	ctx := context.Background()
	asOf := time.Now()
	if d, ok := testfixture.BenchAsOf(b); ok {
		asOf = d
	}
	doc, err := db.KPIs(ctx, queries.Settings{}, asOf)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := WriteWorkbook(ctx, &buf, WorkbookOptions{DB: db, Doc: doc}); err != nil {
			b.Fatal(err)
		}
	}
}
