package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"relais/dashboards"
)

// exportFlags registers `relais export [--as-of YYYY-MM-DD] --out
// FILE.xlsx` (docs/cli.md): the Excel workbook of the KPI document, the same as
// the server's /export.xlsx. The file is written beside its final name and
// renamed when complete.
func (m *Main) exportFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	out := fs.String("out", "", "the workbook to write (FILE.xlsx)")
	asOf := fs.String("as-of", "", "the as-of date YYYY-MM-DD (default: today in the configured time zone)")
	// The workbook's language (docs/cli.md), as /export.xlsx?lang= offers.
	lang := fs.String("lang", "fr", "the workbook's language: fr or en")
	weeks := fs.Int("weeks", 13, "with --parquet: the weeks of the weekly series (1-104)")
	parquetDir := fs.String("parquet", "", "also (or instead) write every dataset, the KPIs and the weekly series as Parquet files into this new folder (docs/parquet.md)")
	return func(ctx context.Context) error {
		if *out == "" && *parquetDir != "" {
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			return m.exportParquet(ctx, *parquetDir, *asOf, *weeks)
		}
		if *out == "" {
			return usagef("--out FILE.xlsx (or --parquet DIR) is required")
		}
		if fs.NArg() > 0 {
			return usagef("unexpected argument %q", fs.Arg(0))
		}
		if *lang != "fr" && *lang != "en" {
			return usagef("--lang %q: want fr or en", *lang)
		}
		if !strings.EqualFold(filepath.Ext(*out), ".xlsx") {
			return usagef("--out %q: the workbook's name must end in .xlsx", *out)
		}
		db, d, err := m.dbAsOf(ctx, *asOf)
		if err != nil {
			return err
		}
		start := m.Now()
		doc, err := db.KPIs(ctx, m.config.Settings, d)
		if err != nil {
			return jobError{fmt.Errorf("compute KPIs: %w", err)}
		}
		tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*.tmp")
		if err != nil {
			return jobError{fmt.Errorf("cannot write %s: %w (check the folder exists and is writable)", *out, err)}
		}
		defer os.Remove(tmp.Name())
		if err := dashboards.WriteWorkbook(ctx, tmp, dashboards.WorkbookOptions{DB: db, Settings: m.config.Settings, Doc: doc, Lang: *lang}); err != nil {
			tmp.Close()
			return jobError{err}
		}
		if err := tmp.Chmod(0o644); err != nil {
			tmp.Close()
			return jobError{fmt.Errorf("write %s: %w", *out, err)}
		}
		if err := tmp.Close(); err != nil {
			return jobError{fmt.Errorf("write %s: %w", *out, err)}
		}
		if err := os.Rename(tmp.Name(), *out); err != nil {
			return jobError{fmt.Errorf("write %s: %w", *out, err)}
		}
		m.Logger.Info("workbook written", "file", *out, "as_of", doc.AsOf, "elapsed", m.Now().Sub(start).Round(time.Millisecond))
		if *parquetDir != "" {
			return m.exportParquet(ctx, *parquetDir, *asOf, *weeks)
		}
		return nil
	}
}
