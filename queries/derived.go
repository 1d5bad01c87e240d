package queries

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"text/template"
	"time"
)

// Derived data (migration 0002): person_keys gives every person id an
// INTEGER key, person_info is people with that key, and fact_days counts
// the facts that make a person active (activity rows, ideas authored,
// votes, comments) per person key and local day. The KPI and page queries
// group on these integers instead of hashing 15M VARCHAR ids per request.
//
// Each source of fact_days is recomputed from its whole table when a file
// of that dataset is loaded (DELETE + INSERT of its src rows), so the
// derived data is a function of the rows as committed: whatever a load
// replaced (a newer export changing a vote's date or an idea's author) it
// cannot drift. The cost is paid at ingest (a few seconds for the 20M
// activity rows of the large demo), not per request.

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

// afterMerge maintains the data derived from a dataset (integer keys,
// roll-ups that make the KPI queries fast) inside the load's transaction,
// once the file's rows are merged. It sees the dataset's table as it will be
// committed.
func (db *DB) afterMerge(ctx context.Context, conn *sql.Conn, ds Dataset) error {
	zone, err := derivedZone(ctx, conn)
	if err != nil {
		return err
	}
	if zone != db.loc.String() {
		// Computed in another zone (or never): rebuild everything.
		return db.rebuildDerived(ctx, conn)
	}
	switch ds.Name {
	case "people":
		return rebuildPersonInfo(ctx, conn)
	case "activity":
		if err := db.rebuildFacts(ctx, conn, factSources[0]); err != nil {
			return err
		}
		return rebuildWeeks(ctx, conn)
	case "ideas":
		if err := db.rebuildFacts(ctx, conn, factSources[1]); err != nil {
			return err
		}
		if err := keyIdeas(ctx, conn, "ideas"); err != nil {
			return err
		}
		if err := db.refreshEngagementIdeas(ctx, conn); err != nil {
			return err
		}
		if err := rebuildChangelog(ctx, conn); err != nil {
			return err
		}
		if err := rebuildIdeaInfo(ctx, conn); err != nil {
			return err
		}
		return rebuildWeeks(ctx, conn)
	case "votes", "comments":
		s := engagementSources[0]
		if ds.Name == "comments" {
			s = engagementSources[1]
		}
		if err := db.rebuildEngagements(ctx, conn, s); err != nil {
			return err
		}
		if s.kind == 1 {
			// idea_info carries the vote counts.
			if err := rebuildIdeaInfo(ctx, conn); err != nil {
				return err
			}
		}
		return rebuildWeeks(ctx, conn)
	case "decisions":
		if err := rebuildChangelog(ctx, conn); err != nil {
			return err
		}
		return rebuildIdeaInfo(ctx, conn)
	}
	return nil
}

// rebuildIdeaInfo recomputes idea_info (migrations 0005, 0006) from
// ideas, decisions and the votes of engagements; the ideas' ids and authors
// have keys already.
func rebuildIdeaInfo(ctx context.Context, conn *sql.Conn) error {
	for _, q := range []string{
		`DELETE FROM idea_info`,
		`INSERT INTO idea_info
		 SELECT k.ik, i.idea_id, i.site_id, i.author_id, pk.pk, i.kind, i.title, i.created_at, i.status, i.decided_at,
		        i.implemented_at, i.impact, i.feasibility, d.first_at, v.n, v.last_day
		   FROM ideas i
		   JOIN idea_keys k ON k.idea_id = i.idea_id
		   LEFT JOIN person_keys pk ON pk.person_id = i.author_id
		   LEFT JOIN (SELECT idea_id, min(decided_at) AS first_at FROM decisions GROUP BY idea_id) d ON d.idea_id = i.idea_id
		   LEFT JOIN (SELECT ik, count(*) AS n, max(day) AS last_day FROM engagements WHERE kind = 1 GROUP BY ik) v ON v.ik = k.ik`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("idea info: %w", err)
		}
	}
	return nil
}

// rebuildWeeks recomputes fact_weeks and fact_people from fact_days.
func rebuildWeeks(ctx context.Context, conn *sql.Conn) error {
	for _, q := range []string{
		`DELETE FROM fact_weeks`,
		`INSERT INTO fact_weeks SELECT pk, (day + 3) // 7, min(day) FROM fact_days GROUP BY pk, (day + 3) // 7`,
		`DELETE FROM fact_people`,
		`INSERT INTO fact_people SELECT src, pk, sum(n) FROM fact_days GROUP BY src, pk`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("fact weeks: %w", err)
		}
	}
	return nil
}

