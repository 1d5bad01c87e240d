package main

import (
	"context"
	"fmt"

	"relais/ingest"
)

// dryRun is `relais ingest --dry-run FILE...`: every file (and zip member)
// read and validated, its report printed, nothing written and no database
// opened, so that it also works while `relais serve` holds the database.
// The exit status is that of the real ingest: 2 when a file would be
// refused or a row rejected.
func (m *Main) dryRun(ctx context.Context, files []string, opts ingest.Options) error {
	failed, total := 0, 0
	for _, path := range files {
		o := opts
		o.Name = path
		err := ingest.DryRunPath(ctx, path, o, func(r ingest.Report, err error) error {
			total++
			r.WriteText(m.Stdout, 10)
			if err != nil {
				failed++
				if ctx.Err() != nil {
					return jobError{fmt.Errorf("interrupted: %w", err)}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(m.Stdout, "dry run: nothing was written")
	if failed > 0 {
		return jobError{fmt.Errorf("%d of %d files would have rejected rows or be refused (see above)", failed, total)}
	}
	return nil
}
