package dashboards

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"relais/queries"
)

// Workbook sheet names.
const (
	sheetSummary   = "Summary"
	sheetSites     = "Sites"
	sheetTrends    = "Trends"
	sheetCommittee = "Committee"
	sheetDecisions = "Decisions"
	sheetQuality   = "Data quality"
)

// WorkbookOptions is what a workbook is made of.
type WorkbookOptions struct {
	// DB is read for the trends, the committee, the changelog and the data
	// quality report.
	DB *queries.DB
	// Settings are the KPI settings (for the weekly series).
	Settings queries.Settings
	// Doc is the KPI document of the as-of date.
	Doc *queries.Document
	// Lang is "fr" (default) or "en": headers and definitions.
	Lang string
	// Weeks is how many weeks the Trends sheet covers (0: 13).
	Weeks int

	// from, when set, answers the queries from the server's page cache.
	from *Server
}

// WriteWorkbook writes the Excel workbook of a KPI document: Summary
// (program, targets, overall figures and their definitions), Sites, Trends
// (with native line charts), Committee (top open ideas), Decisions (the
// changelog of the as-of month and the one before) and Data quality.
// Numbers are numbers with formats; user text is always a string cell.
func WriteWorkbook(ctx context.Context, w io.Writer, o WorkbookOptions) error {
	f, err := BuildWorkbook(ctx, o)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// BuildWorkbook builds the workbook in memory (see WriteWorkbook).
func BuildWorkbook(ctx context.Context, o WorkbookOptions) (*excelize.File, error) {
	if o.Lang != langEN {
		o.Lang = langFR
	}
	if o.Weeks <= 0 {
		o.Weeks = defaultWeeks
	}
	asOf, err := time.Parse(dateLayout, o.Doc.AsOf)
	if err != nil {
		return nil, fmt.Errorf("workbook: as_of %q: %w", o.Doc.AsOf, err)
	}
	f := excelize.NewFile()
	b := &book{f: f, v: &view{Lang: o.Lang, tr: translations[o.Lang]}}
	if err := b.styles(); err != nil {
		f.Close()
		return nil, err
	}
	steps := []func() error{
		func() error { return b.summary(o.Doc) },
		func() error { return b.sites(o.Doc) },
		func() error { return b.trends(ctx, o, asOf) },
		func() error { return b.committee(ctx, o, asOf) },
		func() error { return b.decisions(ctx, o, asOf) },
		func() error { return b.quality(ctx, o) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			f.Close()
			return nil, err
		}
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		f.Close()
		return nil, fmt.Errorf("workbook: %w", err)
	}
	if idx, err := f.GetSheetIndex(sheetSummary); err == nil {
		f.SetActiveSheet(idx)
	}
	return f, nil
}

// book writes sheets as tables: a header row, then rows of typed cells.
type book struct {
	f     *excelize.File
	v     *view
	style map[kind]int
	head  int
	date  int
	dtime int
	text  int
}

// cell is one typed value: string (always a string cell, never a formula),
// a number with its display kind, a date, or empty.
type cell struct {
	s    *string
	n    *float64
	k    kind
	t    *time.Time
	dt   bool // t is a date and time
	wrap bool
}

func str(s string) cell { return cell{s: &s} }
func numc(k kind, x *float64) cell {
	if x == nil {
		return cell{}
	}
	return cell{n: x, k: k}
}
func intc(n int64) cell { f := float64(n); return cell{n: &f, k: kCount} }
func datec(t time.Time) cell {
	if t.IsZero() {
		return cell{}
	}
	return cell{t: &t}
}
func datetimec(t time.Time) cell {
	if t.IsZero() {
		return cell{}
	}
	return cell{t: &t, dt: true}
}

func (b *book) styles() error {
	fmts := map[kind]string{kCount: "#,##0", kRatio: "0.0%", kChange: "+0.0%;-0.0%;0.0%", kDays: "0.0", kScore: "0.0", kENPS: "0"}
	b.style = map[kind]int{}
	for k, nf := range fmts {
		nf := nf
		id, err := b.f.NewStyle(&excelize.Style{CustomNumFmt: &nf})
		if err != nil {
			return fmt.Errorf("workbook style: %w", err)
		}
		b.style[k] = id
	}
	var err error
	if b.head, err = b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}); err != nil {
		return fmt.Errorf("workbook style: %w", err)
	}
	df := "yyyy-mm-dd"
	if b.date, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &df}); err != nil {
		return fmt.Errorf("workbook style: %w", err)
	}
	dtf := "yyyy-mm-dd hh:mm"
	if b.dtime, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &dtf}); err != nil {
		return fmt.Errorf("workbook style: %w", err)
	}
	if b.text, err = b.f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}); err != nil {
		return fmt.Errorf("workbook style: %w", err)
	}
	return nil
}

