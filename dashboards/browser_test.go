package dashboards

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds headless Chromium. In CI (CI=true) a missing browser
// fails the test: it must not pass by skipping.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (CI installs Debian's chromium package): the browser test cannot run")
	}
	t.Skip("chromium is not installed")
	return ""
}

// screenshotDir is where the test saves its screenshots: $RELAIS_SCREENSHOTS
// when set, else the test's artifact directory (kept with `go test
// -artifacts`, under -outputdir; a temporary directory otherwise), never
// the working tree.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RELAIS_SCREENSHOTS")
	if dir == "" {
		return t.ArtifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserEvents collects what the browser reports while pages load.
type browserEvents struct {
	mu       sync.Mutex
	errors   []string
	requests []string
	dialogs  []string
}

func (b *browserEvents) add(list *[]string, s string) {
	b.mu.Lock()
	*list = append(*list, s)
	b.mu.Unlock()
}

func (b *browserEvents) take() (errs, reqs, dialogs []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	errs, reqs, dialogs = b.errors, b.requests, b.dialogs
	b.errors, b.requests, b.dialogs = nil, nil, nil
	return
}

// pageCase is one page the browser and text tests visit, in each language.
type pageCase struct {
	name string
	path string // with its own query, without lang
	// status is the answer's HTTP status (0: 200).
	status int
	// charts: the page draws at least one chart.
	charts bool
}

// testPages are the pages of the hostile fixture that the browser test and
// the page-text test visit in both languages. A new page gets a row here.
var testPages = []pageCase{
	{name: "sponsor", path: "/", charts: true},
	{name: "sites", path: "/sites", charts: true},
	{name: "site", path: "/sites/LYON", charts: true},
	{name: "site-hostile", path: "/sites/EVIL", charts: true},
	{name: "committee", path: "/committee", charts: true},
	{name: "committee-month", path: "/committee?month=2026-11", charts: true},
	{name: "committee-site", path: "/committee?site=LYON&month=2026-11", charts: true},
	{name: "committee-pack", path: "/committee?print=1&month=2026-11", charts: true},
	{name: "data", path: "/data", charts: true},
	{name: "audit", path: "/data/audit"},
	{name: "idea", path: "/ideas/I3"},
	{name: "challenges", path: "/challenges"},
	{name: "not-found", path: "/no-such-page", status: 404},
	{name: "unknown-site", path: "/sites/NOWHERE", status: 404},
	{name: "bad-date", path: "/sites?as_of=26-11-2026", status: 400},
}

// langPath is the page's path in a language.
func (p pageCase) langPath(lang string) string {
	if strings.Contains(p.path, "?") {
		return p.path + "&lang=" + lang
	}
	return p.path + "?lang=" + lang
}

func (p pageCase) wantStatus() int {
	if p.status == 0 {
		return 200
	}
	return p.status
}

// longSiteName is the browser test's long site name.
const longSiteName = "Saint-Quentin-en-Yvelines — Direction des systèmes d'information et du numérique"

// browserWidths are the window widths every page is checked at: a laptop
// and a small phone.
var browserWidths = []int64{1440, 360}

// axeScript is axe-core's script, installed by fetch-assets.sh next to
// ECharts in web/node_modules for this test only ("" when absent: outside
// CI the accessibility check is then skipped).
func axeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("web", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is not installed (./dashboards/fetch-assets.sh installs it): %v", err)
		}
		t.Logf("accessibility check skipped: %v (run ./dashboards/fetch-assets.sh)", err)
		return ""
	}
	return string(b)
}

// pageState is what the test reads from a page in the browser.
type pageState struct {
	// Charts is the number of chart blocks; Bad the ids of those without
	// a drawn canvas or svg, or wider than their container.
	Charts      int      `json:"charts"`
	Bad         []string `json:"bad"`
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	// Wide lists the elements that stick out of the window, for the
	// failure message.
	Wide []string `json:"wide"`
}

