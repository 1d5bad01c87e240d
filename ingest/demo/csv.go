package demo

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

// pad writes n with leading zeros to width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// appendPadded appends n with leading zeros to width digits.
func appendPadded(b []byte, n, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// csvWriter builds one record at a time and writes it to a buffered writer.
type csvWriter struct {
	bw   *bufio.Writer
	row  []byte
	sep  byte
	eol  string
	rows int64
	cols int
}

func newCSV(w io.Writer, sep byte, crlf bool) *csvWriter {
	c := &csvWriter{bw: bufio.NewWriterSize(w, 1<<20), sep: sep, eol: "\n", row: make([]byte, 0, 512)}
	if crlf {
		c.eol = "\r\n"
	}
	return c
}

// sepIfNeeded writes the delimiter before every field but the first.
func (c *csvWriter) sepIfNeeded() {
	if c.cols > 0 {
		c.row = append(c.row, c.sep)
	}
	c.cols++
}

// str appends a text field, quoted when it holds the delimiter, a quote or
// a line break.
func (c *csvWriter) str(s string) {
	c.sepIfNeeded()
	if strings.IndexByte(s, c.sep) < 0 && strings.IndexByte(s, '"') < 0 && strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 {
		c.row = append(c.row, s...)
		return
	}
	c.row = append(c.row, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			c.row = append(c.row, '"')
		}
		c.row = append(c.row, s[i])
	}
	c.row = append(c.row, '"')
}

// raw appends bytes that need no quoting (identifiers, dates, numbers).
func (c *csvWriter) raw(b []byte) {
	c.sepIfNeeded()
	c.row = append(c.row, b...)
}

// field returns the row for appending a field that needs no quoting.
func (c *csvWriter) field() []byte {
	c.sepIfNeeded()
	return c.row
}

// set stores the row after appending to the slice field returned.
func (c *csvWriter) set(row []byte) { c.row = row }

func (c *csvWriter) int(n int) {
	c.sepIfNeeded()
	c.row = strconv.AppendInt(c.row, int64(n), 10)
}

func (c *csvWriter) empty() { c.sepIfNeeded() }

// header writes the header record (not counted as a row).
func (c *csvWriter) header(cols ...string) error {
	for _, h := range cols {
		c.str(h)
	}
	c.row = append(c.row, c.eol...)
	_, err := c.bw.Write(c.row)
	c.row, c.cols = c.row[:0], 0
	return err
}

// end finishes the record.
func (c *csvWriter) end() error {
	c.row = append(c.row, c.eol...)
	_, err := c.bw.Write(c.row)
	c.row, c.cols = c.row[:0], 0
	c.rows++
	return err
}

func (c *csvWriter) flush() error { return c.bw.Flush() }
