package dashboards

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/metrics"
	"relais/queries"
)

// dial opens a raw connection to the test server.
func dial(t *testing.T, srv *testServer) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reads until the server closes the connection. It returns
// an error only when the server kept it open for a minute: the test's own
// safety net, far above any timeout the tests configure.
func closedByServer(c net.Conn, r io.Reader) error {
	if err := c.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, r)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("the server kept the connection open")
	}
	return nil // EOF or reset: closed
}

// sendThenWaitForClose opens n connections at once, sends request on each,
// checks the answer with check, then waits for the server to close it.
func sendThenWaitForClose(t *testing.T, srv *testServer, n int, request string, check func(*http.Response, []byte) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		c := dial(t, srv)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := io.WriteString(c, request); err != nil {
				errs <- err
				return
			}
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				errs <- err
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err := check(resp, body); err != nil {
				errs <- err
				return
			}
			errs <- closedByServer(c, br)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestIdleKeepAliveConnectionsAreClosedAfterTheIdleTimeout(t *testing.T) {
	srv := startServer(t, hostileDB(t), func(o *Options) { o.HTTP.IdleTimeout = 100 * time.Millisecond })
	sendThenWaitForClose(t, srv, 200, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", func(resp *http.Response, _ []byte) error {
		if resp.StatusCode != 200 || resp.Close {
			return fmt.Errorf("status %d, close %v: want a kept-alive 200", resp.StatusCode, resp.Close)
		}
		return nil
	})
}

func TestSlowUploadBodiesAreCutOffWith408(t *testing.T) {
	db := hostileDB(t)
	var loads atomic.Int32
	srv := startServer(t, db, func(o *Options) {
		o.Ingest = func(ctx context.Context, path, name string) (IngestOutcome, error) {
			loads.Add(1)
			return IngestOutcome{}, errors.New("a cut-off upload must not be loaded")
		}
		o.HTTP.UploadTimeout = 200 * time.Millisecond
	})
	// 100 kB announced, a few bytes sent, then nothing.
	slow := "POST /api/v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
		"Content-Type: multipart/form-data; boundary=X\r\nContent-Length: 100000\r\n\r\n" +
		"--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sites.csv\"\r\n\r\nsite_id,name,headcount\r\n"
	sendThenWaitForClose(t, srv, 20, slow, func(resp *http.Response, body []byte) error {
		if resp.StatusCode != http.StatusRequestTimeout || !bytes.Contains(body, []byte("in time")) {
			return fmt.Errorf("status %d %s, want 408", resp.StatusCode, body)
		}
		return nil
	})
	if n := loads.Load(); n != 0 {
		t.Errorf("%d cut-off uploads went to the loader", n)
	}
}

func TestSlowRequestHeadersAreCutOff(t *testing.T) {
	srv := startServer(t, hostileDB(t), func(o *Options) { o.HTTP.ReadHeaderTimeout = 100 * time.Millisecond })
	c := dial(t, srv)
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1"); err != nil {
		t.Fatal(err)
	}
	if err := closedByServer(c, c); err != nil {
		t.Fatal(err)
	}
}

func TestHeadersOverTheLimitGet431(t *testing.T) {
	srv := startServer(t, hostileDB(t), func(o *Options) { o.HTTP.MaxHeaderBytes = 1 << 10 })
	c := dial(t, srv)
	// Go allows 4 KiB past MaxHeaderBytes: 32 KiB is well over.
	big := strings.Repeat("a", 32<<10)
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "+big+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}

	// The default limit takes the same header.
	def := startServer(t, hostileDB(t), nil)
	resp, _ = get(t, def.URL+"/healthz", "X-Big", big)
	if resp.StatusCode != 200 {
		t.Errorf("a 32 KiB header with the default limits: %d", resp.StatusCode)
	}
}

func TestHEADIsAnsweredWhereverGETIs(t *testing.T) {
	srv := startServer(t, hostileDB(t), func(o *Options) {
		o.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("relais_up 1\n")) })
	})
	for _, path := range []string{"/healthz", "/readyz", "/", "/sites/LYON", "/data", "/api/v1/kpis", "/api/v1/series",
		"/export.xlsx", "/static/app.css", "/metrics", "/sites/NOPE", "/nope"} {
		t.Run(path, func(t *testing.T) {
			getResp, _ := get(t, srv.URL+path)
			if path == "/readyz" && getResp.StatusCode != 200 {
				t.Skip("not ready yet")
			}
			resp, err := http.Head(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != getResp.StatusCode {
				t.Errorf("HEAD %d, GET %d", resp.StatusCode, getResp.StatusCode)
			}
			if len(body) != 0 {
				t.Errorf("HEAD answered a body of %d bytes", len(body))
			}
			if a, b := resp.Header.Get("Content-Type"), getResp.Header.Get("Content-Type"); a != b {
				t.Errorf("HEAD Content-Type %q, GET %q", a, b)
			}
		})
	}
}

