package dashboards

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
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
	want := []string{sheetSummary, sheetSites, sheetTrends, sheetCommittee, sheetDecisions, sheetQuality}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sheets %v, want %v", got, want)
	}

	// Sites: one row per site in document order, one column per key.
	cols := siteColumns()
	if len(doc.Sites) == 0 {
		t.Fatal("no sites in the document")
	}
	for i, site := range doc.Sites {
		row := i + 2
		for c, key := range cols {
			ref, _ := excelize.CoordinatesToCellName(c+1, row)
			var apiVal any
			if base, st, ok := strings.Cut(key, "."); ok {
				apiVal = site[base].(map[string]any)[st]
			} else {
				apiVal = site[key]
			}
			switch v := apiVal.(type) {
			case float64:
				got, ok := rawNumber(t, f, sheetSites, ref)
				if !ok || math.Abs(got-v) > 1e-9*math.Max(1, math.Abs(v)) {
					t.Errorf("site %v %s: workbook %v (set %v), API %v", site["site_id"], key, got, ok, v)
				}
			case nil:
				if key == "flag_reasons" {
					continue
				}
				if s, _ := f.GetCellValue(sheetSites, ref); s != "" {
					t.Errorf("site %v %s: workbook %q, API null", site["site_id"], key, s)
				}
			case string:
				if s, _ := f.GetCellValue(sheetSites, ref); s != v {
					t.Errorf("site %v %s: workbook %q, API %q", site["site_id"], key, s, v)
				}
			case []any: // flags: their labels, never their codes
				var labels []string
				for _, fl := range v {
					labels = append(labels, translations[langFR].Labels[fl.(string)])
				}
				if s, _ := f.GetCellValue(sheetSites, ref); s != strings.Join(labels, ", ") {
					t.Errorf("site %v %s: workbook %q, want the labels of %v", site["site_id"], key, s, v)
				}
			}
		}
	}

	// Summary: every overall number and every target.
	rows, err := f.GetRows(sheetSummary)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for r, row := range rows[1:] {
		if len(row) < 2 {
			continue
		}
		ref := "D" + strconv.Itoa(r+2)
		switch row[0] {
		case "overall":
			key := row[1]
			var apiVal any
			if base, st, ok := strings.Cut(key, "."); ok {
				apiVal = doc.Overall[base].(map[string]any)[st]
			} else {
				apiVal = doc.Overall[key]
			}
			got, ok := rawNumber(t, f, sheetSummary, ref)
			if v, isNum := apiVal.(float64); isNum {
				if !ok || math.Abs(got-v) > 1e-9*math.Max(1, math.Abs(v)) {
					t.Errorf("overall %s: workbook %v, API %v", key, got, v)
				}
			} else if ok {
				t.Errorf("overall %s: workbook %v, API %v", key, got, apiVal)
			}
			seen++
		case "target":
			for _, tg := range doc.Targets {
				if tg["id"] == row[1] {
					got, _ := rawNumber(t, f, sheetSummary, ref)
					if v, _ := tg["value"].(float64); math.Abs(got-v) > 1e-9 {
						t.Errorf("target %s: workbook %v, API %v", row[1], got, v)
					}
				}
			}
		}
	}
	if seen < 28 {
		t.Errorf("summary lists %d overall figures", seen)
	}
}

func TestWorkbookKeepsUserTextAsTextWithFormatsAndFrozenHeaders(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, nil)
	_, xb := get(t, srv.URL+"/export.xlsx?as_of=2026-11-30&lang=en")
	f := openWorkbook(t, xb)
	found := map[string]bool{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
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
	// Ratios are percentages, days one decimal, dates dates.
	cols := siteColumns()
	idx := func(key string) string {
		for i, c := range cols {
			if c == key {
				ref, _ := excelize.CoordinatesToCellName(i+1, 3) // LYON: every figure known
				return ref
			}
		}
		t.Fatalf("no column %s", key)
		return ""
	}
	for key, want := range map[string]string{"adoption": "0.0%", "decision_delay_days": "0.0", "mau": "#,##0"} {
		ref := idx(key)
		st, err := f.GetCellStyle(sheetSites, ref)
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
	asOf, _ := f.GetCellValue(sheetSummary, "D2")
	if asOf != "2026-11-30" {
		t.Errorf("Summary as-of date shows %q", asOf)
	}
	if raw, _ := rawNumber(t, f, sheetSummary, "D2"); raw != 46356 { // Excel serial of 2026-11-30
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
	// The autofilter is the defined name _xlnm._FilterDatabase of the sheet.
	ok := false
	for _, n := range f.GetDefinedName() {
		ok = ok || (n.Name == "_xlnm._FilterDatabase" && n.Scope == sheetSites)
	}
	if !ok {
		t.Error("no autofilter on Sites")
	}
}
