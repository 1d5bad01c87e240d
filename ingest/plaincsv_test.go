package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"relais/queries"
)

func TestPlainCSVTellsFilesBothReadersSplitAlike(t *testing.T) {
	cases := []struct {
		name          string
		text          string
		plain, trimmd bool
	}{
		{"ids and times", "a,b\nx,2026-01-01\ny,2026-01-02\n", true, true},
		{"no final line end", "a,b\nx,y", true, true},
		{"CRLF", "a,b\r\nx,y\r\n", true, true},
		{"empty fields", "a,b,c\nx,,\n,,z\n", true, true},
		{"a quote anywhere", "a,b\nx,\"y\"\n", false, false},
		{"a quote inside a field", "a,b\nx,y\"z\n", false, false},
		{"a lone carriage return", "a,b\nx\ry,z\n", false, false},
		{"a carriage return at the end", "a,b\nx,y\r", false, false},
		{"a NUL byte", "a,b\nx,\x00\n", false, false},
		{"a space before a value", "a,b\nx, y\n", true, false},
		{"a space after a value", "a,b\nx ,y\n", true, false},
		{"a space ending the file", "a,b\nx,y ", true, false},
		{"a tab before a line end", "a,b\nx,y\t\r\nz,w\r\n", true, false},
		{"a non-breaking space", "a,b\nx,\u00a0y\n", true, false},
		{"an accent ending a value", "a,b\nx,café\n", true, false},
		{"an accent inside a value", "a,b\nx,réel\n", true, true},
		{"spaces and accents in the header only", "Idée , Date\nx,y\n", true, true},
		{"semicolons", "a;b\nx y;z\n", true, true},
		{"a space next to a comma in a semicolon file", "a;b\nx, y;z\n", true, true},
	}
	for _, c := range cases {
		for _, chunk := range []int{1, 2, 3, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", c.name, chunk), func(t *testing.T) {
				b := []byte(c.text)
				p := newPlainCSV(byte(detectDelimiter(b)))
				for i := 0; i < len(b); i += chunk {
					p.write(b[i:min(len(b), i+chunk)])
				}
				if p.plain() != c.plain {
					t.Errorf("plain = %v, want %v", p.plain(), c.plain)
				}
				if c.plain && p.trimmed() != c.trimmd {
					t.Errorf("trimmed = %v, want %v", p.trimmed(), c.trimmd)
				}
			})
		}
	}
}

// loadBothWays loads one file into two new databases, through DuckDB's
// own CSV reader when it takes the file and through the row path, and
// returns both outcomes.
func loadBothWays(t *testing.T, name, text string, opts Options) (fast, rows Result, fastDump, rowsDump string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tables := []string{"activity", "votes", "comments"}
	dbFast, dbRows := openDB(t), openDB(t)
	fast, fastErr := LoadFile(context.Background(), dbFast, path, opts)
	opts.RowByRow = true
	rows, rowsErr := LoadFile(context.Background(), dbRows, path, opts)
	if (fastErr == nil) != (rowsErr == nil) {
		t.Fatalf("errors differ: %v and %v", fastErr, rowsErr)
	}
	return fast, rows, dump(t, dbFast, tables...), dump(t, dbRows, tables...)
}

