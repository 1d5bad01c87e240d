package queries

import (
	"context"
	"os"
	"testing"
	"time"
)

// benchDB opens the database named by RELAIS_BENCH_DB (for example the
// large demo loaded by `relais ingest`); the benchmark is skipped without
// it. RELAIS_BENCH_AS_OF sets the as-of date (default: the latest activity
// date in the database).
func benchDB(b *testing.B) (*DB, time.Time) {
	b.Helper()
	path := os.Getenv("RELAIS_BENCH_DB")
	if path == "" {
		b.Skip("RELAIS_BENCH_DB is not set")
	}
	db := openWith(b, Options{Path: path})
	var asOf time.Time
	var err error
	if s := os.Getenv("RELAIS_BENCH_AS_OF"); s != "" {
		if asOf, err = time.Parse(time.DateOnly, s); err != nil {
			b.Fatal(err)
		}
	} else {
		var last string
		if err := db.SQL().QueryRow(`SELECT strftime(max(occurred_at), '%Y-%m-%d') FROM activity`).Scan(&last); err != nil {
			b.Fatal(err)
		}
		if asOf, err = time.Parse(time.DateOnly, last); err != nil {
			b.Fatal(err)
		}
	}
	return db, asOf
}

// BenchmarkKPIs computes the whole KPI document (the snapshot) once per
// iteration.
func BenchmarkKPIs(b *testing.B) {
	db, asOf := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := db.KPIs(ctx, Settings{}, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPageQueries runs each query a page needs, for the first site and
// for every site.
func BenchmarkPageQueries(b *testing.B) {
	db, asOf := benchDB(b)
	ctx := context.Background()
	var site string
	if err := db.SQL().QueryRow(`SELECT min(site_id) FROM sites`).Scan(&site); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		run  func() error
	}{
		{"series overall 26 weeks", func() error { _, err := db.Series(ctx, Settings{}, asOf, "", 26); return err }},
		{"series site 26 weeks", func() error { _, err := db.Series(ctx, Settings{}, asOf, site, 26); return err }},
		{"top open ideas every site", func() error { _, err := db.TopOpenIdeas(ctx, asOf, "", 5); return err }},
		{"top open ideas site", func() error { _, err := db.TopOpenIdeas(ctx, asOf, site, 5); return err }},
		// Every site's changelog of a month is the workbook's and the JSON's
		// bulk read (86k rows on the large demo); a page shows one site's.
		{"decisions month every site", func() error { _, err := db.Decisions(ctx, asOf, ""); return err }},
		{"decisions month site", func() error { _, err := db.Decisions(ctx, asOf, site); return err }},
		{"monthly synthesis", func() error { _, err := db.MonthlySynthesis(ctx, asOf, asOf); return err }},
		{"ambassadors site", func() error { _, err := db.Ambassadors(ctx, asOf, site); return err }},
		{"ambassadors every site", func() error { _, err := db.Ambassadors(ctx, asOf, ""); return err }},
		{"data quality", func() error { _, err := db.DataQuality(ctx); return err }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
