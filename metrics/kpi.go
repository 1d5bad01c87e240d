package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"relais/queries"
)

// secondsPerDay converts the document's day durations to Prometheus' base
// unit.
const secondsPerDay = 86400

// figure is one key shared by a site and the overall object, exported as
// relais_site_<suffix>{site} and relais_overall_<suffix>. get returns false
// when the figure is null: a null figure is absent, never 0.
type figure struct {
	suffix string
	help   string
	get    func(f *queries.Figures) (float64, bool)
}

func count(v int64) (float64, bool) { return float64(v), true }

func opt(v *float64) (float64, bool) {
	if v == nil {
		return 0, false
	}
	return *v, true
}

func optDays(v *float64) (float64, bool) {
	if v == nil {
		return 0, false
	}
	return *v * secondsPerDay, true
}

// figures lists the shared keys in document order (ideas_by_status apart:
// it has its own status label).
func figures() []figure {
	return []figure{
		{"headcount", "Headcount from sites (overall: the sum of the known ones); absent when unknown.",
			func(f *queries.Figures) (float64, bool) {
				if f.Headcount == nil {
					return 0, false
				}
				return float64(*f.Headcount), true
			}},
		{"monthly_active_users", "People active in the 30 days ending on the as-of date (mau).", func(f *queries.Figures) (float64, bool) { return count(f.MAU) }},
		{"monthly_active_users_previous", "People active in the 30 days before those (mau_previous).", func(f *queries.Figures) (float64, bool) { return count(f.MAUPrevious) }},
		{"monthly_active_users_change_ratio", "(mau - mau_previous) / mau_previous; absent when mau_previous is 0.", func(f *queries.Figures) (float64, bool) { return opt(f.MAUChange) }},
		{"adoption_ratio", "Monthly active users / headcount; absent when the headcount is unknown or 0.", func(f *queries.Figures) (float64, bool) { return opt(f.Adoption) }},
		{"ambassadors", "Ambassadors on the as-of date.", func(f *queries.Figures) (float64, bool) { return count(f.Ambassadors) }},
		{"active_ambassadors", "Ambassadors active in the 30-day window.", func(f *queries.Figures) (float64, bool) { return count(f.ActiveAmbassadors) }},
		{"active_ambassador_ratio", "Active ambassadors / ambassadors; absent when there is no ambassador.", func(f *queries.Figures) (float64, bool) { return opt(f.ActiveAmbassadorRate) }},
		{"people_per_ambassador", "Headcount / ambassadors; absent when either is unknown or 0.", func(f *queries.Figures) (float64, bool) { return opt(f.PeoplePerAmbassador) }},
		{"ideas", "Ideas created in the program period, withdrawn ones excluded.", func(f *queries.Figures) (float64, bool) { return count(f.Ideas) }},
		{"ideas_implemented", "Ideas implemented in the program period.", func(f *queries.Figures) (float64, bool) { return count(f.IdeasImplemented) }},
		{"decision_delay_median_seconds", "Median time from creation to first decision, over first decisions in the program period; absent when none.", func(f *queries.Figures) (float64, bool) { return optDays(f.DecisionDelayDays) }},
		{"decision_delay_baseline_median_seconds", "The same median over first decisions in the 90 days before the program; absent when none.", func(f *queries.Figures) (float64, bool) { return optDays(f.DecisionDelayBaselineDays) }},
		{"oldest_open_idea_age_seconds", "Age at the end of the as-of date of the oldest idea still open; absent when none is open.", func(f *queries.Figures) (float64, bool) { return optDays(f.OldestOpenIdeaDays) }},
		{"response_sla_ratio", "Share of the program's due ideas answered within 5 business days; absent when none is due.", func(f *queries.Figures) (float64, bool) { return opt(f.ResponseSLAShare) }},
		{"votes_per_idea", "Votes in the program period per idea created in it; absent when no idea.", func(f *queries.Figures) (float64, bool) { return opt(f.VotesPerIdea) }},
		{"quality_score", "Mean impact x feasibility of the program's scored ideas (1-25); absent when none is scored.", func(f *queries.Figures) (float64, bool) { return opt(f.QualityScore) }},
		{"scored_ratio", "Share of the program's ideas with both impact and feasibility; absent when no idea.", func(f *queries.Figures) (float64, bool) { return opt(f.ScoredShare) }},
		{"cross_site_ratio", "Share of votes and comments in the program period made on another site's ideas; absent when none.", func(f *queries.Figures) (float64, bool) { return opt(f.CrossSiteShare) }},
		{"replications", "Ideas created in the program period that replicate another site's idea.", func(f *queries.Figures) (float64, bool) { return count(f.Replications) }},
		{"time_to_knowledge_median_seconds", "Median time from an origin idea to its replica on another site; absent when none.", func(f *queries.Figures) (float64, bool) { return optDays(f.TimeToKnowledgeDays) }},
		{"enps_responses", "Ambassadors who answered a survey in the last 90 days.", func(f *queries.Figures) (float64, bool) { return count(f.ENPSResponses) }},
		{"enps", "Ambassador eNPS (-100..100); absent when fewer than 5 answered (suppressed) or none did.", func(f *queries.Figures) (float64, bool) { return opt(f.ENPS) }},
	}
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

	figs        []figure
	siteFigs    []*prometheus.Desc
	overallFigs []*prometheus.Desc

	siteByStatus    *prometheus.Desc
	overallByStatus *prometheus.Desc
	siteFlag        *prometheus.Desc
	siteStruggling  *prometheus.Desc

	overallSites       *prometheus.Desc
	overallSitesActive *prometheus.Desc
	overallIdeasMedian *prometheus.Desc
	overallDelayReduce *prometheus.Desc
	overallStruggling  *prometheus.Desc

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
	for _, f := range c.figs {
		c.siteFigs = append(c.siteFigs, prometheus.NewDesc("relais_site_"+f.suffix, "Per site: "+f.help, site, nil))
		c.overallFigs = append(c.overallFigs, prometheus.NewDesc("relais_overall_"+f.suffix, "Whole group: "+f.help, nil, nil))
	}
	c.siteByStatus = prometheus.NewDesc("relais_site_ideas_by_status",
		"Per site: ideas created in the program period by current status, withdrawn included (every status, 0 included).", []string{"site", "status"}, nil)
	c.overallByStatus = prometheus.NewDesc("relais_overall_ideas_by_status",
		"Whole group: ideas created in the program period by current status, withdrawn included.", []string{"status"}, nil)
	c.siteFlag = prometheus.NewDesc("relais_site_flag",
		"Per site: 1 when the flag holds, 0 otherwise (one series per flag).", []string{"site", "flag"}, nil)
	c.siteStruggling = prometheus.NewDesc("relais_site_struggling",
		"Per site: 1 when the site is struggling (no active ambassador, or 2 flags or more), 0 otherwise.", site, nil)
	c.overallSites = prometheus.NewDesc("relais_overall_sites", "Number of sites.", nil, nil)
	c.overallSitesActive = prometheus.NewDesc("relais_overall_sites_with_active_ambassador_ratio",
		"Share of sites with at least one active ambassador; absent when there is no site.", nil, nil)
	c.overallIdeasMedian = prometheus.NewDesc("relais_overall_ideas_per_site_median",
		"Median over sites of the ideas created in the program period (0 included); absent when there is no site.", nil, nil)
	c.overallDelayReduce = prometheus.NewDesc("relais_overall_decision_delay_reduction_ratio",
		"1 - decision delay / baseline decision delay; absent when either is unknown.", nil, nil)
	c.overallStruggling = prometheus.NewDesc("relais_overall_struggling_sites", "Number of struggling sites.", nil, nil)
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
	out := append([]*prometheus.Desc{}, c.siteFigs...)
	out = append(out, c.overallFigs...)
	return append(out, c.siteByStatus, c.overallByStatus, c.siteFlag, c.siteStruggling,
		c.overallSites, c.overallSitesActive, c.overallIdeasMedian, c.overallDelayReduce, c.overallStruggling,
		c.targetValue, c.targetGoal, c.targetPace, c.targetStatus, c.programDay, c.programPhase)
}