func TestPlainCSVFilesLoadExactlyAsTheRowPathLoadsThem(t *testing.T) {
	cases := []struct {
		name, file, text string
		// byDuckDB: DuckDB's reader takes the file (else the row path).
		byDuckDB bool
	}{
		{"activity with offsets", "activity.csv",
			"person_id,occurred_at,action\nP1,2026-09-02T08:46:46+02:00,login\nP2,2026-09-02T08:46:46Z,\nP3,2026-09-02 08:46:46.123456-03:30,vote\nP3,2026-09-02 08:46:46.123456-03:30,vote\nP4,2026-09-02T08:46:00+0530,x\n", true},
		{"minutes and an offset", "activity.csv",
			"person_id,occurred_at,action\nP1,2026-09-02T08:46+0530,x\n", false},
		{"activity local times and dates", "activity.csv",
			"person_id,occurred_at,action\r\nP1,2026-09-02 08:46:46,login\r\nP2,2026-09-02,visit\r\nP3,2026-01-15T23:59:59.5,\r\n", true},
		{"votes where the later row of a key wins", "votes.csv",
			"idea_id,voter_id,voted_at\n1001,P1,2026-06-04T18:06:02Z\n1002,P1,2026-06-04T18:06:02Z\n1001,P1,2026-06-05T10:00:00Z\n1001,P2,2026-06-04T18:06:02Z\n", true},
		{"French headers and semicolons", "votes.csv",
			"Idée;Votant;Date du vote\n1001;P1;2026-06-04T18:06:02+02:00\n", true},
		{"a byte-order mark", "votes.csv",
			"\uFEFFidea_id,voter_id,voted_at\n1001,P1,2026-06-04T18:06:02Z\n", true},
		{"values to trim", "activity.csv",
			"person_id,occurred_at,action\n P1 ,2026-09-02T08:46:46Z,\u00a0login\u2003\nP2,2026-09-02T08:46:46Z, \n", true},
		{"comments with an ignored column", "comments.csv",
			"comment_id,idea_id,author_id,created_at,body\nC1,1001,P1,2026-06-09 17:34:48,Qui pilote ?\nC2,1001,P2,2026-06-09 17:35:00,\n", true},
		{"a short row", "activity.csv",
			"person_id,occurred_at,action\nP1,2026-09-02T08:46:46Z\n", true},
		{"a header alone", "activity.csv", "person_id,occurred_at,action\n", true},
		{"a repeated local hour", "activity.csv",
			"person_id,occurred_at,action\nP1,2026-10-25 02:30:00,login\n", false},
		{"a skipped local hour", "activity.csv",
			"person_id,occurred_at,action\nP1,2026-03-29 02:30:00,login\n", false},
		{"day-first dates", "activity.csv",
			"person_id,occurred_at,action\nP1,02/09/2026 08:46,login\n", false},
		{"a bad date", "activity.csv",
			"person_id,occurred_at,action\nP1,2026-02-30T08:46:46Z,login\nP2,2026-09-02T08:46:46Z,login\n", false},
		{"hour 24", "activity.csv",
			"person_id,occurred_at,action\nP1,2026-02-03T24:00:00Z,login\n", false},
		{"a year out of range", "activity.csv",
			"person_id,occurred_at,action\nP1,0001-01-01T00:00:00Z,login\n", false},
		{"an empty required value", "votes.csv",
			"idea_id,voter_id,voted_at\n1001,,2026-06-04T18:06:02Z\n", false},
		{"a blank record", "votes.csv",
			"idea_id,voter_id,voted_at\n1001,P1,2026-06-04T18:06:02Z\n,,\n", false},
		{"an extra field", "votes.csv",
			"idea_id,voter_id,voted_at\n1001,P1,2026-06-04T18:06:02Z,x\n", false},
		{"an empty extra field", "votes.csv",
			"idea_id,voter_id,voted_at\n1001,P1,2026-06-04T18:06:02Z,\n", true},
		{"quotes", "votes.csv",
			"idea_id,voter_id,voted_at\n\"1001\",P1,2026-06-04T18:06:02Z\n", false},
		{"blank lines before the header", "votes.csv",
			"\n\nidea_id,voter_id,voted_at\n1001,P1,2026-06-04T18:06:02Z\n", false},
		{"a name DuckDB would read as a pattern", "votes[1].csv",
			"idea_id,voter_id,voted_at\n1001,P1,2026-06-04T18:06:02Z\n", false},
		{"a long field", "votes.csv",
			"idea_id,voter_id,voted_at\n1001," + strings.Repeat("P", 700<<10) + ",2026-06-04T18:06:02Z\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fast, rows, fastDump, rowsDump := loadBothWays(t, c.file, c.text, Options{})
			if fast.ReadByDuckDB != c.byDuckDB {
				t.Errorf("read by DuckDB: %v, want %v", fast.ReadByDuckDB, c.byDuckDB)
			}
			if rows.ReadByDuckDB {
				t.Error("RowByRow read by DuckDB")
			}
			fast.ReadByDuckDB = false
			if !reflect.DeepEqual(fast, rows) {
				t.Errorf("results differ:\n%+v\n%+v", fast, rows)
			}
			if fastDump != rowsDump {
				t.Errorf("tables differ:\n%s\nrow path:\n%s", fastDump, rowsDump)
			}
		})
	}
}

