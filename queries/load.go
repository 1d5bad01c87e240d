package queries

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync/atomic"
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

// Loader writes the rows of one file into one dataset, in one transaction
// opened by NewLoader: rows are appended straight into the dataset's table
// (DuckDB writes large appends to the database file as they come, so memory
// stays flat whatever the file size); Commit then removes, among the new
// rows, every row of a key that a later new row has, removes the rows loaded
// before whose key a new row has, records the file in ingest_log and
// commits. A reader never sees half a file; without Commit nothing reaches
// the dataset. Only one Loader is open at a time per DB.
//
// New rows are told from the rows already loaded by their rowid: the
// transaction's appended rows have rowids above every committed row's, in
// append order, so "later row of a key wins" is "highest rowid wins".
//
// Every row also carries the load's id (its load_id column) and the commit
// records the load in committed_loads, so that a crash at any instant of
// the commit is repaired when the database is next opened (recover.go,
// docs/loading.md).
type Loader struct {
	db   *DB
	ds   Dataset
	conn *sql.Conn
	app  *duckdb.Appender
	// appendRow appends one row (the Appender's AppendRow); tests replace
	// it to inject a failure.
	appendRow func(args ...driver.Value) error
	// beforeCommit, when set (tests), runs just before the COMMIT statement.
	beforeCommit func()
	// before is the highest rowid of the table when the load began (-1:
	// the table was empty); new rows have higher rowids.
	before int64
	// count is the table's row count when the load began.
	count int64
	// loadID is this load's id: one more than any committed load's;
	// loadIDValue the same as a driver.Value, boxed once (not per row).
	loadID      int64
	loadIDValue driver.Value
	seq         int64
	dates       []int
	keys        *keySet
	// spans are the ranges of the new rows' instant key columns: an older
	// row outside them cannot have a new row's key (see merge).
	spans []instantSpan
	// Rows are handed to the appending goroutine in batches (see run), so
	// that the caller's reading and converting overlaps DuckDB's appending.
	cur      *rowBatch
	full     chan *rowBatch
	free     chan *rowBatch
	stopped  chan struct{}
	appErr   error // set by run before stopped is closed
	failed   atomic.Bool
	draining bool
	inTx     bool
	done     bool
	// onlyRepeats: every new row repeats an older one (merge); Commit
	// records the load without them.
	onlyRepeats bool
	// sqlStaged: AppendCSV staged the rows (the key set saw none of them).
	sqlStaged bool
	// joinPartRows: the merge's key joins take at most this many new rows
	// at a time (keyParts).
	joinPartRows int64
	unlocked     bool
}

// instantSpan is the range of the values of one instant key column among
// the rows appended.
type instantSpan struct {
	col      int
	name     string
	min, max time.Time
	seen     bool
}

func (s *instantSpan) add(row []driver.Value) {
	t, ok := row[s.col].(time.Time)
	if !ok {
		return // NULL: equal to no key
	}
	if !s.seen {
		s.min, s.max, s.seen = t, t, true
		return
	}
	if t.Before(s.min) {
		s.min = t
	}
	if t.After(s.max) {
		s.max = t
	}
}

// condition is an SQL condition on alias's column that every row whose
// value equals one of the span's holds: the span widened to whole seconds
// and one more on each side (no rounding of the stored microseconds can
// leave it); "" when no value was seen.
func (s *instantSpan) condition(alias string) string {
	if !s.seen {
		return ""
	}
	return fmt.Sprintf("%s.%s BETWEEN to_timestamp(%d) AND to_timestamp(%d)", alias, s.name, s.min.Unix()-1, s.max.Unix()+2)
}

// rowBatch is a block of rows for the appending goroutine, reused.
type rowBatch struct {
	vals []driver.Value
	n    int
}

const (
	batchRows = 2048 // rows per batch (DuckDB's vector size)
	batches   = 4    // batches in flight
	// freeAfterRows is the size of a load after which Commit returns the
	// Go memory to the system before DuckDB's part (a forced collection:
	// not worth it for small files).
	freeAfterRows = 1 << 20
)

