package queries

// The KPI registry: one declaration per key of the KPI document, in JSON
// order, from which every output derives (the key lists, Value, the
// Prometheus metrics, the heat map, the sites table, the terminal table and
// the workbook). It is a descriptor table in the manner of node_exporter,
// one declaration per metric as pirsch does.
//
// Adding a KPI: its SQL and scan (kpi_compute.go), its field in Figures or
// Overall, one line here, its label and definition in each locale file of
// the dashboards, and its tests. docs/kpis.md says what each one means.

// Unit says what a key holds and so how it is shown.
type Unit int

const (
	// UnitCount is a whole number.
	UnitCount Unit = iota
	// UnitRatio is a fraction 0..1, shown as a percentage.
	UnitRatio
	// UnitChange is a signed relative change, shown as a signed percentage.
	UnitChange
	// UnitDays is a duration in days (exported to Prometheus in seconds).
	UnitDays
	// UnitScore is a plain number shown with one decimal.
	UnitScore
	// UnitENPS is a score -100..100 shown without decimals.
	UnitENPS
	// UnitStatusCounts is ideas_by_status: one count per idea status.
	UnitStatusCounts
	// UnitText is an identifier or a name.
	UnitText
	// UnitFlags is a site's list of flags.
	UnitFlags
	// UnitBool is a yes/no.
	UnitBool
)

// Numeric says whether a key of this unit holds one number (so that Value
// returns it and a target may be set on it).
func (u Unit) Numeric() bool { return u <= UnitENPS }

// Direction says which way a KPI is better.
type Direction int

const (
	// Neutral: neither way is better in itself (a size, a count of people).
	Neutral Direction = iota
	// HigherBetter: a larger value is better.
	HigherBetter
	// LowerBetter: a smaller value is better.
	LowerBetter
)

// Level is a set of levels a key exists at.
type Level uint8

const (
	// AtSite: the key is in each site object.
	AtSite Level = 1 << iota
	// AtOverall: the key is in the overall object.
	AtOverall
	// AtBoth: shared by sites and the overall object (the Figures).
	AtBoth = AtSite | AtOverall
)

// KPIDef declares one key of the KPI document.
type KPIDef struct {
	// Key is the JSON key.
	Key string
	// Unit says what it holds.
	Unit Unit
	// Direction says which way is better.
	Direction Direction
	// Levels are the objects the key is in.
	Levels Level
	// Metric is the Prometheus name without its relais_site_ or
	// relais_overall_ prefix; empty when the metrics package exports the key
	// its own way (ideas_by_status, flags, struggling) or not at all.
	Metric string
	// Help is the metric's help text; for a key at both levels the metrics
	// prefix it with "Per site: " and "Whole group: ".
	Help string
	// HeatmapColumn is its column in the sites heat map, from 1; 0 when
	// the heat map leaves it out.
	HeatmapColumn int
	// SitesTable says whether the page comparing the sites has a column for
	// it.
	SitesTable bool
	// Column is its header in `relais kpi`'s terminal table; empty when the
	// table leaves it out.
	Column string

	figure  func(*Figures) *float64
	overall func(*Overall) *float64
}

