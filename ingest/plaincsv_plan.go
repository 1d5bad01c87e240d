package ingest

import (
	"strings"

	"relais/queries"
)

// plainCSVFile describes the file for DuckDB's own CSV reader
// (queries.Loader.AppendCSV) when it can take it: a plain CSV file
// (plainCSV) whose header is its first line, each column read from at
// most one field as it is (no mapping rule, no --set). ok is false
// otherwise: the rows are read here.
func (p *filePlan) plainCSVFile(path string, src source, headerLine int64, facts fileFacts, lim Limits) (queries.CSVFile, bool) {
	c, isCSV := src.(*csvSource)
	if !isCSV || facts.plainDelim == 0 || facts.plainDelim != c.delim || headerLine != 1 {
		return queries.CSVFile{}, false
	}
	// DuckDB reads a path with glob characters as a pattern.
	if strings.ContainsAny(path, "*?[]{}") {
		return queries.CSVFile{}, false
	}
	f := queries.CSVFile{Path: path, Delim: byte(c.delim), Fields: p.nsrc, MaxField: lim.FieldBytes, MaxRecord: lim.RecordBytes, Location: p.loc, Trimmed: facts.trimmed}
	for _, cp := range p.cols {
		if cp.hasSet || cp.hasDef || cp.hasWhen || cp.hasJoin || cp.values != nil || cp.typed || len(cp.src) > 1 {
			return queries.CSVFile{}, false
		}
		for _, pat := range cp.pats {
			if pat != nil {
				return queries.CSVFile{}, false
			}
		}
		source := -1
		if len(cp.src) == 1 {
			source = cp.src[0]
		}
		f.Sources = append(f.Sources, source)
	}
	return f, true
}
