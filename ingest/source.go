package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// source streams the records of one file: the header first, then the data
// rows, each with the line (CSV: physical line where the record starts; XLSX:
// sheet row) that messages cite.
type source interface {
	// header returns the first non-empty record and its line.
	header() ([]string, int64, error)
	// next returns the next record (io.EOF at the end). The slice is reused
	// by the following call; its strings are not.
	next() ([]string, int64, error)
	// isXLSX says values come from spreadsheet cells (raw numbers, serial dates).
	isXLSX() bool
	// date1904 is the workbook's date system.
	date1904() bool
	close() error
}

// fileFacts are what fileDigest learns of a file.
type fileFacts struct {
	// sum is the hex SHA-256 of its bytes; size their number.
	sum  string
	size int64
	// utf8: the file is valid UTF-8 (else it is read as Windows-1252).
	utf8 bool
	// plainDelim, when not 0, says that the file is valid UTF-8 and, read
	// as CSV with this delimiter (the one newCSVSource finds), plain
	// (plainCSV).
	plainDelim rune
	// trimmed: in a plain file, no field starts or ends with a space or a
	// byte of a multi-byte character (plainCSV.trimmed).
	trimmed bool
}

// fileDigest reads the whole file once: its SHA-256, whether it is valid
// UTF-8 and whether it is a plain CSV file. Streaming, in 1 MiB chunks.
func fileDigest(path string) (facts fileFacts, err error) {
	f, err := os.Open(path)
	if err != nil {
		return fileFacts{}, err
	}
	defer f.Close()
	h := sha256.New()
	var shape *plainCSV
	// The CSV shape is followed on a goroutine of its own, beside the
	// digest, chunk by chunk.
	chunks, scanned := make(chan []byte), make(chan struct{})
	defer close(chunks)
	go func() {
		for b := range chunks {
			shape.write(b)
			scanned <- struct{}{}
		}
	}()
	buf := make([]byte, 1<<20)
	var carry []byte
	valid := true
	for {
		n, rerr := f.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if shape == nil {
				// The delimiter as newCSVSource finds it in a UTF-8 file,
				// after the byte-order mark both readers skip.
				chunk = bytes.TrimPrefix(chunk, []byte{0xEF, 0xBB, 0xBF})
				shape = newPlainCSV(byte(detectDelimiter(chunk[:min(len(chunk), csvHeadBytes)])))
			}
			scan := !shape.bad
			if scan {
				chunks <- chunk
			}
			h.Write(buf[:n])
			facts.size += int64(n)
			if valid {
				chunk := buf[:n]
				if len(carry) > 0 {
					chunk = append(carry, chunk...)
					carry = nil
				}
				// Keep an incomplete trailing sequence for the next chunk.
				end := len(chunk)
				for k := 1; k <= 3 && k <= len(chunk); k++ {
					c := chunk[len(chunk)-k]
					if c < 0x80 {
						break
					}
					if utf8.RuneStart(c) {
						if !utf8.FullRune(chunk[len(chunk)-k:]) {
							end = len(chunk) - k
						}
						break
					}
				}
				if !utf8.Valid(chunk[:end]) {
					valid = false
				}
				carry = append([]byte(nil), chunk[end:]...)
			}
			if scan {
				<-scanned // buf is read again next
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fileFacts{}, rerr
		}
	}
	if len(carry) > 0 {
		valid = false
	}
	facts.sum, facts.utf8 = hex.EncodeToString(h.Sum(nil)), valid
	if valid && shape != nil && shape.plain() {
		facts.plainDelim, facts.trimmed = rune(shape.delim), shape.trimmed()
	}
	return facts, nil
}

// countingReader reports the bytes read to a progress callback.
type countingReader struct {
	r   io.Reader
	add func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 && c.add != nil {
		c.add(n)
	}
	return n, err
}

// csvSource reads a CSV file with a detected delimiter.
type csvSource struct {
	f     *os.File
	r     *csv.Reader
	delim rune
	// bom says the file started with a UTF-8 byte-order mark.
	bom bool
	// names is the header once read, for messages.
	names []string
}

// openCSV opens path for reading as CSV. cp1252 decodes Windows-1252.
func openCSV(path string, cp1252 bool, lim Limits, progress func(int)) (*csvSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := newCSVSource(&countingReader{r: f, add: progress}, cp1252, lim)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.f = f
	return s, nil
}

// csvHeadBytes is how much of a CSV file's start detectDelimiter reads.
const csvHeadBytes = 64 << 10

func newCSVSource(r io.Reader, cp1252 bool, lim Limits) (*csvSource, error) {
	// The byte-order mark is looked for in the raw bytes: decoded as
	// Windows-1252 it would become "ï»¿" and glue itself to the first header
	// (a UTF-8 BOM followed by Windows-1252 text, as some tools write).
	br := bufio.NewReaderSize(r, 256<<10)
	bom := false
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
		bom = true
	}
	if cp1252 {
		br = bufio.NewReaderSize(transform.NewReader(br, charmap.Windows1252.NewDecoder()), 256<<10)
	}
	head, _ := br.Peek(csvHeadBytes)
	s := &csvSource{delim: detectDelimiter(head), bom: bom}
	// The limiter sees the text as the CSV reader does (decoded, without
	// the byte-order mark) and stops it at the first field or record
	// beyond its limit.
	cr := csv.NewReader(newCSVLimiter(br, s.delim, lim.withDefaults()))
	cr.Comma = s.delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	s.r = cr
	return s, nil
}

