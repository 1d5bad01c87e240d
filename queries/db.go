// Package queries owns the relais database: opening DuckDB, the schema and
// its migrations, the loader that enforces dataset keys, and every KPI as an
// embedded SQL file with a typed Go result. It imports no other relais
// package.
package queries

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ErrLocked is returned by Open when another process (usually a running
// `relais serve`) holds the database file; the error is a *LockedError
// that names the holder when DuckDB says which process it is.
var ErrLocked = errors.New("database is held by another process")

// LockedError says which process holds the database file.
type LockedError struct {
	// Path is the database file.
	Path string
	// PID is the holder's process id (0: unknown).
	PID int
	// Args is the holder's command line (nil: unknown), read from
	// /proc/PID/cmdline.
	Args []string
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("open %s: %v (process %d)", e.Path, ErrLocked, e.PID)
	}
	return fmt.Sprintf("open %s: %v", e.Path, ErrLocked)
}

// Is makes errors.Is(err, ErrLocked) hold.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// lockHolderPID finds the PID in DuckDB's lock error ("Conflicting lock is
// held in /usr/bin/relais (PID 1234) by user ...").
var lockHolderPID = regexp.MustCompile(`\(PID (\d+)\)`)

// lockedError builds the LockedError of a DuckDB lock error.
func lockedError(path string, err error) *LockedError {
	e := &LockedError{Path: path}
	if m := lockHolderPID.FindStringSubmatch(err.Error()); m != nil {
		e.PID, _ = strconv.Atoi(m[1])
		if b, rerr := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", e.PID)); rerr == nil && len(b) > 0 {
			e.Args = strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		}
	}
	return e
}

// Options configure Open. Zero values pick safe defaults.
type Options struct {
	// Path is the DuckDB database file; it is created when missing.
	Path string
	// Location is the configured time zone; nil means Europe/Paris.
	Location *time.Location
	// MemoryLimit is DuckDB's memory_limit (default DefaultMemoryLimit).
	MemoryLimit string
	// Threads is DuckDB's thread count (default 2).
	Threads int
	// TempDir is where DuckDB spills (default: beside the database file).
	TempDir string
}

// DB is an open relais database.
type DB struct {
	sql     *sql.DB
	loc     *time.Location
	path    string
	memory  string // DuckDB's memory_limit as set
	version atomic.Int64
	writeMu sync.Mutex
	// derivedMu is held for reading by every read view (readView) and for
	// writing while derived data is recomputed, so that no reader sees it
	// half rebuilt.
	derivedMu sync.RWMutex
	// zones: whether DuckDB's and Go's time zone data agree on the zone's
	// offsets (zonesAgree), found once.
	zonesOnce  sync.Once
	zonesAgree bool
}

// DefaultMemoryLimit is DuckDB's memory_limit when none is configured. It
// is below 1 GiB on purpose: DuckDB's resident memory runs a few hundred MB
// past its limit on the large joins of a re-load (a newer 20M-row export
// replacing the older one) and of the derived-data recomputation, and it
// spills beyond it (beside the database). Measured on the large demo: a
// whole-folder ingest peaks at 0.7-0.8 GiB RSS, the first KPI document
// after it (derived data recomputed) at 0.72 GiB, against 0.92-1.28 GiB at
// 1GB, with the same timings within noise.
const DefaultMemoryLimit = "600MB"

// allocatorFlushThreshold is DuckDB's allocator_flush_threshold: the
// freed memory its allocator may keep once a task is done.
const allocatorFlushThreshold = "8MB"

// DefaultLocation is the time zone used when none is configured.
const DefaultLocation = "Europe/Paris"

