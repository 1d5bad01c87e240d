package dashboards

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// sheet is one table of the workbook and how it prints.
type sheet struct {
	// key is the locale key of the sheet's name.
	key    string
	header []string
	rows   [][]cell
	// onePage fits the sheet on one page (the Summary); otherwise it is one
	// page wide and as many pages tall as it needs.
	onePage bool
	// printedRows, when above 0 and below len(rows), limits the print area
	// to the header and that many rows; note then says so on every page.
	printedRows int
	note        string
	// cells writes the sheet cell by cell instead of streaming it (a sheet
	// that gets charts afterwards).
	cells bool
	// wrapAt is the width of each column of wrapped text by its index; the
	// others default to wrapWidth.
	wrapAt map[int]int
}

// Column widths, in characters: at least minWidth, at most maxWidth
// (wrapped text at most wrapWidth or the sheet's wrapAt; it wraps within
// that). A header word counts up to headWord characters: a longer one
// breaks rather than widen a column of numbers.
const (
	minWidth  = 7
	maxWidth  = 40
	wrapWidth = 55
	headWord  = 12
)

// table writes a sheet: header row frozen and repeated on every printed
// page, autofilter over the table, column widths fitted to the values
// (headers wrap), A4 landscape one page wide. Sheets are streamed (the
// large demo's changelog has tens of thousands of rows) unless s.cells.
func (b *book) table(s sheet) error {
	f := b.f
	name := b.name(s.key)
	if _, err := f.NewSheet(name); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	widths := b.widths(s)
	end, _ := excelize.CoordinatesToCellName(len(s.header), max(len(s.rows)+1, 2))
	// Before the stream writer: it writes the autofilter and the page setup
	// of the sheet on Flush, its properties when created.
	if err := f.AutoFilter(name, "A1:"+end, nil); err != nil {
		return fmt.Errorf("sheet %s: autofilter: %w", name, err)
	}
	if err := b.printSetup(name, s); err != nil {
		return fmt.Errorf("sheet %s: print setup: %w", name, err)
	}
	panes := &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}
	if s.cells {
		return b.tableCells(name, s, widths, panes)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	if err := sw.SetPanes(panes); err != nil {
		return fmt.Errorf("sheet %s: freeze: %w", name, err)
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	head := make([]any, len(s.header))
	for i, h := range s.header {
		head[i] = excelize.Cell{StyleID: b.head, Value: h}
	}
	if err := sw.SetRow("A1", head, rowHeight(headerLines(s.header, widths))...); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	vals := make([]any, len(s.header))
	for r, row := range s.rows {
		vals = vals[:len(row)]
		for c, v := range row {
			vals[c] = b.streamCell(v)
		}
		ref, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(ref, vals, rowHeight(rowLines(row, widths))...); err != nil {
			return fmt.Errorf("sheet %s %s: %w", name, ref, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	return nil
}

// widths fits each column to its longest value and the longest word of its
// header, within minWidth..maxWidth (wrapped text: wrapWidth).
func (b *book) widths(s sheet) []float64 {
	chars := make([]int, len(s.header))
	limit := make([]int, len(s.header))
	for i, h := range s.header {
		limit[i] = maxWidth
		for _, word := range strings.Fields(h) {
			chars[i] = max(chars[i], min(utf8.RuneCountInString(word), headWord)+1)
		}
	}
	for _, row := range s.rows {
		for c, v := range row {
			if c >= len(chars) {
				continue
			}
			if v.wrap {
				limit[c] = cmp.Or(s.wrapAt[c], wrapWidth)
			}
			chars[c] = max(chars[c], b.width(v))
		}
	}
	out := make([]float64, len(chars))
	for i, n := range chars {
		out[i] = float64(min(max(n, minWidth), limit[i]) + 2)
	}
	return out
}

// lineHeight is the height of one line of text in points (Calibri 11),
// and charsPerWidth how many characters of text a column width unit (the
// width of a digit) holds on average.
const (
	lineHeight    = 14
	charsPerWidth = 1.15
)

// rowHeight sets the height of a row of lines; none for one line. Neither
// Excel nor LibreOffice grows a row for wrapped text when opening a file,
// so the workbook says how tall each row is.
func rowHeight(lines int) []excelize.RowOpts {
	if lines <= 1 {
		return nil
	}
	return []excelize.RowOpts{{Height: float64(lines * lineHeight)}}
}

// headerLines is how many lines the header row takes (its words wrap).
func headerLines(header []string, widths []float64) int {
	n := 1
	for i, h := range header {
		n = max(n, wrapLines(h, textWidth(widths[i])))
	}
	return n
}

// rowLines is how many lines a row's wrapped text takes.
func rowLines(row []cell, widths []float64) int {
	n := 1
	for i, v := range row {
		if v.wrap && v.s != nil && i < len(widths) {
			n = max(n, wrapLines(*v.s, textWidth(widths[i])))
		}
	}
	return n
}

// textWidth is how many characters of text fit in a column's width.
func textWidth(width float64) int { return int((width - 1) * charsPerWidth) }

// wrapLines counts the lines of text wrapped at width characters, word by
// word, each newline starting a line.
func wrapLines(text string, width int) int {
	width = max(width, 1)
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		lines++
		used := 0
		for _, word := range strings.Fields(para) {
			n := utf8.RuneCountInString(word)
			switch {
			case used == 0:
				used = n
			case used+1+n <= width:
				used += 1 + n
			default:
				lines++
				used = n
			}
			for used > width { // a word longer than the line
				lines++
				used -= width
			}
		}
	}
	return lines
}

// streamCell is a cell for the stream writer. A string is written as an
// inline string: never a formula, whatever it starts with.
func (b *book) streamCell(v cell) any {
	c := excelize.Cell{StyleID: b.cellStyle(v)}
	switch {
	case v.s != nil:
		c.Value = *v.s
	case v.n != nil:
		c.Value = *v.n
	case v.t != nil:
		c.Value = *v.t
	}
	return c
}

// width is a cell's display width in characters.
func (b *book) width(v cell) int {
	switch {
	case v.s != nil:
		return utf8.RuneCountInString(*v.s)
	case v.n != nil:
		return len(format(langEN, keyOfKind(v.k), v.n)) + 2
	case v.t != nil:
		if v.dt {
			return 16
		}
		return 10
	}
	return 0
}

// tableCells writes a small sheet cell by cell (so charts can be added).
func (b *book) tableCells(name string, s sheet, widths []float64, panes *excelize.Panes) error {
	f := b.f
	for i, h := range s.header {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(name, ref, h); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(s.header), 1)
	if err := f.SetCellStyle(name, "A1", last, b.head); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	if err := setHeight(f, name, 1, headerLines(s.header, widths)); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	for r, row := range s.rows {
		for c, v := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+2)
			if err := b.put(name, ref, v); err != nil {
				return fmt.Errorf("sheet %s %s: %w", name, ref, err)
			}
		}
		if err := setHeight(f, name, r+2, rowLines(row, widths)); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(name, col, col, w); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	if err := f.SetPanes(name, panes); err != nil {
		return fmt.Errorf("sheet %s: freeze: %w", name, err)
	}
	return nil
}

// setHeight sets the height of a row of a cell-by-cell sheet (see
// rowHeight).
func setHeight(f *excelize.File, name string, row, lines int) error {
	if lines <= 1 {
		return nil
	}
	return f.SetRowHeight(name, row, float64(lines*lineHeight))
}

// put writes one cell of a cell-by-cell sheet.
func (b *book) put(sheet, ref string, v cell) error {
	f := b.f
	var err error
	switch {
	case v.s != nil:
		// SetCellStr: always a string cell, so "=cmd|..." stays text.
		err = f.SetCellStr(sheet, ref, *v.s)
	case v.n != nil:
		err = f.SetCellFloat(sheet, ref, *v.n, -1, 64)
	case v.t != nil:
		err = f.SetCellValue(sheet, ref, *v.t)
	}
	if err != nil {
		return err
	}
	return f.SetCellStyle(sheet, ref, ref, b.cellStyle(v))
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

// Print setup: A4 landscape, narrow margins, one page wide.
const (
	paperA4      = 9 // the SpreadsheetML paper size code of A4
	marginSide   = 0.4
	marginTop    = 0.6
	marginHeader = 0.25
)

// printSetup prepares how a sheet prints: A4 landscape, fitted to one page
// wide (and one tall for s.onePage), the header row repeated on every page
// (print titles), a page header naming the sheet and the as-of date, a
// footer with the page number; the print area limited to s.printedRows
// rows when set.
func (b *book) printSetup(name string, s sheet) error {
	f := b.f
	fit := true
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	size, orientation, wide, tall := paperA4, "landscape", 1, 0
	if s.onePage {
		tall = 1
	}
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation,
		FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	side, topBottom, header := marginSide, marginTop, marginHeader
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side,
		Top: &topBottom, Bottom: &topBottom, Header: &header, Footer: &header}); err != nil {
		return err
	}
	v := b.v
	asOf := v.T("as_of") + v.T("colon") + b.displayDate()
	page := strings.NewReplacer("{page}", "&P", "{pages}", "&N").Replace(hfEscape(v.T("wb_page_of")))
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L&B" + hfEscape("Relais — "+name) + "&C" + hfEscape(s.note) + "&R" + hfEscape(asOf),
		OddFooter: "&R" + page,
	}); err != nil {
		return err
	}
	ref := sheetRef(name)
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: ref + "!$1:$1", Scope: name}); err != nil {
		return err
	}
	if s.printedRows > 0 && s.printedRows < len(s.rows) {
		last, _ := excelize.ColumnNumberToName(len(s.header))
		area := ref + "!$A$1:$" + last + "$" + strconv.Itoa(s.printedRows+1)
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: area, Scope: name}); err != nil {
			return err
		}
	}
	return nil
}

// displayDate is the as-of date as the language writes it.
func (b *book) displayDate() string {
	if b.v.Lang == langFR {
		return b.asOf.Format("02/01/2006")
	}
	return b.asOf.Format(dateLayout)
}

// sheetRef quotes a sheet name for a reference, doubling a quote inside.
func sheetRef(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// hfEscape keeps text literal in a page header or footer, where & starts a
// code.
func hfEscape(s string) string { return strings.ReplaceAll(s, "&", "&&") }
