package queries

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParquetExportWritesActivityByLocalMonthSkippingEmptyMonths(t *testing.T) {
	f := newFixture(t)
	f.site("A", 10)
	f.activity("p1", f.utc("2026-08-31T21:59:59Z")) // 2026-08-31 23:59:59 in Paris
	f.activity("p1", f.utc("2026-08-31T22:00:00Z")) // 2026-09-01 00:00 in Paris
	f.activity("p2", f.at("2026-09-30 23:59"))
	f.activity("p2", f.utc("2026-11-30T23:00:00Z")) // 2026-12-01 00:00 in Paris (CET)
	f.activity("p3", f.at("2026-12-15 12:00"))
	db := f.open()
	dir := filepath.Join(t.TempDir(), "pq")
	if _, err := db.ExportParquet(context.Background(), ParquetOptions{Dir: dir, AsOf: day(t, "2026-12-20")}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "activity"))
	if err != nil {
		t.Fatal(err)
	}
	var months []string
	for _, e := range entries {
		months = append(months, e.Name())
	}
	if got, want := strings.Join(months, " "), "month=2026-08 month=2026-09 month=2026-12"; got != want {
		t.Fatalf("activity folders %q, want %q (no folder for October and November)", got, want)
	}
	rows, err := db.SQL().Query(`SELECT regexp_extract(filename, 'month=([0-9-]+)', 1) AS m, string_agg(person_id, ' ' ORDER BY occurred_at)
		FROM read_parquet('` + filepath.Join(dir, "activity", "*", "*.parquet") + `', filename = true, hive_partitioning = false) GROUP BY m ORDER BY m`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var m, people string
		if err := rows.Scan(&m, &people); err != nil {
			t.Fatal(err)
		}
		got = append(got, m+": "+people)
	}
	if want := "2026-08: p1|2026-09: p1 p2|2026-12: p2 p3"; strings.Join(got, "|") != want {
		t.Errorf("rows per month %q, want %q", strings.Join(got, "|"), want)
	}
}
