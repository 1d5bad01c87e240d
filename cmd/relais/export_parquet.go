package main

import (
	"context"
	"fmt"
	"time"

	"relais/queries"
)

// exportParquet is `relais export --parquet DIR`: the datasets, the KPI
// document and the weekly series as Parquet files (docs/parquet.md), for a
// data team's warehouse.
func (m *Main) exportParquet(ctx context.Context, dir, asOf string, weeks int) error {
	if weeks < 1 || weeks > 104 {
		return usagef("--weeks %d: want 1 to 104", weeks)
	}
	db, d, err := m.dbAsOf(ctx, asOf)
	if err != nil {
		return err
	}
	start := m.Now()
	res, err := db.ExportParquet(ctx, queries.ParquetOptions{Dir: dir, Settings: m.config.Settings, AsOf: d, Weeks: weeks})
	if err != nil {
		return jobError{err}
	}
	fmt.Fprintf(m.Stdout, "%s: %d Parquet files and folders (as of %s)\n", dir, len(res.Files), res.AsOf)
	for _, st := range res.Steps {
		m.Logger.Debug("parquet step", "step", st.Name, "took", st.Took.Round(time.Millisecond))
	}
	m.Logger.Info("parquet written", "dir", dir, "as_of", res.AsOf, "elapsed", m.Now().Sub(start).Round(time.Millisecond))
	return nil
}

// dbAsOf parses --as-of and opens the database, for the exports.
func (m *Main) dbAsOf(ctx context.Context, asOf string) (*queries.DB, time.Time, error) {
	d, err := m.parseAsOf(asOf)
	if err != nil {
		return nil, d, err
	}
	db, err := m.openDB(ctx)
	return db, d, err
}
