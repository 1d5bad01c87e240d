// Package ingest reads the idea platform's exports (CSV and XLSX), matches
// their headers to the datasets of docs/data.md (English, French, mappings),
// applies the value and row rules, and loads each file in one transaction
// through queries.Loader.
package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"relais/queries"
)

// Options configure the load of one file.
type Options struct {
	// Dataset names the dataset (English or French name); "" infers it from
	// the mapping, then the file name, then the header.
	Dataset string
	// Mapping is a shipped mapping name (decidim-proposals,
	// decidim-comments, consul-proposals) or a YAML mapping file.
	Mapping string
	// Set gives columns a constant value for every row (--set COLUMN=VALUE),
	// replacing what the file holds. Columns the dataset lacks are ignored.
	Set map[string]string
	// Locales order the columns of a mapping's "title/*" entries
	// (nil: DefaultLocales).
	Locales []string
	// Sheet names the XLSX sheet to read (default: the first).
	Sheet string
	// DateOrder is "dmy" (default) or "mdy", for a/b/yyyy dates.
	DateOrder string
	// SkipInvalid loads the valid rows and writes the rejected ones to
	// FILE.rejects.csv; without it a file with a rejected row loads nothing.
	SkipInvalid bool
	// Location is the configured time zone (nil: the database's).
	Location *time.Location
	// Progress, when it is a terminal, shows a progress bar.
	Progress io.Writer
	// Logger receives progress logs (nil: none).
	Logger *slog.Logger
	// Name is the file name in messages and the ingest log (default: the
	// base name of the path), in any encoding: what is recorded and
	// printed is its DisplayName.
	Name string
	// RejectsPath replaces FILE.rejects.csv (a member of an archive
	// writes its rejects beside the archive).
	RejectsPath string
	// Limits bound a field, a record, a workbook and a zip archive (zero:
	// the defaults).
	Limits Limits
	// MaxRejects caps the rejected rows kept in Result.Rejects (default
	// 1000); every rejected row is still counted and, with SkipInvalid,
	// written to the rejects file.
	MaxRejects int
	// SkipLoaded does not load a file whose content (SHA-256) the
	// ingest log records as loaded already (the server's inbox and
	// uploads): Result.AlreadyLoaded says so.
	SkipLoaded bool
	// RowByRow reads every row of a CSV file here, never through
	// DuckDB's own CSV reader (the tests compare the two paths).
	RowByRow bool
}

// Result is what became of one file.
type Result struct {
	// File is the display name of the file.
	File string
	// Dataset is the canonical dataset it was read as ("" when unknown).
	Dataset string
	// Rows counts the data rows read; Loaded those that reached the
	// dataset; Rejected those refused by the row rules.
	Rows, Loaded, Rejected int64
	// Ignored lists the columns that matched no canonical column.
	Ignored []string
	// Rejects are the first rejected rows (Options.MaxRejects).
	Rejects []Reject
	// RejectsFile is the path of FILE.rejects.csv when one was written.
	RejectsFile string
	// Refused says why the whole file was refused (nil: it was read).
	Refused error
	// AlreadyLoaded, with Options.SkipLoaded, is the earlier load of the
	// same content (nil: the file was read).
	AlreadyLoaded *queries.IngestLogEntry
	// Skipped says why a member of a zip archive was not read ("": it
	// was).
	Skipped string
	// ReadByDuckDB says DuckDB's own CSV reader read the rows (a plain
	// CSV file, docs/loading.md), not the row path.
	ReadByDuckDB bool
}

// Reject is one rejected row.
type Reject struct {
	// Line is the CSV line where the record starts, or the sheet row.
	Line int64
	// Column is the column as the file names it (or the canonical name).
	Column string
	// Value is the offending value, as read.
	Value string
	// Reason says which rule it breaks.
	Reason string
}

// Message formats the reject as docs/data.md says: FILE:LINE: column:
// value: reason; the column, value and reason cut and escaped (cutText).
func (r Reject) Message(file string) string {
	return fmt.Sprintf("%s:%d: %s: %s: %s", file, r.Line, cutText(r.Column, maxColumnRunes), truncateValue(r.Value), cutText(r.Reason, maxReasonRunes))
}