// table writes a sheet: header row frozen, autofilter over the table,
// column widths fitted to the longest value (capped). Sheets are streamed
// (the large demo's changelog has tens of thousands of rows); the Trends
// sheet, which gets charts afterwards, is written cell by cell.
func (b *book) table(sheet string, header []string, rows [][]cell) error {
	f := b.f
	if _, err := f.NewSheet(sheet); err != nil {
		return fmt.Errorf("sheet %s: %w", sheet, err)
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = min(utf8.RuneCountInString(h), 30)
	}
	for _, row := range rows {
		for c, v := range row {
			if w := b.width(v); c < len(widths) && w > widths[c] {
				widths[c] = w
			}
		}
	}
	end, _ := excelize.CoordinatesToCellName(len(header), max(len(rows)+1, 2))
	// Before the stream writer: it writes the sheet's autofilter on Flush.
	if err := f.AutoFilter(sheet, "A1:"+end, nil); err != nil {
		return fmt.Errorf("sheet %s: autofilter: %w", sheet, err)
	}
	panes := &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}
	if sheet == sheetTrends {
		return b.tableCells(sheet, header, rows, widths, panes)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("sheet %s: %w", sheet, err)
	}
	if err := sw.SetPanes(panes); err != nil {
		return fmt.Errorf("sheet %s: freeze: %w", sheet, err)
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(w, 6), 60))+2); err != nil {
			return fmt.Errorf("sheet %s: %w", sheet, err)
		}
	}
	head := make([]any, len(header))
	for i, h := range header {
		head[i] = excelize.Cell{StyleID: b.head, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return fmt.Errorf("sheet %s: %w", sheet, err)
	}
	vals := make([]any, len(header))
	for r, row := range rows {
		vals = vals[:len(row)]
		for c, v := range row {
			vals[c] = b.streamCell(v)
		}
		ref, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(ref, vals); err != nil {
			return fmt.Errorf("sheet %s %s: %w", sheet, ref, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("sheet %s: %w", sheet, err)
	}
	return nil
}

// streamCell is a cell for the stream writer. A string is written as an
// inline string: never a formula, whatever it starts with.
func (b *book) streamCell(v cell) any {
	switch {
	case v.s != nil:
		c := excelize.Cell{Value: *v.s}
		if v.wrap {
			c.StyleID = b.text
		}
		return c
	case v.n != nil:
		return excelize.Cell{StyleID: b.style[v.k], Value: *v.n}
	case v.t != nil:
		st := b.date
		if v.dt {
			st = b.dtime
		}
		return excelize.Cell{StyleID: st, Value: *v.t}
	}
	return nil
}

// width is a cell's display width in characters.
func (b *book) width(v cell) int {
	switch {
	case v.s != nil:
		return utf8.RuneCountInString(*v.s)
	case v.n != nil:
		return len(format(langEN, keyOfKind(v.k), v.n)) + 1
	case v.t != nil:
		if v.dt {
			return 16
		}
		return 10
	}
	return 0
}

// tableCells writes a small sheet cell by cell (so charts can be added).
func (b *book) tableCells(sheet string, header []string, rows [][]cell, widths []int, panes *excelize.Panes) error {
	f := b.f
	for i, h := range header {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, ref, h); err != nil {
			return fmt.Errorf("sheet %s: %w", sheet, err)
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(header), 1)
	if err := f.SetCellStyle(sheet, "A1", last, b.head); err != nil {
		return fmt.Errorf("sheet %s: %w", sheet, err)
	}
	for r, row := range rows {
		for c, v := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+2)
			if err := b.put(sheet, ref, v); err != nil {
				return fmt.Errorf("sheet %s %s: %w", sheet, ref, err)
			}
		}
	}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, float64(min(max(w, 6), 60))+2); err != nil {
			return fmt.Errorf("sheet %s: %w", sheet, err)
		}
	}
	if err := f.SetPanes(sheet, panes); err != nil {
		return fmt.Errorf("sheet %s: freeze: %w", sheet, err)
	}
	return nil
}

