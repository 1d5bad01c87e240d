package ingest

import "bytes"

// plainCSV follows a file's bytes, chunk by chunk, and says whether it is
// a plain CSV file: one that DuckDB's CSV reader and encoding/csv (as
// newCSVSource sets it) split into the same records and fields, because
// there is nothing to tell apart: no quote at all, every carriage return
// before a line feed (a lone one is a line end for DuckDB, data for
// encoding/csv), no NUL byte. Exports of identifiers and times (activity,
// votes) are such files; DuckDB reads quoted fields more slowly than the
// row path does.
//
// It also says whether some field may need trimming (edgy): a field of a
// record after the header whose first or last byte is a space, a control
// character or a byte of a multi-byte character (a non-breaking
// space...). When none does, DuckDB takes the fields as they are, which
// saves it trimming every value.
type plainCSV struct {
	delim byte
	// prev is the last byte seen ('\n' before the first).
	prev byte
	// cr: the last byte was a carriage return.
	cr  bool
	bad bool
	// body: the header (the first line) is behind; its names are not
	// values, edgy looks at the lines after it only.
	body bool
	// edgy: some field starts or ends with a byte edgeByte marks.
	edgy bool
}

// edgeByte marks the bytes a field may not start or end with to be taken
// as it is: spaces and control characters, and every byte of a
// multi-byte character.
var edgeByte = func() (t [256]bool) {
	for b := range 256 {
		t[b] = b <= ' ' || b >= 0x7f
	}
	return t
}()

func newPlainCSV(delim byte) *plainCSV {
	return &plainCSV{delim: delim, prev: '\n'}
}

// write follows the next chunk of the file.
func (c *plainCSV) write(b []byte) {
	if c.bad || len(b) == 0 {
		return
	}
	if bytes.IndexByte(b, '"') >= 0 || bytes.IndexByte(b, 0) >= 0 {
		c.bad = true
		return
	}
	if c.cr && b[0] != '\n' {
		c.bad = true
		return
	}
	c.cr = false
	for k := 0; ; {
		r := bytes.IndexByte(b[k:], '\r')
		if r < 0 {
			break
		}
		k += r
		if k == len(b)-1 {
			c.cr = true // the next chunk must start with a line feed
			break
		}
		if b[k+1] != '\n' {
			c.bad = true
			return
		}
		k += 2
	}
	if !c.edgy {
		c.edges(b)
	}
	c.prev = b[len(b)-1]
}

// edges looks at the first and last byte of each field in b (a field's
// edges are next to a delimiter or a line end; c.prev is the byte before
// b).
func (c *plainCSV) edges(b []byte) {
	prev := c.prev
	if !c.body {
		k := bytes.IndexByte(b, '\n')
		if k < 0 {
			return
		}
		c.body, prev, b = true, '\n', b[k+1:]
	}
	for _, ch := range b {
		if ch == c.delim || ch == '\n' || ch == '\r' {
			// prev ends a field, unless it is a delimiter or a line end
			// itself (an empty field).
			if prev != c.delim && prev != '\n' && prev != '\r' && edgeByte[prev] {
				c.edgy = true
				return
			}
		} else if (prev == c.delim || prev == '\n') && edgeByte[ch] {
			c.edgy = true // ch starts a field
			return
		}
		prev = ch
	}
}

// plain says whether the whole file was plain: a carriage return at its
// very end is not (encoding/csv keeps it, DuckDB does not).
func (c *plainCSV) plain() bool {
	return !c.bad && !c.cr
}

// trimmed says whether every field of a plain file starts and ends with a
// byte edgeByte does not mark (the last field of a file without a final
// line end included).
func (c *plainCSV) trimmed() bool {
	if c.body && c.prev != c.delim && c.prev != '\n' && edgeByte[c.prev] {
		return false
	}
	return !c.edgy
}
