package ingest

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// writeParquet writes the result of a DuckDB query as a Parquet file.
func writeParquet(t testing.TB, path, query string) string {
	t.Helper()
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SET TimeZone = 'Europe/Paris'"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("COPY (" + query + ") TO '" + path + "' (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParquetFilesGoThroughTheRulesOfCSV(t *testing.T) {
	dir := t.TempDir()
	good := writeParquet(t, filepath.Join(dir, "surveys.parquet"), `
		SELECT * FROM (VALUES
			('p1', TIMESTAMPTZ '2026-10-01 09:30:00+02', 9),
			('p2', TIMESTAMPTZ '2026-10-02 10:00:00+02', 0)) AS t(person_id, answered_at, score)`)
	naive := writeParquet(t, filepath.Join(dir, "enquetes-naive.parquet"), `
		SELECT 'p3' AS "Identifiant", TIMESTAMP '2026-10-03 08:00:00' AS "Date de réponse", '7' AS "Note"`)
	bad := writeParquet(t, filepath.Join(dir, "surveys-bad.parquet"), `
		SELECT * FROM (VALUES ('p1', DATE '2026-10-01', 9), ('p2', DATE '2026-10-02', 11), ('p3', NULL, 5)) AS t(person_id, answered_at, score)`)
	nested := writeParquet(t, filepath.Join(dir, "surveys-nested.parquet"), `
		SELECT 'p1' AS person_id, DATE '2026-10-01' AS answered_at, [1, 2] AS score`)
	db := openDB(t)
	mustLoad(t, db, good, Options{})
	mustLoad(t, db, naive, Options{Dataset: "surveys"})
	got := dump(t, db, "surveys")
	for _, want := range []string{"p1|2026-10-01T07:30:00Z|9|", "p2|2026-10-02T08:00:00Z|0|", "p3|2026-10-03T06:00:00Z|7|"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q:\n%s", want, got)
		}
	}
	res, err := LoadFile(context.Background(), db, bad, Options{})
	if !errors.Is(err, ErrRejected) || res.Rejected != 2 || res.Loaded != 0 {
		t.Fatalf("bad rows: %v %s", err, res.Summary())
	}
	if m := res.Rejects[0].Message(res.File); m != "surveys-bad.parquet:3: score: 11: out of range 0-10" {
		t.Errorf("reject message %q", m)
	}
	if res.Rejects[1].Column != "answered_at" || res.Rejects[1].Line != 4 {
		t.Errorf("second reject %+v", res.Rejects[1])
	}
	if _, err := LoadFile(context.Background(), db, nested, Options{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), `"score" has the type INTEGER[]`) {
		t.Fatalf("nested column: %v", err)
	}
	if n := count(t, db, "surveys"); n != 3 {
		t.Fatalf("%d surveys after the refused files, want 3", n)
	}
}