// Open opens (or creates) the database at opts.Path, sets the time zone,
// memory limit and thread count on every connection, refuses to load
// extensions from the network, and applies pending schema migrations.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Path == "" {
		return nil, errors.New("open database: empty path")
	}
	loc := opts.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(DefaultLocation); err != nil {
			return nil, fmt.Errorf("open database: load time zone: %w", err)
		}
	}
	mem := opts.MemoryLimit
	if mem == "" {
		mem = DefaultMemoryLimit
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = 2
	}
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	q.Set("memory_limit", mem)
	q.Set("threads", strconv.Itoa(threads))
	// DuckDB's allocator keeps up to 128 MB of freed memory per thread
	// once a task ends, by default: during a re-load's merge and commit
	// that left 300-400 MB resident above what DuckDB counts against its
	// limit. Returning it sooner, with the allocator's background
	// threads, keeps the process within its memory budget
	// (docs/benchmarks.md, "Memory").
	q.Set("allocator_flush_threshold", allocatorFlushThreshold)
	q.Set("allocator_background_threads", "true")
	if opts.TempDir != "" {
		q.Set("temp_directory", opts.TempDir)
	}
	tz := loc.String()
	connector, err := duckdb.NewConnector(opts.Path+"?"+q.Encode(), func(ex driver.ExecerContext) error {
		_, err := ex.ExecContext(context.Background(), "SET TimeZone = '"+strings.ReplaceAll(tz, "'", "''")+"'", nil)
		return err
	})
	if err != nil {
		if isLockError(err) {
			return nil, lockedError(opts.Path, err)
		}
		return nil, fmt.Errorf("open %s: %w", opts.Path, err)
	}
	// A write-ahead log left beside the file means the last process did not
	// close it (a crash, kill -9): recovery then checks more (recover.go).
	_, walErr := os.Stat(opts.Path + ".wal")
	unclean := walErr == nil
	sqldb := sql.OpenDB(connector)
	db := &DB{sql: sqldb, loc: loc, path: opts.Path, memory: mem}
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		if isLockError(err) {
			return nil, lockedError(opts.Path, err)
		}
		return nil, fmt.Errorf("open %s: %w", opts.Path, err)
	}
	// We hold the file's lock now: no other process spills into FILE.tmp.
	// A configured TempDir may be shared with other programs: left alone.
	if opts.TempDir == "" {
		removeSpillFiles(opts.Path + ".tmp")
	}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	if err := db.recoverLoads(ctx, unclean); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// spillFile matches the names of DuckDB's own spill files
// (duckdb_temp_storage_*.tmp, duckdb_temp_block-*.block).
var spillFile = regexp.MustCompile(`^duckdb_temp_(storage|block)[-_A-Za-z0-9]*\.(tmp|block)$`)

// removeSpillFiles removes the spill files a process that died left in the
// temporary folder (after a kill -9 DuckDB does not remove them), and the
// folder when it is then empty. Only DuckDB's own files are touched.
func removeSpillFiles(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	removed := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !spillFile.MatchString(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			slog.Warn("remove spill file", "file", filepath.Join(dir, e.Name()), "err", err)
			continue
		}
		removed++
	}
	if removed > 0 {
		slog.Info("removed spill files left by a process that stopped", "dir", dir, "files", removed)
	}
	_ = os.Remove(dir) // only when empty
}

func isLockError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Could not set lock") || strings.Contains(s, "Conflicting lock")
}

// ReleaseCache hands back the memory DuckDB keeps for blocks no query
// holds: after a large load the tables it wrote stay cached up to
// memory_limit, beside the next file's rows in Go (the xlarge demo's
// votes, after its 100M activity rows, took the process past 1 GiB).
// DuckDB evicts them when its limit is lowered, so the limit is set low
// for an instant, then back. Call it only while nothing else uses the
// database (relais ingest between files): a query running meanwhile
// would have the low limit.
func (db *DB) ReleaseCache(ctx context.Context) error {
	// Two quick statements, run to their end: an interrupted ingest still
	// prints its summary.
	ctx = context.WithoutCancel(ctx)
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Lowering may fail (blocks still held): the limit is restored anyway.
	_, lowErr := conn.ExecContext(ctx, "SET memory_limit = '"+releaseCacheLimit+"'")
	if _, err := conn.ExecContext(ctx, "SET memory_limit = '"+strings.ReplaceAll(db.memory, "'", "''")+"'"); err != nil {
		return fmt.Errorf("restore memory_limit %s: %w", db.memory, err)
	}
	if lowErr != nil {
		slog.Debug("release DuckDB's cache", "err", lowErr)
	}
	return nil
}

// releaseCacheLimit is the limit ReleaseCache sets for an instant.
const releaseCacheLimit = "16MB"

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// SQL exposes the connection pool, for its statistics, for tests and for
// reading a file with DuckDB on a connection of its own (ingest's Parquet
// source: no DuckDB instance to start per file).
func (db *DB) SQL() *sql.DB { return db.sql }

// Location is the configured time zone.
func (db *DB) Location() *time.Location { return db.loc }

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Version changes every time a load commits in this process; snapshots
// compare it to know when to recompute.
func (db *DB) Version() int64 { return db.version.Load() }
