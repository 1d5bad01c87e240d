package queries

import (
	"context"
	"database/sql/driver"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	return openWith(t, Options{Path: filepath.Join(t.TempDir(), "t.duckdb")})
}

// openWith opens a database with opts, closed when the test ends.
func openWith(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func loadRows(t *testing.T, db *DB, name string, rows ...[]driver.Value) {
	t.Helper()
	ds, _ := LookupDataset(name)
	info := LoadInfo{File: name + ".csv", RowsRead: int64(len(rows)), StartedAt: time.Now()}
	if _, err := db.LoadRows(context.Background(), ds, info, rows); err != nil {
		t.Fatal(err)
	}
}

func TestLoaderLaterRowOfAKeyWinsAndReplacesLoadedRows(t *testing.T) {
	db := openTest(t)
	hc := func(n int64) driver.Value { return n }
	loadRows(t, db, "sites",
		[]driver.Value{"LYON", "Lyon", nil, hc(100)},
		[]driver.Value{"PARIS", "Paris", nil, hc(10)},
		[]driver.Value{"LYON", "Lyon 2", "ARA", hc(200)})
	loadRows(t, db, "sites", []driver.Value{"PARIS", "Paris-La Défense", nil, nil})
	rows, err := db.SQL().Query(`SELECT site_id, name, headcount FROM sites ORDER BY site_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, name string
		var h *int64
		if err := rows.Scan(&id, &name, &h); err != nil {
			t.Fatal(err)
		}
		s := id + "|" + name
		if h != nil {
			s += "|" + strconv.FormatInt(*h, 10)
		}
		got = append(got, s)
	}
	want := []string{"LYON|Lyon 2|200", "PARIS|Paris-La Défense"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v, want %v", got, want)
	}
	var logged int
	db.SQL().QueryRow(`SELECT count(*) FROM ingest_log`).Scan(&logged)
	if logged != 2 {
		t.Fatalf("ingest_log has %d rows, want 2", logged)
	}
}

func TestLoaderWithoutCommitLeavesDatasetUntouched(t *testing.T) {
	db := openTest(t)
	ds, _ := LookupDataset("votes")
	l, err := db.NewLoader(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append([]driver.Value{"I1", "P1", time.Now()}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	var n int
	db.SQL().QueryRow(`SELECT count(*) FROM votes`).Scan(&n)
	if n != 0 {
		t.Fatalf("votes has %d rows, want 0", n)
	}
}

// TestOpenSetsDuckDBsMemorySettings: the memory limit (the default and a
// configured one) and the allocator's quick return of freed memory.
func TestOpenSetsDuckDBsMemorySettings(t *testing.T) {
	for _, tc := range []struct{ limit, want string }{{"", "572.2 MiB"}, {"1GB", "953.6 MiB"}} {
		db := openWith(t, Options{Path: filepath.Join(t.TempDir(), "t.duckdb"), MemoryLimit: tc.limit})
		var limit, flush, background string
		if err := db.SQL().QueryRow(`SELECT current_setting('memory_limit'), current_setting('allocator_flush_threshold'),
			current_setting('allocator_background_threads')::VARCHAR`).Scan(&limit, &flush, &background); err != nil {
			t.Fatal(err)
		}
		if limit != tc.want || flush != "7.6 MiB" || background != "true" {
			t.Errorf("memory_limit %q (want %q), allocator_flush_threshold %q, allocator_background_threads %q", limit, tc.want, flush, background)
		}
	}
}

// TestReleaseCacheEvictsDuckDBsBlocksAndKeepsItsLimit: after a load and
// a read of its table, ReleaseCache leaves DuckDB holding (almost) none of
// the table's blocks, with the configured memory limit.
func TestReleaseCacheEvictsDuckDBsBlocksAndKeepsItsLimit(t *testing.T) {
	db := openWith(t, Options{Path: filepath.Join(t.TempDir(), "t.duckdb"), MemoryLimit: "300MB"})
	ctx := context.Background()
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE big AS SELECT i, md5(i::VARCHAR) AS s FROM range(3000000) AS t(i)`); err != nil {
		t.Fatal(err)
	}
	cached := func() int64 {
		var n int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := db.SQL().ExecContext(ctx, `CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	var sum int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT sum(length(s)) FROM big`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	before := cached()
	if before < 32<<20 {
		t.Fatalf("DuckDB caches %d bytes of the table after reading it, want more to release", before)
	}
	if err := db.ReleaseCache(ctx); err != nil {
		t.Fatal(err)
	}
	var limit string
	if err := db.SQL().QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if after := cached(); after > 16<<20 || limit != "286.1 MiB" {
		t.Errorf("after ReleaseCache: %d bytes cached (%d before), memory_limit %s (want 286.1 MiB)", after, before, limit)
	}
}
