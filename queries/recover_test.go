package queries

import (
	"context"
	"database/sql/driver"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// siteRows returns "id|name" of every site, in id order.
func siteRows(t *testing.T, db *DB) string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT site_id || '|' || name FROM sites ORDER BY site_id, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func mustExec(t *testing.T, db *DB, q string) {
	t.Helper()
	if _, err := db.SQL().Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func countOf(t *testing.T, db *DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// The torn states a crash during a commit can leave (docs/loading.md) are
// made by hand here, then repaired as Open repairs them.
func TestRecoveryRepairsWhatACrashDuringACommitCanLeave(t *testing.T) {
	ctx := context.Background()
	// Two loads: LYON, PARIS (load 1), then PARIS renamed and NICE (load 2).
	setup := func(t *testing.T) *DB {
		db := openTest(t)
		loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, nil}, []driver.Value{"PARIS", "Paris", nil, nil})
		loadRows(t, db, "sites", []driver.Value{"PARIS", "Paris 2", nil, nil}, []driver.Value{"NICE", "Nice", nil, nil})
		return db
	}
	const afterBoth = "LYON|Lyon,NICE|Nice,PARIS|Paris 2"
	for _, tc := range []struct {
		name string
		tear []string // statements that make the torn state
		want string
		logs int64
	}{
		{"rows of a load that never got recorded are removed",
			[]string{`INSERT INTO sites (site_id, name, load_id) VALUES ('LYON', 'Lyon 3', 3), ('MARS', 'Marseille', 3)`,
				`INSERT INTO ingest_log (file, dataset, sha256, rows_read, loaded, rejected, started_at, finished_at, load_id) VALUES ('x', 'sites', '', 2, 2, 0, now(), now(), 3)`},
			afterBoth, 2},
		{"a recorded load whose replacement was lost gets it again",
			[]string{`INSERT INTO sites (site_id, name, load_id) VALUES ('PARIS', 'Paris', 1)`},
			afterBoth, 2},
		{"a recorded load whose rows were lost is undone",
			[]string{`DELETE FROM sites WHERE load_id = 2`, `INSERT INTO sites (site_id, name, load_id) VALUES ('PARIS', 'Paris', 1)`},
			"LYON|Lyon,PARIS|Paris", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := setup(t)
			for _, q := range tc.tear {
				mustExec(t, db, q)
			}
			mustExec(t, db, `DELETE FROM derived_stale`)
			if err := db.recoverLoads(ctx, true); err != nil {
				t.Fatal(err)
			}
			if got := siteRows(t, db); got != tc.want {
				t.Errorf("sites %s, want %s", got, tc.want)
			}
			if n := countOf(t, db, `SELECT count(*) FROM ingest_log`); n != tc.logs {
				t.Errorf("ingest_log has %d rows, want %d", n, tc.logs)
			}
			if n := countOf(t, db, `SELECT count(*) FROM derived_stale`); n == 0 {
				t.Error("derived data not marked stale after a repair")
			}
			// Repairing again changes nothing (a crash during recovery is
			// recovered by the next open).
			if err := db.recoverLoads(ctx, true); err != nil {
				t.Fatal(err)
			}
			if got := siteRows(t, db); got != tc.want {
				t.Errorf("second recovery: sites %s, want %s", got, tc.want)
			}
		})
	}
}

// Activity keeps the older of two same rows (every column is in its key):
// a crash that lost the removal of a load's row equal to an older one is
// repaired by removing that load's row, so the load keeps the rows it
// recorded and a second recovery does not undo it.
func TestRecoveryRemovesTheLoadsOwnRepeatOfAnOlderActivityRow(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := func(h int) time.Time { return time.Date(2026, 11, 26, h, 0, 0, 0, time.UTC) }
	loadRows(t, db, "activity", []driver.Value{"P1", at(8), "login"}, []driver.Value{"P2", at(9), "login"})
	loadRows(t, db, "activity", []driver.Value{"P2", at(9), "login"}, []driver.Value{"P3", at(10), "login"})
	const want = "P1 1,P2 1,P3 2"
	rows := func() string {
		t.Helper()
		r, err := db.SQL().Query(`SELECT person_id || ' ' || load_id FROM activity ORDER BY ALL`)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for r.Next() {
			var s string
			if err := r.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := closeRows(r); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, ",")
	}
	if got := rows(); got != want {
		t.Fatalf("activity %s, want %s", got, want)
	}
	mustExec(t, db, `INSERT INTO activity VALUES ('P2', TIMESTAMPTZ '2026-11-26 09:00:00+00', 'login', 2)`)
	for i := 0; i < 2; i++ {
		if err := db.recoverLoads(ctx, true); err != nil {
			t.Fatal(err)
		}
		if got := rows(); got != want {
			t.Errorf("recovery %d: activity %s, want %s", i+1, got, want)
		}
	}
}

