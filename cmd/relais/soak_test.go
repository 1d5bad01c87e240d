package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/transform"

	"relais/internal/testfixture"
)

// BenchmarkSoak runs `relais serve` as a child process on a copy of the
// database RELAIS_SOAK_DB, with an inbox, while RELAIS_SOAK_CLIENTS
// clients (default 8) request every page in a closed loop, a monitor asks
// /metrics, /healthz and /readyz at Prometheus's pace (monitorRoutes),
// and the inbox loads RELAIS_SOAK_DIR/activity.csv again and again (each
// copy one line longer, so that no two copies are the same file), for
// RELAIS_SOAK_DURATION (default 10m). It reports the errors, the latency
// percentiles, the loads done and the server's resident memory sampled
// every 30 s (from /proc/PID/status). RELAIS_SOAK_DIR also gives
// relais.yaml; RELAIS_SOAK_BIN a built relais (default: built here);
// RELAIS_SOAK_PAUSE a pause between a client's requests (default none).
// Skipped unless RELAIS_SOAK_DB is set; `make soak` writes a demo, loads it
// and runs this.
func BenchmarkSoak(b *testing.B) {
	dbSrc := testfixture.BenchEnv(b, "RELAIS_SOAK_DB", "")
	dataDir := os.Getenv("RELAIS_SOAK_DIR")
	if dataDir == "" {
		dataDir = filepath.Dir(dbSrc)
	}
	cfg := soakConfig{
		clients:  envInt(b, "RELAIS_SOAK_CLIENTS", 8),
		duration: envDuration(b, "RELAIS_SOAK_DURATION", 10*time.Minute),
		pause:    envDuration(b, "RELAIS_SOAK_PAUSE", 0),
		sample:   30 * time.Second,
	}
	for i := 0; i < b.N; i++ {
		soak(b, dbSrc, dataDir, cfg)
	}
}

type soakConfig struct {
	clients  int
	duration time.Duration
	pause    time.Duration
	sample   time.Duration
}

func envInt(b *testing.B, key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive whole number", key, v)
	}
	return n
}

func envDuration(b *testing.B, key string, def time.Duration) time.Duration {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("%s=%q: %v", key, v, err)
	}
	return d
}

func soak(b *testing.B, dbSrc, dataDir string, cfg soakConfig) {
	tmp := b.TempDir()
	bin := os.Getenv("RELAIS_SOAK_BIN")
	if bin == "" {
		bin = filepath.Join(tmp, "relais")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			b.Fatalf("build relais: %v\n%s", err, out)
		}
	}
	db := filepath.Join(tmp, "soak.duckdb")
	if err := copyFile(dbSrc, db); err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(dbSrc + ".wal"); err == nil {
		if err := copyFile(dbSrc+".wal", db+".wal"); err != nil {
			b.Fatal(err)
		}
	}
	activity, err := os.ReadFile(filepath.Join(dataDir, "activity.csv"))
	if err != nil {
		b.Fatal(err)
	}
	inbox := filepath.Join(tmp, "inbox")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		b.Fatal(err)
	}
	addr := testfixture.FreeAddr(b)
	args := []string{"serve", "--db", db, "--addr", addr, "--inbox", inbox}
	if c := filepath.Join(dataDir, "relais.yaml"); fileExists(c) {
		args = append(args, "--config", c)
	}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	logs := &serverLog{}
	logDone := make(chan struct{})
	go func() { defer close(logDone); logs.read(stderr) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		<-logDone
	}()
	base := "http://" + addr
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.clients}}
	if err := waitReady(client, base, time.Minute); err != nil {
		b.Fatalf("%v\n%s", err, logs.tail())
	}
	routes, err := soakRoutes(client, base)
	if err != nil {
		b.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), cfg.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var loads loadCounts
	wg.Add(1)
	go func() { defer wg.Done(); feedInbox(ctx, inbox, activity, &loads) }()
	rss := []rssSample{{0, readRSS(cmd.Process.Pid)}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(cfg.sample)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				rss = append(rss, rssSample{time.Since(start), readRSS(cmd.Process.Pid)})
			}
		}
	}()
	// How long this process (the clients) was itself held up: a pause here
	// shows as latency of every route, though the server had no part in it.
	var pause pauseMeter
	wg.Add(1)
	go func() { defer wg.Done(); pause.run(ctx) }()
	results := make([]clientResult, cfg.clients+1)
	for i := range cfg.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runClient(ctx, client, base, routes, i, cfg.pause)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		results[cfg.clients] = runClient(ctx, client, base, monitorRoutes, 0, monitorPause)
	}()
	wg.Wait()
	rss = append(rss, rssSample{time.Since(start), readRSS(cmd.Process.Pid)})
	peak := readStatus(cmd.Process.Pid, "VmHWM:")
	report(b, cfg, time.Since(start), results, rss, peak, &loads, logs, &pause)
}

