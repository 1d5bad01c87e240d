package queries

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// LoadInfo describes the file a load comes from, for the ingest log.
type LoadInfo struct {
	// File is the file name as given by the user.
	File string
	// SHA256 is the hex digest of the file's bytes.
	SHA256 string
	// RowsRead counts the data rows read (valid and rejected).
	RowsRead int64
	// Rejected counts the rows refused by the row rules.
	Rejected int64
	// StartedAt is when reading the file began.
	StartedAt time.Time
}

// Loader writes the rows of one file into one dataset. Rows are appended to
// a connection-local staging table; Commit then replaces, in one
// transaction, every row of the dataset whose key a staged row has (the
// later staged row of a key wins) and records the file in ingest_log. A
// reader never sees half a file. Only one Loader is open at a time per DB.
type Loader struct {
	db       *DB
	ds       Dataset
	conn     *sql.Conn
	app      *duckdb.Appender
	stage    string
	seq      int64
	row      []driver.Value
	done     bool
	unlocked bool
}

// NewLoader opens a loader for the dataset. It waits for any other loader of
// this DB to finish (one writer at a time). Close must always be called.
func (db *DB) NewLoader(ctx context.Context, ds Dataset) (*Loader, error) {
	if _, ok := LookupDataset(ds.Name); !ok {
		return nil, fmt.Errorf("load: unknown dataset %q", ds.Name)
	}
	db.writeMu.Lock()
	l := &Loader{db: db, ds: ds, stage: "relais_stage_" + ds.Name}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		l.unlock()
		return nil, fmt.Errorf("load %s: %w", ds.Name, err)
	}
	l.conn = conn
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(
		`CREATE OR REPLACE TEMP TABLE %s AS SELECT *, 0::BIGINT AS relais_seq FROM main.%s LIMIT 0`, l.stage, ds.Name)); err != nil {
		l.Close()
		return nil, fmt.Errorf("load %s: create staging table: %w", ds.Name, err)
	}
	err = conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", l.stage)
		l.app = a
		return err
	})
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("load %s: appender: %w", ds.Name, err)
	}
	l.row = make([]driver.Value, len(ds.Columns)+1)
	return l, nil
}

func (l *Loader) unlock() {
	if !l.unlocked {
		l.unlocked = true
		l.db.writeMu.Unlock()
	}
}

// Append stages one row. values follow the dataset's column order: string
// for Text and Enum, int64 for Integer, time.Time for Date (its Y-M-D) and
// Instant, nil for an empty value.
func (l *Loader) Append(values []driver.Value) error {
	if len(values) != len(l.ds.Columns) {
		return fmt.Errorf("load %s: %d values for %d columns", l.ds.Name, len(values), len(l.ds.Columns))
	}
	copy(l.row, values)
	for i, c := range l.ds.Columns {
		if c.Kind == Date {
			if t, ok := values[i].(time.Time); ok {
				// DATE columns take the calendar date, whatever the location.
				l.row[i] = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			}
		}
	}
	l.seq++
	l.row[len(values)] = l.seq
	if err := l.app.AppendRow(l.row...); err != nil {
		return fmt.Errorf("load %s: stage row: %w", l.ds.Name, err)
	}
	return nil
}

// Staged is the number of rows appended so far.
func (l *Loader) Staged() int64 { return l.seq }

// Commit merges the staged rows into the dataset and logs the file, all in
// one transaction. It returns the number of rows loaded (rows staged).
func (l *Loader) Commit(ctx context.Context, info LoadInfo) (int64, error) {
	if l.done {
		return 0, errors.New("load: already committed")
	}
	if err := l.app.Close(); err != nil {
		l.app = nil
		return 0, fmt.Errorf("load %s: flush: %w", l.ds.Name, err)
	}
	l.app = nil
	cols := make([]string, len(l.ds.Columns))
	for i, c := range l.ds.Columns {
		cols[i] = c.Name
	}
	key := strings.Join(l.ds.Key, ", ")
	var on []string
	for _, k := range l.ds.Key {
		on = append(on, fmt.Sprintf("t.%s = s.%s", k, k))
	}
	stmts := []string{
		"BEGIN TRANSACTION",
		fmt.Sprintf(`DELETE FROM main.%s AS t USING (SELECT DISTINCT %s FROM %s) AS s WHERE %s`,
			l.ds.Name, key, l.stage, strings.Join(on, " AND ")),
		fmt.Sprintf(`INSERT INTO main.%s (%s) SELECT %s FROM %s QUALIFY row_number() OVER (PARTITION BY %s ORDER BY relais_seq DESC) = 1`,
			l.ds.Name, strings.Join(cols, ", "), strings.Join(cols, ", "), l.stage, key),
	}
	for _, s := range stmts {
		if _, err := l.conn.ExecContext(ctx, s); err != nil {
			l.rollback()
			return 0, fmt.Errorf("load %s: merge: %w", l.ds.Name, err)
		}
	}
	// Derived data (keys, roll-ups) follow the merged rows in the same
	// transaction, so that readers never see them disagree.
	if err := l.db.afterMerge(ctx, l.conn, l.ds); err != nil {
		l.rollback()
		return 0, fmt.Errorf("load %s: derive: %w", l.ds.Name, err)
	}
	if _, err := l.conn.ExecContext(ctx, `INSERT INTO ingest_log (file, dataset, sha256, rows_read, loaded, rejected, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, info.File, l.ds.Name, info.SHA256, info.RowsRead, l.seq, info.Rejected, info.StartedAt, time.Now()); err != nil {
		l.rollback()
		return 0, fmt.Errorf("load %s: log: %w", l.ds.Name, err)
	}
	if _, err := l.conn.ExecContext(ctx, "COMMIT"); err != nil {
		l.rollback()
		return 0, fmt.Errorf("load %s: commit: %w", l.ds.Name, err)
	}
	l.done = true
	l.db.version.Add(1)
	return l.seq, nil
}

func (l *Loader) rollback() {
	// A failed statement leaves DuckDB's transaction aborted; ROLLBACK ends it.
	_, _ = l.conn.ExecContext(context.Background(), "ROLLBACK")
}

// Close drops the staging table and releases the connection and the write
// lock. Without a successful Commit nothing reaches the dataset.
func (l *Loader) Close() error {
	var errs []error
	if l.app != nil {
		// Closing flushes into the staging table only; it is dropped below.
		if err := l.app.Close(); err != nil {
			errs = append(errs, err)
		}
		l.app = nil
	}
	if l.conn != nil {
		if _, err := l.conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+l.stage); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, l.conn.Close())
		l.conn = nil
	}
	l.unlock()
	return errors.Join(errs...)
}
