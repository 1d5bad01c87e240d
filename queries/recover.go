package queries

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
)

// recoverLoads makes the database hold every load whole or not at all,
// whatever instant a crash interrupted a load's commit at (docs/loading.md
// gives the argument). It runs in Open, before anything reads the data:
//
//   - rows whose load is not recorded in committed_loads are removed (a
//     load that crashed before or during its commit), with its ingest_log
//     row if that survived;
//   - the latest recorded load of each dataset is checked against what it
//     recorded: after a crash, if its rows are not all there (the record
//     survived, the rows did not) it is undone; if the dataset holds more rows than right
//     after it (its replacement of older rows did not survive) the
//     replacement is done again: the older rows of the keys it loaded are
//     deleted.
//
// Every step is idempotent, so a crash during recovery is recovered by the
// next open. When the previous process did not close the database cleanly
// (unclean), the derived data of every dataset is marked stale, whether or
// not a repair was needed, since the derived_stale mark of the last load
// may be what the crash lost.
func (db *DB) recoverLoads(ctx context.Context, unclean bool) error {
	latest, err := latestLoads(ctx, db.sql)
	if err != nil {
		return err
	}
	var committed int64
	for _, l := range latest {
		committed = max(committed, l.id)
	}
	// A load whose record survived without all its rows is undone first:
	// its rows then count as not committed below. Only after a crash: rows
	// deleted on purpose since a load (none today) must not undo it.
	for _, ds := range Datasets() {
		l, ok := latest[ds.Name]
		if !ok || !unclean {
			continue
		}
		var n int64
		if err := db.sql.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM main.%s WHERE load_id = ?`, ds.Name), l.id).Scan(&n); err != nil {
			return fmt.Errorf("recover %s: %w", ds.Name, err)
		}
		lacks := n != l.kept
		if len(ds.Key) == len(ds.Columns) {
			// More rows than recorded: the removal of the load's rows equal
			// to older ones was lost, which the replacement below redoes.
			lacks = n < l.kept
		}
		if lacks {
			slog.Warn("recovery: a load recorded as committed lacks rows; undoing it", "dataset", ds.Name, "load", l.id, "rows", n, "recorded", l.kept)
			if err := db.recoverExec(ctx, ds.Name,
				fmt.Sprintf(`DELETE FROM main.%s WHERE load_id = %d`, ds.Name, l.id),
				fmt.Sprintf(`DELETE FROM committed_loads WHERE load_id = %d`, l.id)); err != nil {
				return err
			}
			return db.recoverLoads(ctx, true) // the previous load is now the latest
		}
	}
	if err := db.removeUncommitted(ctx, committed); err != nil {
		return err
	}
	for _, ds := range Datasets() {
		l, ok := latest[ds.Name]
		if !ok {
			continue
		}
		var n int64
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM main.`+ds.Name).Scan(&n); err != nil {
			return fmt.Errorf("recover %s: %w", ds.Name, err)
		}
		if n <= l.rowsAfter {
			continue
		}
		slog.Warn("recovery: a committed load's replacement of older rows did not survive; redoing it", "dataset", ds.Name, "load", l.id, "rows", n, "expected", l.rowsAfter)
		if err := db.recoverExec(ctx, ds.Name, replaceSQL(ds, l.id)); err != nil {
			return err
		}
	}
	if unclean {
		for _, name := range derivedDatasets {
			if _, err := db.sql.ExecContext(ctx, `INSERT INTO derived_stale VALUES (?)`, name); err != nil {
				return fmt.Errorf("recover: %w", err)
			}
		}
	}
	return nil
}

// removeUncommitted deletes the rows of loads newer than the latest
// committed one, in every dataset, and their ingest_log rows.
func (db *DB) removeUncommitted(ctx context.Context, committed int64) error {
	for _, ds := range Datasets() {
		var n int64
		q := fmt.Sprintf(`SELECT count(*) FROM main.%s WHERE load_id > %d`, ds.Name, committed)
		if err := db.sql.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("recover %s: %w", ds.Name, err)
		}
		if n == 0 {
			continue
		}
		slog.Warn("recovery: removing the rows of a load that did not commit", "dataset", ds.Name, "rows", n)
		if err := db.recoverExec(ctx, ds.Name, fmt.Sprintf(`DELETE FROM main.%s WHERE load_id > %d`, ds.Name, committed)); err != nil {
			return err
		}
	}
	if _, err := db.sql.ExecContext(ctx, fmt.Sprintf(`DELETE FROM ingest_log WHERE load_id > %d`, committed)); err != nil {
		return fmt.Errorf("recover ingest log: %w", err)
	}
	return nil
}

// replaceSQL deletes the rows loaded before load id whose key a row of that
// load has (for a dataset whose every column is in its key, that load's
// rows whose key an older row has): the replacement a load's commit does,
// keyed on load ids.
func replaceSQL(ds Dataset, id int64) string {
	var on []string
	for _, k := range ds.Key {
		on = append(on, fmt.Sprintf("o.%s = n.%s", k, k))
	}
	if len(ds.Key) == len(ds.Columns) {
		// As the load does it (load.go, merge): the load's rows that are
		// older rows go, the older stay.
		return fmt.Sprintf(`DELETE FROM main.%[1]s AS n USING (SELECT %[2]s FROM main.%[1]s WHERE load_id < %[3]d) AS o
			WHERE n.load_id = %[3]d AND %[4]s`, ds.Name, strings.Join(ds.Key, ", "), id, strings.Join(on, " AND "))
	}
	return fmt.Sprintf(`DELETE FROM main.%[1]s AS o USING (SELECT %[2]s FROM main.%[1]s WHERE load_id = %[3]d) AS n
		WHERE o.load_id < %[3]d AND %[4]s`, ds.Name, strings.Join(ds.Key, ", "), id, strings.Join(on, " AND "))
}

// recoverExec runs repair statements on a dataset in one transaction, with
// the dataset's derived data marked stale.
func (db *DB) recoverExec(ctx context.Context, dataset string, stmts ...string) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recover %s: %w", dataset, err)
	}
	defer tx.Rollback()
	for _, q := range append(stmts, fmt.Sprintf(`INSERT INTO derived_stale VALUES ('%s')`, dataset)) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("recover %s: %w", dataset, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recover %s: %w", dataset, err)
	}
	return nil
}

// loadRecord is a dataset's latest row of committed_loads.
type loadRecord struct {
	id, kept, rowsAfter int64
}

// latestLoads returns the latest committed load of each dataset.
func latestLoads(ctx context.Context, q *sql.DB) (map[string]loadRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT dataset, load_id, kept, rows_after FROM committed_loads
		QUALIFY row_number() OVER (PARTITION BY dataset ORDER BY load_id DESC) = 1`)
	if err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	defer rows.Close()
	out := map[string]loadRecord{}
	for rows.Next() {
		var name string
		var l loadRecord
		if err := rows.Scan(&name, &l.id, &l.kept, &l.rowsAfter); err != nil {
			return nil, fmt.Errorf("recover: %w", err)
		}
		out[name] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recover: %w", err)
	}
	return out, nil
}
