package ingest

import (
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// progress draws a bar on a terminal (bytes of a CSV, rows of an XLSX);
// everywhere else it does nothing.
type progress struct {
	bar  *progressbar.ProgressBar
	rows int
}

func newProgress(w io.Writer, name string, size int64, rows bool) *progress {
	f, ok := w.(*os.File)
	if !ok || f == nil || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return &progress{}
	}
	if rows {
		size = -1
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(!rows),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
	)
	return &progress{bar: bar}
}

// addBytes counts bytes read from a CSV file.
func (p *progress) addBytes(n int) {
	if p.bar != nil {
		_ = p.bar.Add(n)
	}
}

// addRow counts a row of a workbook (whose bytes are compressed, so the bar
// shows rows, not the file's size).
func (p *progress) addRow() {
	if p.bar == nil {
		return
	}
	p.rows++
	if p.rows&1023 == 0 {
		_ = p.bar.Add(1024)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
