package dashboards

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"relais/queries"
)

// headlineKeys are the overall figures of the Summary after the targets
// (a target's own key is not repeated).
var headlineKeys = []string{"sites", "struggling_sites", "mau", "mau_change", "adoption", "active_ambassadors",
	"sites_with_active_ambassador_share", "ideas", "ideas_implemented", "decision_delay_days", "response_sla_share", "enps"}

// summary is the one-page Summary: the program (with the date the loaded
// data goes up to), each target (value, direction, goal, expected pace,
// status in words) and the headline figures, each with its definition.
func (b *book) summary(ctx context.Context, o WorkbookOptions) error {
	v, doc := b.v, o.Doc
	until, err := b.dataUntil(ctx, o)
	if err != nil {
		return err
	}
	header := []string{v.T("wb_section"), v.T("wb_indicator"), v.T("value"), v.T("wb_direction"), v.T("target"),
		v.T("pace"), v.T("status"), v.T("wb_definition")}
	program, target, headline := str(v.T("wb_program")), str(v.T("wb_target")), str(v.T("wb_headline"))
	def := func(k string) cell { return wrapped(v.D(k)) }
	startNote := v.T("wb_start_configured")
	if !doc.Program.Configured {
		startNote = v.T("not_configured")
	}
	day := int64(doc.Program.Day)
	rows := [][]cell{
		{program, str(v.T("as_of")), dateOnly(doc.AsOf)},
		until,
		{program, str(v.T("program_start")), dateOnly(doc.Program.Start), {}, {}, {}, {}, wrapped(startNote)},
		{program, str(v.T("program_day")), intc(day), {}, {}, {}, {}, def("program_day")},
		{program, str(v.T("phase")), str(v.L(doc.Program.Phase)), {}, {}, {}, {}, def(doc.Program.Phase)},
		{program, str(v.T("wb_timezone")), str(doc.TimeZone)},
	}
	targeted := map[string]bool{}
	for _, t := range doc.Targets {
		targeted[t.ID] = true
		k := figureKind(t.ID)
		goal, pace := t.Target, t.Pace
		rows = append(rows, []cell{target, str(v.L(t.ID)), numc(k, t.Value), str(v.L(t.Direction)), numc(k, &goal),
			numc(k, &pace), str(v.L(t.Status)), def(t.ID)})
	}
	for _, key := range headlineKeys {
		if targeted[key] {
			continue
		}
		rows = append(rows, []cell{headline, str(v.L(key)), numc(figureKind(key), doc.Overall.Value(key)), {}, {}, {}, {}, def(key)})
	}
	return b.table(sheet{key: sheetSummary, header: header, rows: rows, onePage: true, wrapAt: map[int]int{7: 60}})
}

// dataUntil is the Summary's row of the latest dated row's local date
// (docs/pages.md, "Data freshness"), with a note when the as-of date is
// after it or no dated row is loaded.
func (b *book) dataUntil(ctx context.Context, o WorkbookOptions) ([]cell, error) {
	var f freshnessDay
	var err error
	if o.from != nil {
		f, err = o.from.freshness(ctx)
	} else {
		f.day, f.ok, err = o.DB.DataUntil(ctx)
	}
	if err != nil {
		return nil, err
	}
	v := b.v
	label := str(v.T("wb_data_until"))
	if !f.ok {
		return []cell{str(v.T("wb_program")), label, {}, {}, {}, {}, {}, wrapped(v.T("banner_no_data"))}, nil
	}
	until := f.day.Format(dateLayout)
	note := v.T("wb_data_until_note")
	if o.Doc.AsOf > until {
		note = fmt.Sprintf(v.T("banner_after_data"), v.Day(until))
	}
	return []cell{str(v.T("wb_program")), label, datec(f.day), {}, {}, {}, {}, wrapped(note)}, nil
}

// sitesByNeed orders the sites struggling first, then by more flags, then
// by lower adoption (unknown last), then by name and id: the sites that
// need help come first.
func sitesByNeed(sites []queries.Site) []queries.Site {
	out := slices.Clone(sites)
	slices.SortStableFunc(out, func(a, c queries.Site) int {
		if a.Struggling != c.Struggling {
			if a.Struggling {
				return -1
			}
			return 1
		}
		if n := cmp.Compare(len(c.Flags), len(a.Flags)); n != 0 {
			return n
		}
		if (a.Adoption == nil) != (c.Adoption == nil) {
			if a.Adoption == nil {
				return 1
			}
			return -1
		}
		if a.Adoption != nil {
			if n := cmp.Compare(*a.Adoption, *c.Adoption); n != 0 {
				return n
			}
		}
		return cmp.Or(strings.Compare(a.Name, c.Name), strings.Compare(a.SiteID, c.SiteID))
	})
	return out
}