// Summary is the line per file, exactly "ideas.csv: 1200 rows, 1198
// loaded, 2 rejected", then, on an indented second line when there is
// something to add: the dataset, why the file was refused, the rejects file,
// the ignored columns.
func (r Result) Summary() string {
	// The first line is exactly docs/data.md's form; what else there is to say
	// goes on an indented second line, so that the line stays matchable.
	if r.Skipped != "" {
		return fmt.Sprintf("%s: skipped: %s", r.File, r.Skipped)
	}
	line := fmt.Sprintf("%s: %d rows, %d loaded, %d rejected", r.File, r.Rows, r.Loaded, r.Rejected)
	var more []string
	if r.Dataset != "" {
		more = append(more, "dataset "+r.Dataset)
	}
	if a := r.AlreadyLoaded; a != nil {
		more = append(more, fmt.Sprintf("already loaded: same content (SHA-256) as %s, loaded %s; not loaded again", a.File, a.FinishedAt.Format("2006-01-02 15:04:05")))
	}
	if r.Refused != nil {
		more = append(more, fmt.Sprintf("refused: %v", r.Refused))
	} else if r.Rejected > 0 && r.Loaded == 0 && r.RejectsFile == "" {
		more = append(more, "nothing loaded: fix the rejected rows, or load the valid ones with --skip-invalid")
	}
	if r.RejectsFile != "" {
		more = append(more, "rejected rows written to "+r.RejectsFile)
	}
	if len(r.Ignored) > 0 {
		more = append(more, "ignored columns: "+listColumns(r.Ignored))
	}
	if len(more) == 0 {
		return line
	}
	return line + "\n  " + strings.Join(more, "; ")
}

// ErrRejected is wrapped by LoadFile's error when rows were rejected.
var ErrRejected = errors.New("rows rejected")

// ErrRefused is wrapped by LoadFile's error when the whole file was refused.
var ErrRefused = errors.New("file refused")

// LoadFile reads the file at path and loads it into its dataset in one
// transaction. The error reports failures of the job: a refused file,
// rejected rows (also with SkipInvalid, after the valid rows loaded), a
// database error. The Result is filled as far as known in every case.
func LoadFile(ctx context.Context, db *queries.DB, path string, opts Options) (Result, error) {
	return loadFile(ctx, db, path, opts, nil)
}