// readPage reads the page's state: every chart has a canvas or svg of
// non-zero size that fits its container, and how wide the page is.
const readPage = `(() => {
	const blocks = Array.from(document.querySelectorAll('script[type="application/json"][data-chart]'));
	const bad = [];
	for (const b of blocks) {
		const id = b.getAttribute('data-chart');
		const el = document.getElementById(id);
		const c = el && el.querySelector('canvas, svg');
		const r = c && c.getBoundingClientRect();
		if (!c || !(r.width > 0 && r.height > 0 && el.clientHeight > 0) || r.width > el.clientWidth + 1) {
			bad.push(id);
		}
	}
	const iw = window.innerWidth;
	const wide = [];
	for (const e of document.querySelectorAll('body *')) {
		const r = e.getBoundingClientRect();
		if (r.right > iw + 1 && wide.length < 8) {
			let inScroller = false;
			for (let p = e.parentElement; p; p = p.parentElement) {
				const o = getComputedStyle(p).overflowX;
				if (o === 'auto' || o === 'scroll' || o === 'hidden') { inScroller = true; break; }
			}
			if (!inScroller) {
				wide.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(r.right) + 'px');
			}
		}
	}
	return {charts: blocks.length, bad: bad, scrollWidth: document.documentElement.scrollWidth, innerWidth: iw, wide: wide};
})()`