func TestPlainCSVFileWithARejectedRowSkipsItAsTheRowPathDoes(t *testing.T) {
	text := "idea_id,voter_id,voted_at\n1001,P1,2026-06-04T18:06:02Z\n1002,P2,someday\n"
	fast, rows, fastDump, rowsDump := loadBothWays(t, "votes.csv", text, Options{SkipInvalid: true})
	if fast.ReadByDuckDB || fast.Loaded != 1 || fast.Rejected != 1 {
		t.Fatalf("got %+v", fast)
	}
	fast.RejectsFile, rows.RejectsFile = "", ""
	if !reflect.DeepEqual(fast, rows) || fastDump != rowsDump {
		t.Errorf("differ:\n%+v\n%+v\n%s\n%s", fast, rows, fastDump, rowsDump)
	}
}

func TestPlainCSVFileLargerThanDuckDBsBuffersKeepsTheLaterRowOfAKey(t *testing.T) {
	// DuckDB reads a large file in parallel, in buffers of a few MB: the
	// later row of a key must still win across them.
	var b strings.Builder
	b.WriteString("idea_id,voter_id,voted_at\n")
	const n = 1_200_000
	for i := range n {
		fmt.Fprintf(&b, "%d,P%07d,2026-06-04T18:%02d:%02dZ\n", 1000+i%5000, i/5000, i%60, (i/60)%60)
	}
	// The first rows' keys again at the very end, a day later.
	for i := range 3 {
		fmt.Fprintf(&b, "%d,P%07d,2026-06-05T10:00:0%dZ\n", 1000+i, 0, i)
	}
	fast, rows, fastDump, rowsDump := loadBothWays(t, "votes.csv", b.String(), Options{})
	if !fast.ReadByDuckDB || fast.Rows != n+3 || fast.Loaded != n+3 {
		t.Fatalf("got %+v", fast)
	}
	fast.ReadByDuckDB = false
	if !reflect.DeepEqual(fast, rows) || fastDump != rowsDump {
		t.Fatalf("differ:\n%+v\n%+v", fast, rows)
	}
	if !strings.Contains(fastDump, "1001|P0000000|2026-06-05T10:00:01Z|") {
		t.Error("the later row of key (1001, P0000000) did not win")
	}
}

func TestLocalTimesGoToTheRowPathWhenDuckDBsZoneDataDifferFromGos(t *testing.T) {
	// Go's zone says Europe/Paris is always one hour ahead of UTC; DuckDB's
	// Europe/Paris changes its clocks: the two read local times apart.
	loc := time.FixedZone("Europe/Paris", 3600)
	db, err := queries.Open(context.Background(), queries.Options{Path: filepath.Join(t.TempDir(), "t.duckdb"), Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	for _, c := range []struct {
		text     string
		byDuckDB bool
	}{
		{"person_id,occurred_at,action\nP1,2026-07-02 08:46:46,login\n", false},
		{"person_id,occurred_at,action\nP1,2026-07-02T08:46:46+02:00,login\n", true},
	} {
		path := filepath.Join(dir, "activity.csv")
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		res := mustLoad(t, db, path, Options{})
		if res.ReadByDuckDB != c.byDuckDB {
			t.Errorf("%q: read by DuckDB %v, want %v", c.text, res.ReadByDuckDB, c.byDuckDB)
		}
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM activity WHERE occurred_at = ?`, time.Date(2026, 7, 2, 7, 46, 46, 0, time.UTC)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Error("the local time was not read in Go's zone (07:46:46 UTC)")
	}
}
