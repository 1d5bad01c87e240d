package queries

import (
	"fmt"
	"time"
)

// Settings are the configured parts of the KPI definitions (docs/configuration.md). The
// time zone is the DB's own (Options.Location).
type Settings struct {
	// ProgramStart is day 1 of the 90-day plan (its Y-M-D); nil means the
	// 90 days that end on the as-of date (S = D-89), "configured": false.
	ProgramStart *time.Time
	// BaselineDecisionDelayDays replaces the measured baseline of
	// decision_delay_reduction when set.
	BaselineDecisionDelayDays *float64
	// Targets in the configured order; nil means DefaultTargets(), an empty
	// non-nil slice means no target.
	Targets []TargetSpec
}

// Target directions.
const (
	AtLeast = "at_least"
	AtMost  = "at_most"
)

// Target statuses.
const (
	StatusMet      = "met"
	StatusOnTrack  = "on_track"
	StatusAtRisk   = "at_risk"
	StatusOffTrack = "off_track"
	StatusNoData   = "no_data"
)

// TargetStatuses lists every target status, in order of health.
func TargetStatuses() []string {
	return []string{StatusMet, StatusOnTrack, StatusAtRisk, StatusOffTrack, StatusNoData}
}

// TargetSpec is one configured target: an overall key and its goal.
type TargetSpec struct {
	// KPI is an overall key of the document (OverallKeys).
	KPI string
	// Target is the goal value.
	Target float64
	// Direction is AtLeast (default when empty) or AtMost.
	Direction string
}

// DefaultTargets are the three targets of the 90-day plan.
func DefaultTargets() []TargetSpec {
	return []TargetSpec{
		{KPI: "sites_with_active_ambassador_share", Target: 0.60, Direction: AtLeast},
		{KPI: "ideas_per_site_median", Target: 10, Direction: AtLeast},
		{KPI: "decision_delay_reduction", Target: 0.30, Direction: AtLeast},
	}
}

// Validate reports a configuration that makes no sense: a baseline <= 0, a
// target on an unknown key or a non-numeric one, a direction other than the
// two.
func (s Settings) Validate() error {
	if s.BaselineDecisionDelayDays != nil && *s.BaselineDecisionDelayDays <= 0 {
		return fmt.Errorf("program.baseline_decision_delay_days: must be > 0, got %v", *s.BaselineDecisionDelayDays)
	}
	for i, t := range s.Targets {
		if !numericOverallKey(t.KPI) {
			return fmt.Errorf("targets[%d].kpi: unknown overall key %q", i, t.KPI)
		}
		if t.Direction != "" && t.Direction != AtLeast && t.Direction != AtMost {
			return fmt.Errorf("targets[%d].direction: %q is neither at_least nor at_most", i, t.Direction)
		}
	}
	return nil
}

// Flags of a site, in the order the document lists them.
const (
	FlagNoActiveAmbassador = "no_active_ambassador"
	FlagUnderCovered       = "under_covered"
	FlagLowAdoption        = "low_adoption"
	FlagMAUDrop            = "mau_drop"
	FlagIdeasBehind        = "ideas_behind"
	FlagSlowResponse       = "slow_response"
)

// Thresholds of the flags (docs/kpis.md): the rules in siteFlags and the
// sentences the pages write about a flag read the same numbers.
const (
	// UnderCoveredPeoplePerAmbassador: under_covered above this many
	// people per ambassador.
	UnderCoveredPeoplePerAmbassador = 150
	// UnderCoveredHeadcount: under_covered without an ambassador from this
	// headcount.
	UnderCoveredHeadcount = 50
	// LowAdoptionShareOfGroup: low_adoption below this share of the
	// group's adoption.
	LowAdoptionShareOfGroup = 0.5
	// MAUDropMinPrevious: mau_drop needs at least this many people active
	// in the previous window.
	MAUDropMinPrevious = 5
	// MAUDropChange: mau_drop at this change or below.
	MAUDropChange = -0.30
	// IdeasBehindShareOfPace: ideas_behind below this share of the ideas
	// target's pace.
	IdeasBehindShareOfPace = 0.5
	// SlowResponseShare: slow_response below this share answered in time.
	SlowResponseShare = 0.5
)

// Flags lists every site flag in document order.
func Flags() []string {
	return []string{FlagNoActiveAmbassador, FlagUnderCovered, FlagLowAdoption, FlagMAUDrop, FlagIdeasBehind, FlagSlowResponse}
}

// Phases of the program, by program day (PhaseDays).
const (
	PhaseNotStarted, PhaseFraming, PhaseRecruiting = "not_started", "framing", "recruiting"
	PhaseLaunch, PhaseScaleUp, PhaseSustain        = "launch", "scale_up", "sustain"
)

// PhaseSpan is the program days of a phase, FirstDay .. LastDay; LastDay 0
// means open-ended.
type PhaseSpan struct {
	Phase             string
	FirstDay, LastDay int
}