// put writes one cell of a cell-by-cell sheet.
func (b *book) put(sheet, ref string, v cell) error {
	f := b.f
	switch {
	case v.s != nil:
		// SetCellStr: always a string cell, so "=cmd|..." stays text.
		if err := f.SetCellStr(sheet, ref, *v.s); err != nil {
			return err
		}
		if v.wrap {
			return f.SetCellStyle(sheet, ref, ref, b.text)
		}
	case v.n != nil:
		if err := f.SetCellFloat(sheet, ref, *v.n, -1, 64); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, ref, ref, b.style[v.k])
	case v.t != nil:
		if err := f.SetCellValue(sheet, ref, *v.t); err != nil {
			return err
		}
		st := b.date
		if v.dt {
			st = b.dtime
		}
		return f.SetCellStyle(sheet, ref, ref, st)
	}
	return nil
}

// keyOfKind names a key of the kind, for measuring a formatted width.
func keyOfKind(k kind) string {
	switch k {
	case kRatio:
		return "adoption"
	case kChange:
		return "mau_change"
	case kDays:
		return "decision_delay_days"
	case kScore:
		return "quality_score"
	case kENPS:
		return "enps"
	}
	return "mau"
}

// dateOnly reads a YYYY-MM-DD as a date cell value (midnight UTC, which
// excelize writes as that calendar day).
func dateOnly(s string) cell {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return str(s)
	}
	return datec(t)
}