// rebuildChangelog recomputes changelog (migration 0004) from decisions,
// or from ideas when decisions is empty.
func rebuildChangelog(ctx context.Context, conn *sql.Conn) error {
	for _, q := range []string{`DELETE FROM changelog`, changelogSQL} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("changelog: %w", err)
		}
	}
	return nil
}

// changelogSQL is the backfill of migration 0004.
const changelogSQL = `INSERT INTO changelog
WITH src AS (
    SELECT idea_id, decision, decided_at, reason
      FROM decisions
    UNION ALL
    SELECT idea_id, status, decided_at, NULL
      FROM ideas
     WHERE decided_at IS NOT NULL
       AND status IN ('retained', 'postponed', 'rejected', 'implemented')
       AND NOT EXISTS (SELECT 1 FROM decisions)
)
SELECT s.idea_id, i.title, i.site_id, s.decision, s.decided_at, s.reason
  FROM src s
  LEFT JOIN ideas i ON i.idea_id = s.idea_id
 ORDER BY s.decided_at`

// derivedZone is the zone fact_days was computed in ("" when unknown).
func derivedZone(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (string, error) {
	var zone string
	err := q.QueryRowContext(ctx, `SELECT zone FROM derived_state LIMIT 1`).Scan(&zone)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("derived state: %w", err)
	}
	return zone, nil
}

// ensureDerived rebuilds the derived data when it was computed in another
// time zone than the database's (the configuration changed): a query
// calls it before reading fact_days.
func (db *DB) ensureDerived(ctx context.Context) error {
	zone, err := derivedZone(ctx, db.sql)
	if err != nil || zone == db.loc.String() {
		return err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("derived data: %w", err)
	}
	defer conn.Close()
	if zone, err = derivedZone(ctx, conn); err != nil || zone == db.loc.String() {
		return err
	}
	slog.Info("rebuilding derived data for the time zone", "from", zone, "to", db.loc.String())
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("derived data: %w", err)
	}
	if err := db.rebuildDerived(ctx, conn); err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return fmt.Errorf("derived data: commit: %w", err)
	}
	return nil
}

// rebuildDerived recomputes every derived table in the database's zone.
func (db *DB) rebuildDerived(ctx context.Context, conn *sql.Conn) error {
	if err := rebuildPersonInfo(ctx, conn); err != nil {
		return err
	}
	for _, s := range factSources {
		if err := db.rebuildFacts(ctx, conn, s); err != nil {
			return err
		}
	}
	if err := keyIdeas(ctx, conn, "ideas"); err != nil {
		return err
	}
	for _, s := range engagementSources {
		if err := db.rebuildEngagements(ctx, conn, s); err != nil {
			return err
		}
	}
	if err := rebuildWeeks(ctx, conn); err != nil {
		return err
	}
	if err := rebuildIdeaInfo(ctx, conn); err != nil {
		return err
	}
	stmts := []string{`DELETE FROM derived_state`, `INSERT INTO derived_state VALUES (?)`}
	if _, err := conn.ExecContext(ctx, stmts[0]); err != nil {
		return fmt.Errorf("derived state: %w", err)
	}
	if _, err := conn.ExecContext(ctx, stmts[1], db.loc.String()); err != nil {
		return fmt.Errorf("derived state: %w", err)
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
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("person keys: %w", err)
		}
	}
	return nil
}

// factStageSQL counts a source's facts per (key, local day) in one pass;
// ids without a key yet keep their id in miss (pk NULL).
var factStageSQL = template.Must(template.New("fact stage").Parse(`
CREATE OR REPLACE TEMP TABLE relais_fact_stage AS
SELECT k.pk, CASE WHEN k.pk IS NULL THEN f.pid END AS miss, ({{.Day "f.ts"}})::INTEGER AS day, count(*)::BIGINT AS n
  FROM (SELECT {{.Person}} AS pid, {{.Instant}} AS ts FROM {{.Dataset}} WHERE {{.Person}} IS NOT NULL) f
  LEFT JOIN person_keys k ON k.person_id = f.pid
 GROUP BY ALL`))

