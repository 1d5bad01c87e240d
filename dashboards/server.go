// Package dashboards serves the relais pages, JSON API and Excel workbooks
// (`relais serve`, `relais export`). It reads the database through queries
// only; loading files (the inbox and the upload endpoint) and metrics are
// injected by cmd/relais through Options.
package dashboards

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"

	"relais/dashboards/auth"
	"relais/queries"
)

// IngestOutcome is what loading one file produced, as the upload endpoint
// and the inbox report it.
type IngestOutcome struct {
	// File is the file name as given.
	File string `json:"file"`
	// Dataset is the dataset the file loaded into (empty when refused
	// before it was known).
	Dataset string `json:"dataset,omitempty"`
	// RowsRead, Loaded and Rejected are the file's counts.
	RowsRead int64 `json:"rows_read"`
	Loaded   int64 `json:"loaded"`
	Rejected int64 `json:"rejected"`
	// Summary is the summary line of the command line
	// (`ideas.csv: 1200 rows, 1198 loaded, 2 rejected`).
	Summary string `json:"summary"`
	// Errors are the rejected rows and refusal reasons, one per line.
	Errors []string `json:"errors,omitempty"`
	// RejectsPath is the rejects file written beside the input, if any.
	RejectsPath string `json:"-"`
	// AlreadyLoaded says the same content (SHA-256) was loaded before:
	// the file was not loaded again.
	AlreadyLoaded bool `json:"already_loaded,omitempty"`
}

// IngestFunc loads one file with the rules of the command line. name is the
// file name the user gave (the upload's name, the inbox entry); a refused
// file or a rejected row is an error, and the outcome still says why.
type IngestFunc func(ctx context.Context, path, name string) (IngestOutcome, error)

// Options is what cmd/relais injects into the server.
type Options struct {
	// DB is the open database (required).
	DB *queries.DB
	// Snapshots caches the KPI documents (required).
	Snapshots *queries.Snapshots
	// Logger receives request logs and events (nil: discard).
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Ingest loads a file; nil disables the inbox and the upload endpoint.
	Ingest IngestFunc
	// DryRun validates an uploaded file without loading it (the form on
	// /data); nil disables the form's endpoint.
	DryRun DryRunFunc
	// Metrics is mounted at /metrics when non-nil.
	Metrics http.Handler
	// ObserveHTTP is called once per request when non-nil, with the route
	// pattern (for example /sites/:id), the status and the duration.
	ObserveHTTP func(route string, code int, d time.Duration)
	// InboxDir is the folder watched for files to load ("" for none).
	InboxDir string
	// InboxSettle is how long a file's size and modification time must
	// stay unchanged before the inbox takes it (0: 3 seconds).
	InboxSettle time.Duration
	// Auth signs people in and says what they may see; nil: no sign-in,
	// for a server on loopback (or started with --insecure-no-auth).
	Auth *auth.Auth
	// RetentionMonths is retention.activity in months, shown on the audit
	// page (the loads apply it; 0: activity is kept forever).
	RetentionMonths int
	// TLS, when set, serves HTTPS (with HSTS) on the listener.
	TLS *tls.Config
	// RefreshEvery is the period of the snapshot refresh ticker that
	// notices a new local date (0: one minute).
	RefreshEvery time.Duration
	// HTTP bounds connections: timeouts and the header size (zero fields
	// take the defaults of DefaultHTTPLimits).
	HTTP HTTPLimits
}

// Server is the dashboard server.
type Server struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	engine *gin.Engine
	pages  *pages
	cache  *pageCache
	// inflight shares one computation among the requests that miss the
	// same page query together (see cached).
	inflight singleflight.Group
	// placeholder stands for the nonce in cached pages; each response
	// gets its own nonce in its place.
	placeholder string

	// listenLoopback is 1 when the server listens on loopback only, 2 when
	// on another address, 0 when unknown (Handler used without Serve).
	listenLoopback atomic.Int32

	loadMu sync.Mutex // one load at a time (inbox and uploads)
	inbox  *inbox
	// inboxBatch is 1 while the inbox loads a batch of files (the
	// periodic refresh waits for its end).
	inboxBatch atomic.Int32

	refreshMu sync.Mutex // one snapshot refresh at a time
	// carried is what the sponsor page takes from the previous data version
	// while the published one's is computed (refresh.go).
	carried atomic.Pointer[carriedSponsor]
	// afterPublish runs the computations that follow a publication
	// (refresh.go, warmSponsorAfterPublish).
	afterPublish background
	// published is today's snapshot whose page queries are warm: what
	// requests for today are answered from (nil before the first).
	published atomic.Pointer[queries.Snapshot]
	// refreshHook, when set (by tests), runs at the start of every refresh.
	refreshHook func(context.Context)
	// publishedHook, when set (by tests), runs after a refresh publishes a
	// snapshot into which the sponsor page's parts were carried, before it
	// computes the new version's own.
	publishedHook func(context.Context)
}

