package dashboards

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"relais/dashboards/auth"
	"relais/queries"
)

// load runs one file through the injected Ingest function, one at a time.
// The caller refreshes today's snapshot once its batch is loaded (pages
// never see half a file: a file is one transaction).
func (s *Server) load(ctx context.Context, path, name string) (IngestOutcome, error) {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	start := time.Now()
	out, err := s.ingestRecovered(ctx, path, name)
	if out.File == "" {
		out.File = name
	}
	switch {
	case err != nil:
		s.log.Warn("load refused", "file", name, "err", err, "duration", time.Since(start))
	case out.AlreadyLoaded:
		s.log.Info("already loaded: same content (SHA-256), not loaded again", "file", name, "dataset", out.Dataset)
	default:
		s.log.Info("loaded", "file", name, "dataset", out.Dataset, "rows", out.RowsRead, "loaded", out.Loaded, "rejected", out.Rejected, "duration", time.Since(start))
	}
	return out, err
}

// ingestRecovered runs the Ingest function; a panic in it becomes the
// file's error (logged with its stack) instead of taking the server down.
func (s *Server) ingestRecovered(ctx context.Context, path, name string) (out IngestOutcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic while loading a file", "file", name, "panic", p, "stack", string(debug.Stack()))
			out, err = IngestOutcome{File: name, Summary: name + ": internal error"}, fmt.Errorf("%s: internal error: %v", name, p)
		}
	}()
	return s.opts.Ingest(ctx, path, name)
}

// InboxState is what the data page and /api/v1/data say about the inbox.
type InboxState struct {
	// Dir is the watched folder.
	Dir string `json:"dir"`
	// Waiting lists the files seen but not complete yet.
	Waiting []string `json:"waiting"`
	// Results are the latest files taken, newest first.
	Results []InboxResult `json:"results"`
}

// InboxResult is the outcome of one inbox file.
type InboxResult struct {
	File    string    `json:"file"`
	At      time.Time `json:"at"`
	OK      bool      `json:"ok"`
	Summary string    `json:"summary"`
	Errors  []string  `json:"errors"`
	// MovedTo is where the file went (done/ or failed/).
	MovedTo string `json:"moved_to"`
	// AlreadyLoaded says the same content (SHA-256) was loaded before: the
	// file went to done/ without being loaded again.
	AlreadyLoaded bool `json:"already_loaded,omitempty"`
}

// maxInboxResults bounds the remembered results.
const maxInboxResults = 50

// inbox watches a folder: a file is taken once complete, that is when its
// size and modification time have not changed for `settle` (a file written
// elsewhere and renamed in keeps its old modification time and is taken at
// the next scan). Files are taken in name order, loaded with the rules of
// the command line, and moved to done/ or failed/ (with their rejects file
// and an .error.txt saying why).
type inbox struct {
	s      *Server
	dir    string
	settle time.Duration
	every  time.Duration

	mu      sync.Mutex
	seen    map[string]seenFile
	results []InboxResult
	waiting []string
}

type seenFile struct {
	size  int64
	mtime time.Time
	since time.Time // when this size and mtime were first seen
	// stuck: taken already but could not be moved out; not taken again
	// until it changes (no endless reloading of one file).
	stuck bool
}

func newInbox(s *Server, dir string, settle time.Duration) *inbox {
	if settle <= 0 {
		settle = 3 * time.Second
	}
	every := settle / 3
	if every > time.Second {
		every = time.Second
	}
	if every < 50*time.Millisecond {
		every = 50 * time.Millisecond
	}
	return &inbox{s: s, dir: dir, settle: settle, every: every, seen: map[string]seenFile{}}
}

func (in *inbox) state() InboxState {
	in.mu.Lock()
	defer in.mu.Unlock()
	st := InboxState{Dir: in.dir, Waiting: append([]string{}, in.waiting...), Results: append([]InboxResult{}, in.results...)}
	return st
}

