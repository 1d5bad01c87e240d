package ingest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"relais/queries"
)

// parquetSource reads a Parquet file through DuckDB, so that a Parquet
// file goes through the same value and row rules as a CSV file
// (docs/parquet.md, "Loading Parquet files"). Each value is the text a CSV
// would hold: DATE values read as yyyy-mm-dd, TIMESTAMP WITH TIME ZONE as
// instants (UTC, RFC 3339), TIMESTAMP without a zone as local times; nested
// types refuse the file.
//
// DuckDB is the database being loaded (a connection of its own: the file
// is only read) or, without one (a dry run), an in-memory instance. The
// rows are read ahead, a batch at a time, on their own goroutine, straight
// from the driver (DuckDB's decoding and the driver's conversion overlap
// the row rules). The driver materializes a query's whole result before
// handing its first row (outside DuckDB's memory_limit: 0.75 GB for the
// large demo's 20M activity rows), so the files are read a few row groups
// at a time, a query per range of rows (parquetRanges).
//
// A column the plan reads as a typed value (useTyped: a date or timestamp
// into a date or instant column, an integer into an integer column) is
// not formatted as text: the plan takes the value as it is, and the text
// is made only for a message or the rejects file (fillText).
type parquetSource struct {
	// own is the in-memory instance opened for this file (nil: the
	// database's).
	own   *sql.DB
	conn  *sql.Conn
	query string
	// chunked: query is run once per range of rows (ranges), with the
	// range's condition; else once.
	chunked bool
	ranges  []parquetRange
	names   []string
	kinds   []string
	// needText marks the columns whose non-text values are formatted as
	// they are read (all of them until the plan says otherwise).
	needText []bool

	ctx     context.Context
	ahead   chan *parquetBatch
	free    chan *parquetBatch
	stop    chan struct{}
	done    chan struct{}
	started bool
	cur     *parquetBatch
	pos     int

	// The reading goroutine's own: the batch it fills, the rows read.
	filling  *parquetBatch
	rowsRead int64
}

// parquetBatch is a block of rows read ahead: the driver's values, their
// text and each row's line. Blank rows (every value NULL or blank text) are
// left out, as blank CSV lines are.
type parquetBatch struct {
	cells []driver.Value
	text  []string
	lines []int64
	n     int
	err   error
}

const parquetBatchRows = 2048

// parquetScalar are the DuckDB types read as they are; the other scalar
// types are cast to text.
var parquetScalar = map[string]bool{
	"VARCHAR": true, "BIGINT": true, "INTEGER": true, "SMALLINT": true, "TINYINT": true,
	"UINTEGER": true, "USMALLINT": true, "UTINYINT": true, "DOUBLE": true, "FLOAT": true,
	"BOOLEAN": true, "DATE": true, "TIMESTAMP": true, "TIMESTAMP WITH TIME ZONE": true,
	"TIMESTAMP_MS": true, "TIMESTAMP_NS": true, "TIMESTAMP_S": true,
}

// parquetNested are the types that have no single-cell text form.
var parquetNested = []string{"[]", "STRUCT", "MAP", "UNION", "BLOB", "ARRAY"}

