package queries

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The derived data (person keys, fact_days, fact_weeks, engagements,
// changelog) must be a function of the loaded rows: however the rows
// arrived (one file per dataset, several files in any order, newer exports
// replacing rows, a database migrated from 0001, another time zone), every
// KPI and page query gives the same answer.

// derivedData is a generated set of rows per dataset (the final state) and
// an older export of some of them, loaded first and replaced later.
type derivedData struct {
	final, older map[string][][]driver.Value
}

// genDerivedData builds rows around the October DST change, with instants
// close to local midnights, ids missing from people, votes and comments on
// ideas not loaded, withdrawn ideas and decisions in both tables.
func genDerivedData(t *testing.T) derivedData {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 8, 20, 0, 0, 0, 0, loc)
	// instant: a random instant in the 110 days from start, often within
	// 90 minutes of a local midnight.
	instant := func() time.Time {
		d := start.AddDate(0, 0, r.IntN(110))
		if r.IntN(3) == 0 {
			return d.Add(time.Duration(r.IntN(180)-90) * time.Minute).Add(time.Duration(r.IntN(60)) * time.Second)
		}
		return d.Add(time.Duration(r.IntN(24*3600)) * time.Second)
	}
	date := func() any {
		if r.IntN(3) == 0 {
			return nil
		}
		t := start.AddDate(0, 0, r.IntN(120))
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	person := func() string { return fmt.Sprintf("p%02d", r.IntN(70)) }  // p60..p69 are not in people
	ideaID := func() string { return fmt.Sprintf("i%03d", r.IntN(130)) } // i120..i129 are not loaded
	site := func() string { return pick("S1", "S2", "S3", "S4", "S9") }  // S9 is not in sites
	opt := func(p int, v any) any {
		if r.IntN(100) < p {
			return nil
		}
		return v
	}
	f := map[string][][]driver.Value{}
	o := map[string][][]driver.Value{}
	add := func(m map[string][][]driver.Value, ds string, vals ...any) {
		row := make([]driver.Value, len(vals))
		for i, v := range vals {
			row[i] = v
		}
		m[ds] = append(m[ds], row)
	}
	for i, s := range []string{"S1", "S2", "S3", "S4"} {
		add(f, "sites", s, s+" site", nil, int64(10+i*20))
	}
	role := func() string { return pick("collaborator", "ambassador", "ambassador", "core_team") }
	for i := range 60 {
		id := fmt.Sprintf("p%02d", i)
		add(f, "people", id, site(), role(), opt(50, "Name "+id), date(), date(), date())
		if i%5 == 0 {
			add(o, "people", id, site(), role(), nil, date(), nil, nil)
		}
	}
	status := func() string {
		return pick("submitted", "in_review", "retained", "postponed", "rejected", "implemented", "withdrawn")
	}
	for i := range 120 {
		id := fmt.Sprintf("i%03d", i)
		created := instant()
		row := func() []any {
			return []any{id, site(), opt(10, person()), pick("idea", "irritant", "solution", "practice"), "Idea " + id,
				created, status(), opt(50, created.Add(time.Duration(r.IntN(20*24))*time.Hour)),
				opt(70, created.Add(time.Duration(r.IntN(40*24))*time.Hour)),
				opt(30, int64(1+r.IntN(5))), opt(30, int64(1+r.IntN(5))), nil, nil, nil, opt(80, ideaID())}
		}
		add(f, "ideas", row()...)
		if i%4 == 0 {
			created = instant()
			add(o, "ideas", row()...)
		}
	}
	for range 700 {
		add(f, "votes", ideaID(), person(), instant())
	}
	for i := range 90 {
		// An older export of some votes: another date for the same key.
		v := f["votes"][i*7]
		add(o, "votes", v[0], v[1], instant())
	}
	for i := range 300 {
		id := fmt.Sprintf("c%03d", i)
		add(f, "comments", id, ideaID(), person(), instant())
		if i%6 == 0 {
			add(o, "comments", id, ideaID(), person(), instant())
		}
	}
	for range 3000 {
		add(f, "activity", person(), instant(), pick("visit", "login", "read"))
	}
	for i := range 400 {
		// Re-exported activity rows (same key) and rows only in the older
		// export (kept: keys are never deleted).
		if i%2 == 0 {
			a := f["activity"][i*5]
			add(o, "activity", a[0], a[1], a[2])
		} else {
			add(o, "activity", person(), instant(), "visit")
		}
	}
	for range 80 {
		add(f, "decisions", ideaID(), pick("retained", "postponed", "rejected", "implemented"), instant(), opt(50, "because"))
	}
	for i := range 50 {
		add(f, "surveys", fmt.Sprintf("p%02d", i), instant(), int64(r.IntN(11)))
	}
	// The rows of the older export that are not replaced stay: put them in
	// the final state too, as a one-go load of the final exports would
	// miss them otherwise.
	final := map[string][][]driver.Value{}
	for ds, rows := range f {
		final[ds] = rows
	}
	final["activity"] = append(append([][]driver.Value{}, f["activity"]...), oddRows(o["activity"])...)
	return derivedData{final: final, older: o}
}

// oddRows are the rows at odd positions (the older-only activity rows).
func oddRows(rows [][]driver.Value) [][]driver.Value {
	var out [][]driver.Value
	for i, r := range rows {
		if i%2 == 1 {
			out = append(out, r)
		}
	}
	return out
}

// derivedAnswers collects every KPI and page answer for a few dates.
func derivedAnswers(t *testing.T, db *DB) map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	must := func(name string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = v
	}
	start := time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
	for _, d := range []string{"2026-10-24", "2026-10-25", "2026-10-26", "2026-11-23", "2026-11-30", "2026-12-06"} {
		asOf := day(t, d)
		doc, err := db.KPIs(ctx, Settings{}, asOf)
		must("kpis "+d, doc, err)
		doc, err = db.KPIs(ctx, Settings{ProgramStart: &start}, asOf)
		must("kpis configured "+d, doc, err)
		for _, s := range []string{"", "S1", "S3", "S9"} {
			w, err := db.Series(ctx, Settings{}, asOf, s, 16)
			must("series "+d+" "+s, w, err)
			a, err := db.Ambassadors(ctx, asOf, s)
			must("ambassadors "+d+" "+s, a, err)
			o, err := db.TopOpenIdeas(ctx, asOf, s, 5)
			must("top "+d+" "+s, o, err)
			c, err := db.Decisions(ctx, asOf, s)
			must("decisions "+d+" "+s, c, err)
		}
		m, err := db.MonthlySynthesis(ctx, asOf, asOf)
		must("synthesis "+d, m, err)
	}
	q, err := db.DataQuality(ctx)
	q.LastIngest = nil // the files differ by design
	must("data quality", q, err)
	return out
}