// axeViolation is one axe-core violation, with the elements it found.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// runAxe is axe-core's check of the whole page: its violations.
const runAxe = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => ({target: n.target}))})))`

// TestBrowserShowsEveryPageInBothLanguagesOnALaptopAndAPhone loads every
// page of testPages in headless Chromium, in French and English, at 1440
// and 360 px wide: no horizontal page overflow, every chart drawn and
// fitting its card (after the window shrinks too), no console error, no
// request to another host, no axe-core violation of impact serious or
// critical, and a screenshot of each.
func TestBrowserShowsEveryPageInBothLanguagesOnALaptopAndAPhone(t *testing.T) {
	chrome := chromiumPath(t)
	if !EChartsEmbedded() {
		if os.Getenv("CI") == "true" {
			t.Fatal("echarts.min.js is not embedded: run `make assets` before the tests")
		}
		t.Skip("echarts.min.js is not embedded (run `make assets`)")
	}
	axe := axeScript(t)
	db := hostileDB(t)
	// A site with a long name, as real groups have: a site selector as
	// wide as its longest option once made phone pages scroll sideways.
	load(t, db, "sites", []driver.Value{"LONG", longSiteName, nil, int64(40)})
	srv := startServer(t, db, nil)
	base, _ := url.Parse(srv.URL)
	shots := screenshotDir(t)

	// One browser per language, side by side: one draws while the other
	// waits for the server or the test. (Two tabs of one browser would
	// not do: the tab in the background draws its charts late.)
	t.Run("pages", func(t *testing.T) {
		for _, lang := range []string{langFR, langEN} {
			t.Run(lang, func(t *testing.T) {
				t.Parallel()
				ctx := newBrowser(t, chrome)
				ev := listen(ctx)
				if err := chromedp.Run(ctx, network.Enable(), log.Enable(), runtime.Enable()); err != nil {
					t.Fatalf("open a tab: %v", err)
				}
				for _, p := range testPages {
					t.Run(p.name, func(t *testing.T) {
						checkPage(t, ctx, ev, base, shots, axe, srv.URL+p.langPath(lang), p, lang)
					})
				}
			})
		}
	})
}

// checkPage loads one page at each of browserWidths and checks it.
func checkPage(t *testing.T, ctx context.Context, ev *browserEvents, base *url.URL, shots, axe, target string, p pageCase, lang string) {
	ev.take()
	start := time.Now()
	defer func() { t.Logf("%s checked in %v", target, time.Since(start).Round(time.Millisecond)) }()
	for i, width := range browserWidths {
		var st pageState
		var png []byte
		actions := []chromedp.Action{chromedp.EmulateViewport(width, 900)}
		if i == 0 {
			actions = append(actions, chromedp.Navigate(target), chromedp.WaitReady("footer", chromedp.ByQuery))
		}
		// The first width loads the page; the next ones shrink the
		// window, as a person turning a tablet would, so the charts must
		// follow the resize.
		actions = append(actions, waitCharts(&st), chromedp.FullScreenshot(&png, 100))
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("load %s at %d px: %v", target, width, err)
		}
		shot := fmt.Sprintf("%s-%s-%d.png", p.name, lang, width)
		if err := os.WriteFile(filepath.Join(shots, shot), png, 0o644); err != nil {
			t.Fatal(err)
		}
		if p.charts && st.Charts == 0 {
			t.Errorf("%d px: the page has no chart", width)
		}
		if len(st.Bad) > 0 {
			t.Errorf("%d px: charts not drawn or wider than their card: %v", width, st.Bad)
		}
		if st.ScrollWidth > st.InnerWidth || st.InnerWidth != int(width) {
			t.Errorf("%d px: the page is %d px wide in a %d px window; sticking out: %v", width, st.ScrollWidth, st.InnerWidth, st.Wide)
		}
		if i == 0 && axe != "" {
			a := time.Now()
			checkAccessibility(t, ctx, axe)
			t.Logf("axe-core: %v", time.Since(a).Round(time.Millisecond))
		}
		if i == len(browserWidths)-1 {
			checkInfoControl(t, ctx)
		}
	}
	time.Sleep(100 * time.Millisecond) // let late console events arrive
	checkBrowserEvents(t, ev, base, target, p.wantStatus())
}

// listen collects what the browser reports: console errors, exceptions,
// error log entries, requests and dialogs.
func listen(ctx context.Context) *browserEvents {
	ev := &browserEvents{}
	chromedp.ListenTarget(ctx, func(e any) {
		switch e := e.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				ev.add(&ev.errors, "console: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			ev.add(&ev.errors, "exception: "+e.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if e.Entry.Level == log.LevelError {
				ev.add(&ev.errors, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			ev.add(&ev.requests, e.Request.URL)
		case *page.EventJavascriptDialogOpening:
			ev.add(&ev.dialogs, e.Message)
			go chromedp.Run(ctx, page.HandleJavaScriptDialog(false))
		}
	})
	return ev
}

// waitCharts waits until every chart of the page is drawn and fits its
// container (at most 15 s), then reads the page's state.
func waitCharts(st *pageState) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(15 * time.Second)
		for {
			if err := chromedp.Evaluate(readPage, st).Do(ctx); err != nil {
				return err
			}
			if len(st.Bad) == 0 || time.Now().After(deadline) {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// infoState is the first definition's popover after a tap on its button.
type infoState struct {
	Buttons int     `json:"buttons"`
	Open    bool    `json:"open"`
	Text    string  `json:"text"`
	Left    float64 `json:"left"`
	Right   float64 `json:"right"`
	Width   float64 `json:"width"`
}

// checkInfoControl taps the page's first info button (when it has one):
// its definition opens, with words, inside the window; a second tap closes
// it.
func checkInfoControl(t *testing.T, ctx context.Context) {
	t.Helper()
	// The first info button a person can see (a phone layout hides some,
	// e.g. the sites table's header row), marked for the taps.
	const read = `(() => {
		let b = document.querySelector('button.info[data-tapped]');
		if (!b) {
			b = Array.from(document.querySelectorAll('button.info')).find(x => x.getClientRects().length > 0 && x.offsetParent !== null);
			if (!b) { return {buttons: 0}; }
			b.setAttribute('data-tapped', '1');
		}
		const bs = [b];
		const d = document.getElementById(bs[0].getAttribute('popovertarget'));
		const r = d.getBoundingClientRect();
		return {buttons: bs.length, open: d.matches(':popover-open'), text: d.textContent.trim(), left: r.left, right: r.right, width: window.innerWidth};
	})()`
	var st infoState
	if err := chromedp.Run(ctx, chromedp.Evaluate(read, &st)); err != nil {
		t.Fatal(err)
	}
	if st.Buttons == 0 {
		return
	}
	// A bounded wait: a button that never becomes visible fails the test
	// instead of hanging it.
	tapCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(tapCtx, chromedp.Click("button.info[data-tapped]", chromedp.ByQuery, chromedp.NodeVisible), chromedp.Evaluate(read, &st)); err != nil {
		t.Fatalf("tap an info button: %v", err)
	}
	if !st.Open || st.Text == "" || st.Left < 0 || st.Right > st.Width {
		t.Errorf("a tap on the first info button shows %+v, want its definition open inside the window", st)
	}
	// A tap elsewhere closes it (the open definition may cover its button
	// on a narrow screen, so the tap is on the page's footer).
	if err := chromedp.Run(tapCtx, chromedp.Click("footer", chromedp.ByQuery, chromedp.NodeVisible), chromedp.Evaluate(read, &st)); err != nil {
		t.Fatalf("tap outside the definition: %v", err)
	}
	if st.Open {
		t.Errorf("a tap outside the open definition leaves it open")
	}
}

// checkAccessibility runs axe-core in the page and fails on violations of
// impact serious or critical. The script is evaluated through the DevTools
// protocol, which the page's Content-Security-Policy does not govern.
func checkAccessibility(t *testing.T, ctx context.Context, axe string) {
	t.Helper()
	var violations []axeViolation
	err := chromedp.Run(ctx,
		chromedp.Evaluate(axe, nil),
		chromedp.Evaluate(runAxe, &violations, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}),
	)
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	for _, v := range violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target...))
		}
		t.Errorf("accessibility (%s) %s: %s at %s", v.Impact, v.ID, v.Help, strings.Join(where, ", "))
	}
}

// checkBrowserEvents fails on console errors, dialogs and requests to
// another host seen since the last call. The page's own error status is
// expected (the browser logs any 4xx answer as an error).
func checkBrowserEvents(t *testing.T, ev *browserEvents, base *url.URL, target string, status int) {
	t.Helper()
	errs, reqs, dialogs := ev.take()
	for _, e := range errs {
		if status != 200 && strings.Contains(e, fmt.Sprintf("status of %d", status)) && strings.HasSuffix(e, " "+target) {
			continue
		}
		t.Errorf("browser error: %s", e)
	}
	for _, d := range dialogs {
		t.Errorf("a dialog opened (injected script ran): %q", d)
	}
	for _, r := range reqs {
		u, err := url.Parse(r)
		if err != nil {
			t.Errorf("bad request URL %q", r)
			continue
		}
		if u.Scheme == "data" {
			continue
		}
		if u.Host != base.Host {
			t.Errorf("request to another host: %s", r)
		}
	}
	if len(reqs) == 0 {
		t.Errorf("no request seen for %s: the network listener is not working", target)
	}
}

// newBrowser starts headless Chromium for the test, with a ten-minute
// budget (generous: a busy machine is slow, not wrong); it ends with the
// test.
func newBrowser(t *testing.T, chrome string) context.Context {
	t.Helper()
	// The profile is removed by hand, not by t.TempDir: Chromium's helper
	// processes may still write into it for a moment after the browser
	// exits, which made t.TempDir's cleanup fail the test.
	profile, err := os.MkdirTemp("", "relais-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Overlay scrollbars, as on a phone: the page has the whole
		// window's width.
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unhandled node event") {
			fmt.Fprintln(os.Stderr, "chromedp:", msg) // its own trouble; the page's errors are checked apart
		}
	}))
	ctx, cancelT := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(func() {
		cancelT()
		cancel()
		cancelA()
		for i := 0; i < 50 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return ctx
}