// standing says where a site stands in words: struggling, to watch (one
// flag, not struggling), or no flag.
func (b *book) standing(s queries.Site) string {
	switch {
	case s.Struggling:
		return b.v.L("struggling")
	case len(s.Flags) > 0:
		return b.v.T("wb_site_watch")
	}
	return b.v.T("wb_site_no_flag")
}

// siteKeyFigures are the Sites sheet's figures after standing, flags, id
// and name; the Site indicators sheet has them all.
var siteKeyFigures = []string{"headcount", "mau", "mau_change", "adoption", "active_ambassadors",
	"ideas", "decision_delay_days", "response_sla_share"}

// sites is the Sites sheet: one row per site, those that need help first
// (sitesByNeed), standing and flags in words first, the key figures, and
// each flag's explanation last.
func (b *book) sites(doc *queries.Document) error {
	v := b.v
	header := []string{v.T("status"), v.L("flags"), v.L("site_id"), v.T("site")}
	for _, k := range siteKeyFigures {
		header = append(header, v.L(k))
	}
	header = append(header, v.T("reasons_in_words"))
	var rows [][]cell
	for _, s := range sitesByNeed(doc.Sites) {
		labels := make([]string, len(s.Flags))
		reasons := make([]string, len(s.Flags))
		for j, fl := range s.Flags {
			labels[j] = v.L(fl)
			reasons[j] = v.FlagSentence(s, fl)
		}
		row := []cell{str(b.standing(s)), wrapped(strings.Join(labels, ", ")), str(s.SiteID), str(s.Name)}
		for _, k := range siteKeyFigures {
			row = append(row, numc(figureKind(k), s.Value(k)))
		}
		rows = append(rows, append(row, wrapped(strings.Join(reasons, "\n"))))
	}
	return b.table(sheet{key: sheetSites, header: header, rows: rows, wrapAt: map[int]int{1: 24, len(header) - 1: 48}})
}

// siteFigureColumns are the Site indicators sheet's figure columns after
// id, name and standing: every numeric key of a site in document order,
// ideas_by_status spread over one column per status ("ideas_by_status.X").
func siteFigureColumns() []string {
	var out []string
	for _, k := range queries.SiteKeys() {
		switch {
		case k == "ideas_by_status":
			for _, st := range queries.Statuses() {
				out = append(out, k+"."+st)
			}
		case queries.UnitOf(k).Numeric():
			out = append(out, k)
		}
	}
	return out
}

// siteFigureLead is how many columns come before siteFigureColumns.
const siteFigureLead = 3

// figureLabel is the header of a figure column.
func (b *book) figureLabel(key string) string {
	if base, st, ok := strings.Cut(key, "."); ok {
		return b.v.L(base) + b.v.T("colon") + b.v.L(st)
	}
	return b.v.L(key)
}

// siteFigures is the Site indicators sheet: every figure of every site, in
// the Sites sheet's order.
func (b *book) siteFigures(doc *queries.Document) error {
	v := b.v
	cols := siteFigureColumns()
	header := []string{v.L("site_id"), v.T("site"), v.T("status")}
	for _, c := range cols {
		header = append(header, b.figureLabel(c))
	}
	var rows [][]cell
	for _, s := range sitesByNeed(doc.Sites) {
		row := []cell{str(s.SiteID), str(s.Name), str(b.standing(s))}
		for _, c := range cols {
			if _, st, ok := strings.Cut(c, "."); ok {
				row = append(row, intc(s.IdeasByStatus.Get(st)))
				continue
			}
			row = append(row, numc(figureKind(c), s.Value(c)))
		}
		rows = append(rows, row)
	}
	return b.table(sheet{key: sheetSiteFigures, header: header, rows: rows})
}