// Describe sends every descriptor of the collector.
func (c *kpiCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs() {
		ch <- d
	}
}

// phases lists the program phases in order.
func phases() []string {
	return []string{queries.PhaseNotStarted, queries.PhaseFraming, queries.PhaseRecruiting,
		queries.PhaseLaunch, queries.PhaseScaleUp, queries.PhaseSustain}
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
	for _, p := range phases() {
		gauge(c.programPhase, bit(doc.Program.Phase == p), p)
	}

	// Overall.
	o := &doc.Overall
	gauge(c.overallSites, float64(o.Sites))
	for i, f := range c.figs {
		if v, ok := f.get(&o.Figures); ok {
			gauge(c.overallFigs[i], v)
		}
	}
	for _, s := range statuses {
		gauge(c.overallByStatus, float64(o.IdeasByStatus.Get(s)), s)
	}
	if v, ok := opt(o.SitesWithActiveAmbassadorShare); ok {
		gauge(c.overallSitesActive, v)
	}
	if v, ok := opt(o.IdeasPerSiteMedian); ok {
		gauge(c.overallIdeasMedian, v)
	}
	if v, ok := opt(o.DecisionDelayReduction); ok {
		gauge(c.overallDelayReduce, v)
	}
	gauge(c.overallStruggling, float64(o.StrugglingSites))

	// Sites. site_id is the key of sites, so each site's series are unique.
	for i := range doc.Sites {
		s := &doc.Sites[i]
		for j, f := range c.figs {
			if v, ok := f.get(&s.Figures); ok {
				gauge(c.siteFigs[j], v, s.SiteID)
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
		if v, ok := opt(t.Value); ok {
			gauge(c.targetValue, v, t.ID)
		}
		gauge(c.targetGoal, t.Target, t.ID)
		gauge(c.targetPace, t.Pace, t.ID)
		for _, st := range queries.TargetStatuses() {
			gauge(c.targetStatus, bit(t.Status == st), t.ID, st)
		}
	}
	return out
}
