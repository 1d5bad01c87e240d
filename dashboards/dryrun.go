package dashboards

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"
)

// DryRunFile is what a dry run found in one file (or zip member): the
// dataset, where each column would come from, the counts and the first
// rejects; nothing is loaded.
type DryRunFile struct {
	File     string
	Dataset  string
	Mapping  string
	Columns  []DryRunColumn
	Ignored  []string
	Rows     int64
	Valid    int64
	Rejected int64
	Rejects  []string
	// Refused says why the file would be refused; Skipped why a zip member
	// would not be read.
	Refused string
	Skipped string
}

// DryRunColumn is one canonical column and the file's headers it reads.
type DryRunColumn struct {
	Column   string
	Required bool
	Headers  []string
	// Via is header, mapping, set, default or missing.
	Via string
}

// DryRunFunc reads and validates a file with the rules of the command
// line and writes nothing (docs/mappings.md, "Dry run").
type DryRunFunc func(ctx context.Context, path, name string) ([]DryRunFile, error)

// dryRunPage answers POST /data/dry-run: the uploaded file is read and
// validated, the report shown, nothing loaded. Same guards as the upload
// endpoint (loopback, same origin, size).
func (s *Server) dryRunPage(c *gin.Context) {
	if s.opts.DryRun == nil {
		s.dryRunError(c, http.StatusNotFound, translations[pickLang(c.Request)].word("dry_run_off"))
		return
	}
	if msg := s.writeRefusal(c.Request, "request"); msg != "" {
		// The page says it in the reader's language; the log keeps the why.
		s.log.Warn("dry run refused", "reason", msg)
		s.dryRunError(c, http.StatusForbidden, translations[pickLang(c.Request)].word("dry_run_refused"))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUpload)
	fh, err := c.FormFile("file")
	if err != nil {
		s.dryRunError(c, http.StatusBadRequest, translations[pickLang(c.Request)].word("dry_run_no_file"))
		return
	}
	dir, err := os.MkdirTemp("", "relais-dryrun-")
	if err != nil {
		s.pageError(c, "data", err)
		return
	}
	defer os.RemoveAll(dir)
	name := filepath.Base(filepath.Clean("/" + strings.ReplaceAll(fh.Filename, `\`, "/")))
	if name == "/" || name == "." {
		name = "upload"
	}
	path := filepath.Join(dir, name)
	if err := saveUpload(fh, path); err != nil {
		s.pageError(c, "data", err)
		return
	}
	files, _ := s.opts.DryRun(c.Request.Context(), path, name)
	v := s.newView(c, "data", "/data")
	v.Title = v.T("dry_run") + " · " + name
	v.Body = files
	s.render(c, http.StatusOK, "dryrun", v)
}

// dryRunError shows why a dry run could not start.
func (s *Server) dryRunError(c *gin.Context, code int, msg string) {
	v := s.newView(c, "data", "/data")
	v.Title = v.T("dry_run")
	v.Body = msg
	s.render(c, code, "error", v)
}