// localNaive turns an instant into the same wall-clock time in UTC, so that
// Excel (which has no time zones) shows the configured zone's local time.
func localNaive(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

func (b *book) summary(doc *queries.Document) error {
	v := b.v
	header := []string{"section", v.T("key"), "KPI", v.T("value"), v.T("target"), "direction", v.T("pace"), v.T("status"), v.T("definitions")}
	sec := func(s string) cell { return str(s) }
	var rows [][]cell
	def := func(k string) cell { c := str(v.D(k)); c.wrap = true; return c }
	rows = append(rows,
		[]cell{sec("program"), str("as_of"), str(v.T("as_of")), dateOnly(doc.AsOf)},
		[]cell{sec("program"), str("timezone"), str("timezone"), str(doc.TimeZone)},
		[]cell{sec("program"), str("start"), str(v.T("program_start")), dateOnly(doc.Program.Start)},
		[]cell{sec("program"), str("day"), str(v.T("program_day")), intc(int64(doc.Program.Day)), {}, {}, {}, {}, def("program_day")},
		[]cell{sec("program"), str("phase"), str(v.T("phase")), str(v.L(doc.Program.Phase) + " (" + doc.Program.Phase + ")")},
		[]cell{sec("program"), str("configured"), str(v.T("program_start")), str(fmt.Sprint(doc.Program.Configured))},
	)
	for _, t := range doc.Targets {
		k := figureKind(t.ID)
		target, pace := t.Target, t.Pace
		rows = append(rows, []cell{sec("target"), str(t.ID), str(v.L(t.ID)), numc(k, t.Value), numc(k, &target),
			str(v.L(t.Direction)), numc(k, &pace), str(v.L(t.Status)), def(t.ID)})
	}
	for _, key := range queries.OverallKeys() {
		if key == "ideas_by_status" {
			for _, st := range queries.Statuses() {
				n := doc.Overall.IdeasByStatus.Get(st)
				rows = append(rows, []cell{sec("overall"), str(key + "." + st), str(v.L(key) + " : " + v.L(st)), intc(n), {}, {}, {}, {}, def(key)})
			}
			continue
		}
		rows = append(rows, []cell{sec("overall"), str(key), str(v.L(key)), numc(figureKind(key), doc.Overall.Value(key)), {}, {}, {}, {}, def(key)})
	}
	for _, fl := range queries.Flags() {
		rows = append(rows, []cell{sec("flag"), str(fl), str(v.L(fl)), {}, {}, {}, {}, {}, str(v.FlagText(fl))})
	}
	return b.table(sheetSummary, header, rows)
}

// siteColumns are the Sites sheet's columns: document keys, with
// ideas_by_status spread over one column per status.
func siteColumns() []string {
	var out []string
	for _, k := range queries.SiteKeys() {
		if k == "ideas_by_status" {
			for _, st := range queries.Statuses() {
				out = append(out, k+"."+st)
			}
			continue
		}
		out = append(out, k)
		if k == "flags" {
			out = append(out, "flag_reasons")
		}
	}
	return out
}

func (b *book) sites(doc *queries.Document) error {
	v := b.v
	cols := siteColumns()
	header := make([]string, len(cols))
	for i, c := range cols {
		if base, st, ok := strings.Cut(c, "."); ok {
			header[i] = v.L(base) + " : " + v.L(st)
		} else if c == "flag_reasons" {
			header[i] = v.T("reasons_in_words")
		} else if c == "site_id" {
			header[i] = "site_id"
		} else {
			header[i] = v.L(c)
		}
	}
	var rows [][]cell
	for _, s := range doc.Sites {
		row := make([]cell, len(cols))
		for i, c := range cols {
			switch {
			case c == "site_id":
				row[i] = str(s.SiteID)
			case c == "name":
				row[i] = str(s.Name)
			case c == "flags":
				labels := make([]string, len(s.Flags))
				for j, fl := range s.Flags {
					labels[j] = v.L(fl)
				}
				row[i] = str(strings.Join(labels, ", "))
			case c == "flag_reasons":
				var words []string
				for _, fl := range s.Flags {
					words = append(words, v.FlagText(fl))
				}
				row[i] = str(strings.Join(words, "; "))
			case c == "struggling":
				row[i] = str(v.T(map[bool]string{true: "yes", false: "no"}[s.Struggling]))
			case strings.HasPrefix(c, "ideas_by_status."):
				row[i] = intc(s.IdeasByStatus.Get(strings.TrimPrefix(c, "ideas_by_status.")))
			default:
				row[i] = numc(figureKind(c), s.Value(c))
			}
		}
		rows = append(rows, row)
	}
	return b.table(sheetSites, header, rows)
}

func (b *book) trends(ctx context.Context, o WorkbookOptions, asOf time.Time) error {
	v := b.v
	var weeks []queries.WeekPoint
	var err error
	if o.from != nil {
		weeks, err = o.from.series(ctx, asOf, "", o.Weeks)
	} else {
		weeks, err = o.DB.Series(ctx, o.Settings, asOf, "", o.Weeks)
	}
	if err != nil {
		return fmt.Errorf("workbook trends: %w", err)
	}
	header := []string{v.T("week"), v.T("active_people"), v.L("active_ambassadors"), v.T("new_ideas"), v.T("votes"), "comments", v.T("decisions_count"), v.L("decision_delay_days")}
	var rows [][]cell
	for _, w := range weeks {
		rows = append(rows, []cell{dateOnly(w.WeekStart), intc(w.ActivePeople), intc(w.ActiveAmbassadors), intc(w.Ideas),
			intc(w.Votes), intc(w.Comments), intc(w.Decisions), numc(kDays, w.MedianDecisionDelayDays)})
	}
	if err := b.table(sheetTrends, header, rows); err != nil {
		return err
	}
	if len(weeks) == 0 {
		return nil
	}
	n := len(weeks) + 1
	q := "'" + sheetTrends + "'!"
	series := func(cols ...string) []excelize.ChartSeries {
		var out []excelize.ChartSeries
		for _, c := range cols {
			out = append(out, excelize.ChartSeries{
				Name:       q + "$" + c + "$1",
				Categories: fmt.Sprintf("%s$A$2:$A$%d", q, n),
				Values:     fmt.Sprintf("%s$%s$2:$%s$%d", q, c, c, n),
				Marker:     excelize.ChartMarker{Symbol: "circle", Size: 5},
			})
		}
		return out
	}
	charts := []struct {
		at    string
		title string
		cols  []string
	}{
		{"J2", v.T("weekly_participation"), []string{"B", "C"}},
		{"J20", v.L("ideas") + " / " + v.T("decisions_count"), []string{"D", "E", "G"}},
		{"J38", v.L("decision_delay_days"), []string{"H"}},
	}
	for _, c := range charts {
		if err := b.f.AddChart(sheetTrends, c.at, &excelize.Chart{
			Type:   excelize.Line,
			Series: series(c.cols...),
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.title}}},
			Legend: excelize.ChartLegend{Position: "bottom"},
			Format: excelize.GraphicOptions{ScaleX: 1.3, ScaleY: 1.1},
			XAxis:  excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "yyyy-mm-dd"}},
		}); err != nil {
			return fmt.Errorf("workbook trends chart: %w", err)
		}
	}
	return nil
}

