package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"relais/queries"
)

// secondsPerDay converts the document's day durations to Prometheus' base
// unit.
const secondsPerDay = 86400

// figure is one numeric key of the KPI registry with a metric: exported
// as relais_site_<Metric>{site} and relais_overall_<Metric> when at both
// levels, relais_overall_<Metric> when overall only. A null figure is
// absent, never 0; days are exported in seconds.
type figure struct {
	def     queries.KPIDef
	site    *prometheus.Desc // nil when the key is overall only
	overall *prometheus.Desc // nil when the key is per site only
}

// value is the figure in Prometheus' base unit; false when null.
func (f figure) value(v *float64) (float64, bool) {
	if v == nil {
		return 0, false
	}
	if f.def.Unit == queries.UnitDays {
		return *v * secondsPerDay, true
	}
	return *v, true
}

// figures declares one metric per registry key that has one.
func figures() []figure {
	var out []figure
	for _, d := range queries.Registry() {
		if d.Metric == "" || !d.Unit.Numeric() {
			continue
		}
		f := figure{def: d}
		switch d.Levels {
		case queries.AtBoth:
			f.site = prometheus.NewDesc("relais_site_"+d.Metric, "Per site: "+d.Help, []string{"site"}, nil)
			f.overall = prometheus.NewDesc("relais_overall_"+d.Metric, "Whole group: "+d.Help, nil, nil)
		case queries.AtOverall:
			f.overall = prometheus.NewDesc("relais_overall_"+d.Metric, d.Help, nil, nil)
		case queries.AtSite:
			f.site = prometheus.NewDesc("relais_site_"+d.Metric, d.Help, []string{"site"}, nil)
		}
		out = append(out, f)
	}
	return out
}

// kpiCollector exports the latest KPI snapshot. It builds const metrics at
// scrape time from Snapshots.Latest() and never computes anything; without a
// snapshot it exports nothing.
type kpiCollector struct {
	src SnapshotSource

	// built caches the const metrics of the last snapshot scraped: a
	// snapshot never changes, so its metrics are built by the first scrape
	// that sees it and reused until Latest returns another one (this halves
	// the cost of a scrape of a few hundred sites).
	built atomic.Pointer[builtSnapshot]

	figs []figure

	siteByStatus    *prometheus.Desc
	overallByStatus *prometheus.Desc
	siteFlag        *prometheus.Desc
	siteStruggling  *prometheus.Desc

	targetValue  *prometheus.Desc
	targetGoal   *prometheus.Desc
	targetPace   *prometheus.Desc
	targetStatus *prometheus.Desc

	programDay   *prometheus.Desc
	programPhase *prometheus.Desc
}

func newKPICollector(src SnapshotSource) *kpiCollector {
	c := &kpiCollector{src: src, figs: figures()}
	site := []string{"site"}
	c.siteByStatus = prometheus.NewDesc("relais_site_ideas_by_status",
		"Per site: ideas created in the program period by current status, withdrawn included (every status, 0 included).", []string{"site", "status"}, nil)
	c.overallByStatus = prometheus.NewDesc("relais_overall_ideas_by_status",
		"Whole group: ideas created in the program period by current status, withdrawn included.", []string{"status"}, nil)
	c.siteFlag = prometheus.NewDesc("relais_site_flag",
		"Per site: 1 when the flag holds, 0 otherwise (one series per flag).", []string{"site", "flag"}, nil)
	c.siteStruggling = prometheus.NewDesc("relais_site_struggling",
		"Per site: 1 when the site is struggling (no active ambassador, or 2 flags or more), 0 otherwise.", site, nil)
	target := []string{"target"}
	c.targetValue = prometheus.NewDesc("relais_target_value",
		"Current value of the target's overall key, in the KPI document's unit (days for *_days keys); absent when null.", target, nil)
	c.targetGoal = prometheus.NewDesc("relais_target_goal",
		"The configured goal of the target, in the KPI document's unit.", target, nil)
	c.targetPace = prometheus.NewDesc("relais_target_pace",
		"Where the target's value should be today (at least: goal x program day / 90; at most: the goal).", target, nil)
	c.targetStatus = prometheus.NewDesc("relais_target_status",
		"1 for the target's current status, 0 for the others (met, on_track, at_risk, off_track, no_data).", []string{"target", "status"}, nil)
	c.programDay = prometheus.NewDesc("relais_program_day",
		"Day of the 90-day program on the as-of date (day 1 is the start; 0 or less before it).", nil, nil)
	c.programPhase = prometheus.NewDesc("relais_program_phase",
		"1 for the program's current phase, 0 for the others.", []string{"phase"}, nil)
	return c
}

