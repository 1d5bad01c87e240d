package metrics

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relais/queries"
)

// defaultIngestRefresh is how long a cached ingest_log summary is served
// before a scrape triggers a refresh.
const defaultIngestRefresh = 5 * time.Second

// firstIngestWait bounds how long the very first scrape waits for the first
// ingest_log summary; later scrapes never wait (they serve the cached one
// while a background refresh runs).
const firstIngestWait = 5 * time.Second

// ingestSummary is one read of ingest_log, with what it was read against.
type ingestSummary struct {
	totals  []queries.IngestTotal
	version int64
	readAt  time.Time
}

// opsCollector exports the operations figures: ingest counters and last
// success times from ingest_log (cached, refreshed in the background so a
// scrape never waits on the database), and the snapshot's time and
// duration.
type opsCollector struct {
	db    *queries.DB
	snaps SnapshotSource
	every time.Duration
	log   *slog.Logger

	cache      atomic.Pointer[ingestSummary]
	stale      atomic.Bool // set by invalidate: a load committed
	refreshing atomic.Bool // one background refresh at a time
	refreshErr atomic.Int64
	firstOnce  sync.Once
	first      chan struct{} // closed when the first refresh attempt ends

	rows        *prometheus.Desc
	files       *prometheus.Desc
	lastOK      *prometheus.Desc
	refreshErrs *prometheus.Desc
	snapTime    *prometheus.Desc
	snapDur     *prometheus.Desc
}

func newOpsCollector(db *queries.DB, snaps SnapshotSource, every time.Duration, log *slog.Logger) *opsCollector {
	if every <= 0 {
		every = defaultIngestRefresh
	}
	return &opsCollector{
		db: db, snaps: snaps, every: every, log: log,
		first: make(chan struct{}),
		rows: prometheus.NewDesc("relais_ingest_rows_total",
			"Data rows ingested since the database was created (from ingest_log), by dataset and outcome (loaded or rejected).",
			[]string{"dataset", "outcome"}, nil),
		files: prometheus.NewDesc("relais_ingest_files_total",
			"Files loaded since the database was created (from ingest_log), by dataset.",
			[]string{"dataset"}, nil),
		lastOK: prometheus.NewDesc("relais_ingest_last_success_timestamp_seconds",
			"When the last file loaded into the dataset committed (Unix time); absent when none ever did.",
			[]string{"dataset"}, nil),
		refreshErrs: prometheus.NewDesc("relais_ingest_log_read_errors_total",
			"Failed reads of ingest_log by the metrics (the previous figures are served meanwhile).",
			nil, nil),
		snapTime: prometheus.NewDesc("relais_snapshot_timestamp_seconds",
			"When the KPI snapshot served by the pages and these metrics was computed (Unix time); absent before the first.",
			nil, nil),
		snapDur: prometheus.NewDesc("relais_snapshot_duration_seconds",
			"How long computing the current KPI snapshot took.",
			nil, nil),
	}
}

// Describe sends every descriptor of the collector.
func (c *opsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.rows, c.files, c.lastOK, c.refreshErrs, c.snapTime, c.snapDur} {
		ch <- d
	}
}

// invalidate makes the next scrape refresh the ingest summary.
func (c *opsCollector) invalidate() { c.stale.Store(true) }

// summary returns the cached ingest summary, starting a background refresh
// when it is stale. Only before the first summary exists does it wait (at
// most firstIngestWait).
func (c *opsCollector) summary() *ingestSummary {
	s := c.cache.Load()
	if s == nil || c.stale.Load() || s.version != c.db.Version() || time.Since(s.readAt) >= c.every {
		c.startRefresh()
	}
	if s == nil {
		t := time.NewTimer(firstIngestWait)
		defer t.Stop()
		select {
		case <-c.first:
		case <-t.C:
		}
		s = c.cache.Load()
	}
	return s
}

// startRefresh reads ingest_log in a goroutine unless one already runs.
func (c *opsCollector) startRefresh() {
	if !c.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer c.refreshing.Store(false)
		defer c.firstOnce.Do(func() { close(c.first) })
		c.refresh()
	}()
}

// refresh reads ingest_log once and caches the result.
func (c *opsCollector) refresh() {
	// Read the version and clear the flag before the query: a load that
	// commits meanwhile leaves the summary stale again.
	v := c.db.Version()
	c.stale.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	totals, err := c.db.IngestTotals(ctx)
	if err != nil {
		c.refreshErr.Add(1)
		c.stale.Store(true)
		c.log.Error("metrics: read ingest log", "err", err)
		return
	}
	c.cache.Store(&ingestSummary{totals: totals, version: v, readAt: time.Now()})
}

// Collect sends the operations metrics.
func (c *opsCollector) Collect(ch chan<- prometheus.Metric) {
	if c.snaps != nil {
		if snap := c.snaps.Latest(); snap != nil {
			ch <- prometheus.MustNewConstMetric(c.snapTime, prometheus.GaugeValue, unixSeconds(snap.ComputedAt))
			ch <- prometheus.MustNewConstMetric(c.snapDur, prometheus.GaugeValue, snap.Duration.Seconds())
		}
	}
	if c.db == nil {
		return
	}
	s := c.summary()
	ch <- prometheus.MustNewConstMetric(c.refreshErrs, prometheus.CounterValue, float64(c.refreshErr.Load()))
	if s == nil {
		return
	}
	byName := map[string]queries.IngestTotal{}
	for _, t := range s.totals {
		byName[t.Dataset] = t
	}
	// Every dataset has its counters from the start (0 before its first
	// file) so that rate() and increase() see the first load.
	for _, ds := range queries.Datasets() {
		t := byName[ds.Name]
		ch <- prometheus.MustNewConstMetric(c.rows, prometheus.CounterValue, float64(t.Loaded), ds.Name, "loaded")
		ch <- prometheus.MustNewConstMetric(c.rows, prometheus.CounterValue, float64(t.Rejected), ds.Name, "rejected")
		ch <- prometheus.MustNewConstMetric(c.files, prometheus.CounterValue, float64(t.Files), ds.Name)
		if !t.LastFinishedAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastOK, prometheus.GaugeValue, unixSeconds(t.LastFinishedAt), ds.Name)
		}
	}
}

// unixSeconds is t as fractional Unix seconds.
func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