func (b *book) committee(ctx context.Context, o WorkbookOptions, asOf time.Time) error {
	v := b.v
	var ideas []queries.OpenIdea
	var err error
	if o.from != nil {
		ideas, err = o.from.topOpen(ctx, asOf, "")
	} else {
		ideas, err = o.DB.TopOpenIdeas(ctx, asOf, "", topIdeas)
	}
	if err != nil {
		return fmt.Errorf("workbook committee: %w", err)
	}
	names := map[string]string{}
	for _, s := range o.Doc.Sites {
		names[s.SiteID] = s.Name
	}
	loc := o.DB.Location()
	header := []string{"site_id", v.T("site"), "rank", v.T("idea"), v.T("title"), "kind", v.T("status"), "impact", "feasibility", v.T("score"), v.T("votes"), v.T("created"), v.T("age_days")}
	var rows [][]cell
	rank, prev := 0, ""
	for _, i := range ideas {
		if i.SiteID != prev {
			rank, prev = 0, i.SiteID
		}
		rank++
		opt := func(p *int64) cell {
			if p == nil {
				return cell{}
			}
			return intc(*p)
		}
		wait := i.WaitingDays
		title := str(i.Title)
		title.wrap = true
		rows = append(rows, []cell{str(i.SiteID), str(names[i.SiteID]), intc(int64(rank)), str(i.IdeaID), title, str(i.Kind),
			str(i.Status), opt(i.Impact), opt(i.Feasibility), opt(i.Score), intc(i.Votes), datetimec(localNaive(i.CreatedAt, loc)), numc(kDays, &wait)})
	}
	return b.table(sheetCommittee, header, rows)
}

func (b *book) decisions(ctx context.Context, o WorkbookOptions, asOf time.Time) error {
	v := b.v
	month := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	var all []queries.DecisionEntry
	for _, m := range []time.Time{month.AddDate(0, -1, 0), month} {
		var ds []queries.DecisionEntry
		var err error
		if o.from != nil {
			ds, err = o.from.decisions(ctx, m, asOf, "")
		} else {
			ds, err = o.DB.Decisions(ctx, m, "")
		}
		if err != nil {
			return fmt.Errorf("workbook decisions: %w", err)
		}
		all = append(all, decisionsUpTo(ds, asOf)...)
	}
	loc := o.DB.Location()
	header := []string{v.T("date"), "site_id", v.T("idea"), v.T("title"), v.T("decision"), v.T("reason"), "decided_at"}
	var rows [][]cell
	for _, d := range all {
		reason := cell{}
		if d.Reason != nil {
			reason = str(*d.Reason)
			reason.wrap = true
		}
		title := str(d.Title)
		title.wrap = true
		rows = append(rows, []cell{dateOnly(d.Date), str(d.SiteID), str(d.IdeaID), title, str(d.Decision), reason, datetimec(localNaive(d.DecidedAt, loc))})
	}
	return b.table(sheetDecisions, header, rows)
}

func (b *book) quality(ctx context.Context, o WorkbookOptions) error {
	v := b.v
	var q queries.DataQuality
	var err error
	if o.from != nil {
		q, err = o.from.dataQuality(ctx)
	} else {
		q, err = o.DB.DataQuality(ctx)
	}
	if err != nil {
		return fmt.Errorf("workbook data quality: %w", err)
	}
	header := []string{"check", v.T("dataset"), v.T("column"), v.T("refers_to"), v.T("rows"), v.T("missing"), v.T("file"), v.T("finished")}
	var rows [][]cell
	for _, r := range q.Rows {
		rows = append(rows, []cell{str("rows"), str(r.Dataset), {}, {}, intc(r.Rows)})
	}
	for _, d := range q.Dangling {
		rows = append(rows, []cell{str("dangling"), str(d.Dataset), str(d.Column), str(d.Target), intc(d.Rows), intc(d.Missing)})
	}
	rows = append(rows,
		[]cell{str("people_without_site"), str("people"), str("site_id"), str("sites"), intc(q.PeopleWithoutSite)},
		[]cell{str("ideas_without_author"), str("ideas"), str("author_id"), {}, intc(q.IdeasWithoutAuthor)})
	loc := o.DB.Location()
	for _, l := range q.LastIngest {
		rows = append(rows, []cell{str("last_ingest"), str(l.Dataset), {}, {}, intc(l.Loaded), intc(l.Rejected), str(l.File), datetimec(localNaive(l.FinishedAt, loc))})
	}
	return b.table(sheetQuality, header, rows)
}
