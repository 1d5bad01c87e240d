package ingest

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"

	"relais/queries"
)

// Report is what a dry run found in one file (docs/mappings.md, "Dry
// run"): everything LoadFile would do, with nothing written.
type Report struct {
	// Result holds the file, dataset, row counts (Loaded is always 0),
	// ignored columns, the first rejects and why the file would be
	// refused.
	Result
	// Valid counts the rows that would load (before "later row wins").
	Valid int64
	// Mapping is the mapping used ("" when the headers were matched
	// without one).
	Mapping string
	// Columns say, for each canonical column of the dataset, where its
	// value would come from.
	Columns []ColumnReport
}

// ColumnReport is the source of one canonical column in a dry run.
type ColumnReport struct {
	// Column is the canonical column.
	Column string `json:"column"`
	// Required says the dataset requires it.
	Required bool `json:"required"`
	// Headers are the file's columns its value is read from, in order.
	Headers []string `json:"headers"`
	// Via is how: "header" (matched by name), "mapping", "set" (--set),
	// "default" (a mapping's default only) or "missing".
	Via string `json:"via"`
}

// describe fills the header-to-column table from a file's plan.
func (r *Report) describe(header []string, p *filePlan, opts Options) {
	r.Mapping = opts.Mapping
	var m *Mapping
	if opts.Mapping != "" {
		m, _ = LoadMapping(opts.Mapping)
	}
	r.Columns = r.Columns[:0]
	for _, cp := range p.cols {
		c := ColumnReport{Column: cp.col.Name, Required: cp.col.Required, Via: "missing"}
		for _, i := range cp.src {
			c.Headers = append(c.Headers, strings.TrimSpace(header[i]))
		}
		mapped := false
		if m != nil {
			_, mapped = m.Columns[cp.col.Name]
		}
		switch {
		case cp.hasSet:
			c.Via = "set"
		case len(c.Headers) > 0 && mapped:
			c.Via = "mapping"
		case len(c.Headers) > 0:
			c.Via = "header"
		case cp.hasDef:
			c.Via = "default"
		}
		r.Columns = append(r.Columns, c)
	}
}

// Missing lists the canonical columns no header, mapping default or --set
// gives.
func (r *Report) Missing() []string {
	var out []string
	for _, c := range r.Columns {
		if c.Via == "missing" {
			out = append(out, c.Column)
		}
	}
	return out
}

// DryRun reads and validates the file at path as LoadFile would, and
// writes nothing: no database is needed, no rejects file is written. The
// error says the file would be refused or rows rejected, like LoadFile's.
func DryRun(ctx context.Context, path string, opts Options) (Report, error) {
	var r Report
	opts.SkipInvalid = false
	res, err := loadFile(ctx, nil, path, opts, &r)
	r.Result = res
	r.Loaded = 0
	r.Valid = res.Rows - res.Rejected
	return r, err
}

// WriteText prints the report for a person: the dataset and mapping, the
// header-to-column table, the counts and the first rejects (at most
// maxRejects).
func (r *Report) WriteText(w io.Writer, maxRejects int) {
	fmt.Fprintf(w, "%s\n", r.File)
	if r.Skipped != "" {
		fmt.Fprintf(w, "  skipped: %s\n", r.Skipped)
		return
	}
	ds := r.Dataset
	if ds == "" {
		ds = "(unknown)"
	}
	mapping := r.Mapping
	if mapping == "" {
		mapping = "none (headers matched by name)"
	}
	fmt.Fprintf(w, "  dataset: %s\n  mapping: %s\n", ds, mapping)
	if len(r.Columns) > 0 {
		fmt.Fprintf(w, "  columns:\n")
		for _, c := range r.Columns {
			req := ""
			if c.Required {
				req = " *"
			}
			from := strings.Join(c.Headers, " | ")
			if from == "" {
				from = "-"
			}
			fmt.Fprintf(w, "    %-20s <- %s (%s)\n", c.Column+req, from, c.Via)
		}
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(w, "  ignored: %s\n", strings.Join(r.Ignored, ", "))
	}
	if r.Refused != nil {
		fmt.Fprintf(w, "  refused: %v\n", r.Refused)
		return
	}
	fmt.Fprintf(w, "  rows: %d read, %d valid, %d rejected (nothing written)\n", r.Rows, r.Valid, r.Rejected)
	for i, rej := range r.Rejects {
		if i == maxRejects {
			fmt.Fprintf(w, "  ... %d more rejected rows\n", r.Rejected-int64(i))
			break
		}
		fmt.Fprintf(w, "  %s\n", rej.Message(r.File))
	}
}

// rowSink receives the rows of a file: the database's loader, or a
// counter in a dry run.
type rowSink interface {
	Append(values []driver.Value) error
	Commit(ctx context.Context, info queries.LoadInfo) (int64, error)
	Close() error
}

// countingSink counts rows and writes nothing.
type countingSink struct{ n int64 }

func (c *countingSink) Append([]driver.Value) error { c.n++; return nil }
func (c *countingSink) Commit(context.Context, queries.LoadInfo) (int64, error) {
	return 0, nil
}
func (c *countingSink) Close() error { return nil }