// openParquet opens the files (one, or the Parquet files of a folder, read
// one after the other as one file) for reading through db (nil: an
// in-memory DuckDB of its own).
func openParquet(ctx context.Context, db *sql.DB, files []string) (*parquetSource, error) {
	s := &parquetSource{ctx: ctx}
	if db == nil {
		connector, err := duckdb.NewConnector("?autoinstall_known_extensions=false&autoload_known_extensions=false&threads=1&memory_limit=256MB", nil)
		if err != nil {
			return nil, err
		}
		s.own = sql.OpenDB(connector)
		db = s.own
	}
	if err := s.open(ctx, db, files); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *parquetSource) open(ctx context.Context, db *sql.DB, files []string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	s.conn = conn
	// The file's own columns: a folder named like a Hive partition
	// (month=2026-09) adds none.
	// The files of a folder in name order (DuckDB keeps the order of the
	// list and of each file's rows); a column missing from one is NULL
	// there.
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = sqlQuote(f)
	}
	list := "[" + strings.Join(quoted, ", ") + "]"
	from := "read_parquet(" + list + ", hive_partitioning = false, union_by_name = true)"
	desc, err := conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+from)
	if err != nil {
		return err
	}
	var sel []string
	for desc.Next() {
		var name, typ string
		var null, key, def, extra sql.NullString
		if err := desc.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			desc.Close()
			return err
		}
		for _, n := range parquetNested {
			if strings.Contains(typ, n) {
				desc.Close()
				return fmt.Errorf("column %q has the type %s, which holds no single value: flatten it first", name, typ)
			}
		}
		quoted := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		if parquetScalar[typ] {
			sel = append(sel, quoted)
		} else {
			sel = append(sel, "CAST("+quoted+" AS VARCHAR)")
			typ = "VARCHAR"
		}
		s.names = append(s.names, name)
		s.kinds = append(s.kinds, typ)
	}
	if err := errors.Join(desc.Err(), desc.Close()); err != nil {
		return err
	}
	if len(sel) == 0 {
		return errors.New("no column")
	}
	// Ranges of rows are picked by DuckDB's filename and file_row_number
	// columns: a file with a column of either name is read whole.
	s.chunked = true
	for _, n := range s.names {
		if strings.EqualFold(n, "filename") || strings.EqualFold(n, "file_row_number") {
			s.chunked = false
		}
	}
	if s.chunked {
		if s.ranges, err = parquetRanges(ctx, conn, list, files); err != nil {
			return err
		}
		s.chunked = s.ranges != nil
	}
	if s.chunked {
		from = "read_parquet(" + list + ", hive_partitioning = false, union_by_name = true, filename = true, file_row_number = true)"
	}
	s.query = "SELECT " + strings.Join(sel, ", ") + " FROM " + from
	s.needText = make([]bool, len(sel))
	for i := range s.needText {
		s.needText[i] = true
	}
	return nil
}

// parquetRange is a range of rows of one file: [first, end).
type parquetRange struct {
	file       string
	first, end int64
}

// parquetChunkRows is about the rows read by one query: whole row groups
// up to it, a larger row group split (25 MB of results for activity's
// rows, ten times less than a month file's).
const parquetChunkRows = 1 << 18