// NewLoader opens a loader for the dataset. It waits for any other loader of
// this DB to finish (one writer at a time). Close must always be called.
func (db *DB) NewLoader(ctx context.Context, ds Dataset) (*Loader, error) {
	if _, ok := LookupDataset(ds.Name); !ok {
		return nil, fmt.Errorf("load: unknown dataset %q", ds.Name)
	}
	db.writeMu.Lock()
	l := &Loader{db: db, ds: ds, before: -1, joinPartRows: defaultJoinPartRows}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		l.unlock()
		return nil, fmt.Errorf("load %s: %w", ds.Name, err)
	}
	l.conn = conn
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		l.Close()
		return nil, fmt.Errorf("load %s: begin: %w", ds.Name, err)
	}
	l.inTx = true
	var before sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT max(rowid), count(*), (SELECT coalesce(max(load_id), 0) + 1 FROM committed_loads) FROM main."+ds.Name).Scan(&before, &l.count, &l.loadID); err != nil {
		l.Close()
		return nil, fmt.Errorf("load %s: %w", ds.Name, err)
	}
	if before.Valid {
		l.before = before.Int64
	}
	if err := l.openAppender(); err != nil {
		l.Close()
		return nil, err
	}
	l.loadIDValue = l.loadID
	for i, c := range ds.Columns {
		if c.Kind == Date {
			l.dates = append(l.dates, i)
		}
	}
	l.keys = newKeySet(ds)
	for _, k := range ds.Key {
		if c, i := ds.Column(k); c.Kind == Instant {
			l.spans = append(l.spans, instantSpan{col: i, name: k})
		}
	}
	l.full = make(chan *rowBatch, batches)
	l.free = make(chan *rowBatch, batches)
	for range batches {
		l.free <- &rowBatch{vals: make([]driver.Value, batchRows*(len(ds.Columns)+1))}
	}
	l.stopped = make(chan struct{})
	go l.run()
	return l, nil
}

// openAppender opens the Appender of the dataset's table on the load's
// connection (NewLoader, and restart after AppendCSV gave up).
func (l *Loader) openAppender() error {
	return l.conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "", "main", l.ds.Name)
		if err != nil {
			return fmt.Errorf("load %s: appender: %w", l.ds.Name, err)
		}
		l.app, l.appendRow = a, a.AppendRow
		return nil
	})
}

// run appends the batches in order (one goroutine: the later row of a key
// keeps the higher rowid). After an error it only recycles the batches.
func (l *Loader) run() {
	defer close(l.stopped)
	ncol := len(l.ds.Columns) + 1 // the dataset's columns, then load_id
	for b := range l.full {
		if l.appErr == nil {
			if err := l.appendBatch(b, ncol); err != nil {
				l.appErr = err
				l.failed.Store(true)
			}
		}
		clear(b.vals[:b.n*ncol]) // drop the batch's references to its values
		b.n = 0
		l.free <- b
	}
}

// appendBatch appends one batch's rows. A panic (in the driver or in
// DuckDB's Go glue) becomes the load's error, logged with its stack: the
// load rolls back instead of the process dying.
func (l *Loader) appendBatch(b *rowBatch, ncol int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("panic while appending rows", "dataset", l.ds.Name, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("load %s: stage row: internal error: %v", l.ds.Name, p)
		}
	}()
	for i := 0; i < b.n; i++ {
		if err := l.appendRow(b.vals[i*ncol : (i+1)*ncol]...); err != nil {
			return fmt.Errorf("load %s: stage row: %w", l.ds.Name, err)
		}
	}
	return nil
}

