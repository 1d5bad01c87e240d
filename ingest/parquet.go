package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	// The DuckDB driver reads Parquet (built in, no extension download).
	_ "github.com/duckdb/duckdb-go/v2"
)

// parquetSource reads a Parquet file through an in-memory DuckDB: each
// value becomes the text a CSV would hold, so that a Parquet file goes
// through the same value and row rules (docs/parquet.md, "Loading Parquet").
// DATE values read as yyyy-mm-dd, TIMESTAMP WITH TIME ZONE as instants
// (UTC, RFC 3339), TIMESTAMP without a zone as local times; nested types
// refuse the file.
type parquetSource struct {
	db    *sql.DB
	rows  *sql.Rows
	names []string
	kinds []string
	vals  []any
	ptrs  []any
	rec   []string
	row   int64
}

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

func openParquet(ctx context.Context, path string) (*parquetSource, error) {
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false&threads=1&memory_limit=256MB")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	s := &parquetSource{db: db}
	if err := s.open(ctx, path); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *parquetSource) open(ctx context.Context, path string) error {
	from := "read_parquet('" + strings.ReplaceAll(path, "'", "''") + "')"
	desc, err := s.db.QueryContext(ctx, "DESCRIBE SELECT * FROM "+from)
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
	s.rows, err = s.db.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+from)
	if err != nil {
		return err
	}
	s.vals = make([]any, len(sel))
	s.ptrs = make([]any, len(sel))
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	s.rec = make([]string, len(sel))
	return nil
}

// header returns the column names; line 1, as in a CSV.
func (s *parquetSource) header() ([]string, int64, error) {
	return append([]string(nil), s.names...), 1, nil
}

// next returns the next row as text; its line is the row number plus one
// (the header counting as line 1, as in a CSV).
func (s *parquetSource) next() ([]string, int64, error) {
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			return nil, 0, err
		}
		return nil, 0, io.EOF
	}
	s.row++
	if err := s.rows.Scan(s.ptrs...); err != nil {
		return nil, s.row + 1, err
	}
	for i, v := range s.vals {
		s.rec[i] = parquetText(v, s.kinds[i])
	}
	return s.rec, s.row + 1, nil
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
	case int64, int32, int16, int8:
		return strconv.FormatInt(reflect.ValueOf(x).Int(), 10)
	case uint32, uint16, uint8:
		return strconv.FormatUint(reflect.ValueOf(x).Uint(), 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func (s *parquetSource) isXLSX() bool   { return false }
func (s *parquetSource) date1904() bool { return false }
func (s *parquetSource) close() error {
	var err error
	if s.rows != nil {
		err = s.rows.Close()
	}
	return errors.Join(err, s.db.Close())
}
