package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// BenchmarkFreshness measures data-to-dashboard latency: how long after an
// export lands in a running server's inbox /api/v1/kpis serves it (every
// file loaded, the derived data and the snapshot recomputed and published).
// It runs `relais serve --inbox` (RELAIS_FRESH_BIN) as a child process on
// an empty database and drops into its inbox, in turn:
//
//  1. full: every file of the demo folder RELAIS_FRESH_DIR;
//  2. re-export: the same files under new names, each with its last row
//     written twice (the same rows, another SHA-256, so that the inbox
//     loads it: every row of the database is replaced); the XLSX file gets
//     another document description;
//  3. delta: the rows of activity, votes and comments whose time, as
//     written, falls on the demo's as-of date, plus the small datasets
//     whole (their last row written three times, for the same reason).
//
// Each is timed from the moment its last file is renamed into the inbox
// (written as NAME.partial, dated an hour back, then renamed: the inbox's
// settle delay is left out) to the first poll that sees the new snapshot
// published. Each step is checked: no file rejected or skipped, and the
// overall KPIs equal those `relais kpi --format json` computes on a database
// loaded separately by `relais ingest`. The reference for each step is
// DuckDB's own read_csv of the same files into unindexed tables of a fresh
// database, with explicit column types, timed in the same run (the XLSX
// file as the CSV of its cells, converted untimed). It reports the seconds,
// the ratio to read_csv and the server's peak RSS (VmHWM, reset before each
// step). `make bench-freshness` writes the demo and runs this.
func BenchmarkFreshness(b *testing.B) {
	bin, dataDir := os.Getenv("RELAIS_FRESH_BIN"), os.Getenv("RELAIS_FRESH_DIR")
	if bin == "" || dataDir == "" {
		b.Skip("RELAIS_FRESH_BIN and RELAIS_FRESH_DIR are not set (make bench-freshness)")
	}
	for i := 0; i < b.N; i++ {
		freshness(b, bin, dataDir)
	}
}

// exportFile is one file of a drop: its name in the inbox, where its
// content is prepared, and the CSV read_csv reads for the reference.
type exportFile struct {
	name, path, refCSV string
	rows               int64
}

// freshStep is one drop and what it measured.
type freshStep struct {
	name             string
	files            []exportFile
	loaded, served   time.Duration
	readCSV          time.Duration
	peakKiB          int64
	overall          map[string]any
	publishedVersion int64
}

func freshness(b *testing.B, bin, dataDir string) {
	tmp := b.TempDir()
	cfgPath := filepath.Join(dataDir, "relais.yaml")
	asOf, err := demoAsOf(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	full, err := demoFiles(dataDir, tmp)
	if err != nil {
		b.Fatal(err)
	}
	steps := []*freshStep{{name: "full", files: full}}
	reexport, err := reexportFiles(full, filepath.Join(tmp, "reexport"))
	if err != nil {
		b.Fatal(err)
	}
	steps = append(steps, &freshStep{name: "re-export", files: reexport})
	delta, err := deltaFiles(full, filepath.Join(tmp, "delta"), asOf)
	if err != nil {
		b.Fatal(err)
	}
	steps = append(steps, &freshStep{name: "delta", files: delta})

	want, sites, err := expectedOverall(bin, cfgPath, full, tmp)
	if err != nil {
		b.Fatal(err)
	}

	srv := startFreshServer(b, bin, cfgPath, tmp)
	for _, st := range steps {
		if err := srv.drop(st); err != nil {
			b.Fatalf("%s: %v\n%s", st.name, err, srv.logs.tail())
		}
		if got := st.overall["sites"]; got != float64(sites) {
			b.Errorf("%s: overall.sites %v, want %d (the rows of sites.csv)", st.name, got, sites)
		}
		if diff := diffOverall(want, st.overall); diff != "" {
			b.Errorf("%s: /api/v1/kpis overall differs from relais kpi on the same files: %s", st.name, diff)
		}
	}
	srv.stop()
	for _, st := range steps {
		if st.readCSV, err = readCSVReference(st.files, filepath.Join(tmp, "ref-"+st.name+".duckdb")); err != nil {
			b.Fatalf("%s: read_csv: %v", st.name, err)
		}
	}
	reportFreshness(b, steps, srv.logs)
}

var asOfComment = regexp.MustCompile(`as of (\d{4}-\d{2}-\d{2})`)

// demoAsOf reads the as-of date `relais demo` writes in the comment on top
// of its relais.yaml.
func demoAsOf(cfgPath string) (string, error) {
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return "", err
	}
	m := asOfComment.FindSubmatch(raw)
	if m == nil {
		return "", fmt.Errorf("%s: no \"as of YYYY-MM-DD\" comment (a folder written by relais demo?)", cfgPath)
	}
	return string(m[1]), nil
}