func (c *kpiCollector) descs() []*prometheus.Desc {
	var out []*prometheus.Desc
	for _, f := range c.figs {
		for _, d := range []*prometheus.Desc{f.site, f.overall} {
			if d != nil {
				out = append(out, d)
			}
		}
	}
	return append(out, c.siteByStatus, c.overallByStatus, c.siteFlag, c.siteStruggling,
		c.targetValue, c.targetGoal, c.targetPace, c.targetStatus, c.programDay, c.programPhase)
}

// Describe sends every descriptor of the collector.
func (c *kpiCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs() {
		ch <- d
	}
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// builtSnapshot is the const metrics of one snapshot.
type builtSnapshot struct {
	snap    *queries.Snapshot
	metrics []prometheus.Metric
}

// Collect sends the figures of the latest snapshot.
func (c *kpiCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src == nil {
		return
	}
	snap := c.src.Latest()
	if snap == nil || snap.Doc == nil {
		return
	}
	b := c.built.Load()
	if b == nil || b.snap != snap {
		// Two concurrent scrapes may both build: harmless, both are right.
		b = &builtSnapshot{snap: snap, metrics: c.build(snap.Doc)}
		c.built.Store(b)
	}
	for _, m := range b.metrics {
		ch <- m
	}
}

// build makes the const metrics of a document (MustNewConstMetric, as
// node_exporter does): absent figures are skipped, never sent as 0.
func (c *kpiCollector) build(doc *queries.Document) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, 64+40*len(doc.Sites)+8*len(doc.Targets))
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	statuses := queries.Statuses()
	flags := queries.Flags()

	// Program.
	gauge(c.programDay, float64(doc.Program.Day))
	for _, p := range queries.Phases() {
		gauge(c.programPhase, bit(doc.Program.Phase == p), p)
	}

	// Overall.
	o := &doc.Overall
	for _, f := range c.figs {
		if f.overall == nil {
			continue
		}
		if v, ok := f.value(o.Value(f.def.Key)); ok {
			gauge(f.overall, v)
		}
	}
	for _, s := range statuses {
		gauge(c.overallByStatus, float64(o.IdeasByStatus.Get(s)), s)
	}

	// Sites. site_id is the key of sites, so each site's series are unique.
	for i := range doc.Sites {
		s := &doc.Sites[i]
		for _, f := range c.figs {
			if f.site == nil {
				continue
			}
			if v, ok := f.value(s.Value(f.def.Key)); ok {
				gauge(f.site, v, s.SiteID)
			}
		}
		for _, st := range statuses {
			gauge(c.siteByStatus, float64(s.IdeasByStatus.Get(st)), s.SiteID, st)
		}
		held := map[string]bool{}
		for _, f := range s.Flags {
			held[f] = true
		}
		for _, f := range flags {
			gauge(c.siteFlag, bit(held[f]), s.SiteID, f)
		}
		gauge(c.siteStruggling, bit(s.Struggling), s.SiteID)
	}

	// Targets. The same key configured twice would give two series with the
	// same labels and fail the scrape: the first one wins (the contract lets
	// a key carry a target, not several).
	seen := map[string]bool{}
	for _, t := range doc.Targets {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		if t.Value != nil {
			gauge(c.targetValue, *t.Value, t.ID)
		}
		gauge(c.targetGoal, t.Target, t.ID)
		gauge(c.targetPace, t.Pace, t.ID)
		for _, st := range queries.TargetStatuses() {
			gauge(c.targetStatus, bit(t.Status == st), t.ID, st)
		}
	}
	return out
}
