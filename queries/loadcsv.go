package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// CSVFile is a CSV file that DuckDB reads itself (Loader.AppendCSV): a
// plain file, UTF-8, without quotes, whose header is its first line (the
// caller checks that; docs/loading.md, "DuckDB reads
// plain CSV files itself").
type CSVFile struct {
	// Path is the file's path.
	Path string
	// Delim is the field delimiter.
	Delim byte
	// Fields is the number of fields of the header.
	Fields int
	// Sources gives, for each column of the dataset, the field it reads
	// (from 0), or -1 when the file lacks it.
	Sources []int
	// MaxField and MaxRecord are the limits of one field and one record,
	// in bytes: a file that comes near either is left to the caller.
	MaxField, MaxRecord int64
	// Trimmed says that no field starts or ends with white space: the
	// values are taken as they are, not trimmed one by one.
	Trimmed bool
	// Location is the time zone of values written without an offset; a
	// zone other than the database's is left to the caller.
	Location *time.Location
}

// whiteSpace is every character Go's strings.TrimSpace removes (Unicode's
// White_Space): the value rules trim identifiers and values the same way
// whichever path reads the file.
const whiteSpace = " \t\n\v\f\r\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

// offsetInstant and localInstant are the date-time forms DuckDB's cast
// reads exactly as the row path does: an ISO 8601 date and time (HH:MM:SS,
// up to six decimals; HH:MM without an offset only: DuckDB's cast refuses
// it with one) with an offset (Z, ±HH:MM, ±HHMM); the same without one, or
// a date alone (local time, years 1990-2040: localTimesAgree). The hour is 00-23, the
// year 1900-2999, an offset at most 18 hours. Any other form sends the
// file to the row path, which reads every form of docs/data.md.
const (
	isoTime       = `(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?`
	offsetInstant = isoTime + `(Z|[+-](0[0-9]|1[0-8]):?[0-5][0-9])`
	localInstant  = `(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}|` + isoTime
)

// ErrCSVNotPlain is AppendCSV's answer when DuckDB cannot take the file as
// it is: a row breaks a rule, a value has a form the SQL does not read, a
// field nears a limit, or DuckDB's reader refuses the file. The loader is
// as NewLoader left it: the caller appends the rows itself.
var ErrCSVNotPlain = errors.New("not a plain CSV file")

