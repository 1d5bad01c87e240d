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

// factSources are the sources of fact_days, with their src number.
var factSources = []factSource{
	{1, "activity", "person_id", "occurred_at"},
	{2, "ideas", "author_id", "created_at"},
	{3, "votes", "voter_id", "voted_at"},
	{4, "comments", "author_id", "created_at"},
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
	if ds.Name == "people" {
		return rebuildPersonInfo(ctx, conn)
	}
	for _, s := range factSources {
		if s.dataset == ds.Name {
			return db.rebuildFacts(ctx, conn, s)
		}
	}
	return nil
}

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