// indicators is the Group indicators sheet: every overall figure with its
// definition, then each flag with the sentence that explains it.
func (b *book) indicators(doc *queries.Document) error {
	v := b.v
	header := []string{v.T("wb_indicator"), v.T("value"), v.T("wb_definition")}
	var rows [][]cell
	for _, key := range queries.OverallKeys() {
		if key == "ideas_by_status" {
			for _, st := range queries.Statuses() {
				rows = append(rows, []cell{str(b.figureLabel(key + "." + st)), intc(doc.Overall.IdeasByStatus.Get(st)), wrapped(v.D(st))})
			}
			continue
		}
		rows = append(rows, []cell{str(v.L(key)), numc(figureKind(key), doc.Overall.Value(key)), wrapped(v.D(key))})
	}
	for _, fl := range queries.Flags() {
		rows = append(rows, []cell{str(v.T("wb_flag") + v.T("colon") + v.L(fl)), {}, wrapped(v.FlagText(fl))})
	}
	return b.table(sheet{key: sheetIndicators, header: header, rows: rows})
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
	// The week's last date counted says when the last week is partial
	// (it ends on the as-of date).
	header := []string{v.T("week"), v.T("wb_week_end"), v.T("active_people"), v.L("active_ambassadors"), v.T("new_ideas"), v.T("votes"),
		v.T("wb_comments"), v.T("decisions_count"), v.L("decision_delay_days")}
	var rows [][]cell
	for _, w := range weeks {
		rows = append(rows, []cell{dateOnly(w.WeekStart), dateOnly(w.WeekEnd), intc(w.ActivePeople), intc(w.ActiveAmbassadors), intc(w.Ideas),
			intc(w.Votes), intc(w.Comments), intc(w.Decisions), numc(kDays, w.MedianDecisionDelayDays)})
	}
	// Up to half a year of weeks, the table and its charts print on one page.
	table := sheet{key: sheetTrends, header: header, rows: rows, cells: true, onePage: len(weeks) <= 26}
	if err := b.table(table); err != nil {
		return err
	}
	if len(weeks) == 0 {
		return nil
	}
	name := b.name(sheetTrends)
	n := len(weeks) + 1
	q := sheetRef(name) + "!"
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
	// Below the table, side by side: the sheet prints on one page without
	// shrinking the table to make room for them.
	columns := chartColumns(b.widths(table), 3)
	charts := []struct {
		title string
		cols  []string
	}{
		{v.T("weekly_participation"), []string{"C", "D"}},
		{v.L("ideas") + " / " + v.T("decisions_count"), []string{"E", "F", "H"}},
		{v.L("decision_delay_days"), []string{"I"}},
	}
	for k, c := range charts {
		at, _ := excelize.CoordinatesToCellName(columns[k], n+2)
		if err := b.f.AddChart(name, at, &excelize.Chart{
			Type:   excelize.Line,
			Series: series(c.cols...),
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.title}}},
			Legend: excelize.ChartLegend{Position: "bottom"},
			Format: excelize.GraphicOptions{ScaleX: 1, ScaleY: 1.1},
		}); err != nil {
			return fmt.Errorf("workbook trends chart: %w", err)
		}
	}
	return nil
}

// chartWidth is the width of an Excel chart at scale 1, in pixels, plus a
// gap.
const chartWidth = 480 + 10

// chartColumns are the columns (from 1) where n charts side by side start,
// given the column widths in characters (a character is 7 pixels, plus 5
// per column); columns past the table are 8.43 characters wide.
func chartColumns(widths []float64, n int) []int {
	out := []int{1}
	left, next := 0, chartWidth // next: where the next chart may start
	for col := 1; len(out) < n; col++ {
		w := 8.43
		if col <= len(widths) {
			w = widths[col-1]
		}
		left += int(w*7) + 5 // the left edge of column col+1
		if left >= next {
			out = append(out, col+1)
			next = left + chartWidth
		}
	}
	return out
}

// statusWord is an idea status or a decision as a word (singular).
func (b *book) statusWord(code string) string { return b.v.T("wb_status_" + code) }

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
	names := siteNames(o.Doc)
	loc := o.DB.Location()
	header := []string{v.L("site_id"), v.T("site"), v.T("wb_rank"), v.T("wb_group_rank"), v.T("idea"), v.T("title"), v.T("wb_kind"), v.T("status"),
		v.T("wb_impact"), v.T("wb_feasibility"), v.T("score"), v.T("votes"), v.T("created"), v.T("age_days")}
	groupRank := groupRanks(ideas)
	opt := func(p *int64) cell {
		if p == nil {
			return cell{}
		}
		return intc(*p)
	}
	var rows [][]cell
	rank, prev := 0, ""
	for n, i := range ideas {
		if i.SiteID != prev {
			rank, prev = 0, i.SiteID
		}
		rank++
		wait := i.WaitingDays
		rows = append(rows, []cell{str(i.SiteID), str(names[i.SiteID]), intc(int64(rank)), intc(int64(groupRank[n])), str(i.IdeaID), wrapped(i.Title),
			str(v.L(i.Kind)), str(b.statusWord(i.Status)), opt(i.Impact), opt(i.Feasibility), opt(i.Score), intc(i.Votes),
			datetimec(localNaive(i.CreatedAt, loc)), numc(kDays, &wait)})
	}
	return b.table(sheet{key: sheetCommittee, header: header, rows: rows, wrapAt: map[int]int{5: 50}})
}

