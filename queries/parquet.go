package queries

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// ParquetOptions configure ExportParquet.
type ParquetOptions struct {
	// Dir is the folder to write; it must not exist yet or be empty. The
	// files are written into a folder beside it, renamed to Dir when
	// complete.
	Dir string
	// Settings and AsOf give the KPI document and the weekly series.
	Settings Settings
	AsOf     time.Time
	// Weeks is the number of weeks of the series (default 13, as the
	// API's series).
	Weeks int
}

// ParquetExport says what ExportParquet wrote.
type ParquetExport struct {
	// Files are the paths written, relative to Dir.
	Files []string
	// AsOf is the as-of date of the KPI files.
	AsOf string
	// Steps say how long each part took.
	Steps []ParquetStep
}

// ParquetStep is one part of an export and its duration.
type ParquetStep struct {
	Name string
	Took time.Duration
}

// ExportParquet writes every dataset, the KPI document (one row per site,
// and the overall row) and the weekly series as Parquet files, through
// DuckDB's COPY ... TO (FORMAT parquet), from one consistent view of the
// database. The layout is docs/parquet.md's: DATASET.parquet,
// activity/month=YYYY-MM/*.parquet (Hive partitions by local month),
// kpi_sites.parquet, kpi_overall.parquet, weekly.parquet.
func (db *DB) ExportParquet(ctx context.Context, opts ParquetOptions) (ParquetExport, error) {
	var out ParquetExport
	if opts.Weeks <= 0 {
		opts.Weeks = 13
	}
	if entries, err := os.ReadDir(opts.Dir); err == nil && len(entries) > 0 {
		return out, fmt.Errorf("export to %s: the folder is not empty (give a new or empty folder)", opts.Dir)
	}
	parent := filepath.Dir(filepath.Clean(opts.Dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(opts.Dir)+".*.tmp")
	if err != nil {
		return out, fmt.Errorf("export to %s: %w (check the parent folder exists and is writable)", opts.Dir, err)
	}
	defer os.RemoveAll(tmp)
	ctx, done, err := db.readView(ctx, true)
	if err != nil {
		return out, fmt.Errorf("export parquet: %w", err)
	}
	defer done()
	conn := ctx.Value(viewKey{}).(*sql.Conn)
	copyTo := func(query, rel, options string) error {
		start := time.Now()
		target := filepath.Join(tmp, filepath.FromSlash(rel))
		q := fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd%s)", query, sqlString(target), options)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("export %s: %w", rel, err)
		}
		out.Files = append(out.Files, rel)
		out.Steps = append(out.Steps, ParquetStep{Name: rel, Took: time.Since(start)})
		return nil
	}
	step := func(name string, start time.Time) {
		out.Steps = append(out.Steps, ParquetStep{Name: name, Took: time.Since(start)})
	}
	for _, ds := range Datasets() {
		// The canonical columns only (not load_id, the loads' own
		// bookkeeping).
		cols := datasetColumns(ds)
		switch ds.Name {
		case "activity":
			if err := os.Mkdir(filepath.Join(tmp, "activity"), 0o755); err != nil {
				return out, err
			}
			start := time.Now()
			if err := db.exportActivity(ctx, conn, tmp, cols, &out); err != nil {
				return out, err
			}
			step("activity", start)
		case "votes":
			// Not sorted: sorting 3M votes by their key took twice as
			// long as writing them (the large demo).
			if err := copyTo("SELECT "+cols+" FROM votes", "votes.parquet", ""); err != nil {
				return out, err
			}
		default:
			if err := copyTo("SELECT "+cols+" FROM "+ds.Name+" ORDER BY "+strings.Join(ds.Key, ", "), ds.Name+".parquet", ""); err != nil {
				return out, err
			}
		}
	}
	start := time.Now()
	doc, err := db.KPIs(ctx, opts.Settings, opts.AsOf)
	if err != nil {
		return out, fmt.Errorf("export parquet: %w", err)
	}
	out.AsOf = doc.AsOf
	if err := writeKPITables(ctx, conn, doc); err != nil {
		return out, err
	}
	step("kpis", start)
	start = time.Now()
	if err := db.writeSeriesTable(ctx, conn, doc, opts); err != nil {
		return out, err
	}
	step("weekly series", start)
	for _, t := range []string{"kpi_sites", "kpi_overall", "weekly"} {
		if err := copyTo("SELECT * FROM relais_export_"+t, t+".parquet", ""); err != nil {
			return out, err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return out, err
	}
	// An empty folder given by the user is replaced by the complete one.
	if err := os.Remove(opts.Dir); err != nil && !os.IsNotExist(err) {
		return out, fmt.Errorf("export to %s: %w", opts.Dir, err)
	}
	if err := os.Rename(tmp, opts.Dir); err != nil {
		return out, fmt.Errorf("export to %s: %w", opts.Dir, err)
	}
	return out, nil
}

