package metrics

import (
	"context"
	"database/sql/driver"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"relais/queries"
)

// BenchmarkScrape measures one /metrics scrape over HTTP of a 300-site
// document (target: under 20 ms), idle and while a large load commits in a
// loop (the ingest summary is then refreshed after every commit).
func BenchmarkScrape(b *testing.B) {
	for _, tc := range []struct {
		name    string
		loading bool
	}{
		{"idle", false},
		{"while loading", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			db := openTestDB(b)
			seedIngestLog(b, db)
			snap := fixtureSnapshot()
			snap.Doc = syntheticDocument(300)
			m := New(Options{DB: db, Snapshots: fixedSource{snap}})
			srv := serve(b, m)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			if tc.loading {
				wg.Add(1)
				go func() {
					defer wg.Done()
					loadActivityUntil(ctx, b, db, 200_000)
				}()
			}
			scrape(b, srv) // the first scrape waits for the first ingest summary
			b.ResetTimer()
			for b.Loop() {
				resp, err := http.Get(srv.URL + "/metrics")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
			b.StopTimer()
			cancel()
			wg.Wait()
		})
	}
}

// loadActivityUntil loads files of n activity rows through the real loader
// until ctx ends.
func loadActivityUntil(ctx context.Context, b *testing.B, db *queries.DB, n int) {
	ds, _ := queries.LookupDataset("activity")
	t0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for file := 0; ctx.Err() == nil; file++ {
		l, err := db.NewLoader(ctx, ds)
		if err != nil {
			return
		}
		for i := 0; i < n && ctx.Err() == nil; i++ {
			if err := l.Append([]driver.Value{"P" + string(rune('A'+i%26)), t0.Add(time.Duration(file*n+i) * time.Second), "visit"}); err != nil {
				b.Error(err)
				break
			}
		}
		if ctx.Err() == nil {
			if _, err := l.Commit(context.Background(), queries.LoadInfo{File: "activity.csv", SHA256: "x", RowsRead: int64(n), StartedAt: time.Now()}); err != nil {
				b.Error(err)
			}
		}
		l.Close()
	}
}
