package queries

import (
	"context"
	"errors"
	"time"
)

// KPIs computes the KPI document of KPIS.md for the as-of date (its Y-M-D).
func (db *DB) KPIs(ctx context.Context, s Settings, asOf time.Time) (*Document, error) {
	return nil, errors.New("kpis: not built yet")
}
