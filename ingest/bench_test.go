package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/queries"
)

// BenchmarkIngest loads every file of a demo folder (RELAIS_BENCH_DIR,
// written by `relais demo --scale large`) into a fresh database and reports
// rows/s and the peak memory of the process; then, for each canonical CSV,
// DuckDB's own read_csv into the same table as the reference, with the ratio
// of the two times (ingest/read_csv; the goal is 2 or less). Run once:
//
//	RELAIS_BENCH_DIR=demo-large go test -run '^$' -bench Ingest -benchtime 1x ./ingest
func BenchmarkIngest(b *testing.B) {
	files := testfixture.DemoFiles(testfixture.BenchEnv(b, "RELAIS_BENCH_DIR", "a folder written by relais demo"))
	for _, path := range files {
		var ingestTook time.Duration
		name := filepath.Base(path)
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				db := openBenchDB(b)
				stop := watchPeak()
				start := time.Now()
				res, err := LoadFile(context.Background(), db, path, Options{})
				took := time.Since(start)
				ingestTook = took
				peakRSS, peakHeap := stop()
				if err != nil {
					b.Fatalf("%v (%s)", err, res.Summary())
				}
				b.ReportMetric(float64(res.Rows)/took.Seconds(), "rows/s")
				b.ReportMetric(float64(peakRSS)/(1<<20), "peak-RSS-MiB")
				b.ReportMetric(float64(peakHeap)/(1<<20), "peak-Go-heap-MiB")
				b.ReportMetric(float64(res.Rows), "rows")
				db.Close()
			}
		})
		if !strings.HasSuffix(name, ".csv") {
			continue
		}
		ds, cols, ok := canonicalCSV(path)
		if !ok {
			continue // French or cp1252: read_csv would need a mapping
		}
		b.Run(name+"/duckdb-read_csv", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				db := openBenchDB(b)
				stop := watchPeak()
				start := time.Now()
				q := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM read_csv(?, header = true, all_varchar = true)`,
					ds, strings.Join(cols, ", "), castList(ds, cols))
				r, err := db.SQL().Exec(q, path)
				took := time.Since(start)
				peakRSS, _ := stop()
				if err != nil {
					b.Fatal(err)
				}
				n, _ := r.RowsAffected()
				b.ReportMetric(float64(n)/took.Seconds(), "rows/s")
				if ingestTook > 0 {
					// The goal: LoadFile within 2x of this.
					b.ReportMetric(ingestTook.Seconds()/took.Seconds(), "ingest/read_csv")
				}
				b.ReportMetric(float64(peakRSS)/(1<<20), "peak-RSS-MiB")
				b.ReportMetric(float64(n), "rows")
				db.Close()
			}
		})
	}
}

func openBenchDB(b *testing.B) *queries.DB {
	b.Helper()
	loc, _ := time.LoadLocation("Europe/Paris")
	db, err := queries.Open(context.Background(), queries.Options{Path: filepath.Join(b.TempDir(), "bench.duckdb"), Location: loc})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// canonicalCSV says whether a CSV's header is exactly canonical column names
// of the dataset its name gives (what read_csv can load without a mapping).
func canonicalCSV(path string) (string, []string, bool) {
	ds, ok := datasetFromFileName(filepath.Base(path))
	if !ok {
		return "", nil, false
	}
	d, _ := queries.LookupDataset(ds)
	f, err := os.Open(path)
	if err != nil {
		return "", nil, false
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return "", nil, false
	}
	line = strings.TrimPrefix(strings.TrimSpace(line), "\uFEFF")
	var cols []string
	for _, h := range strings.Split(line, ",") {
		if _, i := d.Column(h); i >= 0 {
			cols = append(cols, h)
		}
	}
	return ds, cols, len(cols) > 0
}

func castList(ds string, cols []string) string {
	d, _ := queries.LookupDataset(ds)
	var out []string
	for _, c := range cols {
		col, _ := d.Column(c)
		switch col.Kind {
		case queries.Integer:
			out = append(out, "CAST("+c+" AS BIGINT)")
		case queries.Date:
			out = append(out, "CAST("+c+" AS DATE)")
		case queries.Instant:
			// DuckDB reads "+0200" after a space as a zone name: join it.
			out = append(out, "CAST(replace("+c+", ' +', '+') AS TIMESTAMPTZ)")
		default:
			out = append(out, c)
		}
	}
	return strings.Join(out, ", ")
}

// watchPeak samples the process's memory until stopped: the peak resident
// set (Linux VmHWM, reset first; it includes DuckDB's C memory) and the
// peak Go heap.
func watchPeak() func() (rss, heap uint64) {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	var peakHeap atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		return vmHWM(), peakHeap.Load()
	}
}

func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseUint(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
