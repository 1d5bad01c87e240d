package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"
)

//go:embed sql/data_until.sql
var dataUntilSQL string

// DataUntil is the local date (midnight UTC of its Y-M-D, like an as-of
// date) of the latest dated row loaded: the greatest event instant over the
// datasets (docs/kpis.md, "Data freshness"). ok is false when no dated row
// is loaded.
func (db *DB) DataUntil(ctx context.Context) (day time.Time, ok bool, err error) {
	var latest sql.NullTime
	if err := db.queryer(ctx).QueryRowContext(ctx, dataUntilSQL).Scan(&latest); err != nil {
		return time.Time{}, false, fmt.Errorf("data until: %w", err)
	}
	if !latest.Valid {
		return time.Time{}, false, nil
	}
	return dateOf(latest.Time.In(db.loc)), true, nil
}
