package queries

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Derived data (migrations 0002-0007): person_keys and idea_keys give
// every person and idea id an INTEGER key; person_info and idea_info are
// people and ideas with those keys (plus each idea's first row in decisions
// and its votes); fact_days counts the facts that make a person active
// (activity rows, ideas authored, votes, comments) per person key and
// local day, fact_weeks per Monday-based week, fact_people per person;
// engagements is every vote and comment with its keys, local day and its
// idea's site, creation day and status; changelog is the committee's
// decisions with their idea's title and site. The KPI and page queries
// group on these integers instead of hashing 15M VARCHAR ids per request.
//
// Each dataset's derived data is recomputed from its whole table (DELETE +
// INSERT), or, after loads only, for the rows the loads wrote or changed
// (docs/loading.md, "After a load"); either way it is a function of the
// rows as committed: whatever a load replaced (a newer export changing a
// vote's date or an idea's author) it cannot drift. A load only marks its dataset stale (afterMerge); the first
// query after it recomputes the stale datasets in one transaction
// (ensureDerived). Local days are those of the database's zone, recorded
// in derived_state: opened in another zone, everything is recomputed.

// factSource is one dataset whose rows make a person active on a date.
type factSource struct {
	src     int
	dataset string
	person  string
	instant string
}

// factSources are the sources of fact_days read from their own table,
// with their src number (votes, src 3, and comments, src 4, are counted
// from engagements).
var factSources = []factSource{
	{1, "activity", "person_id", "occurred_at"},
	{2, "ideas", "author_id", "created_at"},
}

// engagementSource is votes (kind 1, fact_days src 3) or comments (kind
// 2, src 4).
type engagementSource struct {
	kind, src int
	dataset   string
	person    string
	instant   string
}

// engagementSources are the datasets of engagements.
var engagementSources = []engagementSource{
	{1, 3, "votes", "voter_id", "voted_at"},
	{2, 4, "comments", "author_id", "created_at"},
}

// derivedDatasets are the datasets some derived data is computed from, in
// the order they are brought up to date.
var derivedDatasets = []string{"people", "ideas", "votes", "comments", "activity", "decisions"}

// afterMerge maintains the data derived from a dataset (integer keys,
// roll-ups that make the KPI queries fast) inside the load's transaction,
// once the file's rows are merged. It sees the dataset's table as it will be
// committed.
//
// It only records the dataset in derived_stale (same transaction, so the
// mark commits or rolls back with the rows): every query that reads derived
// data calls ensureDerived first, which recomputes it on committed rows. A
// reader therefore never sees derived data that disagrees with the rows,
// and a load does not pay for reading back what it has just appended.
//
// The load's id goes beside the mark (derived_stale_loads): when every mark
// of a dataset comes with its load, the derived data of the datasets that
// allow it is brought up to date for those loads' rows only
// (refreshFactDays).
func (db *DB) afterMerge(ctx context.Context, conn *sql.Conn, ds Dataset, loadID int64) error {
	for _, name := range derivedDatasets {
		if name == ds.Name {
			if _, err := conn.ExecContext(ctx, `INSERT INTO derived_stale VALUES (?)`, ds.Name); err != nil {
				return fmt.Errorf("derived data: %w", err)
			}
			if _, err := conn.ExecContext(ctx, `INSERT INTO derived_stale_loads VALUES (?, ?)`, ds.Name, loadID); err != nil {
				return fmt.Errorf("derived data: %w", err)
			}
		}
	}
	return nil
}

// replacing is a load about to delete the older rows its rows replace:
// the table's rows up to rowid before that match the new rows (after it)
// on (conditions on o, the older, and n, the new); kept is the number of
// new rows, rows of rows before them.
type replacing struct {
	loadID, before, kept, rows int64
	on                         []string
}

// beforeReplace records in derived_replaced, inside a load's transaction
// before the older rows are deleted, the people of the older rows the
// load replaces when the dataset's derived data needs them (comments:
// their key does not hold the person), and a row without person that says
// it did. A load that keeps more than a quarter of the rows records
// nothing: its derived data is recomputed whole.
func (db *DB) beforeReplace(ctx context.Context, conn *sql.Conn, ds Dataset, r replacing) error {
	s, ok := replacedPeople(ds.Name)
	if !ok || r.kept*4 > r.rows {
		return nil
	}
	q := fmt.Sprintf(`INSERT INTO derived_replaced
		SELECT %[1]d, NULL
		UNION ALL
		SELECT DISTINCT %[1]d, o.%[2]s
		  FROM main.%[3]s AS o JOIN (SELECT %[4]s FROM main.%[3]s WHERE rowid > %[5]d) AS n ON %[6]s
		 WHERE o.rowid <= %[5]d AND o.%[2]s IS NOT NULL`,
		r.loadID, s.person, ds.Name, strings.Join(ds.Key, ", "), r.before, strings.Join(r.on, " AND "))
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("derived data: %w", err)
	}
	return nil
}

// replacedPeople returns the engagement source of a dataset whose key
// does not hold its person and its idea (comments), whose loads record the
// people of the rows they replace (beforeReplace).
func replacedPeople(dataset string) (engagementSource, bool) {
	for _, s := range engagementSources {
		if s.dataset == dataset {
			return s, !keyHolds(s.dataset, s.person, "idea_id")
		}
	}
	return engagementSource{}, false
}

// followUps are the derived tables computed from several datasets, rebuilt
// once after the datasets' own derived data: fact_weeks whole (weeks), or
// only the weeks of the local days [firstDay, lastDay] (weekDays) and the
// weeks of the people of relais_week_people (weekPeople) when the
// fact_days rows changed there only; idea_info whole (ideaInfo), or only
// the rows of the ideas that changed (ideaInfoChanged: the ideas whose row,
// author key or first decision differs from idea_info, and the ideas of
// relais_vote_ideas, whose votes changed).
type followUps struct {
	weeks, changelog, ideaInfo bool
	weekDays                   bool
	firstDay, lastDay          int64
	weekPeople                 bool
	ideaInfoChanged, voteIdeas bool
}

// daysChanged notes that fact_days changed on the local days [lo, hi] only.
func (f *followUps) daysChanged(lo, hi int64) {
	if !f.weekDays {
		f.weekDays, f.firstDay, f.lastDay = true, lo, hi
		return
	}
	f.firstDay, f.lastDay = min(f.firstDay, lo), max(f.lastDay, hi)
}

