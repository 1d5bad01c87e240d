package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"
)

//go:embed sql/ops_ingest_totals.sql
var opsIngestTotalsSQL string

// IngestTotal sums the ingest log of one dataset: every file that loaded
// into it since the database was created.
type IngestTotal struct {
	// Dataset is the canonical dataset name.
	Dataset string
	// Files counts the files that loaded.
	Files int64
	// RowsRead counts the data rows read (loaded and rejected).
	RowsRead int64
	// Loaded counts the rows that reached the dataset.
	Loaded int64
	// Rejected counts the rows refused by the row rules.
	Rejected int64
	// LastFinishedAt is when the most recent file's transaction committed.
	LastFinishedAt time.Time
}

// IngestTotals returns the ingest log summed by dataset, sorted by dataset;
// datasets that never loaded are absent.
func (db *DB) IngestTotals(ctx context.Context) ([]IngestTotal, error) {
	out, err := queryRows(ctx, db.sql, opsIngestTotalsSQL, nil, func(rows *sql.Rows, t *IngestTotal) error {
		err := rows.Scan(&t.Dataset, &t.Files, &t.RowsRead, &t.Loaded, &t.Rejected, &t.LastFinishedAt)
		t.LastFinishedAt = t.LastFinishedAt.In(db.loc)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ingest totals: %w", err)
	}
	return out, nil
}