// AppendCSV stages the rows of f with DuckDB's own CSV reader and the
// value rules in SQL, instead of Append: about twice as fast for a large
// file. It must come before any Append. It returns the rows staged, or
// ErrCSVNotPlain (nothing staged, the loader ready for Append) when some
// row needs the row path: the row path then finds the same rows valid,
// rejects the others with their reasons, or refuses the file.
func (l *Loader) AppendCSV(ctx context.Context, f CSVFile) (int64, error) {
	if l.seq > 0 || l.draining || l.sqlStaged {
		return 0, errors.New("load: AppendCSV after Append")
	}
	if f.Location == nil || f.Location.String() != l.db.loc.String() || len(f.Sources) != len(l.ds.Columns) {
		return 0, ErrCSVNotPlain
	}
	query, required, ok := csvSelect(l.ds, f, l.db.localTimesAgree(ctx, l.conn))
	if !ok {
		return 0, ErrCSVNotPlain
	}
	// The Appender would hold rows of its own: none yet, it is closed and
	// opened again if the row path takes over.
	if err := l.app.Close(); err != nil {
		return 0, fmt.Errorf("load %s: appender: %w", l.ds.Name, err)
	}
	l.app = nil
	var cols []string
	for _, c := range l.ds.Columns {
		cols = append(cols, c.Name)
	}
	insert := fmt.Sprintf(`INSERT INTO main.%s (%s, load_id) SELECT *, %d FROM (%s)`,
		l.ds.Name, strings.Join(cols, ", "), l.loadID, query)
	res, err := l.conn.ExecContext(ctx, insert)
	var rows int64
	if err == nil {
		rows, err = res.RowsAffected()
	}
	if err == nil {
		var broken int64
		err = l.conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM main.%s WHERE rowid > %d AND (%s)`,
			l.ds.Name, l.before, strings.Join(required, " OR "))).Scan(&broken)
		if err == nil && broken > 0 {
			err = fmt.Errorf("%d rows break a rule or have another form: %w", broken, ErrCSVNotPlain)
		}
	}
	if err == nil {
		err = l.csvSpans(ctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		slog.Debug("the row path reads the file", "dataset", l.ds.Name, "file", f.Path, "why", err)
		if rerr := l.restart(ctx); rerr != nil {
			return 0, rerr
		}
		return 0, ErrCSVNotPlain
	}
	l.sqlStaged = true
	l.seq = rows
	return rows, nil
}

// csvSelect is the query that turns the file's fields (c0, c1...) into
// the dataset's columns, in two steps (the values, trimmed unless the
// file is; the columns), and the conditions that find a row the SQL could
// not take (a required column NULL). ok is false when a column is of a
// kind the SQL does not read (enums, integers, dates: the row path).
func csvSelect(ds Dataset, f CSVFile, localTimes bool) (query string, required []string, ok bool) {
	var values, columns []string
	for ci, c := range ds.Columns {
		src := f.Sources[ci]
		if src >= f.Fields {
			return "", nil, false
		}
		v := fmt.Sprintf("v%d", ci)
		switch {
		case src < 0:
			values = append(values, "NULL::VARCHAR AS "+v)
		case f.Trimmed:
			values = append(values, fmt.Sprintf("c%d AS %s", src, v))
		default:
			values = append(values, fmt.Sprintf("%s AS %s", trimSQL(fmt.Sprintf("c%d", src)), v))
		}
		column := v
		switch c.Kind {
		case Text:
			if c.Default != "" {
				column = fmt.Sprintf("coalesce(%s, %s)", v, sqlString(c.Default))
			}
		case Instant:
			column = instantSQL(v, localTimes)
		default:
			return "", nil, false
		}
		if c.Required {
			required = append(required, c.Name+" IS NULL")
		}
		columns = append(columns, column)
	}
	if len(required) == 0 {
		return "", nil, false
	}
	// A blank record (";;;") has its required columns NULL too: the row
	// path, which leaves such records out, reads the file (a filter here
	// would cost half the reading: DuckDB's reader checks it per row).
	query = fmt.Sprintf("SELECT %s FROM (SELECT %s FROM %s)",
		strings.Join(columns, ", "), strings.Join(values, ", "), csvReader(f))
	return query, required, true
}

// trimSQL is field c trimmed of white space, NULL when nothing is left.
// Trimming a set of characters costs five times the reading of the field:
// a value that starts and ends with a printable ASCII character is kept
// as it is.
func trimSQL(c string) string {
	return fmt.Sprintf("CASE WHEN ascii(%[1]s) BETWEEN 33 AND 126 AND ascii(right(%[1]s, 1)) BETWEEN 33 AND 126 THEN %[1]s ELSE nullif(trim(%[1]s, %[2]s), '') END", c, sqlString(whiteSpace))
}

// instantSQL reads v as an instant: NULL when it has neither form above,
// names no real date, or is a local time within three hours of a change
// of the zone's offset (where the row path's reading of a repeated or
// skipped hour is its own) or one DuckDB moved; every local time is NULL
// unless localTimes (DuckDB's zone data agree with Go's: localTimesAgree).
func instantSQL(v string, localTimes bool) string {
	if !localTimes {
		return fmt.Sprintf(`CASE WHEN regexp_full_match(%[1]s, '%[2]s') THEN TRY_CAST(%[1]s AS TIMESTAMPTZ) END`, v, offsetInstant)
	}
	return fmt.Sprintf(`CASE WHEN regexp_full_match(%[1]s, '%[2]s') THEN TRY_CAST(%[1]s AS TIMESTAMPTZ)
		WHEN regexp_full_match(%[1]s, '%[3]s') AND left(%[1]s, 4) BETWEEN '1990' AND '2040' THEN (
			CASE WHEN CAST(TRY_CAST(%[1]s AS TIMESTAMPTZ) AS TIMESTAMP) = TRY_CAST(%[1]s AS TIMESTAMP)
				AND date_part('timezone', TRY_CAST(%[1]s AS TIMESTAMPTZ) - INTERVAL 3 HOUR) = date_part('timezone', TRY_CAST(%[1]s AS TIMESTAMPTZ) + INTERVAL 3 HOUR)
			THEN TRY_CAST(%[1]s AS TIMESTAMPTZ) END)
		END`, v, offsetInstant, localInstant)
}

// localTimesAgree says whether DuckDB's time zone data (ICU's) and Go's
// give the database's zone the same offsets, hour by hour from 1990 to
// 2040: two versions of the zone rules can differ (a country that
// stopped changing its clocks), and a local time would then be read as
// another instant by each path. Asked once per database.
func (db *DB) localTimesAgree(ctx context.Context, conn *sql.Conn) bool {
	db.zonesOnce.Do(func() {
		rows, err := conn.QueryContext(ctx, `SELECT epoch(t)::BIGINT, offset_seconds FROM (
			SELECT t, date_part('timezone', t) AS offset_seconds, lag(date_part('timezone', t)) OVER (ORDER BY t) AS before
			FROM generate_series(TIMESTAMPTZ '1990-01-01 00:00:00+00', TIMESTAMPTZ '2040-12-31 23:00:00+00', INTERVAL 1 HOUR) AS s(t))
			WHERE before IS NULL OR offset_seconds <> before ORDER BY t`)
		if err != nil {
			slog.Debug("time zone data not compared", "err", err)
			return
		}
		defer rows.Close()
		type change struct{ at, offset int64 }
		var duck []change
		for rows.Next() {
			var c change
			if err := rows.Scan(&c.at, &c.offset); err != nil {
				return
			}
			duck = append(duck, c)
		}
		if rows.Err() != nil {
			return
		}
		var goChanges []change
		prev := int64(math.MinInt64)
		for at := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() <= 2040; at = at.Add(time.Hour) {
			_, off := at.In(db.loc).Zone()
			if int64(off) != prev {
				goChanges = append(goChanges, change{at.Unix(), int64(off)})
				prev = int64(off)
			}
		}
		db.zonesAgree = slices.Equal(duck, goChanges)
		if !db.zonesAgree {
			slog.Info("DuckDB's and Go's time zone data differ: local times in CSV files are read by the row path", "zone", db.loc.String())
		}
	})
	return db.zonesAgree
}

// csvReader is DuckDB's read_csv of f: every field as text, named c0,
// c1..., nothing guessed, no record longer than half a limit.
func csvReader(f CSVFile) string {
	var cols []string
	for i := 0; i < f.Fields; i++ {
		cols = append(cols, fmt.Sprintf("'c%d': 'VARCHAR'", i))
	}
	// A record over half the smaller limit is refused by DuckDB (the row
	// path then refuses it, or not, with the limit's own count).
	maxLine := min(f.MaxField, f.MaxRecord, 4<<20) / 2
	// An absolute path (DuckDB would read a leading ~ as the home
	// folder), read as it is whatever its extension (.gz).
	path, err := filepath.Abs(f.Path)
	if err != nil {
		path = f.Path
	}
	return fmt.Sprintf(`read_csv(%s, header = true, auto_detect = false, delim = %s, quote = '"', escape = '"', null_padding = true, max_line_size = %d, compression = 'none', columns = {%s})`,
		sqlString(path), sqlString(string(rune(f.Delim))), maxLine, strings.Join(cols, ", "))
}

// csvSpans sets the spans of the instant key columns from the staged rows
// (Append keeps them row by row).
func (l *Loader) csvSpans(ctx context.Context) error {
	for i := range l.spans {
		sp := &l.spans[i]
		var lo, hi *time.Time
		if err := l.conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT min(%[1]s), max(%[1]s) FROM main.%[2]s WHERE rowid > %[3]d`,
			sp.name, l.ds.Name, l.before)).Scan(&lo, &hi); err != nil {
			return err
		}
		if lo != nil && hi != nil {
			sp.min, sp.max, sp.seen = *lo, *hi, true
		}
	}
	return nil
}

// restart undoes what AppendCSV staged: the transaction begins again and
// the Appender is opened again, as NewLoader left them (the write lock is
// held throughout, so the load's id and the table's bounds still hold).
func (l *Loader) restart(ctx context.Context) error {
	l.rollback()
	if _, err := l.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("load %s: begin: %w", l.ds.Name, err)
	}
	l.inTx = true
	for i := range l.spans {
		l.spans[i].seen = false
	}
	return l.openAppender()
}
