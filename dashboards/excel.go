package dashboards

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"relais/queries"
)

// The workbook's sheets, by the locale key of their name, in order
// (docs/cli.md "Excel"): the report a sponsor forwards first (Summary,
// Sites, Trends, Committee, Decisions), then the reference sheets.
const (
	sheetSummary     = "wb_sheet_summary"
	sheetSites       = "wb_sheet_sites"
	sheetTrends      = "wb_sheet_trends"
	sheetCommittee   = "wb_sheet_committee"
	sheetDecisions   = "wb_sheet_decisions"
	sheetIndicators  = "wb_sheet_indicators"
	sheetSiteFigures = "wb_sheet_site_figures"
	sheetQuality     = "wb_sheet_quality"
)

// workbookSheets lists the sheets in their order.
var workbookSheets = []string{sheetSummary, sheetSites, sheetTrends, sheetCommittee, sheetDecisions, sheetIndicators, sheetSiteFigures, sheetQuality}

// sheetName is a sheet's name in a language.
func sheetName(lang, key string) string { return translations[lang].word(key) }

// WorkbookOptions is what a workbook is made of.
type WorkbookOptions struct {
	// DB is read for the trends, the committee, the changelog and the data
	// quality report.
	DB *queries.DB
	// Settings are the KPI settings (for the weekly series).
	Settings queries.Settings
	// Doc is the KPI document of the as-of date.
	Doc *queries.Document
	// Lang is "fr" (default) or "en": sheet names, headers, words, date
	// formats.
	Lang string
	// Weeks is how many weeks the Trends sheet covers (0: 13).
	Weeks int

	// from, when set, answers the queries from the server's page cache.
	from *Server
}

// WriteWorkbook writes the Excel workbook of a KPI document in one language:
// a one-page Summary, the Sites struggling first, the Trends with native
// line charts, the Committee's top open ideas, the Decisions of the as-of
// month and the one before, every figure of the group and of each site with
// its definition, and the Data quality report. Numbers are numbers with
// formats, dates are dates; user text is always a string cell; every sheet
// prints on A4 landscape, one page wide, its header row repeated.
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
	// The view holds the document for the flags' sentences (flags.go), the
	// same ones the pages write.
	b := &book{f: f, v: &view{Lang: o.Lang, tr: translations[o.Lang], doc: o.Doc}, asOf: asOf}
	if err := b.styles(); err != nil {
		f.Close()
		return nil, err
	}
	steps := []func() error{
		func() error { return b.summary(ctx, o) },
		func() error { return b.sites(o.Doc) },
		func() error { return b.trends(ctx, o, asOf) },
		func() error { return b.committee(ctx, o, asOf) },
		func() error { return b.decisions(ctx, o, asOf) },
		func() error { return b.indicators(o.Doc) },
		func() error { return b.siteFigures(o.Doc) },
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
	if idx, err := f.GetSheetIndex(b.name(sheetSummary)); err == nil {
		f.SetActiveSheet(idx)
	}
	return f, nil
}

// book writes sheets as tables: a header row, then rows of typed cells.
type book struct {
	f     *excelize.File
	v     *view
	asOf  time.Time
	style map[kind]int
	head  int
	date  int
	dtime int
	text  int
	wrap  int
}

// name is the sheet's name in the workbook's language.
func (b *book) name(key string) string { return sheetName(b.v.Lang, key) }

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
func wrapped(s string) cell {
	c := str(s)
	c.wrap = true
	return c
}
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

// styles makes the cell styles: every body cell has a thin grey border (a
// printed table stays readable), numbers their format by kind, dates the
// language's date format.
func (b *book) styles() error {
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	top := &excelize.Alignment{Vertical: "top"}
	newStyle := func(s *excelize.Style) (int, error) {
		s.Border = border
		if s.Alignment == nil {
			s.Alignment = top
		}
		id, err := b.f.NewStyle(s)
		if err != nil {
			return 0, fmt.Errorf("workbook style: %w", err)
		}
		return id, nil
	}
	fmts := map[kind]string{kCount: "#,##0", kRatio: "0.0%", kChange: "+0.0%;-0.0%;0.0%",
		kDays: b.v.T("wb_days_format"), kScore: "0.0", kENPS: "0"}
	b.style = map[kind]int{}
	for k, nf := range fmts {
		id, err := newStyle(&excelize.Style{CustomNumFmt: &nf})
		if err != nil {
			return err
		}
		b.style[k] = id
	}
	var err error
	if b.head, err = newStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}); err != nil {
		return err
	}
	df, dtf := b.v.T("wb_date_format"), b.v.T("wb_datetime_format")
	if b.date, err = newStyle(&excelize.Style{CustomNumFmt: &df, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}}); err != nil {
		return err
	}
	if b.dtime, err = newStyle(&excelize.Style{CustomNumFmt: &dtf, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}}); err != nil {
		return err
	}
	if b.text, err = newStyle(&excelize.Style{}); err != nil {
		return err
	}
	b.wrap, err = newStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	return err
}

// cellStyle is the style of a cell.
func (b *book) cellStyle(v cell) int {
	switch {
	case v.s != nil && v.wrap:
		return b.wrap
	case v.n != nil:
		return b.style[v.k]
	case v.t != nil && v.dt:
		return b.dtime
	case v.t != nil:
		return b.date
	}
	return b.text
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