// demoFiles lists the demo folder's exports in name order; an XLSX file
// gets the CSV of its cells for the reference.
func demoFiles(dir, tmp string) ([]exportFile, error) {
	var files []exportFile
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".rejects.csv") || !(strings.HasSuffix(name, ".csv") || strings.HasSuffix(name, ".xlsx")) {
			continue
		}
		f := exportFile{name: name, path: filepath.Join(dir, name)}
		if f.refCSV, err = referenceCSV(f.path, tmp); err != nil {
			return nil, err
		}
		if f.rows, err = countRows(f.refCSV); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no CSV or XLSX file", dir)
	}
	return files, nil
}

// referenceCSV returns the CSV read_csv reads for an export: the file
// itself, or a copy written in dir: the cells of an XLSX file, the UTF-8
// text of a Windows-1252 one (DuckDB's latin-1 refuses cp1252's 0x80-0x9F:
// œ, €).
func referenceCSV(path, dir string) (string, error) {
	name := filepath.Base(path)
	switch {
	case strings.HasSuffix(name, ".xlsx"):
		ref := filepath.Join(dir, name+".cells.csv")
		return ref, xlsxToCSV(path, ref)
	case !isUTF8(path):
		ref := filepath.Join(dir, name+".utf8.csv")
		return ref, cp1252ToUTF8(path, ref)
	}
	return path, nil
}