// rebuildFacts recomputes the fact_days rows of one source from its table.
func (db *DB) rebuildFacts(ctx context.Context, conn *sql.Conn, s factSource) error {
	var lo, hi sql.NullTime
	if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT min(%s), max(%s) FROM %s`, s.instant, s.instant, s.dataset)).
		Scan(&lo, &hi); err != nil {
		return fmt.Errorf("facts of %s: %w", s.dataset, err)
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM fact_days WHERE src = ?`, s.src); err != nil {
		return fmt.Errorf("facts of %s: %w", s.dataset, err)
	}
	if !lo.Valid {
		return nil
	}
	var buf bytes.Buffer
	data := struct {
		dayExprs
		Dataset, Person, Instant string
	}{dayExprs{db.loc, lo.Time, hi.Time.Add(time.Microsecond)}, s.dataset, s.person, s.instant}
	if err := factStageSQL.Execute(&buf, data); err != nil {
		return fmt.Errorf("facts of %s: %w", s.dataset, err)
	}
	stmts := []string{
		buf.String(),
		`CREATE OR REPLACE TEMP TABLE relais_new_ids AS SELECT DISTINCT miss AS id FROM relais_fact_stage WHERE miss IS NOT NULL`,
		newKeysSQL,
		fmt.Sprintf(`INSERT INTO fact_days
		 SELECT %d, pk, day, n FROM relais_fact_stage WHERE pk IS NOT NULL
		 UNION ALL
		 SELECT %d, k.pk, s.day, s.n FROM relais_fact_stage s JOIN relais_new_ids i ON i.id = s.miss JOIN person_keys k ON k.person_id = s.miss`,
			s.src, s.src),
		`DROP TABLE relais_new_ids`,
		`DROP TABLE relais_fact_stage`,
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("facts of %s: %w", s.dataset, err)
		}
	}
	return nil
}

// keyIdeas gives a key to every idea id of a dataset's idea_id column.
func keyIdeas(ctx context.Context, conn *sql.Conn, dataset string) error {
	stmts := []string{
		fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE relais_new_ideas AS SELECT DISTINCT idea_id AS id FROM %s`, dataset),
		`INSERT INTO idea_keys
		 SELECT id, ((SELECT coalesce(max(ik), 0) FROM idea_keys) + row_number() OVER (ORDER BY id))::INTEGER
		   FROM relais_new_ideas n
		  WHERE NOT EXISTS (SELECT 1 FROM idea_keys k WHERE k.idea_id = n.id)`,
		`DROP TABLE relais_new_ideas`,
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("idea keys of %s: %w", dataset, err)
		}
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
var engagementSQL = template.Must(template.New("engagements").Parse(`
INSERT INTO engagements
SELECT {{.Kind}}, pk.pk, ik.ik, ({{.E.Day "e.ts"}})::INTEGER, i.site_id, ({{.I.Day "i.created_at"}})::INTEGER, i.status = 'withdrawn'
  FROM (SELECT {{.Person}} AS pid, idea_id, {{.Instant}} AS ts FROM {{.Dataset}}) e
  JOIN person_keys pk ON pk.person_id = e.pid
  JOIN idea_keys ik ON ik.idea_id = e.idea_id
  LEFT JOIN ideas i ON i.idea_id = e.idea_id`))

// rebuildEngagements recomputes the engagements of votes or comments and
// their fact_days rows.
func (db *DB) rebuildEngagements(ctx context.Context, conn *sql.Conn, s engagementSource) error {
	fail := func(err error) error { return fmt.Errorf("engagements of %s: %w", s.dataset, err) }
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(
		`CREATE OR REPLACE TEMP TABLE relais_new_ids AS SELECT DISTINCT %s AS id FROM %s`, s.person, s.dataset)); err != nil {
		return fail(err)
	}
	if _, err := conn.ExecContext(ctx, newKeysSQL); err != nil {
		return fail(err)
	}
	if _, err := conn.ExecContext(ctx, `DROP TABLE relais_new_ids`); err != nil {
		return fail(err)
	}
	if err := keyIdeas(ctx, conn, s.dataset); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM engagements WHERE kind = ?`, s.kind); err != nil {
		return fail(err)
	}
	elo, ehi, ok, err := instantRange(ctx, conn, s.dataset, s.instant)
	if err != nil {
		return err
	}
	if ok {
		ilo, ihi, _, err := instantRange(ctx, conn, "ideas", "created_at")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		data := struct {
			Kind                     int
			E, I                     dayExprs
			Dataset, Person, Instant string
		}{s.kind, dayExprs{db.loc, elo, ehi}, dayExprs{db.loc, ilo, ihi}, s.dataset, s.person, s.instant}
		if err := engagementSQL.Execute(&buf, data); err != nil {
			return fail(err)
		}
		if _, err := conn.ExecContext(ctx, buf.String()); err != nil {
			return fail(err)
		}
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM fact_days WHERE src = ?`, s.src); err != nil {
		return fail(err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO fact_days
		SELECT ?, pk, day, count(*) FROM engagements WHERE kind = ? GROUP BY pk, day`, s.src, s.kind); err != nil {
		return fail(err)
	}
	return nil
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
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("engagements: %w", err)
		}
	}
	return nil
}

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
