package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"relais/ingest"
	"relais/queries"
)

// setFlag collects repeatable --set COLUMN=VALUE flags.
type setFlag map[string]string

func (s setFlag) String() string {
	var l []string
	for k, v := range s {
		l = append(l, k+"="+v)
	}
	sort.Strings(l)
	return strings.Join(l, ",")
}

func (s setFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("--set %q: want COLUMN=VALUE", v)
	}
	s[strings.TrimSpace(k)] = val
	return nil
}

// ingestFiles returns the files of the command line, parsing the flags that
// follow a file too (`relais ingest ideas.csv --skip-invalid`): Go's flag
// package stops at the first file, which would read "--skip-invalid" as a
// file name. After "--" every argument is a file.
func ingestFiles(fs *flag.FlagSet) ([]string, error) {
	var files []string
	args := fs.Args()
	for len(args) > 0 {
		a := args[0]
		switch {
		case a == "--":
			return append(files, args[1:]...), nil
		case len(a) > 1 && a[0] == '-':
			if err := fs.Parse(args); err != nil {
				return nil, err
			}
			rest := fs.Args()
			if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
				return append(files, rest...), nil
			}
			args = rest
		default:
			files = append(files, a)
			args = args[1:]
		}
	}
	return files, nil
}

// ingestFlags registers `relais ingest` (docs/cli.md) and returns its runner.
func (m *Main) ingestFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	var opts ingest.Options
	set := setFlag{}
	fs.StringVar(&opts.Dataset, "dataset", "", "the dataset of every file (default: from the file name, else the header)")
	fs.StringVar(&opts.Mapping, "mapping", "", "a shipped mapping ("+strings.Join(ingest.ShippedMappings(), ", ")+") or a YAML mapping file")
	fs.Var(set, "set", "COLUMN=VALUE: give a column one value for every row (repeatable)")
	fs.StringVar(&opts.Sheet, "sheet", "", "the XLSX sheet to read (default: the first)")
	fs.StringVar(&opts.DateOrder, "date-order", "dmy", "how to read a/b/yyyy dates: dmy or mdy")
	fs.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "load the valid rows and write the rejected ones to FILE.rejects.csv")
	dryRun := fs.Bool("dry-run", false, "read and validate every file and show what would load (dataset, columns, counts, first rejects); write nothing")
	return func(ctx context.Context) error {
		configPath := m.configPath
		files, err := ingestFiles(fs)
		if err != nil {
			return usageError{err}
		}
		if m.configPath != configPath {
			// --config came after a file: read the one it names.
			cfg, err := LoadConfig(m.configPath, true)
			if err != nil {
				return usageError{err}
			}
			m.config = cfg
		}
		if len(files) == 0 {
			return usagef("no file to ingest")
		}
		if opts.DateOrder != "dmy" && opts.DateOrder != "mdy" {
			return usagef("--date-order %q: want dmy or mdy", opts.DateOrder)
		}
		if opts.Dataset != "" {
			if _, ok := ingest.LookupDatasetName(opts.Dataset); !ok {
				var names []string
				for _, d := range queries.Datasets() {
					names = append(names, d.Name)
				}
				return usagef("--dataset %q: want one of %s", opts.Dataset, strings.Join(names, ", "))
			}
		}
		if opts.Mapping != "" {
			if _, err := ingest.LoadMapping(opts.Mapping); err != nil {
				return usageError{err}
			}
		}
		for k := range set {
			if !ingest.ColumnExists(k) {
				return usagef("--set %s: no dataset has a column %q", k, k)
			}
		}
		opts.Set = set
		opts.Location = m.config.Location
		opts.Locales = m.config.Locales
		opts.Limits = m.config.Limits
		opts.Logger = m.Logger
		if *dryRun {
			return m.dryRun(ctx, files, opts)
		}
		db, err := m.openDB(ctx)
		if err != nil {
			return err
		}
		opts.Progress = m.Stderr
		failed, total := 0, 0
		each := func(res ingest.Result, err error) error {
			total++
			path := res.File
			for _, r := range res.Rejects {
				fmt.Fprintln(m.Stderr, r.Message(res.File))
			}
			if more := res.Rejected - int64(len(res.Rejects)); more > 0 {
				fmt.Fprintf(m.Stderr, "%s: %d more rejected rows not shown (--skip-invalid writes them all to %s.rejects.csv)\n", res.File, more, path)
			}
			fmt.Fprintln(m.Stdout, res.Summary())
			// Nothing else uses the database here: DuckDB's cache of the
			// file just loaded goes before the next file's rows come.
			if rerr := db.ReleaseCache(ctx); rerr != nil {
				return jobError{rerr}
			}
			if err != nil {
				failed++
				if !errors.Is(err, ingest.ErrRejected) && !errors.Is(err, ingest.ErrRefused) {
					// A database failure or an interrupt: stop here; the
					// files loaded before stay loaded.
					if ctx.Err() != nil {
						return jobError{fmt.Errorf("interrupted: %w", err)}
					}
					return jobError{err}
				}
			}
			return nil
		}
		for _, path := range files {
			o := opts
			// Messages name the file as the user gave it (FILE:LINE: ...,
			// the summary line), as compilers do: a path with folders
			// still ends with the file's name. A zip's members are
			// named ARCHIVE/MEMBER.
			o.Name = path
			if err := ingest.LoadPath(ctx, db, path, o, each); err != nil {
				return err
			}
		}
		if ctx.Err() != nil && failed == 0 {
			// Interrupted once the last file had committed (a load
			// interrupted during its commit waits for it): every file is
			// loaded, only the summary below is skipped.
			fmt.Fprintln(m.Stderr, "interrupted: every file is loaded; the data-quality summary is skipped")
			return nil
		}
		if err := m.applyRetention(ctx, db, m.cliActor()); err != nil {
			return jobError{err}
		}
		q, err := db.DataQuality(ctx)
		if err != nil {
			return jobError{err}
		}
		writeQuality(m.Stdout, q)
		if failed > 0 {
			return jobError{fmt.Errorf("%d of %d files had rejected rows or were refused (see above)", failed, total)}
		}
		return nil
	}
}

// writeQuality prints the short data-quality summary after a load: rows per
// dataset, then the references to rows that are not loaded.
func writeQuality(w io.Writer, q queries.DataQuality) {
	var parts []string
	for _, r := range q.Rows {
		parts = append(parts, fmt.Sprintf("%s %d", r.Dataset, r.Rows))
	}
	fmt.Fprintf(w, "database: %s\n", strings.Join(parts, ", "))
	var refs []string
	for _, d := range q.Dangling {
		if d.Rows > 0 {
			refs = append(refs, fmt.Sprintf("%d %s rows point (%s) to %d %s not loaded", d.Rows, d.Dataset, d.Column, d.Missing, d.Target))
		}
	}
	if len(refs) == 0 {
		fmt.Fprintln(w, "references: every site, person and idea referred to is loaded")
	} else {
		fmt.Fprintf(w, "references not loaded (kept, left out of the KPIs that need them): %s\n", strings.Join(refs, "; "))
	}
	if q.IdeasWithoutAuthor > 0 {
		fmt.Fprintf(w, "ideas without an author: %d\n", q.IdeasWithoutAuthor)
	}
}