// kpiRegistry is every key of the document in JSON order: the overall-only
// "sites" first, the site identifiers, the Figures, the site-only flags, then
// the overall-only results.
var kpiRegistry = []KPIDef{
	{Key: "sites", Unit: UnitCount, Levels: AtOverall, Metric: "sites", Help: "Number of sites.",
		overall: func(o *Overall) *float64 { return count(o.Sites) }},
	{Key: "site_id", Unit: UnitText, Levels: AtSite},
	{Key: "name", Unit: UnitText, Levels: AtSite},
	{Key: "headcount", Unit: UnitCount, Levels: AtBoth, Column: "headcount",
		Metric: "headcount", Help: "Headcount from sites (overall: the sum of the known ones); absent when unknown.",
		SitesTable: true,
		figure: func(f *Figures) *float64 {
			if f.Headcount == nil {
				return nil
			}
			return count(*f.Headcount)
		}},
	{Key: "mau", Unit: UnitCount, Direction: HigherBetter, Levels: AtBoth, Column: "mau", SitesTable: true,
		Metric: "monthly_active_users", Help: "People active in the 30 days ending on the as-of date (mau).",
		figure: func(f *Figures) *float64 { return count(f.MAU) }},
	{Key: "mau_previous", Unit: UnitCount, Levels: AtBoth,
		Metric: "monthly_active_users_previous", Help: "People active in the 30 days before those (mau_previous).",
		figure: func(f *Figures) *float64 { return count(f.MAUPrevious) }},
	{Key: "mau_change", Unit: UnitChange, Direction: HigherBetter, Levels: AtBoth, Column: "change", SitesTable: true, HeatmapColumn: 3,
		Metric: "monthly_active_users_change_ratio", Help: "(mau - mau_previous) / mau_previous; absent when mau_previous is 0.",
		figure: func(f *Figures) *float64 { return f.MAUChange }},
	{Key: "adoption", Unit: UnitRatio, Direction: HigherBetter, Levels: AtBoth, Column: "adoption", SitesTable: true, HeatmapColumn: 1,
		Metric: "adoption_ratio", Help: "Monthly active users / headcount; absent when the headcount is unknown or 0.",
		figure: func(f *Figures) *float64 { return f.Adoption }},
	{Key: "ambassadors", Unit: UnitCount, Direction: HigherBetter, Levels: AtBoth, Column: "ambassadors", SitesTable: true,
		Metric: "ambassadors", Help: "Ambassadors on the as-of date.",
		figure: func(f *Figures) *float64 { return count(f.Ambassadors) }},
	{Key: "active_ambassadors", Unit: UnitCount, Direction: HigherBetter, Levels: AtBoth, Column: "active", SitesTable: true,
		Metric: "active_ambassadors", Help: "Ambassadors active in the 30-day window.",
		figure: func(f *Figures) *float64 { return count(f.ActiveAmbassadors) }},
	{Key: "active_ambassador_rate", Unit: UnitRatio, Direction: HigherBetter, Levels: AtBoth, SitesTable: true, HeatmapColumn: 2,
		Metric: "active_ambassador_ratio", Help: "Active ambassadors / ambassadors; absent when there is no ambassador.",
		figure: func(f *Figures) *float64 { return f.ActiveAmbassadorRate }},
	{Key: "people_per_ambassador", Unit: UnitScore, Direction: LowerBetter, Levels: AtBoth, SitesTable: true,
		Metric: "people_per_ambassador", Help: "Headcount / ambassadors; absent when either is unknown or 0.",
		figure: func(f *Figures) *float64 { return f.PeoplePerAmbassador }},
	{Key: "ideas", Unit: UnitCount, Direction: HigherBetter, Levels: AtBoth, Column: "ideas", SitesTable: true, HeatmapColumn: 4,
		Metric: "ideas", Help: "Ideas created in the program period, withdrawn ones excluded.",
		figure: func(f *Figures) *float64 { return count(f.Ideas) }},
	{Key: "ideas_by_status", Unit: UnitStatusCounts, Levels: AtBoth},
	{Key: "ideas_implemented", Unit: UnitCount, Direction: HigherBetter, Levels: AtBoth, SitesTable: true,
		Metric: "ideas_implemented", Help: "Ideas implemented in the program period.",
		figure: func(f *Figures) *float64 { return count(f.IdeasImplemented) }},
	{Key: "decision_delay_days", Unit: UnitDays, Direction: LowerBetter, Levels: AtBoth, Column: "delay (d)", SitesTable: true, HeatmapColumn: 6,
		Metric: "decision_delay_median_seconds", Help: "Median time from creation to first decision, over first decisions in the program period; absent when none.",
		figure: func(f *Figures) *float64 { return f.DecisionDelayDays }},
	{Key: "decision_delay_baseline_days", Unit: UnitDays, Direction: LowerBetter, Levels: AtBoth,
		Metric: "decision_delay_baseline_median_seconds", Help: "The same median over first decisions in the 90 days before the program; absent when none.",
		figure: func(f *Figures) *float64 { return f.DecisionDelayBaselineDays }},
	{Key: "oldest_open_idea_days", Unit: UnitDays, Direction: LowerBetter, Levels: AtBoth, SitesTable: true,
		Metric: "oldest_open_idea_age_seconds", Help: "Age at the end of the as-of date of the oldest idea still open; absent when none is open.",
		figure: func(f *Figures) *float64 { return f.OldestOpenIdeaDays }},
	{Key: "response_sla_share", Unit: UnitRatio, Direction: HigherBetter, Levels: AtBoth, Column: "sla", SitesTable: true, HeatmapColumn: 5,
		Metric: "response_sla_ratio", Help: "Share of the program's due ideas answered within 5 business days; absent when none is due.",
		figure: func(f *Figures) *float64 { return f.ResponseSLAShare }},
	{Key: "votes_per_idea", Unit: UnitScore, Direction: HigherBetter, Levels: AtBoth, SitesTable: true, HeatmapColumn: 7,
		Metric: "votes_per_idea", Help: "Votes in the program period per idea created in it; absent when no idea.",
		figure: func(f *Figures) *float64 { return f.VotesPerIdea }},
	{Key: "quality_score", Unit: UnitScore, Direction: HigherBetter, Levels: AtBoth, SitesTable: true, HeatmapColumn: 8,
		Metric: "quality_score", Help: "Mean impact x feasibility of the program's scored ideas (1-25); absent when none is scored.",
		figure: func(f *Figures) *float64 { return f.QualityScore }},
	{Key: "scored_share", Unit: UnitRatio, Direction: HigherBetter, Levels: AtBoth,
		Metric: "scored_ratio", Help: "Share of the program's ideas with both impact and feasibility; absent when no idea.",
		figure: func(f *Figures) *float64 { return f.ScoredShare }},
	{Key: "cross_site_share", Unit: UnitRatio, Direction: HigherBetter, Levels: AtBoth, SitesTable: true, HeatmapColumn: 9,
		Metric: "cross_site_ratio", Help: "Share of votes and comments in the program period made on another site's ideas; absent when none.",
		figure: func(f *Figures) *float64 { return f.CrossSiteShare }},
	{Key: "replications", Unit: UnitCount, Direction: HigherBetter, Levels: AtBoth, SitesTable: true,
		Metric: "replications", Help: "Ideas created in the program period that replicate another site's idea.",
		figure: func(f *Figures) *float64 { return count(f.Replications) }},
	{Key: "time_to_knowledge_days", Unit: UnitDays, Direction: LowerBetter, Levels: AtBoth,
		Metric: "time_to_knowledge_median_seconds", Help: "Median time from an origin idea to its replica on another site; absent when none.",
		figure: func(f *Figures) *float64 { return f.TimeToKnowledgeDays }},
	{Key: "enps_responses", Unit: UnitCount, Direction: HigherBetter, Levels: AtBoth,
		Metric: "enps_responses", Help: "Ambassadors who answered a survey in the last 90 days.",
		figure: func(f *Figures) *float64 { return count(f.ENPSResponses) }},
	{Key: "enps", Unit: UnitENPS, Direction: HigherBetter, Levels: AtBoth, SitesTable: true, HeatmapColumn: 10,
		Metric: "enps", Help: "Ambassador eNPS (-100..100); absent when fewer than 5 answered (suppressed) or none did.",
		figure: func(f *Figures) *float64 { return f.ENPS }},
	{Key: "flags", Unit: UnitFlags, Levels: AtSite},
	{Key: "struggling", Unit: UnitBool, Direction: LowerBetter, Levels: AtSite},
	{Key: "sites_with_active_ambassador_share", Unit: UnitRatio, Direction: HigherBetter, Levels: AtOverall,
		Metric: "sites_with_active_ambassador_ratio", Help: "Share of sites with at least one active ambassador; absent when there is no site.",
		overall: func(o *Overall) *float64 { return o.SitesWithActiveAmbassadorShare }},
	{Key: "ideas_per_site_median", Unit: UnitScore, Direction: HigherBetter, Levels: AtOverall,
		Metric: "ideas_per_site_median", Help: "Median over sites of the ideas created in the program period (0 included); absent when there is no site.",
		overall: func(o *Overall) *float64 { return o.IdeasPerSiteMedian }},
	{Key: "decision_delay_reduction", Unit: UnitRatio, Direction: HigherBetter, Levels: AtOverall,
		Metric: "decision_delay_reduction_ratio", Help: "1 - decision delay / baseline decision delay; absent when either is unknown.",
		overall: func(o *Overall) *float64 { return o.DecisionDelayReduction }},
	{Key: "struggling_sites", Unit: UnitCount, Direction: LowerBetter, Levels: AtOverall,
		Metric: "struggling_sites", Help: "Number of struggling sites.",
		overall: func(o *Overall) *float64 { return count(o.StrugglingSites) }},
}