// PhaseDays lists the phases after the start in order, with their days;
// not_started is every day before the first.
func PhaseDays() []PhaseSpan {
	return []PhaseSpan{
		{PhaseFraming, 1, 21}, {PhaseRecruiting, 22, 35}, {PhaseLaunch, 36, 63},
		{PhaseScaleUp, 64, 91}, {PhaseSustain, 92, 0},
	}
}

// Phases lists the program phases in order, not_started first.
func Phases() []string {
	out := []string{PhaseNotStarted}
	for _, p := range PhaseDays() {
		out = append(out, p.Phase)
	}
	return out
}

// Document is the KPI document of docs/kpis.md, shared by every output.
type Document struct {
	AsOf     string         `json:"as_of"`
	TimeZone string         `json:"timezone"`
	Program  Program        `json:"program"`
	Overall  Overall        `json:"overall"`
	Sites    []Site         `json:"sites"`
	Targets  []TargetResult `json:"targets"`
}

// Program is where the 90-day plan stands on the as-of date.
type Program struct {
	Start      string `json:"start"`
	Day        int    `json:"day"`
	Phase      string `json:"phase"`
	Configured bool   `json:"configured"`
}

// IdeasByStatus counts ideas by status; every status is present.
type IdeasByStatus struct {
	Submitted   int64 `json:"submitted"`
	InReview    int64 `json:"in_review"`
	Retained    int64 `json:"retained"`
	Postponed   int64 `json:"postponed"`
	Rejected    int64 `json:"rejected"`
	Implemented int64 `json:"implemented"`
	Withdrawn   int64 `json:"withdrawn"`
}

// Get returns the count of a status by its canonical name.
func (s IdeasByStatus) Get(status string) int64 {
	switch status {
	case "submitted":
		return s.Submitted
	case "in_review":
		return s.InReview
	case "retained":
		return s.Retained
	case "postponed":
		return s.Postponed
	case "rejected":
		return s.Rejected
	case "implemented":
		return s.Implemented
	case "withdrawn":
		return s.Withdrawn
	}
	return 0
}

// Figures are the keys a site and the overall object share. Pointers are
// null in JSON when the figure is undefined.
type Figures struct {
	Headcount                 *int64        `json:"headcount"`
	MAU                       int64         `json:"mau"`
	MAUPrevious               int64         `json:"mau_previous"`
	MAUChange                 *float64      `json:"mau_change"`
	Adoption                  *float64      `json:"adoption"`
	Ambassadors               int64         `json:"ambassadors"`
	ActiveAmbassadors         int64         `json:"active_ambassadors"`
	ActiveAmbassadorRate      *float64      `json:"active_ambassador_rate"`
	PeoplePerAmbassador       *float64      `json:"people_per_ambassador"`
	Ideas                     int64         `json:"ideas"`
	IdeasByStatus             IdeasByStatus `json:"ideas_by_status"`
	IdeasImplemented          int64         `json:"ideas_implemented"`
	DecisionDelayDays         *float64      `json:"decision_delay_days"`
	DecisionDelayBaselineDays *float64      `json:"decision_delay_baseline_days"`
	OldestOpenIdeaDays        *float64      `json:"oldest_open_idea_days"`
	ResponseSLAShare          *float64      `json:"response_sla_share"`
	VotesPerIdea              *float64      `json:"votes_per_idea"`
	QualityScore              *float64      `json:"quality_score"`
	ScoredShare               *float64      `json:"scored_share"`
	CrossSiteShare            *float64      `json:"cross_site_share"`
	Replications              int64         `json:"replications"`
	TimeToKnowledgeDays       *float64      `json:"time_to_knowledge_days"`
	ENPSResponses             int64         `json:"enps_responses"`
	ENPS                      *float64      `json:"enps"`
}

// Site is one row of `sites` with its KPIs.
type Site struct {
	SiteID string `json:"site_id"`
	Name   string `json:"name"`
	Figures
	Flags      []string `json:"flags"`
	Struggling bool     `json:"struggling"`
}

// Overall is the group-level KPIs.
type Overall struct {
	Sites int64 `json:"sites"`
	Figures
	SitesWithActiveAmbassadorShare *float64 `json:"sites_with_active_ambassador_share"`
	IdeasPerSiteMedian             *float64 `json:"ideas_per_site_median"`
	DecisionDelayReduction         *float64 `json:"decision_delay_reduction"`
	StrugglingSites                int64    `json:"struggling_sites"`
}

// TargetResult is a target on the as-of date.
type TargetResult struct {
	ID        string   `json:"id"`
	Value     *float64 `json:"value"`
	Target    float64  `json:"target"`
	Direction string   `json:"direction"`
	Pace      float64  `json:"pace"`
	Status    string   `json:"status"`
}

// count is a count as a figure value.
func count(n int64) *float64 {
	v := float64(n)
	return &v
}