// xlsxToCSV writes the first sheet's raw cell values as CSV, date serials
// as ISO times (what read_csv can type).
func xlsxToCSV(src, dst string) error {
	x, err := excelize.OpenFile(src)
	if err != nil {
		return err
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	w := csv.NewWriter(out)
	for i, r := range rows {
		if i > 0 && len(r) > 1 {
			var serial float64
			if _, err := fmt.Sscan(r[1], &serial); err == nil {
				t, err := excelize.ExcelDateToTime(serial, false)
				if err == nil {
					r[1] = t.Format("2006-01-02 15:04:05")
				}
			}
		}
		if err := w.Write(r); err != nil {
			out.Close()
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// isUTF8 says whether a file's first MiB is valid UTF-8.
func isUTF8(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n, _ := io.ReadFull(f, buf)
	head := buf[:n]
	if n == len(buf) {
		// A rune cut at the end is not an error.
		head = head[:max(0, n-utf8.UTFMax)]
	}
	return utf8.Valid(head)
}

// cp1252ToUTF8 writes src, Windows-1252 text, as UTF-8.
func cp1252ToUTF8(src, dst string) error {
	return copyThrough(src, dst, charmap.Windows1252.NewDecoder())
}

// countRows counts the records of a CSV after its header.
func countRows(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	r.Comma = sniffComma(path)
	var n int64
	for {
		_, err := r.Read()
		if err == io.EOF {
			return max(n-1, 0), nil
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		n++
	}
}

// sniffComma says ';' when the header has more of them than commas.
func sniffComma(path string) rune {
	f, err := os.Open(path)
	if err != nil {
		return ','
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	if strings.Count(line, ";") > strings.Count(line, ",") {
		return ';'
	}
	return ','
}

// renamed gives an export's name for another drop: NAME-N.EXT (the
// dataset still comes from the name's words).
func renamed(name string, n int) string {
	ext := filepath.Ext(name)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), n, ext)
}

// reexportFiles writes every file again with its last row twice (CSV) or
// another description (XLSX): the same rows, new content.
func reexportFiles(full []exportFile, dir string) ([]exportFile, error) {
	return deriveFiles(full, dir, 2, func(f exportFile, dst string) (int64, error) {
		return f.rows + extraRows(f, 1), changedCopy(f.path, dst, 1, "re-export")
	})
}

// extraRows is the rows a CSV gains with its last line written n more
// times (an XLSX file gains none).
func extraRows(f exportFile, n int64) int64 {
	if strings.HasSuffix(f.name, ".csv") {
		return n
	}
	return 0
}

// deriveFiles writes, for each file, a file named by renamed(name, n) in
// dir with write, which returns its rows.
func deriveFiles(full []exportFile, dir string, n int, write func(f exportFile, dst string) (int64, error)) ([]exportFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []exportFile
	for _, f := range full {
		g := exportFile{name: renamed(f.name, n)}
		g.path = filepath.Join(dir, g.name)
		var err error
		if g.rows, err = write(f, g.path); err != nil {
			return nil, err
		}
		if g.refCSV, err = referenceCSV(g.path, dir); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// changedCopy copies src to dst with its last line repeated `extra` more
// times (a CSV) or with `label` as its document description (an XLSX).
func changedCopy(src, dst string, extra int, label string) error {
	if strings.HasSuffix(src, ".xlsx") {
		x, err := excelize.OpenFile(src)
		if err != nil {
			return err
		}
		defer x.Close()
		if err := x.SetDocProps(&excelize.DocProperties{Description: label}); err != nil {
			return err
		}
		return x.SaveAs(dst)
	}
	if err := copyFile(src, dst); err != nil {
		return err
	}
	last, err := lastLine(src)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	for range extra {
		if _, err := f.Write(last); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// lastLine returns a file's last line, with its line ending.
func lastLine(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := min(st.Size(), 64<<10)
	buf := make([]byte, size)
	if _, err := f.ReadAt(buf, st.Size()-size); err != nil {
		return nil, err
	}
	body := bytes.TrimRight(buf, "\r\n")
	i := bytes.LastIndexByte(body, '\n')
	if i < 0 {
		return nil, fmt.Errorf("%s: no line under 64 KiB at its end", path)
	}
	return append(append([]byte{}, body[i+1:]...), '\n'), nil
}

// deltaColumn names, for the large datasets, the column whose date makes a
// one-day delta.
var deltaColumn = map[string]string{"activity.csv": "occurred_at", "votes.csv": "voted_at", "comments.csv": "created_at"}

// deltaFiles writes one day of activity, votes and comments (the rows whose
// time, as written, starts with day) and the other files whole with their
// last row three times.
func deltaFiles(full []exportFile, dir, day string) ([]exportFile, error) {
	return deriveFiles(full, dir, 3, func(f exportFile, dst string) (int64, error) {
		if col, ok := deltaColumn[f.name]; ok {
			return filterDay(f.path, dst, col, day)
		}
		return f.rows + extraRows(f, 2), changedCopy(f.path, dst, 2, "delta")
	})
}

// filterDay copies the header and the records whose column col starts with
// day.
func filterDay(src, dst, col, day string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	r := csv.NewReader(bufio.NewReaderSize(in, 1<<20))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", src, err)
	}
	idx := slices.Index(header, col)
	if idx < 0 {
		return 0, fmt.Errorf("%s: no column %s in %v", src, col, header)
	}
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	w := csv.NewWriter(bufio.NewWriterSize(out, 1<<20))
	_ = w.Write(header)
	var n int64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			out.Close()
			return 0, fmt.Errorf("%s: %w", src, err)
		}
		if idx < len(rec) && strings.HasPrefix(rec[idx], day) {
			_ = w.Write(rec)
			n++
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		out.Close()
		return 0, err
	}
	if n == 0 {
		out.Close()
		return 0, fmt.Errorf("%s: no row on %s", src, day)
	}
	return n, out.Close()
}

// expectedOverall loads the files with `relais ingest` into a database of
// its own and returns the overall KPIs of `relais kpi --format json`, and
// the number of sites.
func expectedOverall(bin, cfgPath string, files []exportFile, tmp string) (map[string]any, int64, error) {
	db := filepath.Join(tmp, "expected.duckdb")
	args := []string{"ingest", "--db", db, "--config", cfgPath}
	var sites int64 = -1
	for _, f := range files {
		args = append(args, f.path)
		if f.name == "sites.csv" {
			sites = f.rows
		}
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return nil, 0, fmt.Errorf("relais ingest: %w\n%s", err, tail(out))
	}
	raw, err := exec.Command(bin, "kpi", "--db", db, "--config", cfgPath, "--format", "json").Output()
	if err != nil {
		return nil, 0, fmt.Errorf("relais kpi: %w", err)
	}
	var doc struct {
		Overall map[string]any `json:"overall"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, 0, fmt.Errorf("relais kpi: %w", err)
	}
	_ = os.Remove(db)
	_ = os.Remove(db + ".wal")
	return doc.Overall, sites, nil
}

func tail(out []byte) []byte {
	if len(out) > 4000 {
		return out[len(out)-4000:]
	}
	return out
}

// diffOverall names the overall KPIs whose values differ.
func diffOverall(want, got map[string]any) string {
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; !ok || !reflect.DeepEqual(w, g) {
			diffs = append(diffs, fmt.Sprintf("%s: %v, want %v", k, g, w))
		}
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "; ")
}

// freshServer is `relais serve --inbox` run as a child process.
type freshServer struct {
	b       *testing.B
	cmd     *exec.Cmd
	base    string
	inbox   string
	client  *http.Client
	logs    *serverLog
	logDone chan struct{}
}

func startFreshServer(b *testing.B, bin, cfgPath, tmp string) *freshServer {
	inbox := filepath.Join(tmp, "inbox")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--db", filepath.Join(tmp, "fresh.duckdb"), "--addr", addr, "--inbox", inbox, "--config", cfgPath)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &freshServer{b: b, cmd: cmd, base: "http://" + addr, inbox: inbox, client: &http.Client{Timeout: time.Minute},
		logs: &serverLog{}, logDone: make(chan struct{})}
	// RELAIS_FRESH_LOG keeps the server's whole log (with RELAIS_LOG_LEVEL=debug,
	// each derived statement's and KPI family's duration).
	if path := os.Getenv("RELAIS_FRESH_LOG"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		s.logs.copy = f
	}
	go func() { defer close(s.logDone); s.logs.read(stderr) }()
	b.Cleanup(s.stop)
	if err := waitReady(s.client, s.base, time.Minute); err != nil {
		b.Fatalf("%v\n%s", err, s.logs.tail())
	}
	return s
}

// stop ends the server (SIGTERM, then SIGKILL after 30 s); it may be
// called again.
func (s *freshServer) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-exited
	}
	<-s.logDone
}

// drop writes the step's files into the inbox as NAME.partial, dated an
// hour back, renames them all, and polls until every file is in done/ and
// the published snapshot is of the database's data version; then it reads
// the KPIs and the inbox's results.
func (s *freshServer) drop(st *freshStep) error {
	pid := s.cmd.Process.Pid
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	old := time.Now().Add(-time.Hour)
	for _, f := range st.files {
		tmp := filepath.Join(s.inbox, f.name+".partial")
		if err := copyFile(f.path, tmp); err != nil {
			return err
		}
		if err := os.Chtimes(tmp, old, old); err != nil {
			return err
		}
	}
	for _, f := range st.files {
		if err := os.Rename(filepath.Join(s.inbox, f.name+".partial"), filepath.Join(s.inbox, f.name)); err != nil {
			return err
		}
	}
	start := time.Now()
	deadline := start.Add(30 * time.Minute)
	for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if st.loaded == 0 {
			done, err := s.allDone(st.files)
			if err != nil {
				return err
			}
			if !done {
				continue
			}
			st.loaded = time.Since(start)
		}
		var health, ready struct {
			DataVersion int64 `json:"data_version"`
		}
		if err := s.getJSON("/healthz", &health); err != nil {
			return err
		}
		if err := s.getJSON("/readyz", &ready); err != nil {
			return err
		}
		if ready.DataVersion == health.DataVersion {
			st.served = time.Since(start)
			st.publishedVersion = ready.DataVersion
			break
		}
	}
	if st.served == 0 {
		return fmt.Errorf("not served within 30 minutes")
	}
	st.peakKiB = readStatus(pid, "VmHWM:")
	var doc struct {
		Overall map[string]any `json:"overall"`
	}
	if err := s.getJSON("/api/v1/kpis", &doc); err != nil {
		return err
	}
	st.overall = doc.Overall
	return s.checkResults(st.files)
}

// allDone says whether every file was moved to done/; one moved to failed/
// is an error, with the reason the server wrote.
func (s *freshServer) allDone(files []exportFile) (bool, error) {
	for _, f := range files {
		if fileExists(filepath.Join(s.inbox, "failed", f.name)) {
			why, _ := os.ReadFile(filepath.Join(s.inbox, "failed", f.name+".error.txt"))
			return false, fmt.Errorf("%s failed: %s", f.name, tail(why))
		}
		if !fileExists(filepath.Join(s.inbox, "done", f.name)) {
			return false, nil
		}
	}
	return true, nil
}

// checkResults reads the inbox's results on /api/v1/data: every file loaded
// whole, none skipped as already loaded.
func (s *freshServer) checkResults(files []exportFile) error {
	var data struct {
		Inbox struct {
			Results []inboxResultJSON `json:"results"`
		} `json:"inbox"`
	}
	if err := s.getJSON("/api/v1/data", &data); err != nil {
		return err
	}
	for _, f := range files {
		i := slices.IndexFunc(data.Inbox.Results, func(r inboxResultJSON) bool { return r.File == f.name })
		if i < 0 {
			return fmt.Errorf("%s: not among the inbox's results", f.name)
		}
		r := data.Inbox.Results[i]
		if !r.OK || r.AlreadyLoaded || !strings.Contains(r.Summary, ", 0 rejected") {
			return fmt.Errorf("%s: ok %v, already loaded %v: %s", f.name, r.OK, r.AlreadyLoaded, r.Summary)
		}
	}
	return nil
}

// inboxResultJSON is the part of an inbox result on /api/v1/data the
// benchmark checks.
type inboxResultJSON struct {
	File          string `json:"file"`
	OK            bool   `json:"ok"`
	Summary       string `json:"summary"`
	AlreadyLoaded bool   `json:"already_loaded"`
}

func (s *freshServer) getJSON(route string, v any) error {
	resp, err := s.client.Get(s.base + route)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", route, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", route, err)
	}
	return nil
}

// readCSVOptions are read_csv's options for each demo file (by the name's
// words before any -N): explicit column types, in the file's order.
var readCSVOptions = map[string]string{
	"activity":   `columns = {'person_id': 'VARCHAR', 'occurred_at': 'TIMESTAMPTZ', 'action': 'VARCHAR'}`,
	"votes":      `columns = {'idea_id': 'VARCHAR', 'voter_id': 'VARCHAR', 'voted_at': 'TIMESTAMPTZ'}`,
	"comments":   `columns = {'comment_id': 'VARCHAR', 'idea_id': 'VARCHAR', 'author_id': 'VARCHAR', 'created_at': 'TIMESTAMP', 'body': 'VARCHAR'}`,
	"decisions":  `columns = {'idea_id': 'VARCHAR', 'decision': 'VARCHAR', 'decided_at': 'VARCHAR', 'reason': 'VARCHAR'}`,
	"people":     `columns = {'person_id': 'VARCHAR', 'site_id': 'VARCHAR', 'role': 'VARCHAR', 'display_name': 'VARCHAR', 'ambassador_since': 'DATE', 'trained_on': 'DATE', 'left_on': 'DATE'}`,
	"sites":      `columns = {'site_id': 'VARCHAR', 'name': 'VARCHAR', 'region': 'VARCHAR', 'headcount': 'BIGINT'}`,
	"challenges": `columns = {'challenge_id': 'VARCHAR', 'title': 'VARCHAR', 'site_id': 'VARCHAR', 'theme': 'VARCHAR', 'starts_on': 'DATE', 'ends_on': 'DATE'}`,
	"idees": `columns = {'idea_id': 'VARCHAR', 'site_id': 'VARCHAR', 'author_id': 'VARCHAR', 'kind': 'VARCHAR', 'title': 'VARCHAR', 'status': 'VARCHAR',
		'created_at': 'TIMESTAMP', 'decided_at': 'DATE', 'implemented_at': 'DATE', 'impact': 'BIGINT', 'feasibility': 'BIGINT', 'challenge_id': 'VARCHAR',
		'theme': 'VARCHAR', 'solves_idea_id': 'VARCHAR', 'replicates_idea_id': 'VARCHAR'},
		delim = ';', dateformat = '%d/%m/%Y', timestampformat = '%d/%m/%Y %H:%M'`,
	"enquetes": `columns = {'person_id': 'VARCHAR', 'answered_at': 'TIMESTAMP', 'score': 'BIGINT'}`,
}

// readCSVSelect is the select list of a file whose column read_csv cannot
// type itself: "2026-06-29 14:04:00 +0200" (a space before the offset) is
// read as a zone name, and timestampformat '%z' takes 0.3 ms a row.
var readCSVSelect = map[string]string{
	"decisions": `idea_id, decision, CAST(replace(decided_at, ' +', '+') AS TIMESTAMPTZ) AS decided_at, reason`,
}

// readCSVReference reads the files with DuckDB's own read_csv into one
// unindexed table each, in a fresh database file, and returns the time the
// CREATE TABLE statements took (the rows they read are checked after).
func readCSVReference(files []exportFile, path string) (time.Duration, error) {
	db, err := sql.Open("duckdb", path+"?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		return 0, err
	}
	defer func() {
		db.Close()
		_ = os.Remove(path)
		_ = os.Remove(path + ".wal")
	}()
	ctx := context.Background()
	var stmts []string
	for i, f := range files {
		key, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f.name), filepath.Ext(f.name)), "-")
		opts, ok := readCSVOptions[key]
		if !ok {
			return 0, fmt.Errorf("%s: no read_csv options for %q", f.name, key)
		}
		sel := cmp.Or(readCSVSelect[key], "*")
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE t%d AS SELECT %s FROM read_csv('%s', header = true, %s)", i, sel, strings.ReplaceAll(f.refCSV, "'", "''"), opts))
	}
	if err := db.PingContext(ctx); err != nil { // the file created untimed
		return 0, err
	}
	start := time.Now()
	for i, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("%s: %w", files[i].name, err)
		}
	}
	took := time.Since(start)
	for i, f := range files {
		var n int64
		if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM t%d", i)).Scan(&n); err != nil {
			return 0, err
		}
		if f.rows > 0 && n != f.rows {
			return 0, fmt.Errorf("%s: read_csv read %d rows, want %d", f.name, n, f.rows)
		}
	}
	return took, nil
}

func reportFreshness(b *testing.B, steps []*freshStep, logs *serverLog) {
	var out strings.Builder
	fmt.Fprintf(&out, "freshness: export dropped into the inbox until /api/v1/kpis serves it\n")
	fmt.Fprintf(&out, "%-10s %6s %12s %10s %10s %10s %7s %10s\n", "step", "files", "rows", "loaded", "served", "read_csv", "ratio", "peak RSS")
	for _, st := range steps {
		var rows int64
		for _, f := range st.files {
			rows += f.rows
		}
		ratio := st.served.Seconds() / st.readCSV.Seconds()
		b.ReportMetric(st.served.Seconds(), st.name+"-s")
		b.ReportMetric(st.readCSV.Seconds(), st.name+"-read_csv-s")
		b.ReportMetric(ratio, st.name+"/read_csv")
		b.ReportMetric(float64(st.peakKiB)/1024, st.name+"-peak-RSS-MiB")
		fmt.Fprintf(&out, "%-10s %6d %12d %9.2fs %9.2fs %9.2fs %6.2fx %7d MiB\n", st.name, len(st.files), rows,
			st.loaded.Seconds(), st.served.Seconds(), st.readCSV.Seconds(), ratio, st.peakKiB>>10)
	}
	logs.mu.Lock()
	fmt.Fprintf(&out, "server log: %d lines, %d snapshots published, %d warnings, %d errors\n", logs.lines, logs.published, logs.warnings, logs.errors)
	for _, l := range logs.recent {
		fmt.Fprintf(&out, "  %s\n", l)
	}
	logs.mu.Unlock()
	// Printed whole: a benchmark's log is cut to a few lines.
	fmt.Print(out.String())
}