// refreshDataset recomputes the derived data of one dataset and notes the
// shared tables to rebuild after. loads, when not nil, are the loads of
// the dataset since its derived data was last brought up to date (every
// change to the dataset since then): a dataset whose derived data allows
// it is then brought up to date for those loads' rows only.
func (db *DB) refreshDataset(ctx context.Context, conn *sql.Conn, name string, loads []int64, f *followUps) error {
	switch name {
	case "people":
		if loads != nil {
			return refreshPersonInfo(ctx, conn)
		}
		return rebuildPersonInfo(ctx, conn)
	case "activity":
		if loads != nil && fewRows(ctx, conn, name, loads) {
			return db.refreshFactDays(ctx, conn, factSources[0], loads, f)
		}
		f.weeks = true
		return db.rebuildFacts(ctx, conn, factSources[0])
	case "ideas":
		f.changelog = true
		if loads != nil {
			f.ideaInfoChanged = true
		} else {
			f.ideaInfo = true
		}
		if err := f.factsRebuilt(ctx, conn, factSources[1].src, loads != nil, func() error {
			return db.rebuildFacts(ctx, conn, factSources[1])
		}); err != nil {
			return err
		}
		if err := keyIdeas(ctx, conn, "ideas", ""); err != nil {
			return err
		}
		if loads != nil {
			return db.updateEngagementIdeas(ctx, conn)
		}
		return db.refreshEngagementIdeas(ctx, conn)
	case "votes", "comments":
		s := engagementSources[0]
		if name == "comments" {
			s = engagementSources[1]
		}
		if loads != nil && fewRows(ctx, conn, name, loads) {
			if keyHolds(s.dataset, s.person, "idea_id") {
				return db.refreshEngagements(ctx, conn, s, loads, f)
			}
			if ok, err := replacedRecorded(ctx, conn, loads); err != nil || ok {
				if err != nil {
					return err
				}
				return db.refreshPeopleEngagements(ctx, conn, s, loads, f)
			}
		}
		if s.kind == 1 {
			// idea_info carries the vote counts.
			f.ideaInfo = true
		}
		return f.factsRebuilt(ctx, conn, s.src, loads != nil, func() error { return db.rebuildEngagements(ctx, conn, s) })
	case "decisions":
		f.changelog = true
		if loads != nil {
			f.ideaInfoChanged = true
		} else {
			f.ideaInfo = true
		}
	}
	return nil
}

// factsRebuilt runs rebuild, which writes every fact_days row of source
// src again. When fact_weeks agrees with fact_days before (tracked: the
// last refresh ended and the source changed by loads only), the people
// whose (person, day) rows of that source it added or removed go into
// relais_week_people and only their weeks are regrouped after (a re-export
// of the same rows regroups none); otherwise fact_weeks is rebuilt whole.
func (f *followUps) factsRebuilt(ctx context.Context, conn *sql.Conn, src int, tracked bool, rebuild func() error) error {
	if !tracked {
		f.weeks = true
		return rebuild()
	}
	if err := f.weekPeopleTable(ctx, conn); err != nil {
		return err
	}
	if _, err := execLogged(ctx, conn, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE relais_old_days AS SELECT pk, day FROM fact_days WHERE src = %d`, src)); err != nil {
		return fmt.Errorf("fact weeks: %w", err)
	}
	if err := rebuild(); err != nil {
		return err
	}
	newDays := fmt.Sprintf(`SELECT pk, day FROM fact_days WHERE src = %d`, src)
	if err := execSteps(ctx, conn,
		`INSERT INTO relais_week_people SELECT DISTINCT pk FROM (
		   (SELECT pk, day FROM relais_old_days EXCEPT `+newDays+`)
		   UNION ALL
		   (`+newDays+` EXCEPT SELECT pk, day FROM relais_old_days))`,
		`DROP TABLE relais_old_days`,
	); err != nil {
		return fmt.Errorf("fact weeks: %w", err)
	}
	return nil
}

// weekPeopleTable creates relais_week_people, the people whose weeks are
// regrouped after, if no step did yet.
func (f *followUps) weekPeopleTable(ctx context.Context, conn *sql.Conn) error {
	if f.weekPeople {
		return nil
	}
	if _, err := execLogged(ctx, conn, `CREATE OR REPLACE TEMP TABLE relais_week_people (pk INTEGER)`); err != nil {
		return fmt.Errorf("fact weeks: %w", err)
	}
	f.weekPeople = true
	return nil
}

// replacedRecorded says whether each of the loads given recorded the people
// of the rows it replaced (derived_replaced).
func replacedRecorded(ctx context.Context, conn *sql.Conn, loads []int64) (bool, error) {
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(DISTINCT load_id) FROM derived_replaced WHERE person_id IS NULL AND load_id IN (`+idList(loads)+`)`).Scan(&n); err != nil {
		return false, fmt.Errorf("derived state: %w", err)
	}
	return n == len(loads), nil
}

