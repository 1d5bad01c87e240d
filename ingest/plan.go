package ingest

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"relais/queries"
)

// colPlan says where one canonical column's value comes from and how it is
// read.
type colPlan struct {
	col queries.Column
	// src are the source indices (a mapping's list: first non-empty wins);
	// empty when the column is not in the file.
	src []int
	// pats are the mapping's patterns, parallel to src (nil: the whole
	// value).
	pats []*regexp.Regexp
	// join, when hasJoin, joins the non-empty source values.
	join    string
	hasJoin bool
	// label names the column in messages: its header in the file, else the
	// canonical name.
	label string
	// set is the --set constant (hasSet) replacing the file's value.
	set    string
	hasSet bool
	// Mapping rules.
	def         string
	hasDef      bool
	whenPresent string
	hasWhen     bool
	values      map[string]string
	// enum words (folded) for Enum columns, and the raw spellings already
	// met (bounded), so that folding runs once per spelling, not per row.
	enum     map[string]string
	enumSeen map[string]string
	// isID: a Text identifier (name ends in _id), normalized from XLSX numbers.
	isID bool
	// typed: the column takes its one source's typed value as it is
	// (a Parquet column of a matching type, see useTyped).
	typed bool
}

// filePlan is how the records of one file become rows of its dataset.
type filePlan struct {
	ds      queries.Dataset
	cols    []colPlan
	ignored []string
	nsrc    int
	dates   *dateParser
	loc     *time.Location
	xlsx    bool
	d1904   bool
	delim   rune
	// cellKinds are the DuckDB types of a Parquet file's columns (nil for
	// CSV and XLSX), set by useTyped.
	cellKinds []string
	// Indices of the columns the row rules compare (-1: absent).
	created, decided, implemented, starts, ends int
}

// plan decides the dataset and matches the header; an error refuses the
// file. The plan is returned with the error when the dataset is known.
func plan(name string, header []string, opts Options, loc *time.Location, mdy bool) (*filePlan, error) {
	var m *Mapping
	if opts.Mapping != "" {
		var err error
		if m, err = LoadMapping(opts.Mapping); err != nil {
			return nil, err
		}
	}
	dsName, err := chooseDataset(name, header, opts, m)
	if err != nil {
		return nil, err
	}
	ds, _ := queries.LookupDataset(dsName)
	p := &filePlan{ds: ds, nsrc: len(header), dates: newDateParser(loc, mdy), loc: loc, delim: ','}
	p.cols = make([]colPlan, len(ds.Columns))
	h := newHeaderMatch(header)
	mapped := p.applyMapping(m, h, opts.Locales)
	dups := p.matchHeaders(h, mapped)
	for i, name := range header {
		if !h.used[i] && strings.TrimSpace(name) != "" {
			p.ignored = append(p.ignored, strings.TrimSpace(name))
		}
	}
	if len(dups) > 0 {
		return p, fmt.Errorf("%s", strings.Join(dups, "; "))
	}
	p.applySet(opts.Set)
	if missing := p.finishColumns(m, mapped); len(missing) > 0 {
		hint := ""
		if len(missing) == 1 {
			hint = fmt.Sprintf("; or give every row one value with --set %s=VALUE", strings.Fields(missing[0])[0])
		}
		return p, fmt.Errorf("missing required column %s for %s (columns found: %s)%s", strings.Join(missing, ", "), ds.Name, h.found(), hint)
	}
	col := func(n string) int { _, i := ds.Column(n); return i }
	p.created, p.decided, p.implemented, p.starts, p.ends = col("created_at"), col("decided_at"), col("implemented_at"), col("starts_on"), col("ends_on")
	if ds.Name != "ideas" {
		p.decided, p.implemented = -1, -1
	}
	return p, nil
}

