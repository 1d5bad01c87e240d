package dashboards

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// a4LandscapeCSSWidth is the width of an A4 landscape page less its two
// 10 mm margins (static/app.css, @page), in CSS pixels (96 per inch).
const a4LandscapeCSSWidth = 277 * 96 / 25.4

// pdfPages reads a PDF written by Chromium: its number of pages and the
// size of each (MediaBox, in points).
func pdfPages(t *testing.T, pdf []byte) (pages int, boxes [][2]float64) {
	t.Helper()
	pages = len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1))
	for _, m := range regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]`).FindAllSubmatch(pdf, -1) {
		w, _ := strconv.ParseFloat(string(m[1]), 64)
		h, _ := strconv.ParseFloat(string(m[2]), 64)
		boxes = append(boxes, [2]float64{w, h})
	}
	return pages, boxes
}

// waitChartsDrawn waits until every chart of the page is drawn (or 15 s).
func waitChartsDrawn(ctx context.Context) error {
	const js = `(() => {
		const blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
		return blocks.length > 0 && document.querySelectorAll('[data-drawn]').length === blocks.length;
	})()`
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ok bool
		if err := chromedp.Evaluate(js, &ok).Do(ctx); err != nil {
			return err
		}
		if ok || time.Now().After(deadline) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// printLayout is what the test reads of a page laid out for print.
type printLayout struct {
	ScrollWidth float64  `json:"scrollWidth"`
	Visible     []string `json:"visible"`
	HeadRepeats bool     `json:"headRepeats"`
}

// beforePrint is what the page's beforeprint handler does to its charts.
type beforePrint struct {
	Printing bool     `json:"printing"`
	Main     float64  `json:"main"`
	Bad      []string `json:"bad"`
	After    bool     `json:"after"`
}

func TestCommitteePackAndSponsorPagePrintOnA4Landscape(t *testing.T) {
	chrome := chromiumPath(t)
	if !EChartsEmbedded() {
		if os.Getenv("CI") == "true" {
			t.Fatal("echarts.min.js is not embedded: run `make assets` before the tests")
		}
		t.Skip("echarts.min.js is not embedded (run `make assets`)")
	}
	srv := startServer(t, committeeDB(t), nil)
	ctx := newBrowser(t, chrome)
	out := screenshotDir(t)
	cases := []struct {
		name, path         string
		minPages, maxPages int
	}{
		// 121 decisions (about 25 rows a page), every site's top and the
		// synthesis; LYON has 120 of the decisions.
		{"committee-pack", "/committee?month=2026-11&print=1&lang=fr", 3, 10},
		{"committee-pack-lyon", "/committee?month=2026-11&site=LYON&print=1&lang=en", 3, 8},
		{"sponsor", "/?lang=fr", 1, 6},
	}
	// Laid out for print at the page's width: nothing wider than the page,
	// no navigation, form or pagination, table headers that repeat.
	const layoutJS = `(() => {
		const shown = sel => Array.from(document.querySelectorAll(sel)).filter(e => getComputedStyle(e).display !== 'none').map(() => sel);
		const heads = Array.from(document.querySelectorAll('thead')).map(h => getComputedStyle(h).display);
		return {scrollWidth: document.documentElement.scrollWidth,
			visible: [].concat(shown('header.top'), shown('form'), shown('nav.pagination'), shown('button')),
			headRepeats: heads.every(d => d === 'table-header-group')}; // a page without tables (the sponsor's cards) has none to repeat
	})()`
	// Before printing, every chart is drawn again at the page's width.
	const beforeJS = `(() => {
		window.dispatchEvent(new Event('beforeprint'));
		const main = document.querySelector('main').getBoundingClientRect().width;
		const bad = Array.from(document.querySelectorAll('[data-drawn]')).filter(el => {
			const c = el.querySelector('canvas');
			return !c || c.getBoundingClientRect().width > el.getBoundingClientRect().width + 1 || el.getBoundingClientRect().width > main + 1;
		}).map(el => el.id);
		const printing = document.documentElement.classList.contains('printing');
		window.dispatchEvent(new Event('afterprint'));
		return {printing: printing, main: main, bad: bad, after: document.documentElement.classList.contains('printing')};
	})()`
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var layout printLayout
			var before beforePrint
			var pdf []byte
			err := chromedp.Run(ctx,
				chromedp.Navigate(srv.URL+c.path),
				chromedp.WaitReady("footer", chromedp.ByQuery),
				chromedp.ActionFunc(waitChartsDrawn),
				chromedp.Evaluate(beforeJS, &before),
				emulation.SetDeviceMetricsOverride(int64(math.Floor(a4LandscapeCSSWidth)), 800, 1, false),
				emulation.SetEmulatedMedia().WithMedia("print"),
				chromedp.Evaluate(layoutJS, &layout),
				emulation.SetEmulatedMedia().WithMedia(""),
				emulation.ClearDeviceMetricsOverride(),
				chromedp.ActionFunc(func(ctx context.Context) error {
					var err error
					pdf, _, err = page.PrintToPDF().WithLandscape(true).WithPaperWidth(8.27).WithPaperHeight(11.69).
						WithPreferCSSPageSize(true).WithPrintBackground(true).Do(ctx)
					return err
				}),
			)
			if err != nil {
				t.Fatalf("print %s: %v", c.path, err)
			}
			if err := os.WriteFile(filepath.Join(out, c.name+".pdf"), pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %.20q", pdf)
			}
			pages, boxes := pdfPages(t, pdf)
			if pages < c.minPages || pages > c.maxPages {
				t.Errorf("%d pages, want %d to %d", pages, c.minPages, c.maxPages)
			}
			if len(boxes) != pages {
				t.Errorf("%d page sizes for %d pages", len(boxes), pages)
			}
			for i, b := range boxes {
				// A4 landscape: 297 x 210 mm = 841.9 x 595.3 pt.
				if b[0] < 838 || b[0] > 846 || b[1] < 591 || b[1] > 599 {
					t.Errorf("page %d is %.1f x %.1f pt, want A4 landscape (841.9 x 595.3)", i+1, b[0], b[1])
					break
				}
			}
			if layout.ScrollWidth > a4LandscapeCSSWidth+1 {
				t.Errorf("laid out for print, the page is %.0f px wide, more than the paper's %.0f", layout.ScrollWidth, a4LandscapeCSSWidth)
			}
			if len(layout.Visible) > 0 {
				t.Errorf("printed but not needed on paper: %v", layout.Visible)
			}
			if !layout.HeadRepeats {
				t.Error("table headers do not repeat on each printed page")
			}
			if !before.Printing || before.After || len(before.Bad) > 0 || before.Main < a4LandscapeCSSWidth-2 || before.Main > a4LandscapeCSSWidth+2 {
				t.Errorf("beforeprint: %+v; want the printing class during print only, <main> %.0f px wide and every chart within it", before, a4LandscapeCSSWidth)
			}
			t.Logf("%s: %d pages", c.name, pages)
		})
	}
}
