package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"relais/ingest/demo"
)

// demoFlags registers `relais demo --out DIR [--scale small|medium|large|xlarge]
// [--seed N] [--as-of YYYY-MM-DD]`. It needs no database. Output: one line
// per file written on standard output (`DIR/FILE<TAB>DATASET<TAB>ROWS rows`),
// then the configuration file; a closing log line on standard error says
// how long it took and how to load the files.
func (m *Main) demoFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	out := fs.String("out", "", "the folder to write the exports into (created when missing)")
	scale := fs.String("scale", demo.ScaleSmall, "small (12 sites, ~3k people), medium (60 sites, 30k people) large (300 sites, 200k people, 20M activity rows) or xlarge (1,500 sites, 1M people, 100M activity rows)")
	seed := fs.Int64("seed", 1, "the random seed; the same seed and as-of date write the same files")
	asOf := fs.String("as-of", "", "the as-of date YYYY-MM-DD (default: today in the configured time zone)")
	return func(ctx context.Context) error {
		if *out == "" {
			return usagef("--out is required")
		}
		if fs.NArg() > 0 {
			return usagef("unexpected argument %q", fs.Arg(0))
		}
		known := false
		for _, s := range demo.Scales() {
			known = known || s == *scale
		}
		if !known {
			return usagef("--scale %q: want small, medium, large or xlarge", *scale)
		}
		d, err := m.parseAsOf(*asOf)
		if err != nil {
			return err
		}
		start := m.Now()
		sum, err := demo.Write(ctx, demo.Options{Dir: *out, Scale: *scale, Seed: *seed, AsOf: d, Location: m.config.Location})
		if err != nil {
			if errors.Is(err, demo.ErrScale) {
				return usageError{err}
			}
			return jobError{fmt.Errorf("%w (check that %s is writable and has room)", err, *out)}
		}
		var rows int64
		for _, f := range sum.Files {
			rows += f.Rows
			fmt.Fprintf(m.Stdout, "%s\t%s\t%d rows\n", filepath.Join(*out, f.Name), f.Dataset, f.Rows)
		}
		fmt.Fprintf(m.Stdout, "%s\tconfiguration\tprogram.start %s\n", filepath.Join(*out, sum.Config), sum.ProgramStart.Format("2006-01-02"))
		m.Logger.Info("demo written", "dir", *out, "scale", *scale, "seed", *seed, "as_of", d.Format("2006-01-02"),
			"files", len(sum.Files), "rows", rows, "elapsed", m.Now().Sub(start).Round(time.Millisecond),
			"next", fmt.Sprintf("relais ingest --config %s %s %s", filepath.Join(*out, sum.Config),
				filepath.Join(*out, "*.csv"), filepath.Join(*out, "*.xlsx")))
		return nil
	}
}