// detectDelimiter picks, among , ; tab |, the one that occurs most often
// outside quotes in the first non-empty line (ties: that order). A file
// with a single column reads as comma-separated.
func detectDelimiter(head []byte) rune {
	cands := []byte{',', ';', '\t', '|'}
	var counts [4]int
	inQuote, started := false, false
	for _, c := range head {
		if c == '"' {
			inQuote = !inQuote
			started = true
			continue
		}
		if inQuote {
			continue
		}
		if c == '\n' || c == '\r' {
			if started {
				break
			}
			continue
		}
		started = true
		for i, d := range cands {
			if c == d {
				counts[i]++
			}
		}
	}
	best := 0
	for i := 1; i < len(cands); i++ {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return rune(cands[best])
}

func (s *csvSource) header() ([]string, int64, error) {
	rec, line, err := firstRecord(s.next)
	if err != nil {
		return nil, 0, err
	}
	s.names = append([]string(nil), rec...)
	return rec, line, nil
}

// firstRecord returns a copy of the first record next reads that is not
// empty (the header: empty lines before it are skipped), and its line.
func firstRecord(next func() ([]string, int64, error)) ([]string, int64, error) {
	for {
		rec, line, err := next()
		if err != nil {
			return nil, 0, err
		}
		if !emptyRecord(rec) {
			return append([]string(nil), rec...), line, nil
		}
	}
}

func (s *csvSource) next() ([]string, int64, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, int64(pe.StartLine), fmt.Errorf("line %d: %w", pe.StartLine, pe.Err)
		}
		var le *csvLimitError
		if errors.As(err, &le) {
			if le.field >= 0 && le.field < len(s.names) {
				return nil, le.line, fmt.Errorf("line %d: column %s: %w", le.line, cutText(s.names[le.field], maxColumnRunes), err)
			}
			return nil, le.line, fmt.Errorf("line %d: %w", le.line, err)
		}
		return nil, 0, err
	}
	line, _ := s.r.FieldPos(0)
	return rec, int64(line), nil
}

func (s *csvSource) isXLSX() bool   { return false }
func (s *csvSource) date1904() bool { return false }
func (s *csvSource) close() error {
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}

func emptyRecord(rec []string) bool {
	for _, v := range rec {
		for i := 0; i < len(v); i++ {
			if c := v[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				return false
			}
		}
	}
	return true
}

// xlsxSource streams one sheet of a workbook (excelize Rows: the sheet is
// never held in memory).
type xlsxSource struct {
	f     *excelize.File
	rows  *excelize.Rows
	row   int64
	d1904 bool
	// tmp holds the checked copy of the workbook and excelize's temporary
	// files; removed at close.
	tmp string
}

// openXLSX checks the workbook against the limits (prepareXLSX) and opens
// the copy that holds only the parts a sheet needs.
func openXLSX(path, sheet string, lim Limits) (src *xlsxSource, err error) {
	tmp, err := scratchDir("xlsx")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	checked, err := prepareXLSX(path, tmp, lim)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(checked, excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.XLSXBytes,
		UnzipXMLSizeLimit: xlsxInMemory,
		TmpDir:            tmp,
	})
	if err != nil {
		return nil, err
	}
	sheets := f.GetSheetList()
	if sheet == "" {
		if len(sheets) == 0 {
			f.Close()
			return nil, errors.New("the workbook has no sheet")
		}
		sheet = sheets[0]
	} else {
		// Excel itself compares sheet names without regard to case: an
		// exact match wins, else the one that differs only in case.
		found := ""
		for _, s := range sheets {
			if s == sheet {
				found = s
				break
			}
			if found == "" && strings.EqualFold(s, sheet) {
				found = s
			}
		}
		if found == "" {
			f.Close()
			return nil, fmt.Errorf("no sheet %q (sheets: %q)", sheet, sheets)
		}
		sheet = found
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		f.Close()
		return nil, err
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &xlsxSource{f: f, rows: rows, d1904: props.Date1904 != nil && *props.Date1904, tmp: tmp}, nil
}

func (s *xlsxSource) header() ([]string, int64, error) { return firstRecord(s.next) }

func (s *xlsxSource) next() ([]string, int64, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, err
		}
		return nil, 0, io.EOF
	}
	s.row++
	rec, err := s.rows.Columns()
	if err != nil {
		return nil, s.row, fmt.Errorf("row %d: %w", s.row, err)
	}
	return rec, s.row, nil
}

func (s *xlsxSource) isXLSX() bool   { return true }
func (s *xlsxSource) date1904() bool { return s.d1904 }
func (s *xlsxSource) close() error {
	err := s.rows.Close()
	return errors.Join(err, s.f.Close(), os.RemoveAll(s.tmp))
}

func excelDateToTime(f float64, date1904 bool) (time.Time, error) {
	return excelize.ExcelDateToTime(f, date1904)
}
