package queries

import (
	"context"
	"database/sql"
)

// afterMerge maintains the data derived from a dataset (integer keys,
// roll-ups that make the KPI queries fast) inside the load's transaction,
// once the file's rows are merged. It sees the dataset's table as it will be
// committed.
func (db *DB) afterMerge(ctx context.Context, conn *sql.Conn, ds Dataset) error {
	return nil
}
