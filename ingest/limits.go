package ingest

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Limits bound what one input file may hold, so that no file, whatever its
// size or shape, holds more than a few records in memory (docs/limits.md).
// A file beyond a limit is refused with a message naming the limit. Zero
// fields take their default.
type Limits struct {
	// FieldBytes bounds one CSV field (default 1 MiB).
	FieldBytes int64
	// RecordBytes bounds one CSV record (all its lines), one XLSX row as
	// written in the sheet's XML, and any single piece of a workbook's XML
	// (default 4 MiB).
	RecordBytes int64
	// XLSXBytes bounds a workbook's expanded size: every part once
	// unzipped, as the zip declares it (default 1 GiB).
	XLSXBytes int64
	// ZipBytes bounds what the CSV, XLSX and Parquet members of a zip
	// archive expand to, declared or actually read (default 4 GiB;
	// docs/mappings.md).
	ZipBytes int64
}

// Default limits: far above any real export (the longest idea text the
// platforms allow is a few KiB; Excel's own cell limit is 32,767
// characters; a full Excel sheet of our widest dataset expands to about
// 600 MB), far below what would exhaust a small server.
const (
	DefaultFieldBytes  = 1 << 20
	DefaultRecordBytes = 4 << 20
	DefaultXLSXBytes   = 1 << 30
	DefaultZipBytes    = 4 << 30
)

// withDefaults fills the zero limits.
func (l Limits) withDefaults() Limits {
	if l.FieldBytes <= 0 {
		l.FieldBytes = DefaultFieldBytes
	}
	if l.RecordBytes <= 0 {
		l.RecordBytes = DefaultRecordBytes
	}
	if l.FieldBytes > l.RecordBytes {
		l.RecordBytes = l.FieldBytes
	}
	if l.XLSXBytes <= 0 {
		l.XLSXBytes = DefaultXLSXBytes
	}
	if l.ZipBytes <= 0 {
		l.ZipBytes = DefaultZipBytes
	}
	return l
}

// ErrLimit is wrapped by the refusal of a file that goes beyond a limit.
var ErrLimit = errors.New("beyond a limit")

// limitError is a refusal for a limit: its own text, ErrLimit in its chain.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return ErrLimit }

func limitf(format string, args ...any) error {
	return &limitError{msg: fmt.Sprintf(format, args...)}
}

// FormatBytes writes a size as people read it: 4 MiB, 1.5 GiB, 800 bytes.
func FormatBytes(n int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	v, u := float64(n)/1024, 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[u]
}

// Bounds on the texts a person reads: a message never echoes a file whole.
const (
	maxValueRunes   = 60   // a value quoted in FILE:LINE: column: value: reason
	maxColumnRunes  = 60   // a column name taken from the file's header
	maxReasonRunes  = 200  // a reject's reason
	maxMessageRunes = 1000 // a refusal
	maxNameRunes    = 1024 // a file name (or path) in messages and the ingest log
	maxIgnoredShown = 20   // ignored columns listed in the summary
)

// cutText returns s on one line, safe to print on a terminal or a page:
// control characters (line breaks and tabs included), bidirectional
// overrides and bytes that are not UTF-8 are escaped (\n, \x1b, \u202e),
// and the result is cut after max runes with "…". It reads no more of s
// than it writes.
func cutText(s string, max int) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if n >= max {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029':
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
		n++
	}
	return b.String()
}

// boundedError keeps the chain of an error (errors.Is, errors.As) with a
// message cut by cutText, computed once.
type boundedError struct {
	msg string
	err error
}

func (e *boundedError) Error() string { return e.msg }
func (e *boundedError) Unwrap() error { return e.err }

// bound returns err with a message of at most max runes, escaped.
func bound(err error, max int) error {
	if err == nil {
		return nil
	}
	var be *boundedError
	if errors.As(err, &be) && be == err {
		return err
	}
	return &boundedError{msg: cutText(err.Error(), max), err: err}
}

// DisplayName returns the form of a file name that messages and the ingest
// log record: valid UTF-8 (a name that is not is read as Windows-1252, what
// French Windows machines write: "Donn\xe9es.csv" is "Données.csv"), with
// control characters escaped and bounded in length. The file itself is
// still opened by its real name.
func DisplayName(name string) string {
	if !utf8.ValidString(name) {
		if dec, err := charmap.Windows1252.NewDecoder().String(name); err == nil {
			name = dec
		}
	}
	return cutText(name, maxNameRunes)
}
