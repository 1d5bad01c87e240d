package ingest

import (
	"bytes"
	"fmt"
	"io"
)

// csvLimiter passes a CSV stream through unchanged while it follows the
// records as encoding/csv reads them (LazyQuotes: a quote opens a quoted
// field only at the start of a field; `""` inside one is a quote; a quote
// followed by anything but the delimiter or a line end is kept), and fails
// the read as soon as a field or a record goes beyond its limit. The CSV
// reader holds a record whole: an unclosed quote would otherwise hold the
// rest of the file.
type csvLimiter struct {
	r         io.Reader
	delim     byte
	maxField  int64
	maxRecord int64

	state   int
	line    int64 // the physical line being read, from 1
	recLine int64 // the line where the current record starts
	field   int   // the current field's index in its record
	fieldN  int64 // bytes of the current field
	recordN int64 // bytes of the current record
	between bool  // between records: no byte of the next one yet
	err     error
}

const (
	csvFieldStart = iota
	csvUnquoted
	csvQuoted
	csvQuoteInQuoted // a quote inside a quoted field: its end, `""` or a kept quote
	csvQuoteCR       // that quote, then a carriage return
)

func newCSVLimiter(r io.Reader, delim rune, lim Limits) *csvLimiter {
	return &csvLimiter{r: r, delim: byte(delim), maxField: lim.FieldBytes, maxRecord: lim.RecordBytes, line: 1, between: true}
}

// csvLimitError is the read error of a field or record beyond its limit.
type csvLimitError struct {
	line     int64 // where the record starts
	field    int   // index of the field (-1: the record as a whole)
	limit    int64
	inQuotes bool
}

func (e *csvLimitError) Error() string {
	if e.field < 0 {
		return fmt.Sprintf("a record longer than %s (limit limits.record_bytes)", FormatBytes(e.limit))
	}
	hint := ""
	if e.inQuotes {
		hint = ": a quote that never closes?"
	}
	return fmt.Sprintf("a field longer than %s (limit limits.field_bytes)%s", FormatBytes(e.limit), hint)
}

func (e *csvLimitError) Unwrap() error { return ErrLimit }

func (l *csvLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; {
		// The bulk of a file is the inside of fields: skipped in runs.
		run := 0
		switch {
		case l.between:
		case l.state == csvUnquoted:
			run = l.unquotedRun(p[i:n])
		case l.state == csvQuoted:
			run = l.quotedRun(p[i:n])
		}
		if run == 0 {
			if lerr := l.step(p[i]); lerr != nil {
				l.err = lerr
				return i, lerr
			}
			i++
			continue
		}
		l.fieldN += int64(run)
		l.recordN += int64(run)
		if lerr := l.check(); lerr != nil {
			l.err = lerr
			return i, lerr
		}
		i += run
	}
	return n, err
}

// unquotedRun is how many bytes of b continue an unquoted field.
func (l *csvLimiter) unquotedRun(b []byte) int {
	for k, c := range b {
		if c == l.delim || c == '\n' {
			return k
		}
	}
	return len(b)
}

// quotedRun is how many bytes of b continue a quoted field before its next
// quote; it counts their line breaks.
func (l *csvLimiter) quotedRun(b []byte) int {
	if k := bytes.IndexByte(b, '"'); k >= 0 {
		b = b[:k]
	}
	l.line += int64(bytes.Count(b, []byte{'\n'}))
	return len(b)
}

func (l *csvLimiter) check() error {
	if l.fieldN > l.maxField {
		return &csvLimitError{line: l.recLine, field: l.field, limit: l.maxField, inQuotes: l.state == csvQuoted}
	}
	if l.recordN > l.maxRecord {
		return &csvLimitError{line: l.recLine, field: -1, limit: l.maxRecord}
	}
	return nil
}

func (l *csvLimiter) step(c byte) error {
	if l.between {
		if c == '\n' {
			l.line++ // an empty line: not a record
			return nil
		}
		l.between = false
		l.recLine, l.field, l.fieldN, l.recordN, l.state = l.line, 0, 0, 0, csvFieldStart
	}
	l.recordN++
	l.fieldN++
	switch l.state {
	case csvFieldStart:
		switch {
		case c == '"':
			l.state = csvQuoted
		case l.separator(c):
		default:
			l.state = csvUnquoted
		}
	case csvUnquoted:
		l.separator(c)
	case csvQuoted:
		switch c {
		case '"':
			l.state = csvQuoteInQuoted
		case '\n':
			l.line++
		}
	case csvQuoteInQuoted:
		switch {
		case c == '"':
			l.state = csvQuoted
		case l.separator(c):
		case c == '\r':
			l.state = csvQuoteCR
		default:
			l.state = csvQuoted
		}
	case csvQuoteCR:
		switch c {
		case '\n':
			l.endRecord()
		case '"':
			l.state = csvQuoteInQuoted
		default:
			l.state = csvQuoted
		}
	}
	if l.between {
		return nil
	}
	return l.check()
}

// separator ends the field at a delimiter, or the record at a line break,
// outside quotes; it says whether c was one of them.
func (l *csvLimiter) separator(c byte) bool {
	switch c {
	case l.delim:
		l.nextField()
	case '\n':
		l.endRecord()
	default:
		return false
	}
	return true
}

func (l *csvLimiter) nextField() {
	l.field++
	l.fieldN = 0
	l.state = csvFieldStart
}

func (l *csvLimiter) endRecord() {
	l.line++
	l.between = true
}