// chooseDataset names the dataset of a file: --dataset, else the mapping's,
// else the file's name, else its header.
func chooseDataset(name string, header []string, opts Options, m *Mapping) (string, error) {
	switch {
	case opts.Dataset != "":
		ds, ok := LookupDatasetName(opts.Dataset)
		if !ok {
			return "", fmt.Errorf("unknown dataset %q (datasets: %s)", opts.Dataset, datasetList())
		}
		if m != nil && m.Dataset != ds.Name {
			return "", fmt.Errorf("mapping %s is for %s, not %s", m.Name, m.Dataset, ds.Name)
		}
		return ds.Name, nil
	case m != nil:
		return m.Dataset, nil
	}
	if n, ok := datasetFromFileName(name); ok {
		return n, nil
	}
	if n, ok := datasetFromHeader(header); ok {
		return n, nil
	}
	return "", fmt.Errorf("cannot tell which dataset it holds: name it with --dataset NAME (%s) or put the dataset's name in the file name (ideas.csv, 2026-11_votes.xlsx, idees.csv)", datasetList())
}

// headerMatch is a file's header as the matching reads it: each name's
// header key and fully folded form, and which columns are taken.
type headerMatch struct {
	names []string
	keys  []string
	used  []bool
}

func newHeaderMatch(header []string) *headerMatch {
	h := &headerMatch{names: header, keys: make([]string, len(header)), used: make([]bool, len(header))}
	for i, name := range header {
		h.keys[i] = headerKey(name)
	}
	return h
}

// found lists the header's non-empty names, for an error message.
func (h *headerMatch) found() string {
	var l []string
	for _, name := range h.names {
		if strings.TrimSpace(name) != "" {
			l = append(l, strings.TrimSpace(name))
		}
	}
	return strings.Join(l, ", ")
}

// applyMapping takes the mapped columns first: a mapping picks its source
// by exact header (case, accents and punctuation aside, locale suffix
// included), any locale for a `title/*` entry in the order of locales
// (docs/mappings.md). It returns the columns the mapping names.
func (p *filePlan) applyMapping(m *Mapping, h *headerMatch, locales []string) map[string]bool {
	mapped := map[string]bool{}
	if m == nil {
		return mapped
	}
	if locales == nil {
		locales = DefaultLocales
	}
	for ci, c := range p.ds.Columns {
		cm, ok := m.Columns[c.Name]
		if !ok {
			continue
		}
		mapped[c.Name] = true
		cp := &p.cols[ci]
		for fi, from := range cm.From {
			for _, i := range sourceColumns(h.names, from, locales) {
				// A pattern takes a part of a column another canonical
				// column may also read.
				if h.used[i] && cm.Patterns[fi] == nil {
					continue
				}
				h.used[i] = true
				cp.src = append(cp.src, i)
				cp.pats = append(cp.pats, cm.Patterns[fi])
				if cp.label == "" {
					cp.label = strings.TrimSpace(h.names[i])
				}
			}
		}
		if cm.Join != nil {
			cp.join, cp.hasJoin = *cm.Join, true
		}
		if cm.Default != nil {
			cp.def, cp.hasDef = *cm.Default, true
		}
		if cm.WhenPresent != nil {
			cp.whenPresent, cp.hasWhen = *cm.WhenPresent, true
		}
		if len(cm.Values) > 0 {
			cp.values = cm.Values
		}
	}
	return mapped
}

// matchHeaders matches the other columns by header; it returns one message
// per column that several headers match.
func (p *filePlan) matchHeaders(h *headerMatch, mapped map[string]bool) []string {
	idx := headerIndex(p.ds)
	matches := map[string][]int{}
	for i := range h.names {
		if h.used[i] || h.keys[i] == "" {
			continue
		}
		c, ok := idx[h.keys[i]]
		if !ok || mapped[c] {
			continue
		}
		matches[c] = append(matches[c], i)
		h.used[i] = true
	}
	var dups []string
	for ci, c := range p.ds.Columns {
		ms := matches[c.Name]
		if len(ms) > 1 {
			var hs []string
			for _, i := range ms {
				hs = append(hs, fmt.Sprintf("%q", strings.TrimSpace(h.names[i])))
			}
			dups = append(dups, fmt.Sprintf("columns %s all match %s: keep one, or pick one with a mapping (%s: {from: %s})",
				strings.Join(hs, " and "), c.Name, c.Name, strings.TrimSpace(h.names[ms[0]])))
			continue
		}
		if len(ms) == 1 {
			p.cols[ci].src = ms
			p.cols[ci].label = strings.TrimSpace(h.names[ms[0]])
		}
	}
	return dups
}