// refreshPeopleEngagements brings the engagements of a source whose key
// does not hold its person (comments) up to date after the loads given
// (every change to its table since they were last computed), each of which
// recorded the people of the rows it replaced: the engagements, fact_days
// and fact_people rows of those people and of the people of the loads'
// rows are written again from their rows, and their weeks regrouped.
func (db *DB) refreshPeopleEngagements(ctx context.Context, conn *sql.Conn, s engagementSource, loads []int64, f *followUps) error {
	fail := func(err error) error { return fmt.Errorf("engagements of %s: %w", s.dataset, err) }
	inLoads := "load_id IN (" + idList(loads) + ")"
	if err := keyEngagements(ctx, conn, s, "AND d."+inLoads); err != nil {
		return fail(err)
	}
	if err := f.weekPeopleTable(ctx, conn); err != nil {
		return err
	}
	if err := execSteps(ctx, conn,
		fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE relais_engaged_ids AS SELECT DISTINCT id FROM (
		   SELECT person_id AS id FROM derived_replaced WHERE person_id IS NOT NULL AND %[1]s
		   UNION ALL SELECT %[2]s FROM %[3]s WHERE %[2]s IS NOT NULL AND %[1]s)`, inLoads, s.person, s.dataset),
		`CREATE OR REPLACE TEMP TABLE relais_fact_people AS
		 SELECT k.pk FROM person_keys k JOIN relais_engaged_ids i ON i.id = k.person_id`,
		fmt.Sprintf(`DELETE FROM engagements WHERE kind = %d AND pk IN (SELECT pk FROM relais_fact_people)`, s.kind),
	); err != nil {
		return fail(err)
	}
	if _, err := db.writeEngagements(ctx, conn, s, "INSERT INTO engagements", "d."+s.person+" IN (SELECT id FROM relais_engaged_ids)"); err != nil {
		return fail(err)
	}
	steps := append(recountPeopleFacts(s),
		`INSERT INTO relais_week_people SELECT pk FROM relais_fact_people`,
		`DROP TABLE relais_fact_people`,
		`DROP TABLE relais_engaged_ids`)
	if err := execSteps(ctx, conn, steps...); err != nil {
		return fail(err)
	}
	return nil
}

// ideaInfoSelect is the query of idea_info's rows, of every idea, or
// only of the ideas whose key is in the table keys when it is not "".
func ideaInfoSelect(keys string) string {
	votes, ideas := "", ""
	if keys != "" {
		votes, ideas = " AND ik IN (SELECT ik FROM "+keys+")", " WHERE k.ik IN (SELECT ik FROM "+keys+")"
	}
	return `SELECT k.ik, i.idea_id, i.site_id, i.author_id, pk.pk, i.kind, i.title, i.created_at, i.status, i.decided_at,
		        i.implemented_at, i.impact, i.feasibility, d.first_at, v.n, v.last_day
		   FROM ideas i
		   JOIN idea_keys k ON k.idea_id = i.idea_id
		   LEFT JOIN person_keys pk ON pk.person_id = i.author_id
		   LEFT JOIN (SELECT idea_id, min(decided_at) AS first_at FROM decisions GROUP BY idea_id) d ON d.idea_id = i.idea_id
		   LEFT JOIN (SELECT ik, count(*) AS n, max(day) AS last_day FROM engagements WHERE kind = 1` + votes + ` GROUP BY ik) v ON v.ik = k.ik` + ideas
}

// ideaInfoColumns are the columns of idea_info read from ideas, person
// keys and decisions (not the votes), as ideaInfoSelect names them and as
// idea_info does.
var ideaInfoColumns = [][2]string{
	{"i.idea_id", "o.idea_id"}, {"i.site_id", "o.site_id"}, {"i.author_id", "o.author_id"}, {"pk.pk", "o.author_pk"},
	{"i.kind", "o.kind"}, {"i.title", "o.title"}, {"i.created_at", "o.created_at"}, {"i.status", "o.status"},
	{"i.decided_at", "o.decided_at"}, {"i.implemented_at", "o.implemented_at"}, {"i.impact", "o.impact"},
	{"i.feasibility", "o.feasibility"}, {"d.first_at", "o.first_decision_at"},
}

// refreshIdeaInfo writes again the idea_info rows of the ideas that
// changed since it was last brought up to date: the ideas (rows, their
// author's key, their first decision) that differ from their idea_info row
// or have none, and the ideas of relais_vote_ideas (their votes changed).
// A load never removes an idea, so no other row can be out of date.
func refreshIdeaInfo(ctx context.Context, conn *sql.Conn, voteIdeas bool) error {
	differs := make([]string, len(ideaInfoColumns))
	for i, c := range ideaInfoColumns {
		differs[i] = c[0] + " IS DISTINCT FROM " + c[1]
	}
	changed := `CREATE OR REPLACE TEMP TABLE relais_info_ideas AS
		 SELECT k.ik
		   FROM ideas i
		   JOIN idea_keys k ON k.idea_id = i.idea_id
		   LEFT JOIN person_keys pk ON pk.person_id = i.author_id
		   LEFT JOIN (SELECT idea_id, min(decided_at) AS first_at FROM decisions GROUP BY idea_id) d ON d.idea_id = i.idea_id
		   LEFT JOIN idea_info o ON o.ik = k.ik
		  WHERE o.ik IS NULL OR ` + strings.Join(differs, " OR ")
	if voteIdeas {
		changed += ` UNION SELECT ik FROM relais_vote_ideas`
	}
	stmts := []string{
		changed,
		`DELETE FROM idea_info WHERE ik IN (SELECT ik FROM relais_info_ideas)`,
		`INSERT INTO idea_info ` + ideaInfoSelect("relais_info_ideas"),
		`DROP TABLE relais_info_ideas`,
	}
	if voteIdeas {
		stmts = append(stmts, `DROP TABLE relais_vote_ideas`)
	}
	if err := execSteps(ctx, conn, stmts...); err != nil {
		return fmt.Errorf("idea info: %w", err)
	}
	return nil
}

// rebuildIdeaInfo recomputes idea_info (migrations 0005, 0006) from
// ideas, decisions and the votes of engagements; the ideas' ids and authors
// have keys already.
func rebuildIdeaInfo(ctx context.Context, conn *sql.Conn) error {
	if err := execSteps(ctx, conn,
		`DELETE FROM idea_info`,
		`INSERT INTO idea_info `+ideaInfoSelect(""),
	); err != nil {
		return fmt.Errorf("idea info: %w", err)
	}
	return nil
}

// rebuildWeeks recomputes fact_weeks from fact_days.
func rebuildWeeks(ctx context.Context, conn *sql.Conn) error {
	if err := execSteps(ctx, conn,
		`DELETE FROM fact_weeks`,
		weeksInsertSQL(""),
	); err != nil {
		return fmt.Errorf("fact weeks: %w", err)
	}
	return nil
}

// weeksInsertSQL groups the fact_days rows matching where ("" for all)
// into fact_weeks: one row per person and Monday-based local week, with
// the first and last active day. (pk, week) is packed in one BIGINT group
// key, as in factDaysSQL.
func weeksInsertSQL(where string) string {
	if where != "" {
		where = "WHERE " + where
	}
	return `INSERT INTO fact_weeks
		 SELECT (key >> 32)::INTEGER, ((key & 4294967295) - 2147483648)::INTEGER, first_day, last_day
		   FROM (SELECT (pk::BIGINT << 32) | ((day + 3) // 7 + 2147483648) AS key,
		                min(day) AS first_day, max(day) AS last_day
		           FROM fact_days ` + where + ` GROUP BY 1)`
}

// refreshWeeks recomputes the fact_weeks rows of the weeks that hold the
// local days [firstDay, lastDay], after fact_days changed on those days
// only.
func refreshWeeks(ctx context.Context, conn *sql.Conn, firstDay, lastDay int64) error {
	weeks := fmt.Sprintf("BETWEEN (%d + 3) // 7 AND (%d + 3) // 7", firstDay, lastDay)
	// A week's days lie within 7 days of any of them: a plain comparison
	// first, pushed into the scan of fact_days.
	near := fmt.Sprintf("day BETWEEN %d AND %d AND ", firstDay-7, lastDay+7)
	if err := execSteps(ctx, conn,
		`DELETE FROM fact_weeks WHERE week `+weeks,
		weeksInsertSQL(near+`(day + 3) // 7 `+weeks),
	); err != nil {
		return fmt.Errorf("fact weeks: %w", err)
	}
	return nil
}

// rebuildChangelog recomputes changelog (migration 0004) from decisions,
// or from ideas when decisions is empty, unless the rows it reads are
// those it was last built from (changelog_source, migration 0013): a day's
// export sends ideas and decisions whole, mostly unchanged, and the
// rebuild took a second at large. The digest is forgotten before the
// rebuild's first step, so a rebuild cut short is done again.
func rebuildChangelog(ctx context.Context, conn *sql.Conn) error {
	var digest string
	var built sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT (`+changelogDigestSQL+`), (SELECT max(digest) FROM changelog_source)`).Scan(&digest, &built); err != nil {
		return fmt.Errorf("changelog: digest: %w", err)
	}
	if built.Valid && built.String == digest {
		return nil
	}
	if err := execSteps(ctx, conn,
		`DELETE FROM changelog_source`,
		`DELETE FROM changelog`,
		changelogSQL,
		`INSERT INTO changelog_source VALUES ('`+digest+`')`,
	); err != nil {
		return fmt.Errorf("changelog: %w", err)
	}
	return nil
}

// changelogDigestSQL sums a 64-bit hash of every column the changelog
// reads, per table, with the tables' row counts: the same rows (in any
// order) give the same digest; other rows another, but for a chance of
// 2^-64.
const changelogDigestSQL = `SELECT
	(SELECT count(*) || ':' || coalesce(sum(hash(idea_id, decision, decided_at, reason)), 0) FROM decisions)
	|| '|' ||
	(SELECT count(*) || ':' || coalesce(sum(hash(idea_id, title, site_id, status, decided_at)), 0) FROM ideas)`

// changelogSQL is the backfill statement of migration 0004, read from the
// migration itself so that the rebuild and the migration cannot drift
// apart: migrations are immutable, so the statement means forever what it
// meant when 0004 ran. Should the changelog ever be built differently, a
// new migration says how and this reads that one.
var changelogSQL = migrationStatement("0004_weeks_changelog.sql", "INSERT INTO changelog")

// migrationStatement returns the statement of an embedded migration that
// starts with prefix, up to its closing semicolon.
func migrationStatement(file, prefix string) string {
	b, err := migrationFiles.ReadFile("migrations/" + file)
	if err != nil {
		panic(err) // embedded: only a renamed file gets here, and every test fails
	}
	text := string(b)
	start := strings.Index(text, prefix)
	if start < 0 {
		panic(fmt.Sprintf("migration %s has no statement %q", file, prefix))
	}
	end := strings.Index(text[start:], ";")
	if end < 0 {
		panic(fmt.Sprintf("migration %s: statement %q has no end", file, prefix))
	}
	return text[start : start+end]
}

// derivedState is the zone the derived data was computed in ("" when
// unknown) and the datasets loaded since it was brought up to date.
func derivedState(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (zone string, stale map[string]bool, err error) {
	rows, err := q.QueryContext(ctx, `SELECT 'zone', zone FROM derived_state UNION ALL SELECT 'stale', dataset FROM derived_stale`)
	if err != nil {
		return "", nil, fmt.Errorf("derived state: %w", err)
	}
	defer rows.Close()
	stale = map[string]bool{}
	for rows.Next() {
		var kind, v string
		if err := rows.Scan(&kind, &v); err != nil {
			return "", nil, fmt.Errorf("derived state: %w", err)
		}
		if kind == "zone" {
			zone = v
		} else {
			stale[v] = true
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("derived state: %w", err)
	}
	return zone, stale, nil
}

// staleLoads returns, per dataset, the loads behind its stale marks when
// every mark has its load (derived_stale_loads), in load order; a dataset
// with a mark that no load explains (recovery, forget) is left out: its
// derived data is recomputed whole.
func staleLoads(ctx context.Context, conn *sql.Conn) (map[string][]int64, error) {
	rows, err := conn.QueryContext(ctx, `SELECT l.dataset, l.load_id
		  FROM derived_stale_loads l
		  JOIN (SELECT dataset, count(*) AS marks FROM derived_stale GROUP BY dataset) s ON s.dataset = l.dataset
		  JOIN (SELECT dataset, count(*) AS loads FROM derived_stale_loads GROUP BY dataset) n ON n.dataset = l.dataset
		 WHERE s.marks = n.loads
		 ORDER BY l.dataset, l.load_id`)
	if err != nil {
		return nil, fmt.Errorf("derived state: %w", err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var name string
		var id int64
		if err := rows.Scan(&name, &id); err != nil {
			return nil, fmt.Errorf("derived state: %w", err)
		}
		out[name] = append(out[name], id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("derived state: %w", err)
	}
	return out, nil
}

// ensureDerived brings the derived data up to date before a query reads
// it: the datasets loaded since (derived_stale), or everything when it was
// computed in another time zone than the database's (the configuration
// changed). Under the write lock.
func (db *DB) ensureDerived(ctx context.Context) error {
	zone, stale, err := derivedState(ctx, db.sql)
	if err != nil || (zone == db.loc.String() && len(stale) == 0) {
		return err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	// Wait for the read views under way to end; new ones wait for this.
	db.derivedMu.Lock()
	defer db.derivedMu.Unlock()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("derived data: %w", err)
	}
	defer conn.Close()
	if zone, stale, err = derivedState(ctx, conn); err != nil || (zone == db.loc.String() && len(stale) == 0) {
		return err
	}
	t0 := time.Now()
	// Each statement commits on its own: inside one transaction, DuckDB
	// (1.5.x) sometimes found none of the rows the transaction had just
	// inserted into engagements when reading them back with a filter (the
	// votes vanished from fact_days on the large demo). The stale marks and
	// the zone are cleared last, so a refresh that fails half-way is redone
	// whole by the next query; the write lock and derivedMu keep other
	// queries of this process waiting meanwhile (readView).
	if err := db.refreshDerived(ctx, conn, zone, stale); err != nil {
		return err
	}
	slog.Debug("derived data", "zone", db.loc.String(), "from_zone", zone, "datasets", len(stale), "took", time.Since(t0))
	return nil
}

// refreshDerived recomputes the derived data of the stale datasets, or of
// every dataset when it was computed in another zone, then records the zone.
func (db *DB) refreshDerived(ctx context.Context, conn *sql.Conn, zone string, stale map[string]bool) error {
	if zone != db.loc.String() {
		slog.Info("computing derived data for the time zone", "from", zone, "to", db.loc.String())
	}
	loads := map[string][]int64{}
	if zone == db.loc.String() {
		var err error
		if loads, err = staleLoads(ctx, conn); err != nil {
			return err
		}
		// Forgotten before anything changes: a refresh that fails half-way
		// (its steps commit one by one) leaves marks without loads, and the
		// next one recomputes those datasets whole, as it always did (the
		// engagements a half-done refresh deleted no longer tell their
		// days).
		if len(loads) > 0 {
			if _, err := execLogged(ctx, conn, `DELETE FROM derived_stale_loads`); err != nil {
				return fmt.Errorf("derived state: %w", err)
			}
		}
	}
	var f followUps
	for _, name := range derivedDatasets {
		if zone == db.loc.String() && !stale[name] {
			continue
		}
		if err := db.refreshDataset(ctx, conn, name, loads[name], &f); err != nil {
			return err
		}
	}
	if err := f.run(ctx, conn); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM derived_stale`, `DELETE FROM derived_stale_loads`, `DELETE FROM derived_replaced`, `DELETE FROM derived_state`, `INSERT INTO derived_state VALUES (?)`} {
		var args []any
		if strings.Contains(q, "?") {
			args = []any{db.loc.String()}
		}
		if _, err := execLogged(ctx, conn, q, args...); err != nil {
			return fmt.Errorf("derived state: %w", err)
		}
	}
	return nil
}