func TestReadyzIs503UntilTheFirstSnapshotThenMetricsCarryTheKPIs(t *testing.T) {
	db := hostileDB(t)
	release := make(chan struct{})
	srv := startPrepared(t, db, "127.0.0.1:0", func(o *Options) {
		o.Metrics = metrics.New(metrics.Options{DB: o.DB, Snapshots: o.Snapshots, Logger: slog.New(slog.DiscardHandler)}).Handler()
	}, func(s *Server) {
		s.refreshHook = func(ctx context.Context) {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
	})
	resp, body := get(t, srv.URL+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz before the first snapshot: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz while starting: %d, want 200", resp.StatusCode)
	}
	if _, m := get(t, srv.URL+"/metrics"); bytes.Contains(m, []byte("relais_overall_sites ")) {
		t.Error("KPI series before any snapshot")
	}
	close(release)
	waitFor(t, func() bool { r, _ := get(t, srv.URL+"/readyz"); return r.StatusCode == 200 })
	_, m := get(t, srv.URL+"/metrics")
	if !bytes.Contains(m, []byte("relais_overall_sites 3")) {
		t.Errorf("ready, but /metrics lacks the KPI series:\n%.600s", m)
	}
}

// waitFor polls cond until it holds; the deadline only stops a test that
// would otherwise hang.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAPanicInTheSnapshotRefreshIsLoggedAndTheLoopGoesOn(t *testing.T) {
	var logs testfixture.SyncBuffer
	var calls atomic.Int32
	srv := startPrepared(t, hostileDB(t), "127.0.0.1:0", func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		o.RefreshEvery = 10 * time.Millisecond
	}, func(s *Server) {
		// The first refresh panics, the second publishes, the next ones
		// panic again.
		s.refreshHook = func(context.Context) {
			if n := calls.Add(1); n != 2 {
				panic(fmt.Sprintf("refresh %d", n))
			}
		}
	})
	waitFor(t, func() bool { return calls.Load() >= 4 })
	if resp, _ := get(t, srv.URL+"/readyz"); resp.StatusCode != 200 {
		t.Errorf("/readyz: %d: the refresh after the first panic did not publish", resp.StatusCode)
	}
	if resp, body := get(t, srv.URL+"/api/v1/kpis"); resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"site_id":"LYON"`)) {
		t.Errorf("after panics: %d %.200s", resp.StatusCode, body)
	}
	if n := strings.Count(logs.String(), `msg="panic in snapshot refresh`); n < 3 {
		t.Errorf("%d panics logged, want 3 or more:\n%.2000s", n, logs.String())
	}
	if !strings.Contains(logs.String(), `panic="refresh 3"`) {
		t.Error("the log does not say what panicked")
	}
}

