package queries

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"
	"time"
)

// countIn counts a table's rows through db.each, as every KPI query runs.
func countIn(t *testing.T, ctx context.Context, db *DB, table string) int64 {
	t.Helper()
	var n int64
	err := db.each(ctx, "count", "SELECT count(*) FROM "+table, nil, func(rows *sql.Rows) error { return rows.Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReadViewSeesOneStateWhileALoadCommits(t *testing.T) {
	db := openTest(t)
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, db.Location())
	loadRows(t, db, "activity", []driver.Value{"p1", at, "visit"})

	ctx, done, err := db.readView(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if n := countIn(t, ctx, db, "activity"); n != 1 {
		t.Fatalf("before the load: %d rows, want 1", n)
	}
	loadRows(t, db, "activity", []driver.Value{"p2", at, "visit"}, []driver.Value{"p3", at, "visit"})
	if n := countIn(t, ctx, db, "activity"); n != 1 {
		t.Fatalf("inside the view after a load committed: %d rows, want the view's 1", n)
	}
	// A view inside a view is the same view.
	inner, innerDone, err := db.readView(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := countIn(t, inner, db, "activity"); n != 1 {
		t.Fatalf("nested view: %d rows, want 1", n)
	}
	innerDone()
	done()

	if n := countIn(t, context.Background(), db, "activity"); n != 3 {
		t.Fatalf("after the view: %d rows, want 3", n)
	}
	// A new view brings the derived data up to date with the load.
	doc, err := db.KPIs(context.Background(), Settings{}, time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Overall.MAU != 3 {
		t.Fatalf("mau after the load = %d, want 3", doc.Overall.MAU)
	}
}