// run rebuilds the shared tables the datasets' refreshes asked for, and
// drops the temporary tables they left for them.
func (f *followUps) run(ctx context.Context, conn *sql.Conn) error {
	var err error
	switch {
	case f.weeks:
		err = rebuildWeeks(ctx, conn)
	case f.weekDays:
		err = refreshWeeks(ctx, conn, f.firstDay, f.lastDay)
	}
	if err == nil && f.weekPeople {
		err = refreshWeeksOfPeople(ctx, conn, !f.weeks)
	}
	if err == nil && f.changelog {
		err = rebuildChangelog(ctx, conn)
	}
	switch {
	case err != nil:
	case f.ideaInfo:
		err = rebuildIdeaInfo(ctx, conn)
		if err == nil && f.voteIdeas {
			_, err = execLogged(ctx, conn, `DROP TABLE relais_vote_ideas`)
		}
	case f.ideaInfoChanged:
		err = refreshIdeaInfo(ctx, conn, f.voteIdeas)
	}
	return err
}

// refreshWeeksOfPeople recomputes the fact_weeks rows of the people of
// relais_week_people (when regroup; fact_weeks was rebuilt whole
// otherwise) and drops that table.
func refreshWeeksOfPeople(ctx context.Context, conn *sql.Conn, regroup bool) error {
	var stmts []string
	if regroup {
		people := "pk IN (SELECT pk FROM relais_week_people)"
		stmts = []string{
			`DELETE FROM fact_weeks WHERE ` + people,
			weeksInsertSQL(people),
		}
	}
	if err := execSteps(ctx, conn, append(stmts, `DROP TABLE relais_week_people`)...); err != nil {
		return fmt.Errorf("fact weeks: %w", err)
	}
	return nil
}