// drain hands over the last batch, waits for the appending goroutine to
// finish and returns its error. It may be called more than once.
func (l *Loader) drain() error {
	if l.stopped == nil {
		return nil
	}
	if !l.draining {
		l.draining = true
		if l.cur != nil && l.cur.n > 0 {
			l.full <- l.cur
		}
		l.cur = nil
		close(l.full)
	}
	<-l.stopped
	return l.appErr
}

func (l *Loader) unlock() {
	if !l.unlocked {
		l.unlocked = true
		l.db.writeMu.Unlock()
	}
}

// Append stages one row. values follow the dataset's column order: string
// for Text and Enum, int64 for Integer, time.Time for Date (its Y-M-D) and
// Instant, nil for an empty value. The values are copied: the caller may
// reuse the slice. Rows are appended to DuckDB on another goroutine; an
// error there is returned by a later Append and by Commit.
func (l *Loader) Append(values []driver.Value) error {
	if len(values) != len(l.ds.Columns) {
		return fmt.Errorf("load %s: %d values for %d columns", l.ds.Name, len(values), len(l.ds.Columns))
	}
	if l.draining || l.sqlStaged {
		return errors.New("load: append after commit, close or AppendCSV")
	}
	if l.failed.Load() {
		return l.drain()
	}
	if l.cur == nil {
		l.cur = <-l.free
	}
	ncol := len(values) + 1
	row := l.cur.vals[l.cur.n*ncol : (l.cur.n+1)*ncol]
	copy(row, values)
	row[ncol-1] = l.loadIDValue
	for _, i := range l.dates {
		if t, ok := row[i].(time.Time); ok {
			// DATE columns take the calendar date, whatever the location.
			row[i] = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
	}
	l.keys.add(row)
	for i := range l.spans {
		l.spans[i].add(row)
	}
	l.seq++
	l.cur.n++
	if l.cur.n == batchRows {
		l.full <- l.cur
		l.cur = nil
	}
	return nil
}

// Staged is the number of rows appended so far.
func (l *Loader) Staged() int64 { return l.seq }

// Commit merges the staged rows into the dataset and logs the file, all in
// one transaction. It returns the number of rows loaded (rows staged).
//
// Once the COMMIT statement has started it runs to its end whatever ctx
// says, and Commit reports what the database holds: a nil error means the
// file is loaded (even if ctx was cancelled meanwhile), an error that it is
// not.
func (l *Loader) Commit(ctx context.Context, info LoadInfo) (int64, error) {
	if l.done {
		return 0, errors.New("load: already committed")
	}
	if !l.inTx {
		return 0, errors.New("load: closed")
	}
	if err := l.drain(); err != nil {
		return 0, err
	}
	// Rows DuckDB read itself went past the key set: the exact check runs.
	maybeRepeats := l.sqlStaged || l.keys.maybeRepeats()
	l.keys.release()
	if l.seq >= freeAfterRows {
		// Hand the Go memory the rows went through back (the key set, the
		// values left for the collector) before DuckDB's flush, merge and
		// derived data, the peak of a large load: nothing allocates much
		// after the rows, so the collector would not run by itself and
		// the heap would stay at its high-water mark, two to three
		// hundred MB.
		debug.FreeOSMemory()
	}
	if l.app != nil {
		if err := l.app.Close(); err != nil {
			l.app = nil
			return 0, fmt.Errorf("load %s: flush: %w", l.ds.Name, err)
		}
		l.app = nil
	}
	dups, replaced, err := l.merge(ctx, maybeRepeats)
	if err != nil {
		l.rollback()
		return 0, fmt.Errorf("load %s: merge: %w", l.ds.Name, err)
	}
	if l.onlyRepeats {
		// The file only repeats rows loaded before (an activity export
		// sent again): its rows go with the transaction, which costs
		// nothing, where deleting them would touch every block they fill
		// (merge). The load is recorded, keeping none, in a transaction of
		// its own; the data and their derived data are unchanged.
		l.rollback()
		if _, err := l.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
			return 0, fmt.Errorf("load %s: log: %w", l.ds.Name, err)
		}
		l.inTx = true
	} else if l.seq > 0 {
		// Derived data (keys, roll-ups) follow the merged rows in the same
		// transaction, so that readers never see them disagree. A file
		// without rows changed no row: its derived data stays as it is (a
		// delta's empty comments file does not send every week to be
		// regrouped).
		if err := l.db.afterMerge(ctx, l.conn, l.ds, l.loadID); err != nil {
			l.rollback()
			return 0, fmt.Errorf("load %s: derive: %w", l.ds.Name, err)
		}
	}
	kept := l.seq - dups
	if _, err := l.conn.ExecContext(ctx, `INSERT INTO committed_loads (load_id, dataset, sha256, kept, rows_after) VALUES (?, ?, ?, ?, ?)`,
		l.loadID, l.ds.Name, info.SHA256, kept, l.count-replaced+kept); err != nil {
		l.rollback()
		return 0, fmt.Errorf("load %s: log: %w", l.ds.Name, err)
	}
	if _, err := l.conn.ExecContext(ctx, `INSERT INTO ingest_log (file, dataset, sha256, rows_read, loaded, rejected, started_at, finished_at, load_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, info.File, l.ds.Name, info.SHA256, info.RowsRead, l.seq, info.Rejected, info.StartedAt, time.Now(), l.loadID); err != nil {
		l.rollback()
		return 0, fmt.Errorf("load %s: log: %w", l.ds.Name, err)
	}
	if err := ctx.Err(); err != nil {
		// Interrupted before the commit began: nothing is loaded.
		l.rollback()
		return 0, fmt.Errorf("load %s: %w", l.ds.Name, err)
	}
	if l.beforeCommit != nil {
		l.beforeCommit()
	}
	// From here on an interrupt waits for the commit: stopping DuckDB in
	// the middle of it would leave the outcome to the next open.
	_, err = l.conn.ExecContext(context.WithoutCancel(ctx), "COMMIT")
	if err != nil {
		// End the transaction if DuckDB left it open (aborted), then ask
		// the database what it holds.
		l.rollback()
		if !l.committed() {
			return 0, fmt.Errorf("load %s: commit: %w", l.ds.Name, err)
		}
		slog.Warn("commit reported an error but the load is recorded as committed", "dataset", l.ds.Name, "err", err)
	}
	l.inTx = false
	l.done = true
	l.db.version.Add(1)
	return l.seq, nil
}

// committed says whether the database records this load as committed (after
// COMMIT failed: the answer is what the database holds).
func (l *Loader) committed() bool {
	var n int64
	err := l.conn.QueryRowContext(context.Background(), `SELECT count(*) FROM committed_loads WHERE load_id = ?`, l.loadID).Scan(&n)
	return err == nil && n > 0
}

// merge enforces the dataset's key on the appended rows: the later new row
// of a key wins over the earlier new rows and over the rows loaded before;
// maybe says whether a key may repeat among the new rows (keySet).
// It returns the number of new rows removed as repeats (dups) and of older
// rows replaced.
func (l *Loader) merge(ctx context.Context, maybe bool) (dups, replaced int64, err error) {
	if l.seq == 0 {
		return 0, 0, nil
	}
	name, before := l.ds.Name, l.before
	key := strings.Join(l.ds.Key, ", ")
	var repeats int64
	if maybe {
		// Keys that repeat among the new rows, found by a hash aggregate
		// over one 64-bit hash per row (much cheaper than grouping the key
		// columns); a collision only adds a candidate, compared exactly
		// below. The hashes are kept for the delete (the aggregate is the
		// cost: 3 s over the large demo's 20M activity rows).
		if _, err := execLogged(ctx, l.conn, fmt.Sprintf(
			`CREATE OR REPLACE TEMP TABLE relais_repeated AS SELECT hash(%s) AS h FROM main.%s WHERE rowid > %d GROUP BY h HAVING count(*) > 1`,
			key, name, before)); err != nil {
			return 0, 0, err
		}
		defer l.conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.relais_repeated`)
		if err := l.conn.QueryRowContext(ctx, `SELECT count(*) FROM temp.relais_repeated`).Scan(&repeats); err != nil {
			return 0, 0, err
		}
	}
	if repeats > 0 {
		res, err := execLogged(ctx, l.conn, fmt.Sprintf(
			`DELETE FROM main.%[1]s WHERE rowid IN (
				SELECT rowid FROM main.%[1]s
				WHERE rowid > %[2]d AND hash(%[3]s) IN (SELECT h FROM temp.relais_repeated)
				QUALIFY row_number() OVER (PARTITION BY %[3]s ORDER BY rowid DESC) > 1)`,
			name, before, key))
		if err != nil {
			return 0, 0, err
		}
		if dups, err = res.RowsAffected(); err != nil {
			return 0, 0, err
		}
	}
	if before < 0 {
		return dups, 0, nil // the table was empty: no older row to replace
	}
	var on []string
	for _, k := range l.ds.Key {
		on = append(on, fmt.Sprintf("o.%s = n.%s", k, k))
	}
	// Only older rows within the new rows' instants can share a key with
	// one: a filter on one column skips the join for the others (a day of
	// activity against the 20M rows loaded before).
	for _, sp := range l.spans {
		if c := sp.condition("o"); c != "" {
			on = append(on, c)
		}
	}
	if len(l.ds.Key) == len(l.ds.Columns) {
		// Every column is in the key (activity): a new row with the key of
		// an older one is the same row, so the new one is removed and the
		// older kept. Removing the older rows instead touched every vector
		// of the table (a day's rows are spread through it), and DuckDB
		// keeps a version array per vector a delete touches: a day of
		// activity re-sent into the xlarge demo's 99M rows needed 0.8 GB
		// and was refused past memory_limit; the new rows lie together at
		// the table's end.
		oldRows := fmt.Sprintf(`SELECT %s FROM main.%s AS o WHERE o.rowid <= %d`, key, name, before)
		if spans := on[len(l.ds.Key):]; len(spans) > 0 {
			oldRows += " AND " + strings.Join(spans, " AND ")
		}
		sameKey := strings.Join(on[:len(l.ds.Key)], " AND ")
		if fresh := l.seq - dups; fresh >= countRepeatsFrom {
			// Many rows: when they are the older rows within their span,
			// all of them (a whole export sent again), Commit drops them
			// with the transaction instead of deleting them one by one.
			// The two sets (keys are unique in each now) are compared by
			// their count and two sums of 64-bit row hashes, combined
			// from the columns' hashes from two seeds: a scan each, where
			// counting the repeats by a join took 5 s for the large demo's
			// 20M activity rows. Two different sets agree only through a
			// collision of 64-bit hashes (a chance of about 2^-64).
			fingerprint := fmt.Sprintf(`count(*), sum(hash(%[1]s)), sum(hash('relais', %[1]s))`, key)
			same := false
			started := time.Now()
			if err := l.conn.QueryRowContext(ctx, fmt.Sprintf(
				`SELECT n.c = o.c AND n.s1 = o.s1 AND n.s2 = o.s2 FROM
					(SELECT %[3]s FROM main.%[1]s WHERE rowid > %[2]d) AS n(c, s1, s2),
					(SELECT %[3]s FROM (%[4]s)) AS o(c, s1, s2)`,
				name, before, fingerprint, oldRows)).Scan(&same); err != nil {
				return 0, 0, err
			}
			slog.Debug("statement", "took", time.Since(started), "sql", "compare the new rows with the older ones of their span", "same", same)
			if same {
				l.onlyRepeats = true
				return dups + fresh, 0, nil
			}
		}
		same, err := l.deleteInParts(ctx, l.seq-dups, func(oldPart, newPart string) string {
			return fmt.Sprintf(`DELETE FROM main.%[1]s AS n USING (%[3]s%[5]s) AS o WHERE n.rowid > %[2]d AND %[4]s%[6]s`,
				name, before, oldRows, sameKey, oldPart, newPart)
		})
		return dups + same, 0, err
	}
	if err := l.db.beforeReplace(ctx, l.conn, l.ds, replacing{l.loadID, before, l.seq - dups, l.count, on}); err != nil {
		return 0, 0, err
	}
	// The new rows' keys are unique now: a plain join finds the older rows
	// (a join in the DELETE itself: a re-load of the 20M activity rows takes
	// a third of the time and less memory than a rowid IN (semi-join)).
	replaced, err = l.deleteInParts(ctx, l.seq-dups, func(oldPart, newPart string) string {
		return fmt.Sprintf(`DELETE FROM main.%[1]s AS o USING (SELECT %[3]s FROM main.%[1]s AS n WHERE n.rowid > %[2]d%[5]s) AS n
			WHERE o.rowid <= %[2]d AND %[4]s%[6]s`,
			name, before, key, strings.Join(on, " AND "), newPart, oldPart)
	})
	return dups, replaced, err
}

