package ingest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/queries"
)

// BenchmarkParquet loads a demo folder (RELAIS_BENCH_DIR, written by
// `relais demo`) once, then measures `relais export --parquet` (the whole
// folder) and, per dataset, loading its CSV (or XLSX) file against loading
// the Parquet files exported from it into a fresh database. Run once:
//
//	RELAIS_BENCH_DIR=demo-medium go test -run '^$' -bench Parquet -benchtime 1x ./ingest
func BenchmarkParquet(b *testing.B) {
	ctx := context.Background()
	files := testfixture.DemoFiles(testfixture.BenchEnv(b, "RELAIS_BENCH_DIR", "a folder written by relais demo"))
	src := openBenchDB(b)
	defer src.Close()
	byDataset := map[string]string{}
	for _, f := range files {
		res, err := LoadFile(ctx, src, f, Options{})
		if err != nil {
			b.Fatalf("%v (%s)", err, res.Summary())
		}
		byDataset[res.Dataset] = f
	}
	asOf := time.Now()
	// The files the loads below read, written once whatever -bench
	// selects.
	out := filepath.Join(b.TempDir(), "parquet")
	if _, err := src.ExportParquet(ctx, queries.ParquetOptions{Dir: out, AsOf: asOf}); err != nil {
		b.Fatal(err)
	}
	b.Run("export", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			dst := filepath.Join(b.TempDir(), "parquet")
			start := time.Now()
			if _, err := src.ExportParquet(ctx, queries.ParquetOptions{Dir: dst, AsOf: asOf}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(start).Seconds(), "s")
		}
	})
	for _, ds := range queries.Datasets() {
		csvFile, ok := byDataset[ds.Name]
		if !ok {
			continue
		}
		parts := []string{filepath.Join(out, ds.Name+".parquet")}
		if ds.Name == "activity" {
			// The month folders, as one load (a folder loads as one file).
			parts = []string{filepath.Join(out, "activity")}
		}
		for _, tc := range []struct {
			name  string
			files []string
		}{{"csv", []string{csvFile}}, {"parquet", parts}} {
			b.Run(ds.Name+"/"+tc.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					db := openBenchDB(b)
					start := time.Now()
					var rows int64
					for _, f := range tc.files {
						res, err := LoadFile(ctx, db, f, Options{Dataset: ds.Name})
						if err != nil {
							b.Fatalf("%v (%s)", err, res.Summary())
						}
						rows += res.Rows
					}
					took := time.Since(start)
					b.ReportMetric(took.Seconds(), "s")
					b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
					b.ReportMetric(float64(len(tc.files)), "files")
					db.Close()
				}
			})
		}
	}
}