// newKeysSQL gives a key to each id of relais_new_ids not in person_keys.
const newKeysSQL = `INSERT INTO person_keys
SELECT id, ((SELECT coalesce(max(pk), 0) FROM person_keys) + row_number() OVER (ORDER BY id))::INTEGER
  FROM (SELECT DISTINCT id FROM relais_new_ids WHERE id IS NOT NULL) n
 WHERE NOT EXISTS (SELECT 1 FROM person_keys k WHERE k.person_id = n.id)`

// rebuildPersonInfo keys every person of people and copies people into
// person_info.
func rebuildPersonInfo(ctx context.Context, conn *sql.Conn) error {
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE relais_new_ids AS SELECT person_id AS id FROM people`,
		newKeysSQL,
		`DROP TABLE relais_new_ids`,
		`DELETE FROM person_info`,
		`INSERT INTO person_info
		 SELECT k.pk, p.person_id, p.site_id, p.role, p.display_name, p.ambassador_since, p.trained_on, p.left_on
		   FROM people p JOIN person_keys k ON k.person_id = p.person_id`,
	}
	if err := execSteps(ctx, conn, stmts...); err != nil {
		return fmt.Errorf("person keys: %w", err)
	}
	return nil
}

// personInfoColumns are the columns of person_info copied from people.
const personInfoColumns = "person_id, site_id, role, display_name, ambassador_since, trained_on, left_on"

// refreshPersonInfo writes again the person_info rows of the people whose
// row differs from it or who have none, after loads of people only: a load
// adds people and replaces people of the same id, never removes one, and a
// re-export of the same people writes none.
func refreshPersonInfo(ctx context.Context, conn *sql.Conn) error {
	cols := strings.Split(personInfoColumns, ", ")
	differs := make([]string, len(cols))
	for i, c := range cols {
		differs[i] = "p." + c + " IS DISTINCT FROM o." + c
	}
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE relais_new_ids AS
		 SELECT p.person_id AS id FROM people p LEFT JOIN person_info o ON o.person_id = p.person_id
		  WHERE o.pk IS NULL OR ` + strings.Join(differs, " OR "),
		newKeysSQL,
		`DELETE FROM person_info WHERE person_id IN (SELECT id FROM relais_new_ids)`,
		`INSERT INTO person_info
		 SELECT k.pk, p.person_id, p.site_id, p.role, p.display_name, p.ambassador_since, p.trained_on, p.left_on
		   FROM people p JOIN person_keys k ON k.person_id = p.person_id
		  WHERE p.person_id IN (SELECT id FROM relais_new_ids)`,
		`DROP TABLE relais_new_ids`,
	}
	if err := execSteps(ctx, conn, stmts...); err != nil {
		return fmt.Errorf("person info: %w", err)
	}
	return nil
}

// missingKeysSQL gives a key to each id of a source that has none yet
// (ids missing from people): an anti join that makes only those distinct.
var missingKeysSQL = template.Must(template.New("missing keys").Parse(`
INSERT INTO person_keys
SELECT id, ((SELECT coalesce(max(pk), 0) FROM person_keys) + row_number() OVER (ORDER BY id))::INTEGER
  FROM (SELECT DISTINCT d.{{.Person}} AS id
          FROM {{.Dataset}} d
          LEFT JOIN person_keys k ON k.person_id = d.{{.Person}}
         WHERE k.pk IS NULL AND d.{{.Person}} IS NOT NULL {{.Where}})`))

// factStageSQL counts a source's facts per (key, local day) in one pass
// over the table (inside the load's transaction a scan of the rows just
// appended costs several seconds for the 20M activity rows: it is read
// once). The pair is packed in one BIGINT group key (pk << 32 | day +
// 2^31; DuckDB groups one 8-byte key about twice as fast as two columns);
// an id without a key yet keeps its id in miss and its day in the key.
var factStageSQL = template.Must(template.New("fact stage").Parse(`
CREATE OR REPLACE TEMP TABLE relais_fact_stage AS
SELECT (coalesce(k.pk, 0)::BIGINT << 32) | ({{.Day "f.ts"}} + 2147483648) AS key,
       CASE WHEN k.pk IS NULL THEN f.pid END AS miss,
       count(*) AS n
  FROM (SELECT {{.Person}} AS pid, {{.Instant}} AS ts FROM {{.Dataset}} WHERE {{.Person}} IS NOT NULL {{.Where}}) f
  LEFT JOIN person_keys k ON k.person_id = f.pid
 GROUP BY 1, 2`))

// rebuildFacts recomputes the fact_days and fact_people rows of one source
// from its table.
func (db *DB) rebuildFacts(ctx context.Context, conn *sql.Conn, s factSource) error {
	fail := func(err error) error { return fmt.Errorf("facts of %s: %w", s.dataset, err) }
	lo, hi, ok, err := instantRange(ctx, conn, s.dataset, s.instant)
	if err != nil {
		return err
	}
	if _, err := execLogged(ctx, conn, fmt.Sprintf(`DELETE FROM fact_days WHERE src = %d`, s.src)); err != nil {
		return fail(err)
	}
	if ok {
		if err := db.insertFactDays(ctx, conn, s, dayExprs{db.loc, lo, hi}, ""); err != nil {
			return fail(err)
		}
	}
	return rebuildFactPeople(ctx, conn, s.src)
}