// loadFile is LoadFile; with a report (a dry run: db may be nil) it
// describes the plan in it and counts the rows instead of loading them.
func loadFile(ctx context.Context, db *queries.DB, path string, opts Options, report *Report) (Result, error) {
	started := time.Now()
	// A folder is the Parquet files under it, loaded as one file of one
	// dataset (a dataset exported partitioned, docs/parquet.md).
	folder := false
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		folder, path = true, filepath.Clean(path)
		opts.Name = strings.TrimRight(opts.Name, `/\`)
	}
	name := opts.Name
	if name == "" {
		name = filepath.Base(path)
	}
	name = DisplayName(name)
	opts.Limits = opts.Limits.withDefaults()
	res := Result{File: name}
	if opts.Mapping == "" && opts.Dataset == "" {
		// A shipped mapping made for files of this name (docs/mappings.md).
		opts.Mapping = mappingForFile(name)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc := opts.Location
	if loc == nil && db != nil {
		loc = db.Location()
	}
	if loc == nil {
		loc = time.Local
	}
	if opts.MaxRejects <= 0 {
		opts.MaxRejects = 1000
	}
	refuse := func(err error) (Result, error) {
		// A refusal may quote the file (a header, a cell): bounded.
		err = bound(err, maxMessageRunes)
		res.Refused = err
		return res, fmt.Errorf("%s: %w: %w", name, ErrRefused, err)
	}
	mdy := false
	switch strings.ToLower(opts.DateOrder) {
	case "", "dmy":
	case "mdy":
		mdy = true
	default:
		return refuse(fmt.Errorf("date order %q: want dmy or mdy", opts.DateOrder))
	}

	parquetFiles := []string{path}
	var facts fileFacts
	var err error
	if folder {
		if parquetFiles, err = parquetFolder(path); err != nil {
			return refuse(err)
		}
		if facts.sum, facts.size, err = folderDigest(path, parquetFiles); err != nil {
			return refuse(fmt.Errorf("cannot read: %w", err))
		}
		facts.utf8 = true
	} else if facts, err = fileDigest(path); err != nil {
		return refuse(fmt.Errorf("cannot read: %w", err))
	}
	sum, utf8ok, size := facts.sum, facts.utf8, facts.size
	if opts.SkipLoaded {
		prev, ok, err := db.LoadedDigest(ctx, sum)
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if ok {
			res.Dataset, res.AlreadyLoaded = prev.Dataset, &prev
			log.Info("already loaded: same content, not loaded again", "file", name, "sha256", sum, "loaded_as", prev.File, "at", prev.FinishedAt)
			return res, nil
		}
	}
	ext := strings.ToLower(filepath.Ext(path))
	if folder {
		ext = ".parquet"
	}
	isXLSX := ext == ".xlsx" || ext == ".xlsm"
	bar := newProgress(opts.Progress, name, size, isXLSX)
	defer bar.finish()

	var src source
	var pq *parquetSource
	if ext == ".parquet" {
		// Read through the database being loaded (no DuckDB instance to
		// start per file); a dry run without one opens its own.
		var through *sql.DB
		if db != nil {
			through = db.SQL()
		}
		if pq, err = openParquet(ctx, through, parquetFiles); err != nil {
			return refuse(fmt.Errorf("cannot read the Parquet file: %w", err))
		}
		src = pq
	} else if isXLSX {
		x, err := openXLSX(path, opts.Sheet, opts.Limits)
		if err != nil {
			return refuse(fmt.Errorf("cannot read the workbook: %w", err))
		}
		src = x
	} else {
		c, err := openCSV(path, !utf8ok, opts.Limits, bar.addBytes)
		if err != nil {
			return refuse(fmt.Errorf("cannot read: %w", err))
		}
		if !utf8ok {
			log.Info("not valid UTF-8: reading as Windows-1252", "file", name)
		}
		src = c
	}
	defer src.close()

	header, headerLine, err := src.header()
	if errors.Is(err, io.EOF) {
		return refuse(errors.New("the file is empty (no header row)"))
	}
	if err != nil {
		return refuse(fmt.Errorf("cannot read the header: %w", err))
	}
	p, err := plan(name, header, opts, loc, mdy)
	if p != nil {
		res.Dataset = p.ds.Name
		res.Ignored = p.ignored
		if report != nil {
			report.describe(header, p, opts)
		}
	}
	if err != nil {
		return refuse(err)
	}
	p.xlsx, p.d1904 = src.isXLSX(), src.date1904()
	rejectsBOM := false
	if c, ok := src.(*csvSource); ok {
		p.delim = c.delim
		rejectsBOM = c.bom
	}
	if pq != nil {
		pq.useTyped(p.useTyped(pq.kinds))
	}

	var loader rowSink = &countingSink{}
	if report == nil {
		l, err := db.NewLoader(ctx, p.ds)
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		loader = l
	}
	defer loader.Close()

	var rejects *rejectsWriter
	rejectsPath := path + ".rejects.csv"
	if opts.RejectsPath != "" {
		rejectsPath = opts.RejectsPath
	}
	if opts.SkipInvalid {
		defer func() {
			if rejects != nil {
				if err := rejects.close(); err != nil {
					log.Error("write rejects", "file", rejectsPath, "err", err)
				}
			}
		}()
	}
	// A plain CSV file is read by DuckDB itself (docs/loading.md); when a
	// row needs more than its SQL reads, the rows are read here.
	staged := false
	if l, ok := loader.(*queries.Loader); ok && !opts.RowByRow {
		if f, ok := p.plainCSVFile(path, src, headerLine, facts, opts.Limits); ok {
			n, err := l.AppendCSV(ctx, f)
			switch {
			case err == nil:
				staged, res.Rows, res.ReadByDuckDB = true, n, true
				bar.addBytes(int(size))
			case !errors.Is(err, queries.ErrCSVNotPlain):
				return res, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	// The loader appends on its own goroutine; it copies each row.
	vals := make([]driver.Value, len(p.ds.Columns))
	var rej Reject
	for !staged {
		if res.Rows&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("%s: %w", name, err)
			}
		}
		rec, line, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return refuse(fmt.Errorf("cannot read: %w", err))
		}
		var cells []driver.Value
		if pq != nil {
			// The Parquet source leaves blank rows out itself: its
			// typed cells have no text.
			cells = pq.cells()
		} else if emptyRecord(rec) {
			// Blank spreadsheet rows (";;;;") are not rows.
			continue
		}
		res.Rows++
		if src.isXLSX() {
			bar.addRow()
		}
		if p.row(rec, cells, vals, &rej) {
			if res.Rejected == 0 || opts.SkipInvalid {
				if err := loader.Append(vals); err != nil {
					return res, fmt.Errorf("%s: %w", name, err)
				}
			}
			continue
		}
		res.Rejected++
		rej.Line = line
		if len(res.Rejects) < opts.MaxRejects {
			res.Rejects = append(res.Rejects, rej)
		}
		if opts.SkipInvalid {
			if rejects == nil {
				if rejects, err = newRejectsWriter(rejectsPath, header, p.delim, rejectsBOM); err != nil {
					return res, fmt.Errorf("%s: write rejects: %w", name, err)
				}
				res.RejectsFile = rejectsPath
			}
			if pq != nil {
				pq.fillText(rec)
			}
			if err := rejects.write(rec, line, rej); err != nil {
				return res, fmt.Errorf("%s: write rejects: %w", name, err)
			}
		}
	}
	if res.Rejected > 0 && !opts.SkipInvalid {
		return res, fmt.Errorf("%s: %d %w, nothing loaded (fix them, or load the valid rows with --skip-invalid)", name, res.Rejected, ErrRejected)
	}
	if rejects != nil {
		err := rejects.close()
		rejects = nil
		if err != nil {
			return res, fmt.Errorf("%s: write rejects: %w", name, err)
		}
	} else if opts.SkipInvalid {
		// A rejects file left by an earlier run of this file is stale now.
		if err := os.Remove(rejectsPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			log.Warn("remove stale rejects file", "file", rejectsPath, "err", err)
		}
	}
	readTook := time.Since(started)
	n, err := loader.Commit(ctx, queries.LoadInfo{File: name, SHA256: sum, RowsRead: res.Rows, Rejected: res.Rejected, StartedAt: started})
	if err != nil {
		return res, fmt.Errorf("%s: %w", name, err)
	}
	res.Loaded = n
	if report != nil {
		return res, nil
	}
	reader := "rows"
	if res.ReadByDuckDB {
		reader = "duckdb"
	}
	log.Info("loaded", "file", name, "dataset", p.ds.Name, "rows", res.Rows, "loaded", n, "rejected", res.Rejected, "took", time.Since(started).Round(time.Millisecond), "read", readTook.Round(time.Millisecond), "reader", reader)
	if res.Rejected > 0 {
		return res, fmt.Errorf("%s: %d %w (written to %s)", name, res.Rejected, ErrRejected, rejectsPath)
	}
	return res, nil
}

// listColumns lists column names from a file's header for the summary:
// each cut and escaped, at most maxIgnoredShown of them.
func listColumns(cols []string) string {
	var l []string
	for i, c := range cols {
		if i == maxIgnoredShown {
			l = append(l, fmt.Sprintf("and %d more", len(cols)-i))
			break
		}
		l = append(l, cutText(c, maxColumnRunes))
	}
	return strings.Join(l, ", ")
}

// rejectsWriter writes FILE.rejects.csv: the original columns, then line
// and reason. UTF-8, with a byte-order mark when the input had one (Excel's
// sign that the file is UTF-8; a file without one reads back with the
// header exactly as the input's), the input's delimiter.
type rejectsWriter struct {
	f   *os.File
	w   *csv.Writer
	rec []string
	n   int
}

func newRejectsWriter(path string, header []string, delim rune, bom bool) (*rejectsWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if bom {
		if _, err := f.WriteString("\uFEFF"); err != nil {
			f.Close()
			return nil, err
		}
	}
	w := csv.NewWriter(f)
	w.Comma = delim
	rw := &rejectsWriter{f: f, w: w, n: len(header)}
	if err := w.Write(append(append([]string(nil), header...), "line", "reason")); err != nil {
		f.Close()
		return nil, err
	}
	return rw, nil
}

func (r *rejectsWriter) write(rec []string, line int64, rej Reject) error {
	r.rec = r.rec[:0]
	r.rec = append(r.rec, rec...)
	for len(r.rec) < r.n {
		r.rec = append(r.rec, "")
	}
	r.rec = append(r.rec, strconv.FormatInt(line, 10), cutText(rej.Column, maxColumnRunes)+": "+truncateValue(rej.Value)+": "+cutText(rej.Reason, maxReasonRunes))
	return r.w.Write(r.rec)
}

func (r *rejectsWriter) close() error {
	r.w.Flush()
	err := r.w.Error()
	return errors.Join(err, r.f.Close())
}