func (in *inbox) run(ctx context.Context) {
	for _, sub := range []string{"", "done", "failed"} {
		if err := os.MkdirAll(filepath.Join(in.dir, sub), 0o755); err != nil {
			in.s.log.Error("inbox", "dir", in.dir, "err", err)
			return
		}
	}
	in.s.log.Info("watching inbox", "dir", in.dir, "settle", in.settle)
	t := time.NewTicker(in.every)
	defer t.Stop()
	for {
		in.scanRecovered(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ignored says a name is not a file to load: hidden files, partial
// downloads and the temporary names editors and copy tools use.
func ignored(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") || strings.HasSuffix(name, "~") ||
		strings.HasSuffix(lower, ".tmp") || strings.HasSuffix(lower, ".part") ||
		strings.HasSuffix(lower, ".crdownload") || strings.HasSuffix(lower, ".partial") ||
		strings.HasSuffix(lower, ".rejects.csv")
}

// scanRecovered scans once; a panic is logged and the inbox goes on with
// the next scan (a file whose load panicked is moved to failed/ by take).
func (in *inbox) scanRecovered(ctx context.Context) {
	defer func() {
		if p := recover(); p != nil {
			in.s.log.Error("panic in the inbox", "dir", in.dir, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	in.scan(ctx)
}

// scan takes every complete file, in name order.
func (in *inbox) scan(ctx context.Context) {
	entries, err := os.ReadDir(in.dir)
	if err != nil {
		in.s.log.Error("inbox scan", "dir", in.dir, "err", err)
		return
	}
	// Wall-clock time, whatever Options.Now says: it is compared with the
	// files' modification times.
	now := time.Now()
	var ready, waiting []string
	present := map[string]bool{}
	in.mu.Lock()
	for _, e := range entries { // ReadDir sorts by name
		if !e.Type().IsRegular() || ignored(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		name := e.Name()
		present[name] = true
		prev, ok := in.seen[name]
		if !ok || prev.size != info.Size() || !prev.mtime.Equal(info.ModTime()) {
			since := now
			// Renamed in after being written elsewhere: its modification
			// time is already older than the settle delay.
			if now.Sub(info.ModTime()) >= in.settle {
				since = now.Add(-in.settle)
			}
			prev = seenFile{size: info.Size(), mtime: info.ModTime(), since: since}
			in.seen[name] = prev
		}
		if prev.stuck {
			continue
		}
		if now.Sub(prev.since) >= in.settle && now.Sub(info.ModTime()) >= in.settle {
			ready = append(ready, name)
		} else {
			waiting = append(waiting, name)
		}
	}
	for name := range in.seen {
		if !present[name] {
			delete(in.seen, name)
		}
	}
	in.waiting = waiting
	in.mu.Unlock()
	sort.Strings(ready)
	if len(ready) > 0 {
		in.s.inboxBatch.Store(1)
		defer in.s.inboxBatch.Store(0)
	}
	for _, name := range ready {
		if ctx.Err() != nil {
			return
		}
		in.take(ctx, name)
	}
	if len(ready) > 0 {
		// Once per batch: recomputing after each of nine large files
		// would recompute derived data nine times. The refresh is cheap
		// when nothing loaded (same data version).
		in.s.refresh(ctx)
	}
}

// take loads one file and moves it to done/ or failed/.
func (in *inbox) take(ctx context.Context, name string) {
	path := filepath.Join(in.dir, name)
	out, err := in.s.load(ctx, path, name)
	if ctx.Err() != nil && err != nil {
		return // shutting down: leave the file for the next start
	}
	in.s.audit(ctx, queries.AuditUpload, "inbox/"+out.File, auditOutcome(out.Summary, err), &auth.User{Name: "inbox"})
	// A load interrupted by the shutdown returns an error only when its
	// file is not loaded (an interrupt during the commit waits for it and
	// reports success): the file stays for the next start, and a file that
	// loaded goes to done/ (were it left, the next start would skip it by
	// its SHA-256).
	res := InboxResult{File: out.File, At: time.Now(), OK: err == nil, Summary: out.Summary, Errors: out.Errors, AlreadyLoaded: out.AlreadyLoaded}
	if res.Errors == nil {
		res.Errors = []string{}
	}
	if err != nil && len(res.Errors) == 0 {
		res.Errors = []string{err.Error()}
	}
	sub := "done"
	if err != nil {
		sub = "failed"
	}
	dest, merr := moveUnique(path, filepath.Join(in.dir, sub), name)
	if merr != nil {
		in.s.log.Error("inbox move", "file", name, "err", merr)
	} else {
		res.MovedTo = filepath.Join(sub, filepath.Base(dest))
	}
	if out.RejectsPath != "" {
		if _, err := os.Stat(out.RejectsPath); err == nil {
			if _, rerr := moveUnique(out.RejectsPath, filepath.Join(in.dir, sub), filepath.Base(dest)+".rejects.csv"); rerr != nil {
				in.s.log.Error("inbox move rejects", "file", out.RejectsPath, "err", rerr)
			}
		}
	}
	if err != nil && merr == nil {
		msg := err.Error()
		if len(out.Errors) > 0 {
			msg += "\n" + strings.Join(out.Errors, "\n")
		}
		if werr := os.WriteFile(dest+".error.txt", []byte(msg+"\n"), 0o644); werr != nil {
			in.s.log.Error("inbox error file", "file", name, "err", werr)
		}
	}
	in.mu.Lock()
	if merr != nil {
		if sf, ok := in.seen[name]; ok {
			sf.stuck = true
			in.seen[name] = sf
		}
	} else {
		delete(in.seen, name)
	}
	in.results = append([]InboxResult{res}, in.results...)
	if len(in.results) > maxInboxResults {
		in.results = in.results[:maxInboxResults]
	}
	in.mu.Unlock()
}

// moveUnique renames src into dir as name, or name.1, name.2... when a file
// of that name is already there (a file loaded twice keeps both copies).
func moveUnique(src, dir, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 0; i < 1000; i++ {
		cand := name
		if i > 0 {
			cand = fmt.Sprintf("%s.%d%s", stem, i, ext)
		}
		dest := filepath.Join(dir, cand)
		if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) {
			if err := os.Rename(src, dest); err != nil {
				return "", fmt.Errorf("move %s: %w", src, err)
			}
			return dest, nil
		}
	}
	return "", fmt.Errorf("move %s: too many files named %s in %s", src, name, dir)
}
