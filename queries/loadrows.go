package queries

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// LoadRows loads rows (each in the dataset's canonical column order) in one
// load, as one file would be: appended, then committed with info, or
// nothing at all on an error. It returns the number of rows loaded, as
// Loader.Commit does.
func (db *DB) LoadRows(ctx context.Context, ds Dataset, info LoadInfo, rows [][]driver.Value) (int64, error) {
	l, err := db.NewLoader(ctx, ds)
	if err != nil {
		return 0, err
	}
	defer l.Close()
	for i, r := range rows {
		if err := l.Append(r); err != nil {
			return 0, fmt.Errorf("%s row %d: %w", ds.Name, i+1, err)
		}
	}
	return l.Commit(ctx, info)
}
