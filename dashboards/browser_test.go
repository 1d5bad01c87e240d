package dashboards

import (
	"context"
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

func TestBrowserDrawsEveryPageWithoutErrorsOrOtherHosts(t *testing.T) {
	chrome := chromiumPath(t)
	if !EChartsEmbedded() {
		if os.Getenv("CI") == "true" {
			t.Fatal("echarts.min.js is not embedded: run `make assets` before the tests")
		}
		t.Skip("echarts.min.js is not embedded (run `make assets`)")
	}
	srv := startServer(t, hostileDB(t), nil)
	base, _ := url.Parse(srv.URL)
	shots := screenshotDir(t)

	ctx := newBrowser(t, chrome)

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
	if err := chromedp.Run(ctx, network.Enable(), log.Enable(), runtime.Enable()); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	pages := []struct{ name, path string }{
		{"sponsor", "/"},
		{"sponsor-fr", "/?lang=fr"},
		{"committee-site", "/committee?site=LYON&month=2026-11&lang=fr"},
		{"sites", "/sites"},
		{"site-lyon", "/sites/LYON"},
		{"site-hostile", "/sites/EVIL"},
		{"committee", "/committee"},
		{"data", "/data"},
	}
	// Every chart of the page has a canvas with a non-empty size.
	const drawn = `(() => {
		const blocks = Array.from(document.querySelectorAll('script[type="application/json"][data-chart]'));
		const out = blocks.map(b => {
			const el = document.getElementById(b.getAttribute('data-chart'));
			const c = el && el.querySelector('canvas');
			return {id: b.getAttribute('data-chart'), ok: !!(c && c.width > 0 && c.height > 0 && el.clientHeight > 0)};
		});
		return {n: out.length, bad: out.filter(x => !x.ok).map(x => x.id)};
	})()`
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			ev.take()
			var state struct {
				N   int      `json:"n"`
				Bad []string `json:"bad"`
			}
			var png []byte
			err := chromedp.Run(ctx,
				chromedp.Navigate(srv.URL+p.path),
				chromedp.WaitReady("footer", chromedp.ByQuery),
				chromedp.ActionFunc(func(ctx context.Context) error {
					deadline := time.Now().Add(15 * time.Second)
					for {
						if err := chromedp.Evaluate(drawn, &state).Do(ctx); err != nil {
							return err
						}
						if len(state.Bad) == 0 || time.Now().After(deadline) {
							return nil
						}
						time.Sleep(100 * time.Millisecond)
					}
				}),
				chromedp.FullScreenshot(&png, 100),
			)
			if err != nil {
				t.Fatalf("load %s: %v", p.path, err)
			}
			if err := os.WriteFile(filepath.Join(shots, p.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
			if state.N == 0 {
				t.Errorf("%s has no chart", p.path)
			}
			if len(state.Bad) > 0 {
				t.Errorf("charts not drawn: %v", state.Bad)
			}
			time.Sleep(200 * time.Millisecond) // let late console events arrive
			errs, reqs, dialogs := ev.take()
			for _, e := range errs {
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
				t.Errorf("no request seen for %s: the network listener is not working", p.path)
			}
		})
	}
}

// newBrowser starts headless Chromium for the test, with a three-minute
// budget; it ends with the test.
func newBrowser(t *testing.T, chrome string) context.Context {
	t.Helper()
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
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	return ctx
}