func TestLoaderRecordsItsRowsAndLoadID(t *testing.T) {
	db := openTest(t)
	loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, nil}, []driver.Value{"LYON", "Lyon 2", nil, nil})
	loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon 3", nil, nil}, []driver.Value{"NICE", "Nice", nil, nil})
	var id, kept, after int64
	if err := db.SQL().QueryRow(`SELECT load_id, kept, rows_after FROM committed_loads ORDER BY load_id DESC LIMIT 1`).Scan(&id, &kept, &after); err != nil {
		t.Fatal(err)
	}
	if id != 2 || kept != 2 || after != 2 {
		t.Fatalf("latest load %d kept %d rows, %d after; want 2, 2, 2", id, kept, after)
	}
	if n := countOf(t, db, `SELECT count(*) FROM sites WHERE load_id = 2`); n != 2 {
		t.Fatalf("%d rows of load 2, want 2", n)
	}
}

func TestPanicWhileAppendingFailsTheLoadNotTheProcess(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ds, _ := LookupDataset("sites")
	l, err := db.NewLoader(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	l.appendRow = func(...driver.Value) error { panic("injected") }
	if err := l.Append([]driver.Value{"LYON", "Lyon", nil, nil}); err != nil {
		t.Fatal(err)
	}
	_, err = l.Commit(ctx, LoadInfo{File: "sites.csv", StartedAt: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "injected") {
		t.Fatalf("Commit: %v, want the panic as an error", err)
	}
	l.Close()
	if n := countOf(t, db, `SELECT count(*) FROM sites`); n != 0 {
		t.Fatalf("%d sites after a failed load, want 0", n)
	}
	// The loader's lock is released: the next load runs.
	loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, nil})
}

func TestInterruptDuringCommitReportsWhatTheDatabaseHolds(t *testing.T) {
	db := openTest(t)
	ds, _ := LookupDataset("sites")
	for _, tc := range []struct {
		name         string
		cancelBefore bool // cancel before the commit begins, else during it
		loaded       bool
	}{
		{"cancelled during the commit: loaded", false, true},
		{"cancelled before the commit: not loaded", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l, err := db.NewLoader(ctx, ds)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if err := l.Append([]driver.Value{"ID-" + tc.name, "x", nil, nil}); err != nil {
				t.Fatal(err)
			}
			if tc.cancelBefore {
				cancel()
			} else {
				// The COMMIT statement has begun when this runs: cancel
				// is what Ctrl-C does at that instant.
				l.beforeCommit = cancel
			}
			n, err := l.Commit(ctx, LoadInfo{File: "sites.csv", StartedAt: time.Now()})
			held := countOf(t, db, `SELECT count(*) FROM sites WHERE site_id = 'ID-`+tc.name+`'`) == 1
			if held != tc.loaded {
				t.Fatalf("database holds the row: %v, want %v", held, tc.loaded)
			}
			if (err == nil) != held || (held && n != 1) {
				t.Fatalf("Commit said (%d, %v) but the database holds the row: %v", n, err, held)
			}
			if !held && !errors.Is(err, context.Canceled) {
				t.Fatalf("Commit: %v, want context.Canceled", err)
			}
		})
	}
}

func TestOpenRemovesSpillFilesLeftByADeadProcess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.duckdb")
	tmp := path + ".tmp"
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	spill := []string{"duckdb_temp_storage_S32K-0.tmp", "duckdb_temp_storage_DEFAULT-3.tmp", "duckdb_temp_block-4611686018427388032.block"}
	for _, name := range append(spill, "notes.txt") {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range spill {
		if _, err := os.Stat(filepath.Join(tmp, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there (%v)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "notes.txt")); err != nil {
		t.Errorf("a file that is not DuckDB's was removed: %v", err)
	}
}

func TestOpenOfAHeldDatabaseNamesTheHolder(t *testing.T) {
	err := lockedError("x.duckdb", errors.New(`IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held in /usr/bin/relais (PID 1) by user root.`))
	if !errors.Is(err, ErrLocked) || err.PID != 1 {
		t.Fatalf("%#v", err)
	}
}