// insertFactDays counts a source's facts into fact_days, for the rows of
// its table that where (an SQL condition, "" for all) lets through; days
// renders the local day of every instant of the table.
func (db *DB) insertFactDays(ctx context.Context, conn *sql.Conn, s factSource, days dayExprs, where string) error {
	data := struct {
		dayExprs
		Dataset, Person, Instant, Where string
	}{days, s.dataset, s.person, s.instant, where}
	var buf bytes.Buffer
	if err := factStageSQL.Execute(&buf, data); err != nil {
		return err
	}
	stmts := []string{
		buf.String(),
		`INSERT INTO person_keys
		 SELECT miss, ((SELECT coalesce(max(pk), 0) FROM person_keys) + row_number() OVER (ORDER BY miss))::INTEGER
		   FROM (SELECT DISTINCT miss FROM relais_fact_stage WHERE miss IS NOT NULL)`,
		fmt.Sprintf(`INSERT INTO fact_days
		 SELECT %d, (s.key >> 32)::INTEGER, ((s.key & 4294967295) - 2147483648)::INTEGER, s.n
		   FROM relais_fact_stage s WHERE s.miss IS NULL
		 UNION ALL
		 SELECT %d, k.pk, ((s.key & 4294967295) - 2147483648)::INTEGER, s.n
		   FROM relais_fact_stage s JOIN person_keys k ON k.person_id = s.miss`, s.src, s.src),
		`DROP TABLE relais_fact_stage`,
	}
	if err := execSteps(ctx, conn, stmts...); err != nil {
		return err
	}
	return nil
}

// refreshFactDays brings the fact_days and fact_people rows of a source up
// to date after the loads given (every change to its table since they were
// last computed), without reading back the rest of the table: a load only
// adds rows and replaces rows of the same key, so when the key holds the
// person and the instant (activity) the counts change on the local days of
// the loads' rows only. Those days are counted again from the table, and
// the totals of the people counted on them summed again; fact_weeks
// follows for those days. Any other source is recomputed whole.
func (db *DB) refreshFactDays(ctx context.Context, conn *sql.Conn, s factSource, loads []int64, f *followUps) error {
	fail := func(err error) error { return fmt.Errorf("facts of %s: %w", s.dataset, err) }
	lo, hi, ok, err := instantRange(ctx, conn, s.dataset, s.instant)
	if err != nil {
		return err
	}
	if !ok || !keyHolds(s.dataset, s.person, s.instant) {
		f.weeks = true
		return db.rebuildFacts(ctx, conn, s)
	}
	days := dayExprs{db.loc, lo, hi}
	var first, last sql.NullInt64
	if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT min(d), max(d) FROM (SELECT %s AS d FROM %s WHERE load_id IN (%s) AND %s IS NOT NULL)`,
		days.Day(s.instant), s.dataset, idList(loads), s.person)).Scan(&first, &last); err != nil {
		return fail(err)
	}
	if !first.Valid {
		return nil // the loads kept no row: nothing changed
	}
	inDays := fmt.Sprintf("day BETWEEN %d AND %d", first.Int64, last.Int64)
	people := fmt.Sprintf(`INSERT INTO relais_fact_people SELECT DISTINCT pk FROM fact_days WHERE src = %d AND %s`, s.src, inDays)
	if _, err := execLogged(ctx, conn, `CREATE OR REPLACE TEMP TABLE relais_fact_people (pk INTEGER)`); err != nil {
		return fail(err)
	}
	if err := execSteps(ctx, conn, people, fmt.Sprintf(`DELETE FROM fact_days WHERE src = %d AND %s`, s.src, inDays)); err != nil {
		return fail(err)
	}
	// The instants two days around those days first (a plain comparison,
	// pushed into the scan), then their local days exactly.
	where := fmt.Sprintf("AND %[1]s >= to_timestamp(%[2]d) AND %[1]s < to_timestamp(%[3]d) AND %[4]s BETWEEN %[5]d AND %[6]d",
		s.instant, (first.Int64-2)*86400, (last.Int64+3)*86400, days.Day(s.instant), first.Int64, last.Int64)
	if err := db.insertFactDays(ctx, conn, s, days, where); err != nil {
		return fail(err)
	}
	if err := execSteps(ctx, conn,
		people,
		fmt.Sprintf(`DELETE FROM fact_people WHERE src = %d AND pk IN (SELECT pk FROM relais_fact_people)`, s.src),
		fmt.Sprintf(`INSERT INTO fact_people SELECT src, pk, sum(n) FROM fact_days
		  WHERE src = %d AND pk IN (SELECT pk FROM relais_fact_people) GROUP BY src, pk`, s.src),
		`DROP TABLE relais_fact_people`,
	); err != nil {
		return fail(err)
	}
	f.daysChanged(first.Int64, last.Int64)
	return nil
}

// rebuildFactPeople recomputes the fact_people rows of one source.
func rebuildFactPeople(ctx context.Context, conn *sql.Conn, src int) error {
	if err := execSteps(ctx, conn,
		fmt.Sprintf(`DELETE FROM fact_people WHERE src = %d`, src),
		fmt.Sprintf(`INSERT INTO fact_people SELECT src, pk, sum(n) FROM fact_days WHERE src = %d GROUP BY src, pk`, src),
	); err != nil {
		return fmt.Errorf("fact people: %w", err)
	}
	return nil
}

// keyIdeas gives a key to every idea id of a dataset's idea_id column, in
// the rows that where (an SQL condition on the dataset's alias d, "" for
// all) lets through.
func keyIdeas(ctx context.Context, conn *sql.Conn, dataset, where string) error {
	stmts := []string{
		// Only the ids without a key are made distinct (an anti join).
		fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE relais_new_ideas AS
		 SELECT DISTINCT d.idea_id AS id FROM %s d LEFT JOIN idea_keys k ON k.idea_id = d.idea_id WHERE k.ik IS NULL %s`, dataset, where),
		`INSERT INTO idea_keys
		 SELECT id, ((SELECT coalesce(max(ik), 0) FROM idea_keys) + row_number() OVER (ORDER BY id))::INTEGER
		   FROM relais_new_ideas`,
		`DROP TABLE relais_new_ideas`,
	}
	if err := execSteps(ctx, conn, stmts...); err != nil {
		return fmt.Errorf("idea keys of %s: %w", dataset, err)
	}
	return nil
}