// applySet gives the --set columns their constant. --set applies to every
// file given; a dataset without the column ignores it.
func (p *filePlan) applySet(set map[string]string) {
	idx := headerIndex(p.ds)
	var setCols []string
	for k := range set {
		setCols = append(setCols, k)
	}
	sort.Strings(setCols)
	for _, k := range setCols {
		_, ci := p.ds.Column(k)
		if ci < 0 {
			if c, ok := idx[headerKey(k)]; ok {
				_, ci = p.ds.Column(c)
			}
		}
		if ci < 0 {
			continue
		}
		p.cols[ci].set, p.cols[ci].hasSet = strings.TrimSpace(set[k]), true
	}
}

// finishColumns completes each column's plan and returns the required
// columns that have no source, in words.
func (p *filePlan) finishColumns(m *Mapping, mapped map[string]bool) []string {
	var missing []string
	for ci, c := range p.ds.Columns {
		cp := &p.cols[ci]
		cp.col = c
		if cp.label == "" {
			cp.label = c.Name
		}
		cp.isID = c.Kind == queries.Text && strings.HasSuffix(c.Name, "_id")
		if c.Kind == queries.Enum {
			cp.enum = enumLookup(c.Name, c.Values)
			cp.enumSeen = map[string]string{}
		}
		if c.Required && len(cp.src) == 0 && !cp.hasSet && !cp.hasDef {
			if mapped[c.Name] && len(m.Columns[c.Name].From) > 0 {
				missing = append(missing, fmt.Sprintf("%s (the mapping reads it from %s)", c.Name, strings.Join(m.Columns[c.Name].From, " or ")))
			} else {
				missing = append(missing, c.Name)
			}
		}
	}
	return missing
}

func datasetList() string {
	var l []string
	for _, d := range queries.Datasets() {
		l = append(l, d.Name)
	}
	return strings.Join(l, ", ")
}

// raw returns the trimmed value of a column for one record, after --set
// and the mapping rules.
func (cp *colPlan) raw(rec []string) string {
	if cp.hasSet {
		return cp.set
	}
	v := cp.sourceValue(rec)
	if v == "" {
		if cp.values != nil {
			if t, ok := cp.values[""]; ok {
				return t
			}
		}
		if cp.hasDef {
			return cp.def
		}
		return ""
	}
	if cp.values != nil {
		if t, ok := cp.values[fold(v)]; ok {
			return t
		}
	}
	if cp.hasWhen {
		return cp.whenPresent
	}
	return v
}