func compareAnswers(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d answers, want %d", what, len(got), len(want))
	}
	for k, w := range want {
		if g := got[k]; !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s differs:\n got %s\nwant %s", what, k, dump(g), dump(w))
		}
	}
}

// loadAll loads the rows of each dataset in one file, in Datasets() order.
func loadAll(t *testing.T, db *DB, rows map[string][][]driver.Value) {
	t.Helper()
	for _, ds := range Datasets() {
		if r := rows[ds.Name]; len(r) > 0 {
			loadRows(t, db, ds.Name, r...)
		}
	}
}

func openAt(t *testing.T, path, zone string) *DB {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return openWith(t, Options{Path: path, Location: loc})
}

func TestDerivedDataIsTheSameWhateverTheLoadOrderAndReplacedRows(t *testing.T) {
	data := genDerivedData(t)
	oneGo := openTest(t)
	loadAll(t, oneGo, data.final)
	want := derivedAnswers(t, oneGo)

	split := openTest(t)
	// Facts before the people and ideas they refer to, older exports first,
	// each dataset in three files; the final export replaces the older rows.
	order := []string{"activity", "votes", "comments", "decisions", "ideas", "people", "surveys", "sites"}
	for _, name := range order {
		if r := data.older[name]; len(r) > 0 {
			loadRows(t, split, name, r...)
		}
	}
	for i, name := range order {
		rows := data.final[name]
		for part := range 3 {
			lo, hi := part*len(rows)/3, (part+1)*len(rows)/3
			if hi > lo {
				loadRows(t, split, name, rows[lo:hi]...)
			}
		}
		if i%2 == 0 {
			// A query between loads brings the derived data of the datasets
			// loaded so far up to date; later loads mark theirs again.
			if _, err := split.KPIs(context.Background(), Settings{}, day(t, "2026-11-30")); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Right after the loads the derived data is stale: the data-quality
	// report reads the datasets themselves and must say the same.
	q, err := split.DataQuality(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	q.LastIngest = nil
	if !reflect.DeepEqual(q, want["data quality"]) {
		t.Errorf("data quality before the derived data is up to date:\n got %s\nwant %s", dump(q), dump(want["data quality"]))
	}
	compareAnswers(t, "split loads", derivedAnswers(t, split), want)
}

func TestMigrationBackfillsDerivedDataOfADatabaseCreatedBy0001(t *testing.T) {
	data := genDerivedData(t)
	oneGo := openTest(t)
	loadAll(t, oneGo, data.final)
	want := derivedAnswers(t, oneGo)

	// A database as the first release left it: migration 0001 only, rows
	// inserted without any derived data.
	path := filepath.Join(t.TempDir(), "old.duckdb")
	raw, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		ms[0].sql,
		`CREATE TABLE schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
		`INSERT INTO schema_migrations (version, name) VALUES (1, '` + ms[0].name + `')`,
	}
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, ds := range Datasets() {
		rows := latestByKey(ds, data.final[ds.Name])
		if len(rows) == 0 {
			continue
		}
		q := fmt.Sprintf("INSERT INTO %s VALUES (%s)", ds.Name, strings.TrimSuffix(strings.Repeat("?, ", len(ds.Columns)), ", "))
		for _, r := range rows {
			args := make([]any, len(r))
			for i, v := range r {
				args[i] = v
			}
			if _, err := raw.Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", ds.Name, err)
			}
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	migrated := openAt(t, path, "Europe/Paris")
	compareAnswers(t, "migrated", derivedAnswers(t, migrated), want)
}

// latestByKey keeps the last row of each key, as the Loader does.
func latestByKey(ds Dataset, rows [][]driver.Value) [][]driver.Value {
	col := map[string]int{}
	for i, c := range ds.Columns {
		col[c.Name] = i
	}
	key := func(r []driver.Value) string {
		var b strings.Builder
		for _, k := range ds.Key {
			fmt.Fprintf(&b, "%v|", r[col[k]])
		}
		return b.String()
	}
	last := map[string]int{}
	for i, r := range rows {
		last[key(r)] = i
	}
	var out [][]driver.Value
	for i, r := range rows {
		if last[key(r)] == i {
			out = append(out, r)
		}
	}
	return out
}

func TestDerivedDataFollowsAChangeOfTimeZone(t *testing.T) {
	data := genDerivedData(t)
	dir := t.TempDir()
	fresh := openAt(t, filepath.Join(dir, "ny.duckdb"), "America/New_York")
	loadAll(t, fresh, data.final)
	want := derivedAnswers(t, fresh)

	// Loaded in Paris, then opened in New York: the days are recomputed.
	path := filepath.Join(dir, "paris.duckdb")
	paris := openAt(t, path, "Europe/Paris")
	loadAll(t, paris, data.final)
	if err := paris.Close(); err != nil {
		t.Fatal(err)
	}
	moved := openAt(t, path, "America/New_York")
	compareAnswers(t, "moved to New York", derivedAnswers(t, moved), want)
}

// derivedTables dumps every derived table in a fixed order.
func derivedTables(t *testing.T, db *DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, q := range map[string]string{
		"fact_days":   `SELECT src || ' ' || pk || ' ' || day || ' ' || n FROM fact_days ORDER BY ALL`,
		"fact_people": `SELECT src || ' ' || pk || ' ' || n FROM fact_people ORDER BY ALL`,
		"fact_weeks":  `SELECT pk || ' ' || week || ' ' || first_day || ' ' || last_day FROM fact_weeks ORDER BY ALL`,
		"engagements": `SELECT concat_ws(' ', kind, pk, ik, day, idea_site, idea_day, withdrawn) FROM engagements ORDER BY ALL`,
		"idea_info":   `SELECT CAST(t AS VARCHAR) FROM idea_info t ORDER BY ALL`,
		"person_info": `SELECT CAST(t AS VARCHAR) FROM person_info t ORDER BY ALL`,
		"changelog":   `SELECT CAST(t AS VARCHAR) FROM changelog t ORDER BY ALL`,
	} {
		rows, err := db.sql.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], s)
		}
		if err := closeRows(rows); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestActivityAndVotesLoadsBringTheirDerivedDataUpToDateAsAWholeRecomputationWould(t *testing.T) {
	data := genDerivedData(t)
	oneGo := openTest(t)
	loadAll(t, oneGo, data.final)
	want := derivedAnswers(t, oneGo)

	db := openTest(t)
	split := []string{"activity", "votes"}
	for _, ds := range Datasets() {
		if !slices.Contains(split, ds.Name) {
			loadRows(t, db, ds.Name, data.final[ds.Name]...)
		}
	}
	// The older exports and two thirds of the final ones (recomputed
	// whole: most of the rows), then the rest of the final exports in
	// three files, a sixth and two twelfths of the rows (their rows in no
	// particular order of day; votes replacing older votes of other
	// dates), the derived data brought up to date after the first and
	// after the other two: only from the loads' rows.
	for _, name := range split {
		loadRows(t, db, name, data.older[name]...)
		rows := data.final[name]
		loadRows(t, db, name, rows[:2*len(rows)/3]...)
	}
	ctx := context.Background()
	asOf := day(t, "2026-11-30")
	if _, err := db.KPIs(ctx, Settings{}, asOf); err != nil {
		t.Fatal(err)
	}
	for _, name := range split {
		rows := data.final[name]
		loadRows(t, db, name, rows[2*len(rows)/3:5*len(rows)/6]...)
		checkStaleLoads(t, db, name, 1)
	}
	if _, err := db.KPIs(ctx, Settings{}, asOf); err != nil {
		t.Fatal(err)
	}
	for _, name := range split {
		rows := data.final[name]
		loadRows(t, db, name, rows[5*len(rows)/6:11*len(rows)/12]...)
		loadRows(t, db, name, rows[11*len(rows)/12:]...)
		checkStaleLoads(t, db, name, 2)
	}
	compareAnswers(t, "activity and votes loaded in parts", derivedAnswers(t, db), want)
	got := derivedTables(t, db)

	// A mark without its load (as recovery and forget leave) recomputes
	// the whole table: the same facts.
	for _, name := range split {
		if _, err := db.sql.Exec(`INSERT INTO derived_stale VALUES (?)`, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.KPIs(ctx, Settings{}, asOf); err != nil {
		t.Fatal(err)
	}
	if whole := derivedTables(t, db); !reflect.DeepEqual(got, whole) {
		for name := range whole {
			if !reflect.DeepEqual(got[name], whole[name]) {
				t.Errorf("%s after the loads' days: %d rows, after the whole recomputation: %d rows", name, len(got[name]), len(whole[name]))
			}
		}
	}
}

// checkStaleLoads checks that a dataset's stale marks all come with their
// loads (n of them) and that those wrote few of its rows, so that the next
// query takes the loads' rows only.
func checkStaleLoads(t *testing.T, db *DB, name string, n int) {
	t.Helper()
	conn, err := db.sql.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	loads, err := staleLoads(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(loads[name]) != n {
		t.Fatalf("%s's stale loads: %v, want %d", name, loads[name], n)
	}
	if !fewRows(context.Background(), conn, name, loads[name]) {
		t.Fatalf("%s's stale loads %v wrote more than a quarter of its rows", name, loads[name])
	}
}

func TestAFileWithoutRowsLeavesTheDerivedDataUpToDate(t *testing.T) {
	db := openTest(t)
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	loadRows(t, db, "activity", []driver.Value{"P1", at, "visit"})
	ctx := context.Background()
	if _, err := db.KPIs(ctx, Settings{}, day(t, "2026-11-30")); err != nil {
		t.Fatal(err)
	}
	ds, _ := LookupDataset("activity")
	if n, err := db.LoadRows(ctx, ds, LoadInfo{File: "activity.csv", StartedAt: time.Now()}, nil); err != nil || n != 0 {
		t.Fatalf("empty load: %d rows, %v", n, err)
	}
	_, stale, err := derivedState(ctx, db.sql)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 0 {
		t.Errorf("stale after a file without rows: %v", stale)
	}
}

// changedCopy returns a copy of rows where every step-th row has been
// changed by change (the copy of the row is given), from the row first.
func changedCopy(rows [][]driver.Value, first, step int, change func(i int, row []driver.Value)) [][]driver.Value {
	out := make([][]driver.Value, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
		if i >= first && (i-first)%step == 0 {
			change(i, out[i])
		}
	}
	return out
}

// wholeRecomputation recomputes every derived table from the whole tables
// (stale marks without a load, as recovery leaves) and dumps them.
func wholeRecomputation(t *testing.T, db *DB) map[string][]string {
	t.Helper()
	for _, name := range derivedDatasets {
		if _, err := db.sql.Exec(`INSERT INTO derived_stale VALUES (?)`, name); err != nil {
			t.Fatal(err)
		}
	}
	// The changelog too, whatever its sources' digest says.
	if _, err := db.sql.Exec(`DELETE FROM changelog_source`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.KPIs(context.Background(), Settings{}, day(t, "2026-11-30")); err != nil {
		t.Fatal(err)
	}
	return derivedTables(t, db)
}

// compareTables reports the tables that differ between got and want.
func compareTables(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for name := range want {
		if !reflect.DeepEqual(got[name], want[name]) {
			n := 0
			for _, r := range got[name] {
				if !slices.Contains(want[name], r) {
					if n++; n <= 3 {
						t.Logf("%s: %s has %s, the whole recomputation does not", what, name, r)
					}
				}
			}
			t.Errorf("%s: %s has %d rows (%d not in the whole recomputation's), the whole recomputation %d", what, name, len(got[name]), n, len(want[name]))
		}
	}
}

func TestFullDumpsOfIdeasPeopleAndDecisionsBringTheDerivedDataUpToDateAsAWholeRecomputationWould(t *testing.T) {
	data := genDerivedData(t)
	oneGo := openTest(t)
	loadAll(t, oneGo, data.final)
	want := derivedAnswers(t, oneGo)

	// The day before: some ideas, people, decisions and comments differ
	// from today's exports (another status, author, site, creation time,
	// title; another site and role; another reason), some are not there
	// yet, and the votes of the last days have not been cast.
	at := func(d string) time.Time {
		v, err := time.Parse(time.RFC3339, d)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := map[string][][]driver.Value{}
	ideas := changedCopy(data.final["ideas"], 0, 7, func(i int, r []driver.Value) {
		switch i % 5 {
		case 0:
			r[6] = "withdrawn" // status
		case 1:
			r[2] = fmt.Sprintf("q%02d", i) // author, not in people, active nowhere else
		case 2:
			r[1] = "S9" // site
		case 3:
			r[5] = at("2026-01-15T23:30:00Z") // created_at, in a week without other facts
		case 4:
			r[4] = fmt.Sprintf("Old title %d", i)
		}
	})
	decided := map[driver.Value]bool{}
	for _, d := range data.final["decisions"] {
		decided[d[0]] = true
	}
	for i, r := range ideas {
		if decided[r[0]] && i%3 == 0 {
			r[4] = "Old title of a decided idea" // the changelog carries it
		}
	}
	before["ideas"] = ideas[:len(ideas)-10]
	people := changedCopy(data.final["people"], 1, 4, func(i int, r []driver.Value) {
		switch i % 3 {
		case 0:
			r[1] = "S3" // site
		case 1:
			r[2] = "core_team" // role
		case 2:
			r[6] = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC) // left_on
		}
	})
	before["people"] = people[:len(people)-5]
	decisions := changedCopy(data.final["decisions"], 2, 5, func(_ int, r []driver.Value) { r[3] = "an older reason" })
	before["decisions"] = decisions[:len(decisions)-8]
	comments := data.final["comments"]
	resent := comments[:len(comments)/5]
	before["comments"] = append(changedCopy(resent, 3, 13, func(i int, r []driver.Value) {
		r[1], r[3] = fmt.Sprintf("i%03d", (i+11)%130), at("2026-01-20T22:30:00Z")
		if i%2 == 1 {
			r[2] = fmt.Sprintf("q%02d", i)
		}
	}), comments[len(resent):]...)
	// The votes of the last three days come today (one day's delta).
	var votes, lastVotes [][]driver.Value
	votesDataset, _ := LookupDataset("votes")
	for _, v := range latestByKey(votesDataset, data.final["votes"]) {
		if v[2].(time.Time).After(at("2026-12-04T12:00:00Z")) {
			lastVotes = append(lastVotes, v)
		} else {
			votes = append(votes, v)
		}
	}
	before["votes"] = votes
	for _, name := range []string{"sites", "activity", "surveys"} {
		before[name] = data.final[name]
	}

	db := openTest(t)
	loadAll(t, db, before)
	ctx := context.Background()
	if _, err := db.KPIs(ctx, Settings{}, day(t, "2026-11-30")); err != nil {
		t.Fatal(err)
	}
	// Today's full dumps of ideas, people and decisions, a fifth of the
	// comments written again (the changed ones among them: other authors,
	// ideas, days) and the last votes.
	for _, name := range []string{"ideas", "people", "decisions"} {
		loadRows(t, db, name, data.final[name]...)
	}
	loadRows(t, db, "comments", resent...)
	loadRows(t, db, "votes", lastVotes...)
	checkStaleLoads(t, db, "votes", 1)
	for _, name := range []string{"ideas", "people", "decisions", "comments"} {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		loads, err := staleLoads(ctx, conn)
		if err != nil || len(loads[name]) != 1 {
			t.Fatalf("%s's stale loads: %v, %v", name, loads[name], err)
		}
		if name == "comments" {
			// The comments' load recorded the authors of the comments it
			// replaced: their engagements are written again, not all.
			if ok, err := replacedRecorded(ctx, conn, loads[name]); !ok || err != nil || !fewRows(ctx, conn, name, loads[name]) {
				t.Fatalf("comments' load did not record the people of the rows it replaced (%v) or wrote too many rows", err)
			}
		}
		conn.Close()
	}
	compareAnswers(t, "full dumps over changed rows", derivedAnswers(t, db), want)
	got := derivedTables(t, db)
	compareTables(t, "full dumps over changed rows", got, wholeRecomputation(t, db))

	// The same dumps again (nothing changed): still the same, and the
	// changelog is not rebuilt (a row put there by hand stays).
	if _, err := db.sql.Exec(`INSERT INTO changelog VALUES ('sentinel', NULL, NULL, 'retained', TIMESTAMPTZ '2026-01-01 00:00:00+00', NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ideas", "people", "decisions"} {
		loadRows(t, db, name, data.final[name]...)
	}
	if _, err := db.KPIs(ctx, Settings{}, day(t, "2026-11-30")); err != nil {
		t.Fatal(err)
	}
	var sentinel int
	if err := db.sql.QueryRow(`SELECT count(*) FROM changelog WHERE idea_id = 'sentinel'`).Scan(&sentinel); err != nil || sentinel != 1 {
		t.Errorf("the changelog was rebuilt after dumps that changed none of its rows (%v)", err)
	}
	if _, err := db.sql.Exec(`DELETE FROM changelog WHERE idea_id = 'sentinel'`); err != nil {
		t.Fatal(err)
	}
	compareAnswers(t, "the same dumps again", derivedAnswers(t, db), want)
	compareTables(t, "the same dumps again", derivedTables(t, db), got)
	// One decision's reason changes: the changelog is rebuilt.
	changed := changedCopy(data.final["decisions"], 0, 1000000, func(_ int, r []driver.Value) { r[3] = "a new reason" })
	loadRows(t, db, "decisions", changed...)
	if _, err := db.KPIs(ctx, Settings{}, day(t, "2026-11-30")); err != nil {
		t.Fatal(err)
	}
	var reasons int
	if err := db.sql.QueryRow(`SELECT count(*) FROM changelog WHERE reason = 'a new reason'`).Scan(&reasons); err != nil || reasons != 1 {
		t.Errorf("%d changelog rows carry the changed reason, want 1 (%v)", reasons, err)
	}
}

func TestFirstDecisionsLoadedReplaceTheChangelogTakenFromTheIdeas(t *testing.T) {
	data := genDerivedData(t)
	db := openTest(t)
	// No decisions yet: the changelog comes from the ideas' statuses.
	for _, ds := range Datasets() {
		if ds.Name != "decisions" {
			loadRows(t, db, ds.Name, data.final[ds.Name]...)
		}
	}
	ctx := context.Background()
	if _, err := db.KPIs(ctx, Settings{}, day(t, "2026-11-30")); err != nil {
		t.Fatal(err)
	}
	loadRows(t, db, "decisions", data.final["decisions"]...)
	if _, err := db.KPIs(ctx, Settings{}, day(t, "2026-11-30")); err != nil {
		t.Fatal(err)
	}
	got := derivedTables(t, db)
	compareTables(t, "first decisions", got, wholeRecomputation(t, db))
}
