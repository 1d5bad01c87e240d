package dashboards

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"relais/queries"
)

func openWorkbook(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// rawNumber reads a cell's stored number (not its formatted text).
func rawNumber(t *testing.T, f *excelize.File, sheet, ref string) (float64, bool) {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if v == "" {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s!%s = %q is not a number", sheet, ref, v)
	}
	return x, true
}

// sameNumber compares a workbook number with the API's.
func sameNumber(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// rowsOf reads a sheet's rows.
func rowsOf(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestWorkbookHoldsTheSameNumbersAsTheAPI(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, nil)
	_, body := get(t, srv.URL+"/api/v1/kpis?as_of=2026-11-30")
	var doc struct {
		Overall map[string]any   `json:"overall"`
		Sites   []map[string]any `json:"sites"`
		Targets []map[string]any `json:"targets"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	resp, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-11-30")
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, xb)
	}
	f := openWorkbook(t, xb)
	fr := translations[langFR]
	name := func(key string) string { return sheetName(langFR, key) }

	// Site indicators: every figure of every site, the row found by the
	// site's id in column A.
	if len(doc.Sites) == 0 {
		t.Fatal("no sites in the document")
	}
	sheet := name(sheetSiteFigures)
	rowOf := map[string]int{}
	for r, row := range rowsOf(t, f, sheet) {
		if r > 0 && len(row) > 0 {
			rowOf[row[0]] = r + 1
		}
	}
	for _, site := range doc.Sites {
		id := site["site_id"].(string)
		row, ok := rowOf[id]
		if !ok {
			t.Errorf("site %s: no row in %s", id, sheet)
			continue
		}
		if got, _ := f.GetCellValue(sheet, "B"+strconv.Itoa(row)); got != site["name"] {
			t.Errorf("site %s: name %q beside the id, API %q", id, got, site["name"])
		}
		for c, key := range siteFigureColumns() {
			ref, _ := excelize.CoordinatesToCellName(siteFigureLead+c+1, row)
			var apiVal any
			if base, st, ok := strings.Cut(key, "."); ok {
				apiVal = site[base].(map[string]any)[st]
			} else {
				apiVal = site[key]
			}
			got, set := rawNumber(t, f, sheet, ref)
			switch v := apiVal.(type) {
			case float64:
				if !set || !sameNumber(got, v) {
					t.Errorf("site %s %s: workbook %v (set %v), API %v", id, key, got, set, v)
				}
			case nil:
				if set {
					t.Errorf("site %s %s: workbook %v, API null", id, key, got)
				}
			default:
				t.Errorf("site %s %s: API %T", id, key, apiVal)
			}
		}
	}

	// Sites: the flags as their labels, in document order.
	sites := rowsOf(t, f, name(sheetSites))
	for _, site := range doc.Sites {
		var labels []string
		for _, fl := range site["flags"].([]any) {
			labels = append(labels, fr.Labels[fl.(string)])
		}
		found := false
		for _, row := range sites[1:] {
			if len(row) > 2 && row[2] == site["site_id"] {
				found = true
				if row[1] != strings.Join(labels, ", ") {
					t.Errorf("site %v flags: workbook %q, want the labels of %v", site["site_id"], row[1], site["flags"])
				}
			}
		}
		if !found {
			t.Errorf("site %v is not on the Sites sheet", site["site_id"])
		}
	}

	// Group indicators: every overall number, found by its label.
	indicators := rowsOf(t, f, name(sheetIndicators))
	byLabel := map[string]int{}
	for r, row := range indicators {
		if len(row) > 0 {
			byLabel[row[0]] = r + 1
		}
	}
	seen := 0
	for key, apiVal := range doc.Overall {
		wants := map[string]any{fr.Labels[key]: apiVal}
		if m, ok := apiVal.(map[string]any); ok { // ideas_by_status
			wants = map[string]any{}
			for st, n := range m {
				wants[fr.Labels[key]+fr.Words["colon"]+fr.Labels[st]] = n
			}
		}
		for label, want := range wants {
			row, ok := byLabel[label]
			if !ok {
				t.Errorf("overall %s: no row %q", key, label)
				continue
			}
			got, set := rawNumber(t, f, name(sheetIndicators), "B"+strconv.Itoa(row))
			if v, isNum := want.(float64); isNum {
				if !set || !sameNumber(got, v) {
					t.Errorf("overall %s: workbook %v, API %v", label, got, v)
				}
			} else if set {
				t.Errorf("overall %s: workbook %v, API %v", label, got, want)
			}
			seen++
		}
	}
	if seen < 28 {
		t.Errorf("the group indicators list %d overall figures", seen)
	}

	// Summary: every target with its value, goal and pace.
	summary := rowsOf(t, f, name(sheetSummary))
	for _, tg := range doc.Targets {
		found := false
		for r, row := range summary {
			if len(row) < 2 || row[0] != fr.Words["wb_target"] || row[1] != fr.Labels[tg["id"].(string)] {
				continue
			}
			found = true
			for col, key := range map[string]string{"C": "value", "E": "target", "F": "pace"} {
				got, _ := rawNumber(t, f, name(sheetSummary), col+strconv.Itoa(r+1))
				if v, _ := tg[key].(float64); !sameNumber(got, v) {
					t.Errorf("target %s %s: workbook %v, API %v", tg["id"], key, got, v)
				}
			}
			if row[6] != fr.Labels[tg["status"].(string)] {
				t.Errorf("target %s status %q, want the words for %v", tg["id"], row[6], tg["status"])
			}
		}
		if !found {
			t.Errorf("target %v is not on the Summary", tg["id"])
		}
	}
}

func TestWorkbookSheetsAreNamedInTheWorkbooksLanguage(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	for lang, want := range map[string]string{
		langFR: "Synthèse|Sites|Tendances|Comité|Décisions|Indicateurs du groupe|Indicateurs par site|Qualité des données",
		langEN: "Summary|Sites|Trends|Committee|Decisions|Group indicators|Site indicators|Data quality",
	} {
		_, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-11-30&lang="+lang)
		if got := strings.Join(openWorkbook(t, xb).GetSheetList(), "|"); got != want {
			t.Errorf("%s sheets %s, want %s", lang, got, want)
		}
	}
}

func TestWorkbookListsTheSitesThatNeedHelpFirstWithTheirStandingAndFlagsInWords(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, nil)
	snap, err := srv.Snaps.Get(t.Context(), fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	_, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-11-30&lang=en")
	f := openWorkbook(t, xb)
	rows := rowsOf(t, f, sheetName(langEN, sheetSites))
	if got := strings.Join(rows[0][:4], "|"); got != "Status|Flags|Site ID|Site" {
		t.Errorf("first columns %s", got)
	}
	var ids []string
	for _, row := range rows[1:] {
		ids = append(ids, row[2])
	}
	var want []string
	for _, s := range sitesByNeed(snap.Doc.Sites) {
		want = append(want, s.SiteID)
	}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("sites in order %v, want %v", ids, want)
	}
	// The order itself: struggling, then more flags, then lower adoption.
	en := translations[langEN]
	rank := map[string]int{en.Labels["struggling"]: 0, en.Words["wb_site_watch"]: 1, en.Words["wb_site_no_flag"]: 2}
	last := 0
	for _, row := range rows[1:] {
		r, ok := rank[row[0]]
		if !ok {
			t.Fatalf("standing %q is not a word of the workbook", row[0])
		}
		if r < last {
			t.Errorf("%s (%s) comes after a site that needs less help", row[2], row[0])
		}
		last = r
	}
}

func TestSitesByNeedPutsStrugglingThenMoreFlagsThenLowerAdoptionFirst(t *testing.T) {
	ratio := func(x float64) *float64 { return &x }
	mk := func(id string, struggling bool, adoption *float64, flags ...string) queries.Site {
		s := queries.Site{SiteID: id, Name: id, Flags: flags, Struggling: struggling}
		s.Adoption = adoption
		return s
	}
	sites := []queries.Site{
		mk("OK-HIGH", false, ratio(0.9)),
		mk("OK-LOW", false, ratio(0.2)),
		mk("OK-NONE", false, nil),
		mk("WATCH", false, ratio(0.5), "slow_response"),
		mk("TWO-FLAGS", true, ratio(0.6), "low_adoption", "slow_response"),
		mk("THREE-FLAGS", true, ratio(0.7), "low_adoption", "mau_drop", "slow_response"),
		mk("NO-AMBASSADOR", true, ratio(0.1), "no_active_ambassador"),
	}
	var got []string
	for _, s := range sitesByNeed(sites) {
		got = append(got, s.SiteID)
	}
	want := "THREE-FLAGS,TWO-FLAGS,NO-AMBASSADOR,WATCH,OK-LOW,OK-HIGH,OK-NONE"
	if strings.Join(got, ",") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

func TestWorkbookKeepsUserTextAsTextWithFormatsAndFrozenHeaders(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, nil)
	_, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-11-30&lang=en")
	f := openWorkbook(t, xb)
	found := map[string]bool{}
	for _, sheet := range f.GetSheetList() {
		for r, row := range rowsOf(t, f, sheet) {
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
					t.Errorf("%s!%s holds a formula %q", sheet, ref, formula)
				}
				for _, h := range []string{hostileTitle, hostileSite, formulaTitle, hostileReason} {
					if v == h {
						found[h] = true
						if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
							t.Errorf("%s!%s %q is stored as %v, not a string", sheet, ref, v, typ)
						}
					}
				}
			}
		}
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: header row not frozen: %+v", sheet, panes)
		}
	}
	for _, h := range []string{hostileTitle, hostileSite, formulaTitle, hostileReason} {
		if !found[h] {
			t.Errorf("workbook lacks the text %q", h)
		}
	}
	// Ratios are percentages, days one decimal with their unit, counts with
	// thousands separators, dates dates.
	sheet := sheetName(langEN, sheetSiteFigures)
	row := 0
	for r, cells := range rowsOf(t, f, sheet) {
		if len(cells) > 0 && cells[0] == "LYON" { // every figure known
			row = r + 1
		}
	}
	for key, want := range map[string]string{"adoption": "0.0%", "decision_delay_days": `0.0" d"`, "mau": "#,##0"} {
		col := 0
		for i, c := range siteFigureColumns() {
			if c == key {
				col = siteFigureLead + i + 1
			}
		}
		ref, _ := excelize.CoordinatesToCellName(col, row)
		st, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		style, err := f.GetStyle(st)
		if err != nil {
			t.Fatal(err)
		}
		if style.CustomNumFmt == nil || *style.CustomNumFmt != want {
			t.Errorf("%s format %v, want %s", key, style.CustomNumFmt, want)
		}
	}
	summary := sheetName(langEN, sheetSummary)
	if asOf, _ := f.GetCellValue(summary, "C2"); asOf != "2026-11-30" {
		t.Errorf("Summary as-of date shows %q", asOf)
	}
	if raw, _ := rawNumber(t, f, summary, "C2"); raw != 46356 { // Excel serial of 2026-11-30
		t.Errorf("as-of date is not a date cell: %v", raw)
	}
	zr, err := zip.NewReader(bytes.NewReader(xb), int64(len(xb)))
	if err != nil {
		t.Fatal(err)
	}
	lineCharts := 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			rc, _ := zf.Open()
			var buf bytes.Buffer
			buf.ReadFrom(rc)
			rc.Close()
			if bytes.Contains(buf.Bytes(), []byte("lineChart")) {
				lineCharts++
			}
		}
	}
	if lineCharts != 3 {
		t.Errorf("%d native line charts, want 3", lineCharts)
	}
}

func TestWorkbookDatesFollowTheLanguage(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	_, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-11-30")
	f := openWorkbook(t, xb)
	if v, _ := f.GetCellValue(sheetName(langFR, sheetSummary), "C2"); v != "30/11/2026" {
		t.Errorf("French as-of date shows %q", v)
	}
}

func TestWorkbookSummarySaysTheDateTheDataGoesUpToAsADate(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	_, body := get(t, srv.URL+"/api/v1/data")
	var data struct {
		DataUntil string `json:"data_until"`
	}
	if err := json.Unmarshal(body, &data); err != nil || data.DataUntil == "" {
		t.Fatalf("/api/v1/data: %v %.200s", err, body)
	}
	until, _ := time.Parse(dateLayout, data.DataUntil)
	for lang, want := range map[string][2]string{
		langFR: {"Données jusqu'au", until.Format("02/01/2006")},
		langEN: {"Data up to", data.DataUntil},
	} {
		// An as-of date after the data: the note says the figures after
		// it are empty.
		_, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-12-31&lang="+lang)
		f := openWorkbook(t, xb)
		sheet := sheetName(lang, sheetSummary)
		label, _ := f.GetCellValue(sheet, "B3")
		value, _ := f.GetCellValue(sheet, "C3")
		if label != want[0] || value != want[1] {
			t.Errorf("%s Summary row 3: %q %q, want %q %q", lang, label, value, want[0], want[1])
		}
		if x, ok := rawNumber(t, f, sheet, "C3"); !ok || x < 40000 {
			t.Errorf("%s: the data's date is not a date cell (%v)", lang, x)
		}
		note, _ := f.GetCellValue(sheet, "H3")
		if !strings.Contains(note, want[1]) {
			t.Errorf("%s: the note of an as-of date after the data says %q", lang, note)
		}
	}
}

func TestEverySheetPrintsOnA4LandscapeOnePageWideWithItsHeaderRepeated(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	_, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-11-30")
	f := openWorkbook(t, xb)
	names := map[string]map[string]string{}
	for _, n := range f.GetDefinedName() {
		if names[n.Scope] == nil {
			names[n.Scope] = map[string]string{}
		}
		names[n.Scope][n.Name] = n.RefersTo
	}
	for _, key := range workbookSheets {
		sheet := sheetName(langFR, key)
		layout, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		tall := 0
		if key == sheetSummary || key == sheetTrends {
			tall = 1
		}
		if *layout.Orientation != "landscape" || *layout.Size != paperA4 || *layout.FitToWidth != 1 || *layout.FitToHeight != tall {
			t.Errorf("%s: orientation %s, size %d, fit %d wide x %d tall", sheet, *layout.Orientation, *layout.Size, *layout.FitToWidth, *layout.FitToHeight)
		}
		props, err := f.GetSheetProps(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("%s: fit to page is off", sheet)
		}
		if got := names[sheet]["_xlnm.Print_Titles"]; got != sheetRef(sheet)+"!$1:$1" {
			t.Errorf("%s: print titles %q", sheet, got)
		}
		if names[sheet]["_xlnm._FilterDatabase"] == "" {
			t.Errorf("%s: no autofilter", sheet)
		}
		hf, err := f.GetHeaderFooter(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(hf.OddHeader, sheet) || !strings.Contains(hf.OddHeader, "30/11/2026") || !strings.Contains(hf.OddFooter, "&P") {
			t.Errorf("%s: page header %q, footer %q", sheet, hf.OddHeader, hf.OddFooter)
		}
	}
}

func TestWrapLinesCountsWordWrappedLines(t *testing.T) {
	for _, c := range []struct {
		text  string
		width int
		want  int
	}{
		{"", 10, 1},
		{"short", 10, 1},
		{"two words", 5, 2},
		{"one\ntwo", 50, 2},
		{"abcdefghijkl", 5, 3},
	} {
		if got := wrapLines(c.text, c.width); got != c.want {
			t.Errorf("wrapLines(%q, %d) = %d, want %d", c.text, c.width, got, c.want)
		}
	}
}

// codeWord finds a snake_case word (site_id, in_review, at_least) or a raw
// boolean in a cell.
var codeWord = regexp.MustCompile(`\b[a-z0-9]+_[a-z0-9_]+\b|\b(true|false|null|dangling)\b`)

func TestWorkbookShowsNoInternalCodeInEitherLanguage(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	codes := map[string]bool{}
	for _, c := range catalog() {
		codes[c] = true
	}
	for _, lang := range []string{langFR, langEN} {
		_, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-11-30&lang="+lang)
		f := openWorkbook(t, xb)
		cells := 0
		for _, sheet := range f.GetSheetList() {
			for r, row := range rowsOf(t, f, sheet) {
				for c, v := range row {
					cells++
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if codes[v] && v != strings.ToLower(translations[lang].Labels[v]) {
						t.Errorf("%s %s!%s holds the code %q", lang, sheet, ref, v)
					}
					if m := codeWord.FindString(v); m != "" {
						t.Errorf("%s %s!%s %q holds %q", lang, sheet, ref, v, m)
					}
				}
			}
		}
		if cells < 300 {
			t.Errorf("%s: only %d cells walked", lang, cells)
		}
	}
}

func TestGroupRanksOrderTheSitesTopIdeasAsWithinASite(t *testing.T) {
	score := func(n int64) *int64 { return &n }
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	ideas := []queries.OpenIdea{
		{IdeaID: "A1", SiteID: "A", Score: score(20), Votes: 3, CreatedAt: day(1)},
		{IdeaID: "A2", SiteID: "A", Score: nil, Votes: 50, CreatedAt: day(1)},
		{IdeaID: "B1", SiteID: "B", Score: score(25), Votes: 0, CreatedAt: day(5)},
		{IdeaID: "B2", SiteID: "B", Score: score(20), Votes: 3, CreatedAt: day(2)},
		{IdeaID: "B3", SiteID: "B", Score: score(20), Votes: 9, CreatedAt: day(3)},
	}
	got := groupRanks(ideas)
	want := []int{3, 5, 1, 4, 2}
	if !slices.Equal(got, want) {
		t.Errorf("group ranks %v, want %v", got, want)
	}
}

func TestChartColumnsPlaceChartsSideBySideWithoutOverlap(t *testing.T) {
	// Nine columns of 12 characters (89 pixels each), then 8.43 (64): the
	// second chart starts at 534 px (column 7), the third at 534+490 = 1024
	// or after, column 14 (1057).
	widths := []float64{12, 12, 12, 12, 12, 12, 12, 12, 12}
	got := chartColumns(widths, 3)
	if !slices.Equal(got, []int{1, 7, 14}) {
		t.Errorf("chart columns %v", got)
	}
}
