package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeParquet writes the result of a DuckDB query as a Parquet file,
// with COPY's options ("ROW_GROUP_SIZE 1000") after the format.
func writeParquet(t testing.TB, path, query string, options ...string) string {
	t.Helper()
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SET TimeZone = 'Europe/Paris'"); err != nil {
		t.Fatal(err)
	}
	opts := append([]string{"FORMAT parquet"}, options...)
	if _, err := db.Exec("COPY (" + query + ") TO '" + path + "' (" + strings.Join(opts, ", ") + ")"); err != nil {
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

// TestParquetTypedValuesMeetTheRulesOfTheirCSVText loads Parquet files of
// typed columns (TIMESTAMPTZ, TIMESTAMP without a zone, DATE, integers,
// doubles, booleans, NULLs) and the CSV files holding the same values as
// text: the rows loaded, the rejects (line, column, value, reason) and the
// rejects files are the same.
func TestParquetTypedValuesMeetTheRulesOfTheirCSVText(t *testing.T) {
	for _, tc := range []struct {
		dataset, query, csv string
		loaded              int64
		want                string // in the rows loaded
		rejects             []string
	}{{
		dataset: "ideas",
		query: `SELECT * FROM (VALUES
			('I1', 'LYON', 'Un', TIMESTAMPTZ '2026-10-01 09:30:00+02', 'retained', TIMESTAMP '2026-10-02 10:00:00', DATE '2026-10-20', 3, 4.0::DOUBLE, 1001, true),
			('I2', 'LYON', 'Deux', TIMESTAMPTZ '2026-10-01 09:30:00.25+02', 'submitted', NULL, NULL, NULL, NULL, NULL, NULL),
			('I3', 'LYON', 'Trois', TIMESTAMPTZ '2026-10-01 09:30:00+02', 'submitted', NULL, NULL, 9, NULL, NULL, false),
			('I4', 'LYON', 'Quatre', TIMESTAMPTZ '2026-10-01 09:30:00+02', 'submitted', NULL, NULL, NULL, 4.5::DOUBLE, NULL, NULL),
			('I5', 'LYON', 'Cinq', TIMESTAMPTZ '1850-01-01 00:00:00+00', 'submitted', NULL, NULL, NULL, NULL, NULL, NULL),
			('I6', 'LYON', 'Six', TIMESTAMPTZ '2026-10-01 09:30:00+02', 'retained', TIMESTAMP '2026-09-30 10:00:00', NULL, NULL, NULL, NULL, NULL),
			(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
			('I8', 'PARIS', 'Huit', TIMESTAMPTZ '2026-10-01 23:30:00+00', 'implemented', TIMESTAMP '2026-10-02 00:15:00', DATE '2026-10-02', 1, 5.0::DOUBLE, -7, true),
			(NULL, 'PARIS', 'Neuf', TIMESTAMPTZ '2026-10-01 09:30:00+02', 'submitted', NULL, NULL, 0, NULL, NULL, NULL))
			AS t(idea_id, site_id, title, created_at, status, decided_at, implemented_at, impact, feasibility, challenge_id, theme)`,
		csv: "idea_id,site_id,title,created_at,status,decided_at,implemented_at,impact,feasibility,challenge_id,theme\n" +
			"I1,LYON,Un,2026-10-01T07:30:00Z,retained,2026-10-02 10:00:00,2026-10-20,3,4,1001,true\n" +
			"I2,LYON,Deux,2026-10-01T07:30:00.25Z,submitted,,,,,,\n" +
			"I3,LYON,Trois,2026-10-01T07:30:00Z,submitted,,,9,,,false\n" +
			"I4,LYON,Quatre,2026-10-01T07:30:00Z,submitted,,,,4.5,,\n" +
			"I5,LYON,Cinq,1850-01-01T00:00:00Z,submitted,,,,,,\n" +
			"I6,LYON,Six,2026-10-01T07:30:00Z,retained,2026-09-30 10:00:00,,,,,\n" +
			",,,,,,,,,,\n" +
			"I8,PARIS,Huit,2026-10-01T23:30:00Z,implemented,2026-10-02 00:15:00,2026-10-02,1,5,-7,true\n" +
			",PARIS,Neuf,2026-10-01T07:30:00Z,submitted,,,0,,,\n",
		loaded: 3,
		want:   "|Huit|2026-10-01T23:30:00Z|implemented|2026-10-01T22:15:00Z|2026-10-01T22:00:00Z|1|5|-7|true|",
		rejects: []string{
			"4: impact: 9: out of range 1-5",
			"5: feasibility: 4.5: not an integer",
			"6: created_at: 1850-01-01T00:00:00Z: not a date-time (want yyyy-mm-dd HH:MM[:SS][+hh:mm], dd/mm/yyyy [HH:MM[:SS]])",
			"7: decided_at: 2026-09-30 10:00:00: before created_at (2026-10-01)",
			"10: idea_id: \"\": empty, but required",
		},
	}, {
		dataset: "challenges",
		query: `SELECT * FROM (VALUES
			('C1', 'Défi', DATE '2026-10-01', TIMESTAMPTZ '2026-10-31 23:30:00+00', 30::TINYINT),
			('C2', 'Défi', DATE '2026-10-05', TIMESTAMPTZ '2026-10-04 12:00:00+00', NULL),
			('C3', 'Défi', DATE '3001-01-01', TIMESTAMPTZ '3001-02-01 00:00:00+00', NULL),
			('C4', 'Défi', NULL, TIMESTAMPTZ '2026-11-01 00:00:00+00', NULL))
			AS t(challenge_id, title, starts_on, ends_on, extra)`,
		csv: "challenge_id,title,starts_on,ends_on,extra\n" +
			"C1,Défi,2026-10-01,2026-10-31T23:30:00Z,30\n" +
			"C2,Défi,2026-10-05,2026-10-04T12:00:00Z,\n" +
			"C3,Défi,3001-01-01,3001-02-01T00:00:00Z,\n" +
			"C4,Défi,,2026-11-01T00:00:00Z,\n",
		loaded: 1,
		want:   "C1|Défi|<nil>|<nil>|2026-10-01T00:00:00Z|2026-11-01T00:00:00Z|",
		rejects: []string{
			"3: ends_on: 2026-10-04T12:00:00Z: before starts_on (2026-10-05)",
			"4: starts_on: 3001-01-01: not a date (want yyyy-mm-dd or dd/mm/yyyy)",
			"5: starts_on: \"\": empty, but required",
		},
	}, {
		dataset: "people",
		query: `SELECT * FROM (VALUES
			('P1', 'LYON', TIMESTAMP '2026-10-05 23:30:00', DATE '2026-12-01', 'ambassadrice'),
			('P2', 'LYON', TIMESTAMP '1899-12-31 23:00:00', NULL, NULL),
			('P3', 'LYON', NULL, DATE '2026-11-01', NULL))
			AS t(person_id, site_id, ambassador_since, left_on, role)`,
		csv: "person_id,site_id,ambassador_since,left_on,role\n" +
			"P1,LYON,2026-10-05 23:30:00,2026-12-01,ambassadrice\n" +
			"P2,LYON,1899-12-31 23:00:00,,\n" +
			"P3,LYON,,2026-11-01,\n",
		loaded: 2,
		want:   "P1|LYON|ambassador|<nil>|2026-10-05T00:00:00Z|<nil>|2026-12-01T00:00:00Z|",
		rejects: []string{
			"3: ambassador_since: 1899-12-31 23:00:00: not a date (want yyyy-mm-dd or dd/mm/yyyy)",
		},
	}} {
		t.Run(tc.dataset, func(t *testing.T) {
			dir := t.TempDir()
			pq := writeParquet(t, filepath.Join(dir, tc.dataset+".parquet"), tc.query)
			csvPath := filepath.Join(dir, tc.dataset+".csv")
			if err := os.WriteFile(csvPath, []byte(tc.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			var dumps, files []string
			for _, path := range []string{pq, csvPath} {
				db := openDB(t)
				res, err := LoadFile(context.Background(), db, path, Options{SkipInvalid: true})
				if !errors.Is(err, ErrRejected) {
					t.Fatalf("%s: %v", path, err)
				}
				if res.Loaded != tc.loaded || res.Rejected != int64(len(tc.rejects)) {
					t.Errorf("%s", res.Summary())
				}
				var got []string
				for _, r := range res.Rejects {
					got = append(got, strings.TrimPrefix(r.Message(res.File), res.File+":"))
				}
				if strings.Join(got, "\n") != strings.Join(tc.rejects, "\n") {
					t.Errorf("%s rejects:\n%s\nwant:\n%s", path, strings.Join(got, "\n"), strings.Join(tc.rejects, "\n"))
				}
				b, err := os.ReadFile(res.RejectsFile)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, string(b))
				dumps = append(dumps, dump(t, db, tc.dataset))
			}
			if !strings.Contains(dumps[0], tc.want) {
				t.Errorf("rows from Parquet lack %q:\n%s", tc.want, dumps[0])
			}
			if dumps[0] != dumps[1] {
				t.Errorf("rows from Parquet:\n%s\nfrom CSV:\n%s", dumps[0], dumps[1])
			}
			if files[0] != files[1] {
				t.Errorf("rejects file from Parquet:\n%s\nfrom CSV:\n%s", files[0], files[1])
			}
		})
	}
}

func TestAFolderOfParquetFilesLoadsAsOneFileInNameOrder(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "surveys")
	for _, part := range []struct{ month, rows string }{
		{"2026-09", `('p1', TIMESTAMPTZ '2026-09-01 09:00:00+02', 5), ('p2', TIMESTAMPTZ '2026-09-02 09:00:00+02', 6)`},
		// The same key as the first file's first row: the later row wins.
		{"2026-10", `('p1', TIMESTAMPTZ '2026-09-01 09:00:00+02', 9), ('p3', TIMESTAMPTZ '2026-10-03 09:00:00+02', 7)`},
	} {
		sub := filepath.Join(folder, "month="+part.month)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		writeParquet(t, filepath.Join(sub, "data_0.parquet"), `SELECT * FROM (VALUES `+part.rows+`) AS t(person_id, answered_at, score)`)
	}
	db := openDB(t)
	res := mustLoad(t, db, folder+"/", Options{})
	if res.Dataset != "surveys" || res.Rows != 4 || res.File != "surveys" {
		t.Errorf("one load of the folder: %+v", res)
	}
	got := dump(t, db, "surveys")
	for _, want := range []string{"p1|2026-09-01T07:00:00Z|9|", "p2|2026-09-02T07:00:00Z|6|", "p3|2026-10-03T07:00:00Z|7|"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "|5|") || strings.Contains(got, "month") {
		t.Errorf("the earlier row or the folder's partition name was kept:\n%s", got)
	}

	// A bad value in the second file: its line counts the first file's rows.
	bad := filepath.Join(dir, "surveys-bad")
	for i, rows := range []string{`('p1', DATE '2026-10-01', 1), ('p2', DATE '2026-10-01', 2)`, `('p3', DATE '2026-10-02', 3), ('p4', DATE '2026-10-02', 11)`} {
		if err := os.MkdirAll(bad, 0o755); err != nil {
			t.Fatal(err)
		}
		writeParquet(t, filepath.Join(bad, fmt.Sprintf("part-%d.parquet", i)), `SELECT * FROM (VALUES `+rows+`) AS t(person_id, answered_at, score)`)
	}
	res, err := LoadFile(context.Background(), db, bad, Options{})
	if !errors.Is(err, ErrRejected) || res.Rejected != 1 {
		t.Fatalf("bad folder: %v %s", err, res.Summary())
	}
	if m := res.Rejects[0].Message(res.File); m != "surveys-bad:5: score: 11: out of range 0-10" {
		t.Errorf("reject message %q", m)
	}
	if after := dump(t, db, "surveys"); after != got {
		t.Errorf("a refused folder changed the table:\n%s", after)
	}

	empty := filepath.Join(dir, "surveys-empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(context.Background(), db, empty, Options{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "has none") {
		t.Errorf("a folder without Parquet files: %v", err)
	}
}

// TestALargeParquetFileIsReadInRangesOfRowsInItsOrder loads a file of
// 700k rows in row groups of 100k, read a few row groups per query: every
// row arrives once and in order (the file's last row, repeating the
// first one's key, wins), and a bad value in a later range gives its line
// in the whole file.
func TestALargeParquetFileIsReadInRangesOfRowsInItsOrder(t *testing.T) {
	dir := t.TempDir()
	const rows = 700_000
	// Row i is p<i> at 2026-10-01 + i seconds, score i % 10 (11 for
	// badRow); the last row repeats row 0's key with the score 10.
	rowsQuery := func(badRow int) string {
		return fmt.Sprintf(`SELECT person_id, answered_at, score FROM (
				SELECT i AS ord, 'p' || i AS person_id, TIMESTAMPTZ '2026-10-01 00:00:00+00' + to_seconds(i) AS answered_at,
					CASE WHEN i = %[1]d THEN 11 ELSE i %% 10 END AS score
				FROM range(%[2]d) AS t(i)
				UNION ALL SELECT %[2]d, 'p0', TIMESTAMPTZ '2026-10-01 00:00:00+00', 10)
			ORDER BY ord`, badRow, rows)
	}
	good := writeParquet(t, filepath.Join(dir, "surveys.parquet"), rowsQuery(-1), "ROW_GROUP_SIZE 100000")
	src, err := openParquet(context.Background(), nil, []string{good})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.ranges) < 2 {
		t.Errorf("read in %d ranges of rows, want more than one", len(src.ranges))
	}
	src.close()

	db := openDB(t)
	res := mustLoad(t, db, good, Options{})
	if res.Rows != rows+1 || res.Loaded != rows+1 {
		t.Errorf("rows %d, loaded %d, want %d", res.Rows, res.Loaded, rows+1)
	}
	var n, sum, first int64
	if err := db.SQL().QueryRow(`SELECT count(*), sum(score), max(score) FILTER (WHERE person_id = 'p0') FROM surveys`).Scan(&n, &sum, &first); err != nil {
		t.Fatal(err)
	}
	if n != rows || sum != rows/10*45+10 || first != 10 {
		t.Errorf("%d rows, scores summing to %d, p0's score %d; want %d, %d, 10", n, sum, first, rows, rows/10*45+10)
	}

	bad := writeParquet(t, filepath.Join(dir, "surveys-bad.parquet"), rowsQuery(600_000), "ROW_GROUP_SIZE 100000")
	res, err = LoadFile(context.Background(), db, bad, Options{})
	if !errors.Is(err, ErrRejected) || res.Rejected != 1 {
		t.Fatalf("bad file: %v %s", err, res.Summary())
	}
	if m := res.Rejects[0].Message(res.File); m != "surveys-bad.parquet:600002: score: 11: out of range 0-10" {
		t.Errorf("reject message %q", m)
	}
}
