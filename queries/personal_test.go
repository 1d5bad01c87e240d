package queries

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"
)

// withoutPerson is rows as if the person had never been in the exports:
// their own rows gone, their ideas without an author.
func withoutPerson(rows map[string][][]driver.Value, id string) map[string][][]driver.Value {
	personCol := map[string]int{"people": 0, "votes": 1, "comments": 2, "activity": 0, "surveys": 0}
	out := map[string][][]driver.Value{}
	for name, rs := range rows {
		for _, r := range rs {
			if c, ok := personCol[name]; ok && r[c] == id {
				continue
			}
			if name == "ideas" && r[2] == id {
				r = append([]driver.Value(nil), r...)
				r[2] = nil
			}
			out[name] = append(out[name], r)
		}
	}
	return out
}

// tablesHolding lists the tables with a text column holding value.
func tablesHolding(t *testing.T, db *DB, value string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.sql.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'main' AND data_type = 'VARCHAR' ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	var out []string
	for _, c := range cols {
		var n int64
		if err := db.sql.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM main."%s" WHERE "%s" = ?`, c[0], c[1]), value).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			out = append(out, c[0]+"."+c[1])
		}
	}
	return out
}

// TestForgottenPersonIsGoneAndEverythingElseIsAsIfNeverLoaded forgets a
// person present in every personal dataset, then compares every KPI and
// page answer with a database loaded without that person from the start.
func TestForgottenPersonIsGoneAndEverythingElseIsAsIfNeverLoaded(t *testing.T) {
	data := genDerivedData(t)
	const who = "p07"
	db := openTest(t)
	loadAll(t, db, data.final)
	ctx := context.Background()
	if len(tablesHolding(t, db, who)) < 4 {
		t.Fatalf("the fixture's %s is in too few tables to test: %v", who, tablesHolding(t, db, who))
	}
	before, err := db.KPIs(ctx, Settings{}, day(t, "2026-11-30"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.Forget(ctx, who)
	if err != nil || n == 0 {
		t.Fatalf("forget: %d rows, %v", n, err)
	}
	after := derivedAnswers(t, db) // recomputes the derived data
	if left := tablesHolding(t, db, who); len(left) > 0 {
		t.Fatalf("%s is still in %v", who, left)
	}
	ref := openTest(t)
	loadAll(t, ref, withoutPerson(data.final, who))
	compareAnswers(t, "forgotten vs never loaded", after, derivedAnswers(t, ref))
	// The ideas they wrote stay (without an author): the idea counts, the
	// decisions and the sites do not depend on who wrote them.
	doc := after["kpis 2026-11-30"].(*Document)
	if doc.Overall.Ideas != before.Overall.Ideas || doc.Overall.Sites != before.Overall.Sites || doc.Overall.IdeasImplemented != before.Overall.IdeasImplemented {
		t.Errorf("person-independent KPIs moved: ideas %d->%d, sites %d->%d, implemented %d->%d",
			before.Overall.Ideas, doc.Overall.Ideas, before.Overall.Sites, doc.Overall.Sites, before.Overall.IdeasImplemented, doc.Overall.IdeasImplemented)
	}
	if _, err := db.Forget(ctx, who); !errors.Is(err, ErrUnknownPerson) {
		t.Errorf("forgetting twice: %v, want ErrUnknownPerson", err)
	}
}

func TestRetentionDeletesOlderActivityAndRecomputes(t *testing.T) {
	data := genDerivedData(t)
	db := openTest(t)
	loadAll(t, db, data.final)
	ctx := context.Background()
	cutoff := time.Date(2026, 10, 1, 0, 0, 0, 0, db.Location())
	var older int64
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM activity WHERE occurred_at < ?`, cutoff).Scan(&older); err != nil || older == 0 {
		t.Fatalf("fixture has %d older activity rows (%v)", older, err)
	}
	v := db.Version()
	n, err := db.ApplyRetention(ctx, cutoff)
	if err != nil || n != older {
		t.Fatalf("retention removed %d rows (%v), want %d", n, err, older)
	}
	if db.Version() == v {
		t.Error("the data version did not move: snapshots would not recompute")
	}
	kept := map[string][][]driver.Value{}
	for name, rs := range data.final {
		for _, r := range rs {
			if name == "activity" && r[1].(time.Time).Before(cutoff) {
				continue
			}
			kept[name] = append(kept[name], r)
		}
	}
	ref := openTest(t)
	loadAll(t, ref, kept)
	compareAnswers(t, "after retention vs loaded without", derivedAnswers(t, db), derivedAnswers(t, ref))
	if n, err := db.ApplyRetention(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("second run: %d, %v", n, err)
	}
}

// TestRemovalsThenACrashKeepEveryLoad forgets a person and applies the
// retention, then runs the recovery a crash would run at the next open:
// the latest loads, whose rows the removals thinned, must not be taken for
// loads that did not land whole.
func TestRemovalsThenACrashKeepEveryLoad(t *testing.T) {
	data := genDerivedData(t)
	db := openTest(t)
	loadAll(t, db, data.final)
	ctx := context.Background()
	if _, err := db.Forget(ctx, "p07"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplyRetention(ctx, time.Date(2026, 10, 1, 0, 0, 0, 0, db.Location())); err != nil {
		t.Fatal(err)
	}
	counts := func() map[string]int64 {
		out := map[string]int64{}
		for _, ds := range Datasets() {
			var n int64
			if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM main.`+ds.Name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[ds.Name] = n
		}
		return out
	}
	before := counts()
	if err := db.recoverLoads(ctx, true); err != nil {
		t.Fatal(err)
	}
	for name, n := range counts() {
		if n != before[name] {
			t.Errorf("%s: %d rows after recovery, %d before", name, n, before[name])
		}
	}
}
