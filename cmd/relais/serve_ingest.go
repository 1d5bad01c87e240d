package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"relais/dashboards"
	"relais/ingest"
	"relais/queries"
)

// serveOptions are the ingest options of the server's inbox, upload and
// dry-run form: the rules of the command line (dataset from the name or
// the header, day-first dates, all-or-nothing, the configured limits). The
// inbox keeps its last results for /data: a hundred rejects per file say
// enough.
func (m *Main) serveOptions(name string) ingest.Options {
	return ingest.Options{
		Name: name, DateOrder: "dmy", Location: m.config.Location, Locales: m.config.Locales,
		Limits: m.config.Limits, MaxRejects: maxServedRejects, Logger: m.Logger,
	}
}

// serveIngest is the server's IngestFunc: one file, or each member of a
// zip archive in its own transaction, folded into one outcome (the counts
// summed, a summary line per member). observe records each file loaded.
// Content loaded already (same SHA-256) is not loaded again, so that a
// restart never loads a file twice (docs/loading.md).
func (m *Main) serveIngest(db *queries.DB, observe func(dataset string, loaded, rejected int64, ok bool, at time.Time)) dashboards.IngestFunc {
	return func(ctx context.Context, path, name string) (dashboards.IngestOutcome, error) {
		out := dashboards.IngestOutcome{File: name}
		var summaries, datasets []string
		var errs []error
		opts := m.serveOptions(name)
		opts.SkipLoaded = true
		files, alreadyLoaded := 0, 0
		err := ingest.LoadPath(ctx, db, path, opts, func(res ingest.Result, err error) error {
			if res.Skipped == "" {
				files++
				if files == 1 {
					out.File = res.File // the name as printed: a Latin-1 name decoded
				}
				if res.AlreadyLoaded != nil {
					alreadyLoaded++
				}
			}
			if res.Skipped == "" {
				observe(res.Dataset, res.Loaded, res.Rejected, err == nil, m.Now())
			}
			if res.Dataset != "" && !contains(datasets, res.Dataset) {
				datasets = append(datasets, res.Dataset)
			}
			out.RowsRead += res.Rows
			out.Loaded += res.Loaded
			out.Rejected += res.Rejected
			if res.RejectsFile != "" {
				out.RejectsPath = res.RejectsFile
			}
			summaries = append(summaries, res.Summary())
			for _, r := range res.Rejects {
				out.Errors = append(out.Errors, r.Message(res.File))
			}
			if more := res.Rejected - int64(len(res.Rejects)); more > 0 {
				out.Errors = append(out.Errors, fmt.Sprintf("%s: %d more rejected rows not shown", res.File, more))
			}
			if err != nil {
				errs = append(errs, err)
				if !errors.Is(err, ingest.ErrRejected) && !errors.Is(err, ingest.ErrRefused) {
					return err // a database failure: stop
				}
			}
			return nil
		})
		if err == nil && out.Loaded > 0 {
			// Retention after each load: rows older than it are deleted
			// (docs/security.md).
			if rerr := m.applyRetention(ctx, db, "relais"); rerr != nil {
				m.Logger.Error("retention", "err", rerr)
			}
		}
		if files > 1 || out.File == "" {
			out.File = name // an archive: its members are in the summary
		}
		out.AlreadyLoaded = files > 0 && alreadyLoaded == files
		out.Dataset = strings.Join(datasets, ", ")
		out.Summary = strings.Join(summaries, "\n")
		if err != nil {
			return out, err
		}
		return out, errors.Join(errs...)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// serveDryRun is the server's DryRunFunc: the dry run of the command line,
// nothing written.
func (m *Main) serveDryRun() dashboards.DryRunFunc {
	return func(ctx context.Context, path, name string) ([]dashboards.DryRunFile, error) {
		var files []dashboards.DryRunFile
		err := ingest.DryRunPath(ctx, path, m.serveOptions(name), func(r ingest.Report, _ error) error {
			f := dashboards.DryRunFile{
				File: r.File, Dataset: r.Dataset, Mapping: r.Mapping, Ignored: r.Ignored,
				Rows: r.Rows, Valid: r.Valid, Rejected: r.Rejected, Skipped: r.Skipped,
			}
			if r.Refused != nil {
				f.Refused = r.Refused.Error()
			}
			for _, c := range r.Columns {
				f.Columns = append(f.Columns, dashboards.DryRunColumn{Column: c.Column, Required: c.Required, Headers: c.Headers, Via: c.Via})
			}
			for i, rej := range r.Rejects {
				if i == 10 {
					break
				}
				f.Rejects = append(f.Rejects, rej.Message(r.File))
			}
			files = append(files, f)
			return nil
		})
		return files, err
	}
}
