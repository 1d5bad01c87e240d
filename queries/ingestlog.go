package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"time"
)

//go:embed sql/ingest_log.sql
var ingestLogSQL string

// IngestLogEntry is one file that loaded, as recorded in ingest_log.
type IngestLogEntry struct {
	// ID orders the entries (a sequence).
	ID int64 `json:"id"`
	// File is the file name as the user gave it.
	File string `json:"file"`
	// Dataset is the canonical dataset the file loaded into.
	Dataset string `json:"dataset"`
	// SHA256 is the hex digest of the file's bytes.
	SHA256 string `json:"sha256"`
	// RowsRead counts the data rows read (loaded and rejected).
	RowsRead int64 `json:"rows_read"`
	// Loaded counts the rows that reached the dataset.
	Loaded int64 `json:"loaded"`
	// Rejected counts the rows refused by the row rules (--skip-invalid).
	Rejected int64 `json:"rejected"`
	// StartedAt is when reading the file began.
	StartedAt time.Time `json:"started_at"`
	// FinishedAt is when the file's transaction committed.
	FinishedAt time.Time `json:"finished_at"`
}

// IngestLog returns the most recent loads, newest first; limit <= 0 returns
// them all.
func (db *DB) IngestLog(ctx context.Context, limit int) ([]IngestLogEntry, error) {
	n := int64(limit)
	if limit <= 0 {
		n = math.MaxInt64
	}
	out, err := queryRows(ctx, db.sql, ingestLogSQL, []any{n}, func(rows *sql.Rows, e *IngestLogEntry) error {
		err := rows.Scan(&e.ID, &e.File, &e.Dataset, &e.SHA256, &e.RowsRead, &e.Loaded, &e.Rejected, &e.StartedAt, &e.FinishedAt)
		e.StartedAt = e.StartedAt.In(db.loc)
		e.FinishedAt = e.FinishedAt.In(db.loc)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ingest log: %w", err)
	}
	return out, nil
}

// LoadedDigest returns the latest ingest_log entry of a file with this
// SHA-256, if any: the server does not load the same content twice
// (docs/loading.md).
func (db *DB) LoadedDigest(ctx context.Context, sha256 string) (IngestLogEntry, bool, error) {
	var e IngestLogEntry
	err := db.sql.QueryRowContext(ctx, `SELECT id, file, dataset, sha256, rows_read, loaded, rejected, started_at, finished_at
		FROM ingest_log WHERE sha256 = ? ORDER BY id DESC LIMIT 1`, sha256).
		Scan(&e.ID, &e.File, &e.Dataset, &e.SHA256, &e.RowsRead, &e.Loaded, &e.Rejected, &e.StartedAt, &e.FinishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("ingest log: %w", err)
	}
	e.StartedAt = e.StartedAt.In(db.loc)
	e.FinishedAt = e.FinishedAt.In(db.loc)
	return e, true, nil
}
