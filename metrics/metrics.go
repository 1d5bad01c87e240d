// Package metrics exposes relais to Prometheus: a collector that reads the
// latest KPI snapshot at scrape time (a scrape never runs the KPI SQL),
// operations figures (ingest counters from ingest_log, snapshot age, HTTP
// requests, Go runtime, process and database pool), and ships the Grafana
// dashboard and alert rules that go with them (metrics/grafana,
// metrics/prometheus). It imports queries only.
package metrics

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"relais/queries"
)

// SnapshotSource gives the latest KPI snapshot without computing anything.
// *queries.Snapshots satisfies it; tests pass a hand-made snapshot.
type SnapshotSource interface {
	// Latest returns the most recent snapshot, nil before the first.
	Latest() *queries.Snapshot
}

// Options configure New. DB and Snapshots may be nil (their metrics are then
// absent); Logger nil means slog.Default().
type Options struct {
	// DB is the relais database: ingest counters (from ingest_log) and the
	// connection pool's statistics.
	DB *queries.DB
	// Snapshots is where the KPI figures come from (usually the server's
	// *queries.Snapshots).
	Snapshots SnapshotSource
	// Logger receives ingest-log refresh errors.
	Logger *slog.Logger
	// IngestRefresh is the longest a cached ingest_log summary is served
	// before a scrape triggers a background refresh (default 5s). A new DB
	// version (a load committed) also triggers one.
	IngestRefresh time.Duration
}

// Metrics is the relais Prometheus registry and the instruments the server
// feeds. It is safe for concurrent use.
type Metrics struct {
	reg          *prometheus.Registry
	log          *slog.Logger
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	ingestFails  *prometheus.CounterVec
	ops          *opsCollector
	kpi          *kpiCollector
	gzipPool     sync.Pool
}

// New builds the registry: the KPI collector, the operations collector, the
// HTTP instruments, and the Go, process and DB-pool collectors.
func New(opts Options) *Metrics {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if s, ok := opts.Snapshots.(*queries.Snapshots); ok && s == nil {
		opts.Snapshots = nil // a typed nil would panic in Latest
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: log}
	m.gzipPool.New = func() any {
		gz, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
		return gz
	}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "relais_http_requests_total",
		Help: "HTTP requests served, by route pattern and status code.",
	}, []string{"route", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "relais_http_request_duration_seconds",
		Help: "Time to serve an HTTP request, by route pattern.",
		// Pages render from the cached snapshot: most answer in milliseconds;
		// exports and the first page after a load take longer.
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"route"})
	m.ingestFails = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "relais_ingest_failures_total",
		Help: "Files refused by this process since it started, by dataset (a refused file leaves no trace in ingest_log).",
	}, []string{"dataset"})
	m.ops = newOpsCollector(opts.DB, opts.Snapshots, opts.IngestRefresh, log)
	m.kpi = newKPICollector(opts.Snapshots)
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.ingestFails, m.ops, m.kpi,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if opts.DB != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(opts.DB.SQL(), "relais"))
	}
	return m
}

// Registry is the registry behind Handler, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves /metrics from the relais registry (never the global one).
// Responses are gzipped at gzip.BestSpeed when the scraper accepts it:
// promhttp's own compression uses the default level, a quarter of a
// 300-site scrape's time.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:           slog.NewLogLogger(m.log.Handler(), slog.LevelError),
		ErrorHandling:      promhttp.ContinueOnError,
		Registry:           m.reg, // promhttp_metric_handler_errors_total
		EnableOpenMetrics:  false,
		DisableCompression: true,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.ServeHTTP(w, r)
			return
		}
		gz := m.gzipPool.Get().(*gzip.Writer)
		defer m.gzipPool.Put(gz)
		gz.Reset(w)
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		h.ServeHTTP(gzipResponse{ResponseWriter: w, w: gz}, r)
		if err := gz.Close(); err != nil {
			m.log.Debug("metrics: gzip", "err", err)
		}
	})
}

// gzipResponse sends a handler's body through a gzip writer.
type gzipResponse struct {
	http.ResponseWriter
	w io.Writer
}

func (g gzipResponse) Write(b []byte) (int, error) { return g.w.Write(b) }

// acceptsGzip reports whether an Accept-Encoding header offers gzip.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// ObserveHTTP records one served request: route is the route pattern (never
// the raw path, whose ids would explode the series), code the status code,
// d the time it took.
func (m *Metrics) ObserveHTTP(route string, code int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveIngest records the outcome of one file. The row counters come from
// ingest_log (they survive restarts), so a successful load only starts a
// background re-read of it (the next scrape then shows the load without
// waiting; a scrape also notices a new DB version by itself, one scrape
// later); a refused file (ok false), which leaves no trace in ingest_log,
// counts in relais_ingest_failures_total. dataset "" (the file was refused
// before its dataset was known) counts as "unknown".
func (m *Metrics) ObserveIngest(dataset string, loaded, rejected int64, ok bool, at time.Time) {
	if !ok {
		if dataset == "" {
			dataset = "unknown"
		}
		m.ingestFails.WithLabelValues(dataset).Inc()
		return
	}
	m.ops.invalidate()
	if m.ops.db != nil {
		m.ops.startRefresh()
	}
}

// The server passes its *queries.Snapshots as the SnapshotSource.
var _ SnapshotSource = (*queries.Snapshots)(nil)