// groupRanks ranks the sites' top ideas across the group, by the order that
// ranks them within a site (higher impact x feasibility, unscored last,
// then more votes, then older, then by id): the group's top 5 are the
// ideas ranked 1 to 5. It returns the rank of each idea by its index.
func groupRanks(ideas []queries.OpenIdea) []int {
	order := make([]int, len(ideas))
	for i := range order {
		order[i] = i
	}
	score := func(i queries.OpenIdea) int64 {
		if i.Score == nil {
			return -1
		}
		return *i.Score
	}
	slices.SortStableFunc(order, func(a, c int) int {
		x, y := ideas[a], ideas[c]
		return cmp.Or(cmp.Compare(score(y), score(x)), cmp.Compare(y.Votes, x.Votes),
			x.CreatedAt.Compare(y.CreatedAt), strings.Compare(x.IdeaID, y.IdeaID))
	})
	ranks := make([]int, len(ideas))
	for r, i := range order {
		ranks[i] = r + 1
	}
	return ranks
}

func siteNames(doc *queries.Document) map[string]string {
	names := make(map[string]string, len(doc.Sites))
	for _, s := range doc.Sites {
		names[s.SiteID] = s.Name
	}
	return names
}

// decisionsPrinted is how many decisions the Decisions sheet prints (the
// most recent): the changelog of two months runs to thousands of rows, which
// no one prints; the sheet holds them all.
const decisionsPrinted = 250

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
	// Newest first, as the committee reads its changelog.
	slices.SortStableFunc(all, func(a, c queries.DecisionEntry) int {
		return cmp.Or(c.DecidedAt.Compare(a.DecidedAt), strings.Compare(a.IdeaID, c.IdeaID))
	})
	names := siteNames(o.Doc)
	loc := o.DB.Location()
	header := []string{v.T("date"), v.L("site_id"), v.T("site"), v.T("idea"), v.T("title"), v.T("decision"), v.T("reason"), v.T("wb_decided_at")}
	var rows [][]cell
	for _, d := range all {
		reason := cell{}
		if d.Reason != nil {
			reason = wrapped(*d.Reason)
		}
		rows = append(rows, []cell{dateOnly(d.Date), str(d.SiteID), str(names[d.SiteID]), str(d.IdeaID), wrapped(d.Title),
			str(b.statusWord(d.Decision)), reason, datetimec(localNaive(d.DecidedAt, loc))})
	}
	s := sheet{key: sheetDecisions, header: header, rows: rows, wrapAt: map[int]int{4: 45, 6: 35}}
	if len(rows) > decisionsPrinted {
		s.printedRows = decisionsPrinted
		s.note = strings.NewReplacer("{printed}", v.N(decisionsPrinted), "{total}", v.N(int64(len(rows)))).Replace(v.T("wb_printed_rows"))
	}
	return b.table(s)
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
	dataset := func(name string) cell { return str(v.T("wb_dataset_" + name)) }
	column := func(name string) cell { return str(v.T("wb_column_" + name)) }
	header := []string{v.T("wb_check"), v.T("dataset"), v.T("column"), v.T("refers_to"), v.T("rows"), v.T("missing"),
		v.T("rejected"), v.T("file"), v.T("finished")}
	var rows [][]cell
	for _, r := range q.Rows {
		rows = append(rows, []cell{str(v.T("wb_check_rows")), dataset(r.Dataset), {}, {}, intc(r.Rows)})
	}
	for _, d := range q.Dangling {
		rows = append(rows, []cell{str(v.T("dangling")), dataset(d.Dataset), column(d.Column), dataset(d.Target), intc(d.Rows), intc(d.Missing)})
	}
	rows = append(rows,
		[]cell{str(v.T("people_without_site")), dataset("people"), column("site_id"), dataset("sites"), intc(q.PeopleWithoutSite)},
		[]cell{str(v.T("ideas_without_author")), dataset("ideas"), column("author_id"), {}, intc(q.IdeasWithoutAuthor)})
	loc := o.DB.Location()
	for _, l := range q.LastIngest {
		rows = append(rows, []cell{str(v.T("wb_check_last_file")), dataset(l.Dataset), {}, {}, intc(l.Loaded), {}, intc(l.Rejected),
			str(l.File), datetimec(localNaive(l.FinishedAt, loc))})
	}
	return b.table(sheet{key: sheetQuality, header: header, rows: rows})
}