// instantRange is [min, max] of an instant column as [lo, hi) (hi one
// microsecond after max); ok is false when the table has no row.
func instantRange(ctx context.Context, conn *sql.Conn, table, col string) (lo, hi time.Time, ok bool, err error) {
	var l, h sql.NullTime
	if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT min(%s), max(%s) FROM %s`, col, col, table)).Scan(&l, &h); err != nil {
		return lo, hi, false, fmt.Errorf("range of %s.%s: %w", table, col, err)
	}
	if !l.Valid {
		return lo, hi, false, nil
	}
	return l.Time, h.Time.Add(time.Microsecond), true, nil
}

// engagementSQL rebuilds the engagements of one kind from votes or
// comments, with the idea's site, local creation day and status.
// Into says where the rows go; Where, when set, filters the source's rows.
var engagementSQL = template.Must(template.New("engagements").Parse(`
{{.Into}}
SELECT {{.Kind}} AS kind, pk.pk, ik.ik, ({{.E.Day "e.ts"}})::INTEGER AS day, i.site_id AS idea_site,
       ({{.I.Day "i.created_at"}})::INTEGER AS idea_day, i.status = 'withdrawn' AS withdrawn
  FROM (SELECT {{.Person}} AS pid, idea_id, {{.Instant}} AS ts FROM {{.Dataset}} {{.Where}}) e
  JOIN person_keys pk ON pk.person_id = e.pid
  JOIN idea_keys ik ON ik.idea_id = e.idea_id
  -- The ideas meet their keys first (300k VARCHAR), the votes then join
  -- on the integer key.
  LEFT JOIN (SELECT k.ik, i.site_id, i.created_at, i.status
               FROM ideas i JOIN idea_keys k ON k.idea_id = i.idea_id) i ON i.ik = ik.ik`))

// rebuildEngagements recomputes the engagements of votes or comments and
// their fact_days rows.
func (db *DB) rebuildEngagements(ctx context.Context, conn *sql.Conn, s engagementSource) error {
	fail := func(err error) error { return fmt.Errorf("engagements of %s: %w", s.dataset, err) }
	if err := keyEngagements(ctx, conn, s, ""); err != nil {
		return fail(err)
	}
	if _, err := execLogged(ctx, conn, fmt.Sprintf(`DELETE FROM engagements WHERE kind = %d`, s.kind)); err != nil {
		return fail(err)
	}
	if _, err := db.writeEngagements(ctx, conn, s, "INSERT INTO engagements", ""); err != nil {
		return fail(err)
	}
	if _, err := execLogged(ctx, conn, fmt.Sprintf(`DELETE FROM fact_days WHERE src = %d`, s.src)); err != nil {
		return fail(err)
	}
	// Literals, not bind parameters: with a parameter, DuckDB (1.5.x) found
	// no row of kind ? among the rows this transaction had just inserted into
	// an empty engagements table (fact_days lost every vote).
	if _, err := execLogged(ctx, conn, fmt.Sprintf(`INSERT INTO fact_days
		SELECT %d, (key >> 32)::INTEGER, ((key & 4294967295) - 2147483648)::INTEGER, n
		  FROM (SELECT (pk::BIGINT << 32) | (day + 2147483648) AS key, count(*) AS n
		          FROM engagements WHERE kind = %d GROUP BY 1)`, s.src, s.kind)); err != nil {
		return fail(err)
	}
	return rebuildFactPeople(ctx, conn, s.src)
}

// keyEngagements gives a key to the people and ideas of a source's rows
// that where (an SQL condition, "" for all) lets through.
func keyEngagements(ctx context.Context, conn *sql.Conn, s engagementSource, where string) error {
	var keys bytes.Buffer
	if err := missingKeysSQL.Execute(&keys, struct{ Dataset, Person, Where string }{s.dataset, s.person, where}); err != nil {
		return err
	}
	if _, err := execLogged(ctx, conn, keys.String()); err != nil {
		return err
	}
	return keyIdeas(ctx, conn, s.dataset, where)
}

// writeEngagements writes the engagements of a source's rows that where
// ("" for all; on the source's alias d) lets through into (an INSERT INTO
// or a CREATE TABLE AS); ok is false when the source has no row.
func (db *DB) writeEngagements(ctx context.Context, conn *sql.Conn, s engagementSource, into, where string) (ok bool, err error) {
	elo, ehi, ok, err := instantRange(ctx, conn, s.dataset, s.instant)
	if err != nil || !ok {
		return false, err
	}
	ilo, ihi, _, err := instantRange(ctx, conn, "ideas", "created_at")
	if err != nil {
		return false, err
	}
	if where != "" {
		where = "d WHERE " + where
	}
	var buf bytes.Buffer
	data := struct {
		Kind                         int
		E, I                         dayExprs
		Into, Person, Instant, Where string
		Dataset                      string
	}{s.kind, dayExprs{db.loc, elo, ehi}, dayExprs{db.loc, ilo, ihi}, into, s.person, s.instant, where, s.dataset}
	if err := engagementSQL.Execute(&buf, data); err != nil {
		return false, err
	}
	if _, err := execLogged(ctx, conn, buf.String()); err != nil {
		return false, err
	}
	return true, nil
}

// keyHolds says whether a dataset's key holds every column given.
func keyHolds(dataset string, cols ...string) bool {
	ds, _ := LookupDataset(dataset)
	for _, c := range cols {
		if !slices.Contains(ds.Key, c) {
			return false
		}
	}
	return true
}

// refreshEngagements brings the engagements of a source up to date after
// the loads given (every change to its table since they were last
// computed), when the source's key holds its person and its idea (votes):
// a row a load replaced had the same person and idea keys as the row
// replacing it, so the engagements of those (person, idea) pairs are
// written again from the loads' rows, and the fact_days and fact_people
// rows of their people counted again from engagements; fact_weeks follows
// for the days that changed (old and new), idea_info for the ideas of
// those pairs (relais_vote_ideas). Only for such a source (the caller
// checks).
func (db *DB) refreshEngagements(ctx context.Context, conn *sql.Conn, s engagementSource, loads []int64, f *followUps) error {
	fail := func(err error) error { return fmt.Errorf("engagements of %s: %w", s.dataset, err) }
	inLoads := "d.load_id IN (" + idList(loads) + ")"
	if err := keyEngagements(ctx, conn, s, "AND "+inLoads); err != nil {
		return fail(err)
	}
	ok, err := db.writeEngagements(ctx, conn, s, "CREATE OR REPLACE TEMP TABLE relais_new_engagements AS", inLoads)
	if err != nil {
		return fail(err)
	}
	if !ok {
		return nil // an empty table: the loads kept no row, nothing changed
	}
	same := fmt.Sprintf("e.kind = %d AND e.pk = n.pk AND e.ik = n.ik", s.kind)
	var first, last sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT min(day), max(day) FROM (
		SELECT e.day FROM engagements e JOIN relais_new_engagements n ON `+same+`
		UNION ALL SELECT day FROM relais_new_engagements)`).Scan(&first, &last); err != nil {
		return fail(err)
	}
	if s.kind == 1 {
		// idea_info carries the votes: those of these ideas changed.
		if _, err := execLogged(ctx, conn, `CREATE OR REPLACE TEMP TABLE relais_vote_ideas AS SELECT DISTINCT ik FROM relais_new_engagements`); err != nil {
			return fail(err)
		}
		f.ideaInfoChanged, f.voteIdeas = true, true
	}
	steps := []string{
		`DELETE FROM engagements AS e USING relais_new_engagements AS n WHERE ` + same,
		`INSERT INTO engagements SELECT * FROM relais_new_engagements`,
		`CREATE OR REPLACE TEMP TABLE relais_fact_people AS SELECT DISTINCT pk FROM relais_new_engagements`,
		`DROP TABLE relais_new_engagements`,
	}
	steps = append(append(steps, recountPeopleFacts(s)...), `DROP TABLE relais_fact_people`)
	if err := execSteps(ctx, conn, steps...); err != nil {
		return fail(err)
	}
	if first.Valid {
		f.daysChanged(first.Int64, last.Int64)
	}
	return nil
}