// deleteInParts runs the DELETE that joins newRows new rows (alias n) with
// the older rows (alias o) on the key, in keyParts parts: statement gives
// it for the conditions on o's and n's rows of one part. It returns the
// rows deleted.
func (l *Loader) deleteInParts(ctx context.Context, newRows int64, statement func(oldPart, newPart string) string) (int64, error) {
	parts := l.keyParts(newRows)
	var deleted int64
	for part := range parts {
		res, err := execLogged(ctx, l.conn, statement(l.keyPart("o", parts, part), l.keyPart("n", parts, part)))
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		deleted += n
	}
	return deleted, nil
}

// keyParts is the number of parts a join of rows new rows with the older
// rows on the dataset's key is cut into: the join holds the keys of one
// side, and past l.joinPartRows of them it is cut by a hash of the key so
// that each part stays within the memory limit (in one part, the xlarge
// demo's 14.7M votes re-exported were refused: "failed to pin block").
func (l *Loader) keyParts(rows int64) int64 {
	return 1 + max(rows-1, 0)/l.joinPartRows
}

// defaultJoinPartRows is the number of new rows one part of a key join
// holds (Loader.joinPartRows; tests make it small).
const defaultJoinPartRows = 4 << 20

// keyPart is the condition on alias's rows of part of parts (keyParts):
// "" for a single part.
func (l *Loader) keyPart(alias string, parts, part int64) string {
	if parts <= 1 {
		return ""
	}
	return fmt.Sprintf(" AND hash(%s.%s) %% %d = %d", alias, strings.Join(l.ds.Key, ", "+alias+"."), parts, part)
}

// countRepeatsFrom is the number of new rows of a dataset whose every
// column is its key from which the loader compares them with the older
// rows of their span before removing the repeats: comparing costs two
// scans, and saves deleting the rows when all repeat.
const countRepeatsFrom = 1 << 20

func (l *Loader) rollback() {
	// A failed statement leaves DuckDB's transaction aborted; ROLLBACK ends it.
	if l.inTx {
		_, _ = l.conn.ExecContext(context.Background(), "ROLLBACK")
		l.inTx = false
	}
}

// Close ends the load: without a successful Commit the transaction is
// rolled back and nothing reaches the dataset. It releases the connection
// and the write lock.
func (l *Loader) Close() error {
	var errs []error
	if err := l.drain(); err != nil && l.app != nil {
		errs = append(errs, err)
	}
	if l.app != nil {
		// Closing flushes into the transaction, rolled back below.
		if err := l.app.Close(); err != nil {
			errs = append(errs, err)
		}
		l.app = nil
	}
	if l.conn != nil {
		l.rollback()
		errs = append(errs, l.conn.Close())
		l.conn = nil
	}
	l.unlock()
	return errors.Join(errs...)
}