// gate holds a server's hook while block is set: entered receives when a
// call arrives, and the call waits for release (or its context's end).
type gate struct {
	block   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (g *gate) hook(ctx context.Context) {
	if !g.block.Load() {
		return
	}
	select {
	case g.entered <- struct{}{}:
	default:
	}
	select {
	case <-g.release:
	case <-ctx.Done():
	}
}

func TestTodaysAnswersComeFromThePublishedSnapshotWhileARefreshRuns(t *testing.T) {
	db := hostileDB(t)
	g := newGate()
	block, entered, release := &g.block, g.entered, g.release
	srv := startPrepared(t, db, "127.0.0.1:0", func(o *Options) {
		o.RefreshEvery = 10 * time.Millisecond
	}, func(s *Server) { s.refreshHook = g.hook })
	waitFor(t, func() bool { r, _ := get(t, srv.URL+"/readyz"); return r.StatusCode == 200 })
	paths := []string{"/api/v1/committee", "/committee?lang=en", "/", "/api/v1/kpis", "/sites/PARIS", "/api/v1/series"}
	before := map[string][]byte{}
	for _, p := range paths {
		resp, body := get(t, srv.URL+p)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		before[p] = body
	}

	// A load commits (derived data now stale) and its refresh is held.
	block.Store(true)
	load(t, db, "decisions", []driver.Value{"I2", "retained", at(1, 9), "fresh-decision"})
	<-entered
	client := http.Client{Timeout: 30 * time.Second} // a request waiting on the refresh fails
	for _, p := range paths {
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Fatalf("%s while a refresh runs: %v", p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || bytes.Contains(body, []byte("fresh-decision")) {
			t.Errorf("%s while a refresh runs: %d; want the previous answer", p, resp.StatusCode)
		}
	}
	_, doc := get(t, srv.URL+"/api/v1/kpis")
	if !bytes.Equal(doc, before["/api/v1/kpis"]) {
		t.Error("the KPI document changed before its refresh published it")
	}

	block.Store(false)
	close(release)
	waitFor(t, func() bool { p := srv.published.Load(); return p != nil && p.Version == db.Version() })
	// The site page's queries, asked for under the previous version, were
	// computed again before the new snapshot was published.
	if _, ok := srv.cache.get(db.Version(), "amb|2026-11-30|PARIS"); !ok {
		t.Error("the queries of a page in use were not warmed for the new version")
	}
	// So was the sponsor page (its default date comes from data_until).
	if _, ok := srv.cache.get(db.Version(), "data_until"); !ok {
		t.Error("the sponsor page was not warmed before the new version was published")
	}
	waitFor(t, func() bool {
		_, body := get(t, srv.URL+"/api/v1/committee")
		return bytes.Contains(body, []byte("fresh-decision"))
	})
	if _, page := get(t, srv.URL+"/committee?lang=en"); !bytes.Contains(page, []byte("fresh-decision")) {
		t.Error("the committee page does not show the decision once published")
	}
}

// After a load, the sponsor page's weekly target history and 30-days-earlier
// document are carried from the previous version into the published one
// while the refresh computes the new version's own: the page answers at
// once without computing them and is not kept; once they are computed the
// page is drawn from them and kept.
func TestTheSponsorPageCarriesThePreviousHistoryUntilTheNewOneIsComputed(t *testing.T) {
	db := hostileDB(t)
	g := newGate()
	block, entered, release := &g.block, g.entered, g.release
	srv := startPrepared(t, db, "127.0.0.1:0", func(o *Options) {
		o.RefreshEvery = 10 * time.Millisecond
	}, func(s *Server) { s.publishedHook = g.hook })
	waitFor(t, func() bool { r, _ := get(t, srv.URL+"/readyz"); return r.StatusCode == 200 })
	first := srv.published.Load()
	dates := queries.TargetHistoryDates(srv.opts.Snapshots.Settings(), first.AsOf)
	if len(dates) < 2 {
		t.Fatalf("the fixture's history has %d dates; want past weeks", len(dates))
	}
	week := targetsKey(dates[0])
	if _, ok := srv.cache.get(first.Version, week); !ok {
		t.Fatal("the first snapshot was published before its sponsor history was computed")
	}
	if r, _ := get(t, srv.URL+"/"); r.StatusCode != 200 {
		t.Fatalf("/: %d", r.StatusCode)
	}

	block.Store(true)
	load(t, db, "decisions", []driver.Value{"I2", "retained", at(1, 9), "fresh-decision"})
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("no snapshot published with the sponsor page's history carried")
	}
	version := srv.published.Load().Version
	if version != db.Version() {
		t.Fatalf("published version %d, database %d", version, db.Version())
	}
	if r, _ := get(t, srv.URL+"/"); r.StatusCode != 200 {
		t.Fatalf("/ while the history is carried: %d", r.StatusCode)
	}
	if _, ok := srv.cache.get(version, week); ok {
		t.Error("the sponsor page computed the history instead of taking the carried one")
	}
	if keys, _ := srv.cache.recipes(version); slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, "targets|") }) {
		t.Error("a week of the history was computed before the carried one was replaced")
	}
	if html := keptPages(srv.Server, version); html != 0 {
		t.Errorf("%d pages kept while drawn from the carried history; want none", html)
	}

	block.Store(false)
	close(release)
	waitFor(t, func() bool { return srv.carried.Load() == nil })
	if _, ok := srv.cache.get(version, week); !ok {
		t.Error("the new version's history was not computed after publishing")
	}
	if r, _ := get(t, srv.URL+"/"); r.StatusCode != 200 {
		t.Fatalf("/ after the history is computed: %d", r.StatusCode)
	}
	if html := keptPages(srv.Server, version); html != 1 {
		t.Errorf("%d pages kept once the history is the version's own; want the sponsor page", html)
	}
}

// keptPages counts the rendered pages kept for a data version.
func keptPages(s *Server, version int64) int {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	n := 0
	if g := s.cache.gens[version]; g != nil {
		for k := range g.entries {
			if strings.HasPrefix(k, "html|") {
				n++
			}
		}
	}
	return n
}

func TestThePeriodicRefreshWaitsWhileTheInboxLoadsABatch(t *testing.T) {
	var calls atomic.Int32
	var server *Server
	srv := startPrepared(t, hostileDB(t), "127.0.0.1:0", func(o *Options) {
		o.RefreshEvery = 10 * time.Millisecond
	}, func(s *Server) {
		server = s
		s.inboxBatch.Store(1)
		s.refreshHook = func(context.Context) { calls.Add(1) }
	})
	// The refresh at start runs; the ticker's wait for the batch's end
	// (the inbox refreshes after its last file).
	waitFor(t, func() bool { resp, _ := get(t, srv.URL+"/readyz"); return resp.StatusCode == 200 })
	time.Sleep(300 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Errorf("%d refreshes while the batch loaded, want the one at start", n)
	}
	server.inboxBatch.Store(0)
	waitFor(t, func() bool { return calls.Load() >= 3 })
}