// recountPeopleFacts are the statements that count again, from the
// engagements of source s, the fact_days and fact_people rows of the
// people of the temporary table relais_fact_people.
func recountPeopleFacts(s engagementSource) []string {
	people := "pk IN (SELECT pk FROM relais_fact_people)"
	return []string{
		fmt.Sprintf(`DELETE FROM fact_days WHERE src = %d AND %s`, s.src, people),
		fmt.Sprintf(`INSERT INTO fact_days
		SELECT %d, (key >> 32)::INTEGER, ((key & 4294967295) - 2147483648)::INTEGER, n
		  FROM (SELECT (pk::BIGINT << 32) | (day + 2147483648) AS key, count(*) AS n
		          FROM engagements WHERE kind = %d AND %s GROUP BY 1)`, s.src, s.kind, people),
		fmt.Sprintf(`DELETE FROM fact_people WHERE src = %d AND %s`, s.src, people),
		fmt.Sprintf(`INSERT INTO fact_people SELECT src, pk, sum(n) FROM fact_days WHERE src = %d AND %s GROUP BY src, pk`, s.src, people),
	}
}

// fewRows says whether the loads given wrote at most a quarter of their
// dataset's rows (the rows they kept, against the rows the latest load
// left), so that following their rows costs less than recomputing the
// whole table (a full export: recomputed whole). Both give the same
// result; on an error, false.
func fewRows(ctx context.Context, conn *sql.Conn, dataset string, loads []int64) bool {
	var kept, rows sql.NullInt64
	err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT sum(kept),
		  (SELECT rows_after FROM committed_loads WHERE dataset = ? ORDER BY load_id DESC LIMIT 1)
		  FROM committed_loads WHERE load_id IN (%s)`, idList(loads)), dataset).Scan(&kept, &rows)
	return err == nil && kept.Valid && rows.Valid && kept.Int64*4 <= rows.Int64
}

// idList is ids as an SQL list.
func idList(ids []int64) string {
	l := make([]string, len(ids))
	for i, id := range ids {
		l[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(l, ", ")
}

// refreshEngagementIdeas re-reads the site, creation day and status of
// every engagement's idea after ideas were loaded.
func (db *DB) refreshEngagementIdeas(ctx context.Context, conn *sql.Conn) error {
	ilo, ihi, _, err := instantRange(ctx, conn, "ideas", "created_at")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := refreshEngagementsSQL.Execute(&buf, struct{ I dayExprs }{dayExprs{db.loc, ilo, ihi}}); err != nil {
		return fmt.Errorf("engagements: %w", err)
	}
	stmts := []string{
		buf.String(),
		`DELETE FROM engagements`,
		`INSERT INTO engagements SELECT * FROM relais_engagements`,
		`DROP TABLE relais_engagements`,
	}
	if err := execSteps(ctx, conn, stmts...); err != nil {
		return fmt.Errorf("engagements: %w", err)
	}
	return nil
}

// updateEngagementIdeas updates the site, creation day and status of the
// engagements whose idea's changed, after loads of ideas only: a load adds
// ideas and replaces ideas of the same id, never removes one, so the
// engagements of the other ideas stay as they are. A re-export of the same
// ideas updates none instead of writing every engagement again.
func (db *DB) updateEngagementIdeas(ctx context.Context, conn *sql.Conn) error {
	ilo, ihi, _, err := instantRange(ctx, conn, "ideas", "created_at")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := updateEngagementsSQL.Execute(&buf, struct{ I dayExprs }{dayExprs{db.loc, ilo, ihi}}); err != nil {
		return fmt.Errorf("engagements: %w", err)
	}
	if _, err := execLogged(ctx, conn, buf.String()); err != nil {
		return fmt.Errorf("engagements: %w", err)
	}
	return nil
}

var updateEngagementsSQL = template.Must(template.New("update engagements").Parse(`
UPDATE engagements AS e
   SET idea_site = i.site_id, idea_day = i.day, withdrawn = i.withdrawn
  FROM (SELECT k.ik, i.site_id, ({{.I.Day "i.created_at"}})::INTEGER AS day, i.status = 'withdrawn' AS withdrawn
          FROM ideas i JOIN idea_keys k ON k.idea_id = i.idea_id) i
 WHERE e.ik = i.ik
   AND (e.idea_site IS DISTINCT FROM i.site_id OR e.idea_day IS DISTINCT FROM i.day OR e.withdrawn IS DISTINCT FROM i.withdrawn)`))

var refreshEngagementsSQL = template.Must(template.New("refresh engagements").Parse(`
CREATE OR REPLACE TEMP TABLE relais_engagements AS
SELECT e.kind, e.pk, e.ik, e.day, i.site_id AS idea_site, i.day AS idea_day, i.withdrawn
  FROM engagements e
  LEFT JOIN (SELECT k.ik, i.site_id, ({{.I.Day "i.created_at"}})::INTEGER AS day, i.status = 'withdrawn' AS withdrawn
               FROM ideas i JOIN idea_keys k ON k.idea_id = i.idea_id) i ON i.ik = e.ik`))

// renderSQL expands the {{.Day "col"}} placeholders of a statement for
// instants in [lo, hi).
func (db *DB) renderSQL(name, text string, lo, hi time.Time) (string, error) {
	t, err := template.New(name).Parse(text)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, dayExprs{db.loc, lo, hi}); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return buf.String(), nil
}

// execSteps runs statements one after the other (each commits on its own),
// stopping at the first error, returned as it is.
func execSteps(ctx context.Context, conn *sql.Conn, stmts ...string) error {
	for _, q := range stmts {
		if _, err := execLogged(ctx, conn, q); err != nil {
			return err
		}
	}
	return nil
}

// execLogged runs one statement of the derived data and logs its duration
// at debug level (the derived data is paid for at ingest: this shows
// where).
func execLogged(ctx context.Context, conn *sql.Conn, query string, args ...any) (sql.Result, error) {
	t0 := time.Now()
	res, err := conn.ExecContext(ctx, query, args...)
	if d := time.Since(t0); d > 100*time.Millisecond {
		q := strings.Join(strings.Fields(query), " ")
		if len(q) > 80 {
			q = q[:80]
		}
		var n int64
		if res != nil {
			n, _ = res.RowsAffected()
		}
		slog.Debug("statement", "took", d, "rows", n, "err", err, "sql", q)
	}
	return res, err
}
