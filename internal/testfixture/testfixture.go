// Package testfixture is what the tests of several packages share to put
// rows in a real relais database: open one under the test's temporary
// directory, and load rows through the real loader, as `relais ingest`
// would, one committed load per call. It also holds what their tests and
// benchmarks otherwise each write again: the benchmarks' environment (the
// demo folder and database they run on, skipped when unset), a free local
// address, a file written into a folder.
//
// The tests of package queries itself cannot import it (it imports
// queries); their loadRows calls the same DB.LoadRows.
package testfixture

import (
	"context"
	"database/sql/driver"
	"path/filepath"
	"testing"
	"time"

	"relais/queries"
)

// Open opens a fresh database in t.TempDir() with the time zone loc (nil:
// the default), closed when the test ends.
func Open(t testing.TB, loc *time.Location) *queries.DB {
	t.Helper()
	db, err := queries.Open(context.Background(), queries.Options{Path: filepath.Join(t.TempDir(), "t.duckdb"), Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Load appends rows (in the dataset's canonical column order) to a dataset
// and commits them as one load of the file "<dataset>.csv", failing the test
// on any error.
func Load(t testing.TB, db *queries.DB, dataset string, rows ...[]driver.Value) {
	t.Helper()
	ds, ok := queries.LookupDataset(dataset)
	if !ok {
		t.Fatalf("no dataset %s", dataset)
	}
	info := queries.LoadInfo{File: dataset + ".csv", SHA256: "00", RowsRead: int64(len(rows)), StartedAt: time.Now()}
	if _, err := db.LoadRows(context.Background(), ds, info, rows); err != nil {
		t.Fatal(err)
	}
}
