package dashboards

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// HTTPLimits bound what a client can hold of the server: how long it may
// take to send a request and to read the answer, how long an idle
// keep-alive connection stays open, and how large the headers may be
// (docs/operations.md, "Timeouts and limits"). A zero field takes its
// default (DefaultHTTPLimits).
type HTTPLimits struct {
	// ReadHeaderTimeout bounds reading a request's line and headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body, on
	// every route but the upload.
	ReadTimeout time.Duration
	// WriteTimeout bounds producing and writing an answer, counted from
	// the end of the headers, on every route but the upload and the
	// workbook.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection waits for its next
	// request.
	IdleTimeout time.Duration
	// UploadTimeout bounds reading the body of POST /api/v1/ingest, then
	// again loading its files and answering.
	UploadTimeout time.Duration
	// ExportTimeout bounds building and writing /export.xlsx.
	ExportTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers (a larger one is
	// answered 431).
	MaxHeaderBytes int
}

// DefaultHTTPLimits are the limits of a zero HTTPLimits. Pages and API
// answers take milliseconds from the warm snapshot and a few seconds when
// a date must be computed on the large demo, hence one minute for writing;
// the workbook of the large demo takes seconds to tens of seconds on a
// busy machine, hence five minutes; an upload of the largest accepted size
// (512 MB) at 1 MB/s takes under ten minutes. Idle connections are closed
// after two minutes, above the usual keep-alive of a reverse proxy (nginx:
// 60 s), so the proxy closes first. 64 KiB of headers leave room for large
// session cookies and are far below Go's default of 1 MiB.
var DefaultHTTPLimits = HTTPLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      time.Minute,
	IdleTimeout:       2 * time.Minute,
	UploadTimeout:     10 * time.Minute,
	ExportTimeout:     5 * time.Minute,
	MaxHeaderBytes:    64 << 10,
}

// withDefaults fills the zero fields from DefaultHTTPLimits.
func (l HTTPLimits) withDefaults() HTTPLimits {
	d := DefaultHTTPLimits
	pick := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	pick(&l.ReadTimeout, d.ReadTimeout)
	pick(&l.WriteTimeout, d.WriteTimeout)
	pick(&l.IdleTimeout, d.IdleTimeout)
	pick(&l.UploadTimeout, d.UploadTimeout)
	pick(&l.ExportTimeout, d.ExportTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return l
}

// deadlines gives a route its own read and write deadlines, counted from
// now, in place of the server's (0 keeps the server's).
func deadlines(read, write time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		rc := http.NewResponseController(c.Writer)
		if read > 0 {
			_ = rc.SetReadDeadline(time.Now().Add(read))
		}
		if write > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(write))
		}
		c.Next()
	}
}