// pauseMeter measures the longest delay of a 50 ms ticker in this process.
type pauseMeter struct{ longest atomic.Int64 }

func (p *pauseMeter) run(ctx context.Context) {
	const every = 50 * time.Millisecond
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if late := now.Sub(last) - every; late > time.Duration(p.longest.Load()) {
				p.longest.Store(int64(late))
			}
			last = now
		}
	}
}

type rssSample struct {
	at  time.Duration
	kib int64
}

type loadCounts struct{ done, failed atomic.Int64 }

type clientResult struct {
	latencies []time.Duration
	errors    int
	firstErr  string
	byRoute   map[string][]time.Duration
}

// monitorRoutes are what Prometheus and a load balancer ask, at their
// pace (one request every monitorPause), not in the clients' closed loop.
var monitorRoutes = []string{"/metrics", "/healthz", "/readyz"}

// monitorPause spaces the monitor's requests: a scrape every 15 s, as
// Prometheus's default interval, with each probe between.
const monitorPause = 5 * time.Second

// soakRoutes is every page, with three sites (the first, the middle and
// the last of the document) and last month's committee, for the clients.
func soakRoutes(client *http.Client, base string) ([]string, error) {
	resp, err := client.Get(base + "/api/v1/kpis")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var doc struct {
		AsOf  string `json:"as_of"`
		Sites []struct {
			SiteID string `json:"site_id"`
		} `json:"sites"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, fmt.Errorf("kpis: %w", err)
	}
	routes := []string{"/", "/?lang=en", "/sites", "/committee", "/data"}
	if asOf, err := time.Parse("2006-01-02", doc.AsOf); err == nil {
		routes = append(routes, "/committee?month="+asOf.AddDate(0, -1, 0).Format("2006-01"))
	}
	if n := len(doc.Sites); n > 0 {
		for _, i := range []int{0, n / 2, n - 1} {
			id := doc.Sites[i].SiteID
			routes = append(routes, "/sites/"+id)
		}
	}
	return routes, nil
}

func waitReady(client *http.Client, base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the server was not ready within %s", limit)
}

// runClient requests the routes in turn (each client from its own offset)
// until ctx is done.
func runClient(ctx context.Context, client *http.Client, base string, routes []string, offset int, pause time.Duration) clientResult {
	res := clientResult{byRoute: map[string][]time.Duration{}}
	for i := offset; ctx.Err() == nil; i++ {
		route := routes[i%len(routes)]
		t0 := time.Now()
		resp, err := client.Get(base + route)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		d := time.Since(t0)
		if err != nil {
			if ctx.Err() != nil {
				break // cut by the end of the soak
			}
			res.errors++
			if res.firstErr == "" {
				res.firstErr = route + ": " + err.Error()
			}
			continue
		}
		res.latencies = append(res.latencies, d)
		res.byRoute[route] = append(res.byRoute[route], d)
		if pause > 0 {
			time.Sleep(pause)
		}
	}
	return res
}

// feedInbox moves a copy of the activity file into the inbox, waits for the
// server to move it to done/ or failed/, removes it, and starts again. Copy
// n carries n extra copies of the file's last line: the same rows, another
// file (the inbox never loads the same file twice).
func feedInbox(ctx context.Context, inbox string, activity []byte, loads *loadCounts) {
	trimmed := bytes.TrimRight(activity, "\r\n")
	last := trimmed[bytes.LastIndexByte(trimmed, '\n')+1:]
	staging := filepath.Join(filepath.Dir(inbox), "staging")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		loads.failed.Add(1)
		return
	}
	for n := 1; ctx.Err() == nil; n++ {
		name := fmt.Sprintf("activity-%05d.csv", n)
		tmp := filepath.Join(staging, name)
		// Written from the one copy in memory: building each file in a
		// new gigabyte-sized slice paused this process (its clients
		// included) for seconds at a time.
		if err := writeCopy(tmp, trimmed, last, n); err != nil {
			loads.failed.Add(1)
			return
		}
		// Written a while ago as far as the inbox can tell: taken at its
		// next scan instead of after the settle delay.
		old := time.Now().Add(-time.Hour)
		_ = os.Chtimes(tmp, old, old)
		if err := os.Rename(tmp, filepath.Join(inbox, name)); err != nil {
			loads.failed.Add(1)
			return
		}
		for {
			if ctx.Err() != nil {
				return
			}
			if fileExists(filepath.Join(inbox, "done", name)) {
				loads.done.Add(1)
				break
			}
			if fileExists(filepath.Join(inbox, "failed", name)) {
				loads.failed.Add(1)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		for _, sub := range []string{"done", "failed"} {
			matches, _ := filepath.Glob(filepath.Join(inbox, sub, name+"*"))
			for _, m := range matches {
				_ = os.Remove(m)
			}
		}
	}
}

// writeCopy writes body, a newline, then n copies of the line last.
func writeCopy(path string, body, last []byte, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	_, _ = w.Write(body)
	_ = w.WriteByte('\n')
	for range n {
		_, _ = w.Write(last)
		_ = w.WriteByte('\n')
	}
	return errors.Join(w.Flush(), f.Close())
}

// serverLog keeps the counts of the server's log lines that matter and the
// last warnings and errors; copy, when set, receives every line.
type serverLog struct {
	mu        sync.Mutex
	copy      io.Writer
	lines     int
	warnings  int
	errors    int
	published int
	recent    []string
}

func (l *serverLog) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		l.mu.Lock()
		if l.copy != nil {
			fmt.Fprintln(l.copy, line)
		}
		l.lines++
		switch {
		case strings.Contains(line, "level=ERROR"):
			l.errors++
		case strings.Contains(line, "level=WARN"):
			l.warnings++
		case strings.Contains(line, "snapshot published"):
			l.published++
		}
		if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
			l.recent = append(l.recent, line)
			if len(l.recent) > 10 {
				l.recent = l.recent[1:]
			}
		}
		l.mu.Unlock()
	}
}

func (l *serverLog) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.recent, "\n")
}

func readStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return -1
}

func readRSS(pid int) int64 { return readStatus(pid, "VmRSS:") }

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func report(b *testing.B, cfg soakConfig, took time.Duration, results []clientResult, rss []rssSample, peakKiB int64, loads *loadCounts, logs *serverLog, pause *pauseMeter) {
	var all []time.Duration
	byRoute := map[string][]time.Duration{}
	errs := 0
	var firstErrs []string
	for _, r := range results {
		all = append(all, r.latencies...)
		errs += r.errors
		if r.firstErr != "" {
			firstErrs = append(firstErrs, r.firstErr)
		}
		for k, v := range r.byRoute {
			byRoute[k] = append(byRoute[k], v...)
		}
	}
	slices.Sort(all)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(errs), "errors")
	b.ReportMetric(ms(percentile(all, 0.99)), "p99-ms")
	b.ReportMetric(float64(loads.done.Load()), "loads")
	var out strings.Builder
	fmt.Fprintf(&out, "soak: %d clients for %s (pause %s): %d requests (%.0f/s), %d errors\n",
		cfg.clients, took.Round(time.Second), cfg.pause, len(all), float64(len(all))/took.Seconds(), errs)
	for _, e := range firstErrs {
		fmt.Fprintf(&out, "  first error: %s\n", e)
	}
	fmt.Fprintf(&out, "latency: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		ms(percentile(all, 0.5)), ms(percentile(all, 0.95)), ms(percentile(all, 0.99)), ms(percentile(all, 1)))
	routes := make([]string, 0, len(byRoute))
	for k := range byRoute {
		routes = append(routes, k)
	}
	slices.Sort(routes)
	for _, k := range routes {
		v := byRoute[k]
		slices.Sort(v)
		fmt.Fprintf(&out, "  %-40s n=%-7d p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", k, len(v), ms(percentile(v, 0.5)), ms(percentile(v, 0.99)), ms(percentile(v, 1)))
	}
	fmt.Fprintf(&out, "clients' own longest pause (a 50 ms ticker late by): %.1f ms\n", ms(time.Duration(pause.longest.Load())))
	fmt.Fprintf(&out, "inbox: %d activity loads done, %d failed\n", loads.done.Load(), loads.failed.Load())
	logs.mu.Lock()
	fmt.Fprintf(&out, "server log: %d lines, %d snapshots published, %d warnings, %d errors\n", logs.lines, logs.published, logs.warnings, logs.errors)
	for _, l := range logs.recent {
		fmt.Fprintf(&out, "  %s\n", l)
	}
	logs.mu.Unlock()
	out.WriteString("server RSS:")
	for _, s := range rss {
		fmt.Fprintf(&out, " %s %d MB;", s.at.Round(time.Second), s.kib>>10)
	}
	fmt.Fprintf(&out, " peak (VmHWM) %d MB\n", peakKiB>>10)
	if len(rss) > 2 {
		// From the first sample at or after two minutes (one minute, or
		// half the soak, when it is shorter) to the end.
		from := rss[1]
		for _, s := range rss[1:] {
			if s.at >= min(2*time.Minute, max(time.Minute, cfg.duration/2)) {
				from = s
				break
			}
		}
		end := rss[len(rss)-1]
		fmt.Fprintf(&out, "RSS growth from %s to the end: %+d MB\n", from.at.Round(time.Second), (end.kib-from.kib)>>10)
	}
	// Printed whole: a benchmark's log is cut to a few lines.
	fmt.Print(out.String())
}

func copyFile(src, dst string) error { return copyThrough(src, dst, nil) }

// copyThrough copies src to dst, through decode when it is not nil.
func copyThrough(src, dst string, decode transform.Transformer) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	var r io.Reader = in
	if decode != nil {
		r = transform.NewReader(in, decode)
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, os.ErrNotExist)
}