// kpiIndex finds a declaration by key.
var kpiIndex = func() map[string]int {
	m := make(map[string]int, len(kpiRegistry))
	for i, d := range kpiRegistry {
		m[d.Key] = i
	}
	return m
}()

// Registry returns every declaration in JSON order (a copy).
func Registry() []KPIDef { return append([]KPIDef(nil), kpiRegistry...) }

// LookupKPI returns the declaration of a key; ok is false for an unknown key.
func LookupKPI(key string) (KPIDef, bool) {
	i, ok := kpiIndex[key]
	if !ok {
		return KPIDef{}, false
	}
	return kpiRegistry[i], true
}

// UnitOf returns the unit of a key (UnitCount for an unknown key).
func UnitOf(key string) Unit {
	d, _ := LookupKPI(key)
	return d.Unit
}

// KeysAt lists the keys of the objects at a level, in JSON order.
func KeysAt(level Level) []string {
	var out []string
	for _, d := range kpiRegistry {
		if d.Levels&level != 0 {
			out = append(out, d.Key)
		}
	}
	return out
}

// OverallKeys lists the keys of the overall object, in JSON order. Any
// numeric one may carry a target.
func OverallKeys() []string { return KeysAt(AtOverall) }

// SiteKeys lists the keys of a site object, in JSON order.
func SiteKeys() []string { return KeysAt(AtSite) }

