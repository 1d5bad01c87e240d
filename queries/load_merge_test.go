package queries

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLoaderKeepsTheLaterRowOfAKeyAcrossBatchesAndLoads loads more rows than
// a DuckDB row group (so that rows reach the file before the commit), with
// keys repeated far apart, then a newer export overlapping the first.
func TestLoaderKeepsTheLaterRowOfAKeyAcrossBatchesAndLoads(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	base := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	load := func(n, keys, offset int, hour int) {
		t.Helper()
		ds, _ := LookupDataset("votes")
		l, err := db.NewLoader(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		for i := 0; i < n; i++ {
			k := offset + i%keys
			// voted_at tells which row of a key was last: i/keys.
			v := []driver.Value{fmt.Sprintf("I%d", k%1000), fmt.Sprintf("P%06d", k), base.Add(time.Duration(hour)*time.Hour + time.Duration(i/keys)*time.Minute)}
			if err := l.Append(v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Commit(ctx, LoadInfo{File: "votes.csv", RowsRead: int64(n), StartedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, wantRows int, where string, wantAt time.Time, wantN int) {
		t.Helper()
		var rows, n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM votes`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRow(`SELECT count(*) FROM votes WHERE `+where+` AND voted_at = ?`, wantAt).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if rows != wantRows || n != wantN {
			t.Fatalf("%s: %d rows, %d with the expected date; want %d and %d", name, rows, n, wantRows, wantN)
		}
	}
	// 300k rows over 200k keys: the first 100k keys appear twice.
	load(300_000, 200_000, 0, 0)
	check("first load, repeated keys", 200_000, `voter_id < 'P100000'`, base.Add(time.Minute), 100_000)
	check("first load, single keys", 200_000, `voter_id >= 'P100000'`, base, 100_000)
	// A newer export of keys 150k-349k, the first 50k of them twice: its
	// own repeats are removed, then the rows it replaces.
	load(250_000, 200_000, 150_000, 5)
	check("newer export replaces, its later row winning", 350_000, `voter_id BETWEEN 'P150000' AND 'P199999'`, base.Add(5*time.Hour+time.Minute), 50_000)
	check("newer export replaces", 350_000, `voter_id >= 'P200000'`, base.Add(5*time.Hour), 150_000)
	check("rows the newer export lacks stay", 350_000, `voter_id < 'P100000'`, base.Add(time.Minute), 100_000)
}

// TestLoaderClosedWithoutCommitLeavesALargeLoadInvisible checks the
// rollback once rows have been written to the file.
func TestLoaderClosedWithoutCommitLeavesALargeLoadInvisible(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, int64(1)})
	ds, _ := LookupDataset("sites")
	l, err := db.NewLoader(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200_000; i++ {
		if err := l.Append([]driver.Value{fmt.Sprintf("S%d", i), "x", nil, nil}); err != nil {
			t.Fatal(err)
		}
	}
	var seen int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM sites`).Scan(&seen); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var after, logged int
	db.SQL().QueryRow(`SELECT count(*) FROM sites`).Scan(&after)
	db.SQL().QueryRow(`SELECT count(*) FROM ingest_log`).Scan(&logged)
	if seen != 1 || after != 1 || logged != 1 {
		t.Fatalf("another connection saw %d sites during the load and %d after it (ingest_log %d); want 1, 1, 1", seen, after, logged)
	}
}

func TestKeySetTellsRepeatedKeys(t *testing.T) {
	votes, _ := LookupDataset("votes")
	people, _ := LookupDataset("people")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		ds     Dataset
		rows   func(add func([]driver.Value))
		repeat bool
	}{
		{"distinct keys", votes, func(add func([]driver.Value)) {
			for i := 0; i < 5000; i++ {
				add([]driver.Value{"I1", fmt.Sprintf("P%d", i), at})
			}
		}, false},
		{"a key twice, other columns differing", votes, func(add func([]driver.Value)) {
			add([]driver.Value{"I1", "P1", at})
			add([]driver.Value{"I2", "P1", at})
			add([]driver.Value{"I1", "P1", at.Add(time.Hour)})
		}, true},
		{"keys that only concatenate alike", votes, func(add func([]driver.Value)) {
			add([]driver.Value{"I1", "2P", at})
			add([]driver.Value{"I12", "P", at})
		}, false},
		{"a one-column key twice", people, func(add func([]driver.Value)) {
			add([]driver.Value{"P1", "S", "collaborator", nil, nil, nil, nil})
			add([]driver.Value{"P1", "S", "sponsor", nil, nil, nil, nil})
		}, true},
		{"the same instant written in two zones", votes, func(add func([]driver.Value)) {
			add([]driver.Value{"I1", "P1", at})
			add([]driver.Value{"I1", "P1", at.In(time.FixedZone("+02", 7200))})
		}, true},
		{"an unexpected value type gives up (may repeat)", votes, func(add func([]driver.Value)) {
			add([]driver.Value{"I1", 3.5, at})
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newKeySet(tc.ds)
			tc.rows(func(v []driver.Value) { s.add(v) })
			if got := s.maybeRepeats(); got != tc.repeat {
				t.Fatalf("maybeRepeats = %v, want %v", got, tc.repeat)
			}
		})
	}
}

// TestKeySetMovesToFingerprintsWithoutLosingKeys crosses the switch from
// full hashes to the fingerprint table (about 1.5M keys).
func TestKeySetMovesToFingerprintsWithoutLosingKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("1.6M keys")
	}
	votes, _ := LookupDataset("votes")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newKeySet(votes)
	const n = 1_600_000
	for i := 0; i < n; i++ {
		s.add([]driver.Value{"I1", fmt.Sprintf("P%d", i), at})
	}
	if s.big == nil || s.maybeRepeats() {
		t.Fatalf("after %d distinct keys: big table %v, maybeRepeats %v; want a big table and no repeat", n, s.big != nil, s.maybeRepeats())
	}
	s.add([]driver.Value{"I1", "P7", at}) // a key from before the switch
	if !s.maybeRepeats() {
		t.Fatal("a key added before the switch was not found after it")
	}
}

// TestLoaderKeepsOneActivityRowPerKeyAtTheEdgesOfTheNewRowsInstants loads
// activity, then newer exports whose earliest and latest rows have the keys
// of older rows (microseconds included, one before 1970, in zones other
// than UTC): each key is found at the edges of the new rows' instants and
// kept once. Every column of activity is in its key, so a new row with an
// older row's key is that row: the older one stays, with its load's id, and
// the new one is dropped; the rows just outside the new rows' instants stay
// too.
func TestLoaderKeepsOneActivityRowPerKeyAtTheEdgesOfTheNewRowsInstants(t *testing.T) {
	db := openTest(t)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string, loc *time.Location) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	first := at("2026-11-26 00:00:00.000001", paris)
	last := at("2026-11-26 23:59:59.999999", time.UTC)
	old := at("1969-12-31 23:59:59.5", time.UTC)
	before := first.Add(-time.Microsecond)
	after := last.Add(time.Microsecond)
	row := func(p string, ts time.Time, action string) []driver.Value { return []driver.Value{p, ts, action} }
	loadRows(t, db, "activity",
		row("P1", before, "visit"), row("P1", first, "visit"), row("P1", last, "visit"), row("P1", after, "visit"),
		row("P2", old, "login"), row("P2", first, "login"))
	loadRows(t, db, "activity", row("P1", first, "visit"), row("P1", last, "visit"), row("P3", first.Add(time.Hour), "visit"))
	loadRows(t, db, "activity", row("P2", old, "login"), row("P2", first.Add(time.Minute), "login"))
	rows, err := db.SQL().Query(`SELECT person_id, epoch_us(occurred_at), load_id FROM activity ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var p string
		var us, id int64
		if err := rows.Scan(&p, &us, &id); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %d %d", p, us, id))
	}
	if err := closeRows(rows); err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("P1 %d 1", before.UnixMicro()), fmt.Sprintf("P1 %d 1", first.UnixMicro()),
		fmt.Sprintf("P1 %d 1", last.UnixMicro()), fmt.Sprintf("P1 %d 1", after.UnixMicro()),
		fmt.Sprintf("P2 %d 1", old.UnixMicro()), fmt.Sprintf("P2 %d 1", first.UnixMicro()),
		fmt.Sprintf("P2 %d 3", first.Add(time.Minute).UnixMicro()), fmt.Sprintf("P3 %d 2", first.Add(time.Hour).UnixMicro()),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("activity after the newer exports:\n got %v\nwant %v", got, want)
	}
}

// TestAnActivityExportSentAgainIsRecordedWithoutTouchingItsRows loads over
// a million activity rows, then the same rows again: the second load keeps
// none (they are dropped with its transaction instead of deleted one by
// one) and is recorded; the same rows with one more keep that one.
func TestAnActivityExportSentAgainIsRecordedWithoutTouchingItsRows(t *testing.T) {
	db := openTest(t)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]driver.Value, countRepeatsFrom+10)
	for i := range rows {
		rows[i] = []driver.Value{fmt.Sprintf("P%04d", i%5000), start.Add(time.Duration(i) * time.Second), "visit"}
	}
	loadRows(t, db, "activity", rows...)
	versionAfterFirst := db.Version()
	loadRows(t, db, "activity", rows...)
	if db.Version() == versionAfterFirst {
		t.Error("the data version did not move after a recorded load")
	}
	state := func() string {
		t.Helper()
		var s string
		if err := db.SQL().QueryRow(`SELECT (SELECT count(*) FROM activity) || ' rows, ' ||
			(SELECT count(*) FROM activity WHERE load_id = 1) || ' of load 1; loads ' ||
			(SELECT string_agg(load_id || ' kept ' || kept || ' after ' || rows_after, ', ' ORDER BY load_id) FROM committed_loads) || '; ' ||
			(SELECT count(*) FROM ingest_log) || ' files'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	n := len(rows)
	want := fmt.Sprintf("%d rows, %d of load 1; loads 1 kept %d after %d, 2 kept 0 after %d; 2 files", n, n, n, n, n)
	if got := state(); got != want {
		t.Fatalf("after the same export again: %s\nwant %s", got, want)
	}
	more := append(rows, []driver.Value{"P9999", start.Add(-time.Hour), "visit"})
	loadRows(t, db, "activity", more...)
	want = fmt.Sprintf("%d rows, %d of load 1; loads 1 kept %d after %d, 2 kept 0 after %d, 3 kept 1 after %d; 3 files", n+1, n, n, n, n, n+1)
	if got := state(); got != want {
		t.Fatalf("after the export with one more row: %s\nwant %s", got, want)
	}
	// As many rows as the older ones of their span, one of them changed:
	// not the same rows, that one is kept.
	changed := append([][]driver.Value{{"P0000", start, "login"}}, rows[1:]...)
	loadRows(t, db, "activity", changed...)
	want = fmt.Sprintf("%d rows, %d of load 1; loads 1 kept %d after %d, 2 kept 0 after %d, 3 kept 1 after %d, 4 kept 1 after %d; 4 files", n+2, n, n, n, n, n+1, n+2)
	if got := state(); got != want {
		t.Fatalf("after the export with one row changed: %s\nwant %s", got, want)
	}
}

// TestKeyJoinsCutInPartsReplaceTheSameRows loads votes and activity, then
// newer exports replacing some rows, once with the merge's key joins in
// one part and once cut in parts of 7 rows: the tables are the same.
func TestKeyJoinsCutInPartsReplaceTheSameRows(t *testing.T) {
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	votes := func(shift int) [][]driver.Value {
		var rows [][]driver.Value
		for i := range 100 {
			rows = append(rows, []driver.Value{fmt.Sprintf("%d", 1000+i%13), fmt.Sprintf("P%03d", i), start.Add(time.Duration(i*shift) * time.Minute)})
		}
		return rows
	}
	activity := func(from int) [][]driver.Value {
		var rows [][]driver.Value
		for i := from; i < from+100; i++ {
			rows = append(rows, []driver.Value{fmt.Sprintf("P%03d", i%17), start.Add(time.Duration(i) * time.Hour), "visit"})
		}
		return rows
	}
	load := func(db *DB, name string, partRows int64, rows [][]driver.Value) {
		t.Helper()
		ds, _ := LookupDataset(name)
		l, err := db.NewLoader(context.Background(), ds)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		l.joinPartRows = partRows
		for _, r := range rows {
			if err := l.Append(r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Commit(context.Background(), LoadInfo{File: name + ".csv", StartedAt: start}); err != nil {
			t.Fatal(err)
		}
	}
	state := func(db *DB) string {
		t.Helper()
		var s string
		if err := db.SQL().QueryRow(`SELECT
			(SELECT string_agg(idea_id || voter_id || epoch(voted_at), ',' ORDER BY idea_id, voter_id) FROM votes) || ' / ' ||
			(SELECT string_agg(person_id || epoch(occurred_at) || action, ',' ORDER BY person_id, occurred_at) FROM activity) || ' / ' ||
			(SELECT string_agg(kept || ':' || rows_after, ',' ORDER BY load_id) FROM committed_loads)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	var got []string
	for _, partRows := range []int64{defaultJoinPartRows, 7} {
		db := openTest(t)
		load(db, "votes", partRows, votes(1))
		load(db, "votes", partRows, votes(2)[40:])
		load(db, "activity", partRows, activity(0))
		load(db, "activity", partRows, activity(50))
		got = append(got, state(db))
	}
	if got[0] != got[1] {
		t.Errorf("in parts:\n%s\nin one part:\n%s", got[1], got[0])
	}
	if !strings.Contains(got[0], "100:100,60:100,100:100,50:150") {
		t.Errorf("loads recorded: %s", got[0])
	}
}