// datasetColumns lists a dataset's canonical columns for a SELECT.
func datasetColumns(ds Dataset) string {
	var l []string
	for _, c := range ds.Columns {
		l = append(l, c.Name)
	}
	return strings.Join(l, ", ")
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// figureColumns are the numeric keys of Figures with their SQL types
// (counts BIGINT, ratios and days DOUBLE), in JSON order.
func figureColumns(keys []string) [][2]string {
	types := map[string]string{}
	rt := reflect.TypeOf(Figures{})
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		switch f.Type.Kind() {
		case reflect.Int64:
			types[tag] = "BIGINT"
		case reflect.Pointer:
			if f.Type.Elem().Kind() == reflect.Int64 {
				types[tag] = "BIGINT"
			} else {
				types[tag] = "DOUBLE"
			}
		}
	}
	var out [][2]string
	for _, k := range keys {
		switch {
		case k == "ideas_by_status":
			for _, s := range Statuses() {
				out = append(out, [2]string{"ideas_by_status_" + s, "BIGINT"})
			}
		case types[k] != "":
			out = append(out, [2]string{k, types[k]})
		}
	}
	return out
}

// figureValues are the values of figureColumns for one site or overall.
func figureValues(cols [][2]string, f Figures, value func(string) *float64) []any {
	var out []any
	for _, c := range cols {
		if s, ok := strings.CutPrefix(c[0], "ideas_by_status_"); ok {
			out = append(out, f.IdeasByStatus.Get(s))
			continue
		}
		v := value(c[0])
		switch {
		case v == nil:
			out = append(out, nil)
		case c[1] == "BIGINT":
			out = append(out, int64(*v))
		default:
			out = append(out, *v)
		}
	}
	return out
}

// tempTable creates a temporary table (dropped with the read view's
// transaction) and inserts rows into it.
func tempTable(ctx context.Context, conn *sql.Conn, name string, cols [][2]string, rows [][]any) error {
	var defs []string
	for _, c := range cols {
		defs = append(defs, `"`+c[0]+`" `+c[1])
	}
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+name+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	// Many rows per statement: one statement per row costs a round trip
	// each (seconds for the weekly series of many sites).
	const batch = 256
	for len(rows) > 0 {
		n := min(batch, len(rows))
		var tuples []string
		var args []any
		for _, r := range rows[:n] {
			var marks []string
			for _, v := range r {
				args = append(args, v)
				marks = append(marks, fmt.Sprintf("$%d", len(args)))
			}
			tuples = append(tuples, "("+strings.Join(marks, ", ")+")")
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+name+" VALUES "+strings.Join(tuples, ", "), args...); err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		rows = rows[n:]
	}
	return nil
}

func writeKPITables(ctx context.Context, conn *sql.Conn, doc *Document) error {
	asOf, err := time.Parse(time.DateOnly, doc.AsOf)
	if err != nil {
		return err
	}
	figs := figureColumns(SiteKeys())
	cols := append([][2]string{{"as_of", "DATE"}, {"site_id", "VARCHAR"}, {"name", "VARCHAR"}}, figs...)
	cols = append(cols, [2]string{"flags", "VARCHAR"}, [2]string{"struggling", "BOOLEAN"})
	var rows [][]any
	for _, s := range doc.Sites {
		r := append([]any{asOf, s.SiteID, s.Name}, figureValues(figs, s.Figures, s.Figures.Value)...)
		rows = append(rows, append(r, strings.Join(s.Flags, ","), s.Struggling))
	}
	if err := tempTable(ctx, conn, "relais_export_kpi_sites", cols, rows); err != nil {
		return err
	}
	// Overall: the figures, then the overall-only keys.
	figs = figureColumns(OverallKeys())
	for _, k := range []string{"sites", "sites_with_active_ambassador_share", "ideas_per_site_median", "decision_delay_reduction", "struggling_sites"} {
		t := "DOUBLE"
		if k == "sites" || k == "struggling_sites" {
			t = "BIGINT"
		}
		figs = append(figs, [2]string{k, t})
	}
	cols = append([][2]string{{"as_of", "DATE"}, {"program_start", "DATE"}, {"program_day", "BIGINT"}}, figs...)
	start, err := time.Parse(time.DateOnly, doc.Program.Start)
	if err != nil {
		return err
	}
	row := append([]any{asOf, start, int64(doc.Program.Day)}, figureValues(figs, doc.Overall.Figures, doc.Overall.Value)...)
	return tempTable(ctx, conn, "relais_export_kpi_overall", cols, [][]any{row})
}