// SiteFigureKeys lists the numeric keys of a site, in JSON order.
func SiteFigureKeys() []string {
	var out []string
	for _, d := range kpiRegistry {
		if d.Levels&AtSite != 0 && d.Unit.Numeric() {
			out = append(out, d.Key)
		}
	}
	return out
}

// numericOverallKey says whether an overall key holds a number (every key
// but ideas_by_status, an object), so that it may carry a target.
func numericOverallKey(key string) bool {
	d, ok := LookupKPI(key)
	return ok && d.Levels&AtOverall != 0 && d.Unit.Numeric()
}

// Value returns a numeric figure by its document key: nil when the figure
// is null or the key names no numeric figure (ideas_by_status is an object).
func (f Figures) Value(key string) *float64 {
	d, ok := LookupKPI(key)
	if !ok || d.figure == nil {
		return nil
	}
	return d.figure(&f)
}

// Value returns a numeric overall figure by its document key (the keys of
// Figures and the overall-only ones); nil when null or not numeric.
func (o Overall) Value(key string) *float64 {
	d, ok := LookupKPI(key)
	if !ok || d.Levels&AtOverall == 0 {
		return nil
	}
	if d.overall != nil {
		return d.overall(&o)
	}
	if d.figure != nil {
		return d.figure(&o.Figures)
	}
	return nil
}