// parquetRanges cuts the files into ranges of rows, in the files' order,
// from their row groups (nil: a file's row groups are not known by its
// name, read the files whole).
func parquetRanges(ctx context.Context, conn *sql.Conn, list string, files []string) ([]parquetRange, error) {
	rows, err := conn.QueryContext(ctx, "SELECT file_name, row_group_id, any_value(row_group_num_rows) FROM parquet_metadata("+list+") GROUP BY ALL ORDER BY 1, 2")
	if err != nil {
		return nil, err
	}
	groups := map[string][]int64{}
	for rows.Next() {
		var name string
		var id, n int64
		if err := rows.Scan(&name, &id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		groups[name] = append(groups[name], n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	var ranges []parquetRange
	for _, f := range files {
		sizes, ok := groups[f]
		if !ok {
			return nil, nil
		}
		var first, end int64
		for _, n := range sizes {
			end += n
			for end-first >= parquetChunkRows {
				cut := first + parquetChunkRows
				if end-first < 2*parquetChunkRows {
					cut = end // whole row groups when they fit
				}
				ranges = append(ranges, parquetRange{f, first, cut})
				first = cut
			}
		}
		if end > first {
			ranges = append(ranges, parquetRange{f, first, end})
		}
	}
	return ranges, nil
}

// parquetFolder lists the Parquet files under a folder (subfolders
// included, as a Hive-partitioned export has them), in name order.
func parquetFolder(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".parquet") && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read the folder: %w", err)
	}
	if len(files) == 0 {
		return nil, errors.New("a folder is loaded as the Parquet files under it, and this one has none")
	}
	return files, nil
}

// folderDigest is the SHA-256 of a folder's Parquet files (each one's path
// within the folder and its bytes, in name order) and their total size.
func folderDigest(dir string, files []string) (string, int64, error) {
	h := sha256.New()
	var size int64
	for _, f := range files {
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			return "", 0, err
		}
		fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
		in, err := os.Open(f)
		if err != nil {
			return "", 0, err
		}
		n, err := io.Copy(h, in)
		in.Close()
		if err != nil {
			return "", 0, err
		}
		size += n
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// header returns the column names; line 1, as in a CSV.
func (s *parquetSource) header() ([]string, int64, error) {
	return append([]string(nil), s.names...), 1, nil
}

// useTyped says which columns the plan reads only as typed values (their
// text is then made only on demand); call it before the first next.
func (s *parquetSource) useTyped(typedOnly []bool) {
	for i, t := range typedOnly {
		s.needText[i] = !t
	}
}

// next returns the next row that is not blank as text (the typed-only
// columns' text left empty: cells holds their values); its line is the row
// number plus one (the header counting as line 1, as in a CSV).
func (s *parquetSource) next() ([]string, int64, error) {
	if !s.started {
		s.start()
	}
	ncol := len(s.names)
	for s.cur == nil || s.pos == s.cur.n {
		if s.cur != nil {
			if err := s.cur.err; err != nil {
				return nil, 0, err
			}
			s.free <- s.cur
		}
		b, ok := <-s.ahead
		if !ok {
			s.cur = nil
			return nil, 0, io.EOF
		}
		s.cur, s.pos = b, 0
	}
	k := s.pos
	s.pos++
	return s.cur.text[k*ncol : (k+1)*ncol], s.cur.lines[k], nil
}

// cells are the driver's values of the row next returned last (nil: NULL).
func (s *parquetSource) cells() []driver.Value {
	ncol := len(s.names)
	k := s.pos - 1
	return s.cur.cells[k*ncol : (k+1)*ncol]
}

// fillText gives the typed-only cells of the last row their text, for
// the rejects file.
func (s *parquetSource) fillText(rec []string) {
	for i, v := range s.cells() {
		if rec[i] == "" && v != nil {
			rec[i] = parquetText(v, s.kinds[i])
		}
	}
}

const parquetBatches = 4

func (s *parquetSource) start() {
	s.started = true
	ncol := len(s.names)
	s.ahead = make(chan *parquetBatch, parquetBatches)
	s.free = make(chan *parquetBatch, parquetBatches+1)
	for range parquetBatches + 1 {
		s.free <- &parquetBatch{
			cells: make([]driver.Value, parquetBatchRows*ncol),
			text:  make([]string, parquetBatchRows*ncol),
			lines: make([]int64, parquetBatchRows),
		}
	}
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.read()
}

// read fills batches until the end of the files, an error or stop. The
// queries run on the driver's connection (no database/sql per value),
// inside conn.Raw for their whole length.
func (s *parquetSource) read() {
	defer close(s.done)
	defer close(s.ahead)
	err := s.conn.Raw(func(dc any) error {
		q := dc.(driver.QueryerContext)
		if !s.chunked {
			_, err := s.readQuery(q, s.query)
			return err
		}
		for _, r := range s.ranges {
			more, err := s.readQuery(q, fmt.Sprintf("%s WHERE filename = %s AND file_row_number >= %d AND file_row_number < %d",
				s.query, sqlQuote(r.file), r.first, r.end))
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
	b := s.filling
	s.filling = nil
	if err != nil {
		// The error goes with the rows read before it.
		if b == nil {
			b = &parquetBatch{}
		}
		b.err = err
	}
	if b != nil {
		select {
		case s.ahead <- b:
		case <-s.stop:
		}
	}
}

// readQuery hands over the rows of one query, in batches; it says whether
// to go on (false: stop was asked). A read error is returned.
func (s *parquetSource) readQuery(q driver.QueryerContext, query string) (bool, error) {
	rows, err := q.QueryContext(s.ctx, query, nil)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	ncol := len(s.names)
	for {
		if s.filling == nil {
			select {
			case s.filling = <-s.free:
				s.filling.n, s.filling.err = 0, nil
			case <-s.stop:
				return false, nil
			}
		}
		b := s.filling
		for b.n < parquetBatchRows {
			cells := b.cells[b.n*ncol : (b.n+1)*ncol]
			if err := rows.Next(cells); err != nil {
				if err == io.EOF {
					return true, nil
				}
				return false, err
			}
			s.rowsRead++
			if s.fill(b.text[b.n*ncol:(b.n+1)*ncol], cells) {
				b.lines[b.n] = s.rowsRead + 1
				b.n++
			}
		}
		s.filling = nil
		select {
		case s.ahead <- b:
		case <-s.stop:
			return false, nil
		}
	}
}

// fill sets the text of one row and says whether the row holds anything.
func (s *parquetSource) fill(text []string, cells []driver.Value) bool {
	blank := true
	for i, v := range cells {
		switch x := v.(type) {
		case nil:
			text[i] = ""
			continue
		case string:
			text[i] = x
			if blank && !emptyRecord(text[i:i+1]) {
				blank = false
			}
			continue
		}
		blank = false
		if s.needText[i] {
			text[i] = parquetText(v, s.kinds[i])
		} else {
			text[i] = ""
		}
	}
	return !blank
}

// parquetText is a Parquet value as a CSV would write it.
func parquetText(v any, kind string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		switch {
		case kind == "DATE":
			return x.Format("2006-01-02")
		case kind == "TIMESTAMP WITH TIME ZONE":
			return x.UTC().Format(time.RFC3339Nano)
		default:
			// A timestamp without a zone is a local time, like a CSV
			// value without an offset.
			return x.Format("2006-01-02 15:04:05.999999999")
		}
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return string(x)
	}
	if n, ok := cellInt(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprint(v)
}

// cellInt is an integer cell as an int64.
func cellInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	}
	return 0, false
}

func (s *parquetSource) isXLSX() bool   { return false }
func (s *parquetSource) date1904() bool { return false }
func (s *parquetSource) close() error {
	if s.started {
		close(s.stop)
		<-s.done
	}
	var errs []error
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
	}
	if s.own != nil {
		errs = append(errs, s.own.Close())
	}
	return errors.Join(errs...)
}

// parquetTimeKinds are the DuckDB types read as dates or instants.
var parquetTimeKinds = map[string]bool{
	"DATE": true, "TIMESTAMP": true, "TIMESTAMP WITH TIME ZONE": true,
	"TIMESTAMP_MS": true, "TIMESTAMP_NS": true, "TIMESTAMP_S": true,
}

// parquetIntKinds are the DuckDB integer types read as int64.
var parquetIntKinds = map[string]bool{
	"BIGINT": true, "INTEGER": true, "SMALLINT": true, "TINYINT": true,
	"UINTEGER": true, "USMALLINT": true, "UTINYINT": true,
}

// useTyped lets each column that reads one Parquet column of a matching
// type as it is (a date or timestamp into a date or instant column, an
// integer into an integer column; no --set, pattern or value table) take
// its typed value instead of its text: the same rule, without formatting
// the value and parsing it back. It returns the file's columns that only
// such columns read, or none, whose text is then made only on demand.
func (p *filePlan) useTyped(kinds []string) []bool {
	p.cellKinds = kinds
	readers := make([]int, len(kinds))
	typedReaders := make([]int, len(kinds))
	for ci := range p.cols {
		cp := &p.cols[ci]
		if cp.hasSet {
			continue
		}
		for _, i := range cp.src {
			readers[i]++
		}
		if len(cp.src) != 1 || cp.pats != nil && cp.pats[0] != nil || cp.values != nil || cp.hasWhen {
			continue
		}
		kind := kinds[cp.src[0]]
		switch cp.col.Kind {
		case queries.Date, queries.Instant:
			cp.typed = parquetTimeKinds[kind]
		case queries.Integer:
			cp.typed = parquetIntKinds[kind]
		}
		if cp.typed {
			typedReaders[cp.src[0]]++
		}
	}
	typedOnly := make([]bool, len(kinds))
	for i := range kinds {
		typedOnly[i] = readers[i] == typedReaders[i]
	}
	return typedOnly
}

// typedValue is row's rule for a typed cell (not NULL) of a column that
// useTyped marked: the rule the column's text would meet, applied to the
// value itself. A reject quotes the text the value would have had.
func (p *filePlan) typedValue(ci int, cell driver.Value, values []driver.Value, rej *Reject) bool {
	cp := &p.cols[ci]
	kind := p.cellKinds[cp.src[0]]
	switch cp.col.Kind {
	case queries.Integer:
		n, _ := cellInt(cell)
		if reason, ok := rangeRule(cp.col, n); !ok {
			*rej = Reject{Column: cp.label, Value: parquetText(cell, kind), Reason: reason}
			return false
		}
		values[ci] = n
		return true
	}
	t := cell.(time.Time)
	if kind == "TIMESTAMP WITH TIME ZONE" {
		t = t.UTC()
	}
	if !yearInRange(t.Year()) {
		*rej = Reject{Column: cp.label, Value: parquetText(cell, kind), Reason: p.timeReason(cp.col.Kind)}
		return false
	}
	if kind != "TIMESTAMP WITH TIME ZONE" {
		// A date or a timestamp without a zone is a local wall-clock time.
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), p.loc)
	}
	if cp.col.Kind == queries.Date {
		t = t.In(p.loc)
	}
	values[ci] = t
	return true
}

// text is column ci's value for a message: its text, or the text of its
// typed cell.
func (p *filePlan) text(ci int, rec []string, cells []driver.Value) string {
	cp := &p.cols[ci]
	if cp.typed && cells != nil {
		if c := cells[cp.src[0]]; c != nil {
			return parquetText(c, p.cellKinds[cp.src[0]])
		}
	}
	return cp.raw(rec)
}