func (db *DB) writeSeriesTable(ctx context.Context, conn *sql.Conn, doc *Document, opts ParquetOptions) error {
	cols := [][2]string{
		{"site_id", "VARCHAR"}, {"week_start", "DATE"}, {"week_end", "DATE"},
		{"active_people", "BIGINT"}, {"active_ambassadors", "BIGINT"}, {"ideas", "BIGINT"},
		{"ideas_idea", "BIGINT"}, {"ideas_irritant", "BIGINT"}, {"ideas_solution", "BIGINT"}, {"ideas_practice", "BIGINT"},
		{"votes", "BIGINT"}, {"comments", "BIGINT"}, {"decisions", "BIGINT"}, {"median_decision_delay_days", "DOUBLE"},
	}
	// Overall, then every site from one query (a query per site took
	// 25 ms each, seconds for the large demo's 300 sites).
	overall, err := db.Series(ctx, opts.Settings, opts.AsOf, "", opts.Weeks)
	if err != nil {
		return fmt.Errorf("export weekly: %w", err)
	}
	bySite, err := db.SeriesBySite(ctx, opts.Settings, opts.AsOf, opts.Weeks)
	if err != nil {
		return fmt.Errorf("export weekly: %w", err)
	}
	zero, err := db.ZeroSeries(opts.Settings, opts.AsOf, opts.Weeks)
	if err != nil {
		return fmt.Errorf("export weekly: %w", err)
	}
	sites := []string{""}
	for _, s := range doc.Sites {
		sites = append(sites, s.SiteID)
	}
	var rows [][]any
	for _, site := range sites {
		pts, ok := bySite[site]
		switch {
		case site == "":
			pts = overall
		case !ok:
			pts = zero
		}
		var siteID any
		if site != "" {
			siteID = site
		}
		for _, p := range pts {
			ws, err1 := time.Parse(time.DateOnly, p.WeekStart)
			we, err2 := time.Parse(time.DateOnly, p.WeekEnd)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("export weekly: week %s..%s", p.WeekStart, p.WeekEnd)
			}
			var median any
			if p.MedianDecisionDelayDays != nil {
				median = *p.MedianDecisionDelayDays
			}
			rows = append(rows, []any{siteID, ws, we, p.ActivePeople, p.ActiveAmbassadors, p.Ideas,
				p.IdeasByKind.Idea, p.IdeasByKind.Irritant, p.IdeasByKind.Solution, p.IdeasByKind.Practice,
				p.Votes, p.Comments, p.Decisions, median})
		}
	}
	return tempTable(ctx, conn, "relais_export_weekly", cols, rows)
}

// exportActivity writes activity/month=YYYY-MM/data_0.parquet for every
// local month that has activity: one COPY per month, its rows found by a
// filter on occurred_at between the month's first instants (computed once
// in Go, no per-row time-zone conversion); not sorted. Measured on the
// large demo, this takes a third less CPU than one COPY partitioned by a
// computed month (PARTITION_BY) and far less than sorting.
func (db *DB) exportActivity(ctx context.Context, conn *sql.Conn, tmp, cols string, out *ParquetExport) error {
	var lo, hi sql.NullTime
	if err := conn.QueryRowContext(ctx, "SELECT min(occurred_at), max(occurred_at) FROM activity").Scan(&lo, &hi); err != nil {
		return fmt.Errorf("export activity: %w", err)
	}
	if !lo.Valid {
		return nil // no activity: an empty folder
	}
	for _, m := range localMonths(db.loc, lo.Time, hi.Time) {
		rel := "activity/month=" + m.name
		if err := os.Mkdir(filepath.Join(tmp, filepath.FromSlash(rel)), 0o755); err != nil {
			return err
		}
		file := rel + "/data_0.parquet"
		q := fmt.Sprintf("COPY (SELECT %s FROM activity WHERE occurred_at >= to_timestamp(%d) AND occurred_at < to_timestamp(%d)) TO %s (FORMAT parquet, COMPRESSION zstd)",
			cols, m.start.Unix(), m.end.Unix(), sqlString(filepath.Join(tmp, filepath.FromSlash(file))))
		res, err := conn.ExecContext(ctx, q)
		if err != nil {
			return fmt.Errorf("export %s: %w", file, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			// A month without activity between two that have some.
			if err := os.RemoveAll(filepath.Join(tmp, filepath.FromSlash(rel))); err != nil {
				return err
			}
			continue
		}
		out.Files = append(out.Files, file)
	}
	return nil
}

// localMonth is one calendar month of the configured zone: its name
// (YYYY-MM) and the instants of its first and of the next month's first
// local midnight.
type localMonth struct {
	name       string
	start, end time.Time
}

// localMonths are the local months from lo's to hi's.
func localMonths(loc *time.Location, lo, hi time.Time) []localMonth {
	lo, hi = lo.In(loc), hi.In(loc)
	var out []localMonth
	for m := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, loc); !m.After(hi); m = m.AddDate(0, 1, 0) {
		out = append(out, localMonth{name: m.Format("2006-01"), start: m, end: m.AddDate(0, 1, 0)})
	}
	return out
}