// sourceValue is the value the file gives: the first non-empty source
// (after its pattern), or all of them joined.
func (cp *colPlan) sourceValue(rec []string) string {
	var parts []string
	for k, i := range cp.src {
		if i >= len(rec) {
			continue
		}
		v := strings.TrimSpace(rec[i])
		if v != "" && cp.pats != nil && cp.pats[k] != nil {
			m := cp.pats[k].FindStringSubmatch(v)
			if m == nil {
				v = ""
			} else {
				v = strings.TrimSpace(m[1])
			}
		}
		if v == "" {
			continue
		}
		if !cp.hasJoin {
			return v
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, cp.join)
}

// row converts one record into values (the dataset's column order). cells
// are a Parquet row's typed values (nil for CSV and XLSX). On a broken rule
// it fills rej (all but Line) and returns false.
func (p *filePlan) row(rec []string, cells []driver.Value, values []driver.Value, rej *Reject) bool {
	if len(rec) > p.nsrc {
		for _, v := range rec[p.nsrc:] {
			if strings.TrimSpace(v) != "" {
				*rej = Reject{Column: "(row)", Value: strings.TrimSpace(v), Reason: fmt.Sprintf("%d fields, but the header has %d", len(rec), p.nsrc)}
				return false
			}
		}
	}
	for ci := range p.cols {
		cp := &p.cols[ci]
		if cp.typed && cells != nil {
			if c := cells[cp.src[0]]; c != nil {
				if !p.typedValue(ci, c, values, rej) {
					return false
				}
				continue
			}
		}
		v := cp.raw(rec)
		if v == "" {
			if cp.col.Required {
				*rej = Reject{Column: cp.label, Value: v, Reason: "empty, but required"}
				return false
			}
			if cp.col.Default != "" {
				values[ci] = cp.col.Default
			} else {
				values[ci] = nil
			}
			continue
		}
		switch cp.col.Kind {
		case queries.Text:
			if p.xlsx && cp.isID {
				v = normalizeXLSXNumber(v)
			}
			values[ci] = v
		case queries.Integer:
			n, ok := parseInt(v, p.xlsx)
			if !ok {
				*rej = Reject{Column: cp.label, Value: v, Reason: "not an integer"}
				return false
			}
			if reason, ok := rangeRule(cp.col, n); !ok {
				*rej = Reject{Column: cp.label, Value: v, Reason: reason}
				return false
			}
			values[ci] = n
		case queries.Enum:
			e, ok := cp.enumSeen[v]
			if !ok {
				if e, ok = cp.enum[fold(v)]; ok && len(cp.enumSeen) < 256 {
					cp.enumSeen[v] = e
				}
			}
			if !ok {
				*rej = Reject{Column: cp.label, Value: v, Reason: "not one of " + strings.Join(cp.col.Values, ", ")}
				return false
			}
			values[ci] = e
		case queries.Date, queries.Instant:
			t, err := p.parseTime(v)
			if err != nil {
				*rej = Reject{Column: cp.label, Value: v, Reason: p.timeReason(cp.col.Kind)}
				return false
			}
			if cp.col.Kind == queries.Date {
				// A date column keeps the local calendar date.
				t = t.In(p.loc)
			}
			values[ci] = t
		}
	}
	// Row rules between columns.
	if p.created >= 0 {
		if c, ok := values[p.created].(time.Time); ok {
			for _, ci := range [2]int{p.decided, p.implemented} {
				if ci < 0 {
					continue
				}
				if d, ok := values[ci].(time.Time); ok && localDateBefore(d, c, p.loc) {
					*rej = Reject{Column: p.cols[ci].label, Value: p.text(ci, rec, cells),
						Reason: fmt.Sprintf("before created_at (%s)", c.In(p.loc).Format("2006-01-02"))}
					return false
				}
			}
		}
	}
	if p.starts >= 0 && p.ends >= 0 {
		s, ok1 := values[p.starts].(time.Time)
		e, ok2 := values[p.ends].(time.Time)
		if ok1 && ok2 && localDateBefore(e, s, p.loc) {
			*rej = Reject{Column: p.cols[p.ends].label, Value: p.text(p.ends, rec, cells),
				Reason: fmt.Sprintf("before starts_on (%s)", s.In(p.loc).Format("2006-01-02"))}
			return false
		}
	}
	return true
}

// parseTime reads a date or date-time value; in an XLSX a number is an
// Excel serial date.
func (p *filePlan) parseTime(v string) (time.Time, error) {
	if p.xlsx {
		if t, _, ok := p.dates.excelSerial(v, p.d1904); ok {
			return t, nil
		}
	}
	t, _, err := p.dates.parse(v)
	return t, err
}

// localDateBefore says whether a's local calendar date is before b's.
func localDateBefore(a, b time.Time, loc *time.Location) bool {
	ay, am, ad := a.In(loc).Date()
	by, bm, bd := b.In(loc).Date()
	if ay != by {
		return ay < by
	}
	if am != bm {
		return am < bm
	}
	return ad < bd
}

// timeReason is the reason a value is not a date (kind Date) or not a
// date-time; with --date-order mdy the hint shows the order in force.
func (p *filePlan) timeReason(kind queries.Kind) string {
	dmy := "dd/mm/yyyy"
	if p.dates.mdy {
		dmy = "mm/dd/yyyy"
	}
	if kind == queries.Date {
		return "not a date (want yyyy-mm-dd or " + dmy + ")"
	}
	return "not a date-time (want yyyy-mm-dd HH:MM[:SS][+hh:mm], " + dmy + " [HH:MM[:SS]])"
}

// rangeRule checks an integer against its column's range; it returns the
// reason when the value is out of it.
func rangeRule(c queries.Column, n int64) (string, bool) {
	if !c.HasRange || n >= c.Min && (c.Max < 0 || n <= c.Max) {
		return "", true
	}
	if c.Max < 0 {
		return fmt.Sprintf("out of range: must be %d or more", c.Min), false
	}
	return fmt.Sprintf("out of range %d-%d", c.Min, c.Max), false
}