// New builds a server. It does not listen; see Run, Serve and Handler.
func New(opts Options) (*Server, error) {
	if opts.DB == nil || opts.Snapshots == nil {
		return nil, errors.New("dashboards: DB and Snapshots are required")
	}
	s := &Server{opts: opts, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	p, err := newPages()
	if err != nil {
		return nil, err
	}
	if err := addAuditPage(p); err != nil {
		return nil, err
	}
	s.pages = p
	s.cache = newPageCache(256)
	s.placeholder = "relais-nonce-" + newNonce()
	if opts.InboxDir != "" {
		if opts.Ingest == nil {
			return nil, errors.New("dashboards: an inbox needs an Ingest function")
		}
		s.inbox = newInbox(s, opts.InboxDir, opts.InboxSettle)
	}
	s.engine = s.routes()
	return s, nil
}

// Handler is the server's HTTP handler (pages, API, assets, /metrics).
func (s *Server) Handler() http.Handler { return s.engine }

// EChartsEmbedded says whether this binary carries the ECharts script.
func EChartsEmbedded() bool { return len(echartsScript()) > 0 }

// Run listens on addr and serves until ctx is done, then shuts down
// gracefully (in-flight requests get 10 seconds).
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, with the snapshot ticker and the
// inbox running beside it, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if isLoopback(ln.Addr()) {
		s.listenLoopback.Store(1)
	} else {
		s.listenLoopback.Store(2)
	}
	if !EChartsEmbedded() {
		s.log.Warn("this binary was built without echarts.min.js: pages show tables but no charts; run `make assets` (or dashboards/fetch-assets.sh) and rebuild")
	}
	lim := s.opts.HTTP.withDefaults()
	srv := &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	work, endWork := afterGrace(ctx, refreshGrace)
	defer endWork()
	s.afterPublish.start(work)
	defer s.afterPublish.wait()
	go func() { defer wg.Done(); s.refreshLoop(ctx, work) }()
	if s.inbox != nil {
		wg.Add(1)
		go func() { defer wg.Done(); s.inbox.run(ctx) }()
	}
	scheme := "http://"
	if s.opts.TLS != nil {
		ln = tls.NewListener(ln, s.opts.TLS)
		scheme = "https://"
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", scheme+ln.Addr().String(), "inbox", s.opts.InboxDir, "echarts", EChartsEmbedded(), "sign_in", s.opts.Auth != nil)
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.log.Info("shutting down")
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		scancel()
		if serr := <-errc; err == nil && !errors.Is(serr, http.ErrServerClosed) {
			err = serr
		}
	}
	cancel()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// newNonce returns a fresh random CSP nonce.
func newNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

const nonceKey = "relais.nonce"

// securityHeaders sets a per-response nonce and the Content-Security-Policy:
// everything from this server only, inline scripts and styles only with the
// nonce, no framing.
func securityHeaders(c *gin.Context) {
	n := newNonce()
	c.Set(nonceKey, n)
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+n+"'; style-src 'self' 'nonce-"+n+"'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	c.Next()
}

// requestLog logs every request through slog and reports it to ObserveHTTP.
func (s *Server) requestLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	d := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	code := c.Writer.Status()
	if s.opts.ObserveHTTP != nil {
		s.opts.ObserveHTTP(route, code, d)
	}
	lvl := slog.LevelInfo
	// /readyz answers 503 while starting: that is its job, not an error.
	if code >= 500 && route != "/readyz" {
		lvl = slog.LevelError
	}
	s.log.LogAttrs(c.Request.Context(), lvl, "http",
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.String("route", route),
		slog.Int("status", code),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", d))
}

func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("panic in handler", "path", c.Request.URL.Path, "panic", fmt.Sprint(r))
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		}
	}()
	c.Next()
}

func (s *Server) routes() *gin.Engine {
	e := gin.New()
	e.RedirectTrailingSlash = true
	e.HandleMethodNotAllowed = true
	e.Use(s.requestLog, s.recovery, securityHeaders, s.authorize)
	s.authRoutes(e)

	lim := s.opts.HTTP.withDefaults()
	// Every GET route answers HEAD too (gin does not by default).
	get := func(path string, h ...gin.HandlerFunc) {
		e.GET(path, h...)
		e.HEAD(path, h...)
	}
	get("/healthz", s.healthz)
	get("/readyz", s.readyz)
	get("/static/:file", serveStatic)

	get("/", s.cachedPage(s.sponsorPage))
	get("/sites", s.cachedPage(s.sitesPage))
	get("/sites/:id", s.cachedPage(s.sitePage))
	get("/ideas/:id", s.cachedPage(s.ideaPage))
	get("/challenges", s.cachedPage(s.challengesPage))
	get("/committee", s.cachedPage(s.committeePage))
	get("/data", s.dataPage)
	get("/data/audit", s.auditPage)
	// The dry-run form posts a file like an upload: the same deadlines.
	e.POST("/data/dry-run", deadlines(lim.UploadTimeout, 2*lim.UploadTimeout), s.dryRunPage)

	get("/api/v1/kpis", s.cachedAPI(s.apiKPIs))
	get("/api/v1/sites/:id", s.cachedAPI(s.apiSite))
	get("/api/v1/ideas/:id", s.cachedAPI(s.apiIdea))
	get("/api/v1/challenges", s.cachedAPI(s.apiChallenges))
	get("/api/v1/series", s.cachedAPI(s.apiSeries))
	get("/api/v1/committee", s.cachedAPI(s.apiCommittee))
	get("/api/v1/data", s.apiData)
	get("/api/v1/audit", s.apiAudit)
	// An upload's body may take long to arrive, and its load long to run:
	// UploadTimeout for the body, then again for the load (apiIngest sets
	// it once the body is in) and always time to answer a body cut off.
	e.POST("/api/v1/ingest", deadlines(lim.UploadTimeout, 2*lim.UploadTimeout), s.apiIngest)
	e.POST("/api/v1/forget", s.apiForget)

	// The workbook of the large demo takes seconds to build.
	get("/export.xlsx", deadlines(0, lim.ExportTimeout), s.exportXLSX)

	if s.opts.Metrics != nil {
		get("/metrics", gin.WrapH(s.opts.Metrics))
	}
	e.NoRoute(s.notFound)
	e.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, gin.H{"error": "method not allowed"})
	})
	return e
}
