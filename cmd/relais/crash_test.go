package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"relais/queries"
)

// buildRelais builds the relais binary into dir.
func buildRelais(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "relais")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeActivity writes an activity file of n rows for people P0..P(people-1)
// starting at row first: row i is person i%people at minute i (so files of
// overlapping ranges share keys).
func writeActivity(t *testing.T, path string, first, n, people int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "person_id,occurred_at,action")
	t0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for i := first; i < first+n; i++ {
		fmt.Fprintf(w, "P%06d,%s,login\n", i%people, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// dbState is what the crash test compares: the activity rows, the keys
// held by more than one row, the rows of the latest committed load, the
// ingest_log rows.
type dbState struct {
	rows, dupKeys, fromLatest, logRows int64
}

func readState(t *testing.T, path string) dbState {
	t.Helper()
	ctx := context.Background()
	db, err := queries.Open(ctx, queries.Options{Path: path})
	if err != nil {
		t.Fatalf("open after the kill: %v", err)
	}
	defer db.Close()
	var s dbState
	err = db.SQL().QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM activity),
		(SELECT count(*) FROM (SELECT 1 FROM activity GROUP BY person_id, occurred_at, action HAVING count(*) > 1)),
		(SELECT count(*) FROM activity WHERE load_id = (SELECT max(load_id) FROM committed_loads)),
		(SELECT count(*) FROM ingest_log)`).Scan(&s.rows, &s.dupKeys, &s.fromLatest, &s.logRows)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustCopyFile(t *testing.T, src, dst string) {
	t.Helper()
	if err := copyFile(src, dst); err != nil {
		t.Fatal(err)
	}
}

// TestLoadKilledAtAnyInstantLeavesTheFileWholeOrAbsent kills `relais
// ingest` with SIGKILL at 20 instants of a load that replaces rows already
// loaded (spread over its life, and right as DuckDB's WAL appears during
// the commit): the database then opens in exactly the state before the
// file or after it, and loading the file again ends in the after-state.
// Which of the two states a kill leaves depends on timing; the test accepts
// either and nothing else.
func TestLoadKilledAtAnyInstantLeavesTheFileWholeOrAbsent(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds relais and loads 20 times")
	}
	dir := t.TempDir()
	bin := buildRelais(t, dir)
	// The first file: 40k rows. The second: 130k rows (more than one of
	// DuckDB's row groups, which it writes to the file before the commit),
	// of which the first 20k are rows of the first file (every column of
	// activity is its key: the older rows stay, the load removes its own)
	// and the others are new: 150k rows after it, 110k of them the second
	// load's.
	const people = 20000
	first, second := filepath.Join(dir, "activity_1.csv"), filepath.Join(dir, "activity.csv")
	writeActivity(t, first, 0, 40_000, people)
	writeActivity(t, second, 20_000, 130_000, people)
	base := filepath.Join(dir, "base.duckdb")
	run := func(db string) *exec.Cmd {
		cmd := exec.Command(bin, "ingest", "--db", db, second)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		return cmd
	}
	if out, err := exec.Command(bin, "ingest", "--db", base, first).CombinedOutput(); err != nil {
		t.Fatalf("first load: %v\n%s", err, out)
	}
	before := readState(t, base)

	// The whole load once, timed: the after-state and the load's life.
	ref := filepath.Join(dir, "ref.duckdb")
	mustCopyFile(t, base, ref)
	t0 := time.Now()
	if out, err := exec.Command(bin, "ingest", "--db", ref, second).CombinedOutput(); err != nil {
		t.Fatalf("second load: %v\n%s", err, out)
	}
	life := time.Since(t0)
	after := readState(t, ref)
	if after != (dbState{rows: 150_000, fromLatest: 110_000, logRows: 2}) || before != (dbState{rows: 40_000, fromLatest: 40_000, logRows: 1}) {
		t.Fatalf("reference states: before %+v, after %+v", before, after)
	}
	t.Logf("load life %v; before %+v; after %+v", life, before, after)

	type point struct {
		name  string
		delay time.Duration // after start, or after the WAL appears
		onWAL bool
	}
	var points []point
	for i := 1; i <= 14; i++ {
		d := life * time.Duration(i) / 15
		points = append(points, point{fmt.Sprintf("at %d/15 of its life", i), d, false})
	}
	for _, d := range []time.Duration{0, 200 * time.Microsecond, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond} {
		points = append(points, point{fmt.Sprintf("%v after the WAL appears", d), d, true})
	}
	counts := map[string]int{}
	for i, p := range points {
		db := filepath.Join(dir, fmt.Sprintf("kill%02d.duckdb", i))
		mustCopyFile(t, base, db)
		cmd := run(db)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		start := time.Now()
		if p.onWAL {
			// Poll for the WAL until it appears or the process ends.
			wal := db + ".wal"
		poll:
			for {
				select {
				case <-exited:
					break poll
				default:
				}
				if fi, err := os.Stat(wal); err == nil && fi.Size() > 0 {
					break
				}
			}
		}
		select {
		case <-exited:
		case <-time.After(p.delay):
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		t.Logf("kill %s: after %v", p.name, time.Since(start).Round(time.Millisecond))
		got := readState(t, db)
		switch got {
		case before:
			counts["before"]++
		case after:
			counts["after"]++
		default:
			t.Errorf("kill %s: the database holds %+v, neither the before-state %+v nor the after-state %+v", p.name, got, before, after)
		}
		// Loading the file again ends in the after-state (one more
		// ingest_log row when the killed load had committed, and then the
		// new load keeps none of its rows: all are loaded already).
		if out, err := exec.Command(bin, "ingest", "--db", db, second).CombinedOutput(); err != nil {
			t.Fatalf("kill %s: re-run: %v\n%s", p.name, err, out)
		}
		again := readState(t, db)
		wantLatest := after.fromLatest
		if got == after {
			wantLatest = 0
		}
		if again.rows != after.rows || again.dupKeys != 0 || again.fromLatest != wantLatest || again.logRows != got.logRows+1 {
			t.Errorf("kill %s: after the re-run the database holds %+v, want the after-state %+v", p.name, again, after)
		}
		os.Remove(db)
		os.Remove(db + ".wal")
	}
	t.Logf("states after the kills: %v", counts)
}
