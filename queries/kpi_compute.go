package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"log/slog"
	"sort"
	"time"
)

var (
	//go:embed sql/kpi_sites.sql
	kpiSitesSQL string
	//go:embed sql/kpi_people.sql
	kpiPeopleSQL string
	//go:embed sql/kpi_ideas.sql
	kpiIdeasSQL string
	//go:embed sql/kpi_decisions.sql
	kpiDecisionsSQL string
	//go:embed sql/kpi_cross_site.sql
	kpiCrossSiteSQL string
	//go:embed sql/kpi_replications.sql
	kpiReplicationsSQL string
	//go:embed sql/kpi_enps.sql
	kpiENPSSQL string
)

// args are the named bind parameters every KPI query may use.
func (b bounds) args() []any {
	return []any{
		sql.Named("as_of", b.D),
		sql.Named("as_of_end", b.AsOfEnd()),
		sql.Named("window_start", b.WindowStart()),
		sql.Named("previous_window_start", b.PreviousWindowStart()),
		sql.Named("program_start", b.ProgramStart()),
		sql.Named("baseline_start", b.BaselineStart()),
		sql.Named("survey_start", b.SurveyStart()),
		sql.Named("as_of_day", dayNumber(b.D)),
		sql.Named("program_start_day", dayNumber(b.S)),
		sql.Named("window_start_day", dayNumber(b.D)-29),
		sql.Named("previous_window_start_day", dayNumber(b.D)-59),
	}
}

// usedArgs keeps the parameters a query names: DuckDB refuses a named
// parameter the statement does not use.
func usedArgs(query string, all []any) []any {
	var out []any
	for _, a := range all {
		if n, ok := a.(sql.NamedArg); ok && !containsParam(query, n.Name) {
			continue
		}
		out = append(out, a)
	}
	return out
}

func containsParam(query, name string) bool {
	p := "$" + name
	for i := 0; i+len(p) <= len(query); i++ {
		if query[i:i+len(p)] != p {
			continue
		}
		end := i + len(p)
		if end == len(query) || !isIdentByte(query[end]) {
			return true
		}
	}
	return false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// each runs a query and calls scan for every row.
// Inside a read view (readView), the query runs in the view's transaction.
func (db *DB) each(ctx context.Context, name, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.queryer(ctx).QueryContext(ctx, query, usedArgs(query, args)...)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: scan: %w", name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// group is one object of the document being computed (a site or the
// overall one): its figures, and the counts the queries return that only
// serve to derive a ratio.
type group struct {
	fig   *Figures
	parts partCounts
}

// partCounts are the numerators and denominators of the derived ratios. A
// group without a row in a query keeps zeros, and every ratio over a zero
// denominator is null, as a missing row should be.
type partCounts struct {
	scored, votes         int64 // scored_share, votes_per_idea (over ideas)
	slaDue, slaAnswered   int64 // response_sla_share
	actions, crossActions int64 // cross_site_share
	promoters, detractors int64 // enps (over enps_responses)
}

// grouped runs a query whose rows start with (overall BOOLEAN, site_id) and
// hands each row's remaining columns to its group: the overall object or a
// known site. Rows of sites not in `sites` are dropped (they already count
// in the overall row).
func (db *DB) grouped(ctx context.Context, name, query string, args []any, overall *group, sites map[string]*group,
	dest func(g *group) []any) error {
	return db.each(ctx, name, query, args, func(rows *sql.Rows) error {
		var isOverall bool
		var site sql.NullString
		// Scan into scratch first: the row's group is known only after.
		scratch := &group{fig: &Figures{}}
		d := append([]any{&isOverall, &site}, dest(scratch)...)
		if err := rows.Scan(d...); err != nil {
			return err
		}
		var g *group
		switch {
		case isOverall:
			g = overall
		case site.Valid && sites[site.String] != nil:
			g = sites[site.String]
		default:
			return nil
		}
		// Re-scan is impossible; copy the scanned fields through dest pairs.
		src, dst := dest(scratch), dest(g)
		for i := range src {
			copyScanned(dst[i], src[i])
		}
		return nil
	})
}

// copyScanned copies *src into *dst for the pointer kinds the KPI
// queries scan into.
func copyScanned(dst, src any) {
	switch s := src.(type) {
	case *int64:
		*dst.(*int64) = *s
	case **float64:
		*dst.(**float64) = *s
	case *float64:
		*dst.(*float64) = *s
	}
}

// KPIs computes the KPI document of docs/kpis.md for the as-of date (its Y-M-D).
// Each KPI family is one set-based query (GROUP BY site with an overall
// grouping set); the figures derived from others (ratios, flags, targets)
// are computed here.
func (db *DB) KPIs(ctx context.Context, s Settings, asOf time.Time) (*Document, error) {
	return db.kpis(ctx, s, asOf, nil)
}

// kpis computes the document running only the KPI families that need says
// yes to (nil: all of them). The keys of the families left out keep their
// zero or null values: only the keys the families run determine are
// meaningful (familiesOf).
func (db *DB) kpis(ctx context.Context, s Settings, asOf time.Time, need func(family string) bool) (*Document, error) {
	b := newBounds(db.loc, s, asOf)
	ctx, done, verr := db.readView(ctx, true)
	if verr != nil {
		return nil, fmt.Errorf("kpis: %w", verr)
	}
	defer done()
	doc := newDocument(b, db.loc)
	if err := db.loadSites(ctx, doc); err != nil {
		return nil, err
	}
	overall := &group{fig: &doc.Overall.Figures}
	sites := make(map[string]*group, len(doc.Sites))
	for i := range doc.Sites {
		sites[doc.Sites[i].SiteID] = &group{fig: &doc.Sites[i].Figures}
	}
	if err := db.scanFamilies(ctx, b, overall, sites, need); err != nil {
		return nil, err
	}
	for _, g := range sites {
		deriveRatios(g)
	}
	overallFromSites(doc)
	deriveRatios(overall)
	overallAdoption(doc)
	overallResults(doc, s)
	flagSites(doc, s, b.Day)
	targets, err := evalTargets(s, &doc.Overall, b.Day)
	if err != nil {
		return nil, err
	}
	doc.Targets = targets
	return doc, nil
}

// newDocument is the document's frame for the bounds: dates and program,
// no site yet.
func newDocument(b bounds, loc *time.Location) *Document {
	return &Document{
		AsOf:     b.D.Format(time.DateOnly),
		TimeZone: loc.String(),
		Program: Program{
			Start:      b.S.Format(time.DateOnly),
			Day:        b.Day,
			Phase:      phase(b.Day),
			Configured: b.Configured,
		},
		Sites:   []Site{},
		Targets: []TargetResult{},
	}
}

// loadSites reads the rows of `sites`, sorted by site_id.
func (db *DB) loadSites(ctx context.Context, doc *Document) error {
	err := db.each(ctx, "kpi sites", kpiSitesSQL, nil, func(rows *sql.Rows) error {
		var st Site
		if err := rows.Scan(&st.SiteID, &st.Name, &st.Headcount); err != nil {
			return err
		}
		st.Flags = []string{}
		doc.Sites = append(doc.Sites, st)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(doc.Sites, func(i, j int) bool { return doc.Sites[i].SiteID < doc.Sites[j].SiteID })
	return nil
}

// kpiFamily is one KPI query and the destinations of its columns after
// (overall, site_id).
type kpiFamily struct {
	name, query string
	// windowed: the query is a template that needs the program window
	// (renderSQL).
	windowed bool
	dest     func(g *group) []any
}

var kpiFamilies = []kpiFamily{
	{"kpi people", kpiPeopleSQL, false, func(g *group) []any {
		f := g.fig
		return []any{&f.MAU, &f.MAUPrevious, &f.Ambassadors, &f.ActiveAmbassadors}
	}},
	{"kpi ideas", kpiIdeasSQL, false, func(g *group) []any {
		f, st := g.fig, &g.fig.IdeasByStatus
		return []any{&f.Ideas, &st.Submitted, &st.InReview, &st.Retained, &st.Postponed, &st.Rejected,
			&st.Implemented, &st.Withdrawn, &f.IdeasImplemented, &g.parts.scored, &f.QualityScore, &g.parts.votes}
	}},
	{"kpi decisions", kpiDecisionsSQL, true, func(g *group) []any {
		f := g.fig
		return []any{&f.DecisionDelayDays, &f.DecisionDelayBaselineDays, &f.OldestOpenIdeaDays, &g.parts.slaDue, &g.parts.slaAnswered}
	}},
	{"kpi cross site", kpiCrossSiteSQL, false, func(g *group) []any {
		return []any{&g.parts.actions, &g.parts.crossActions}
	}},
	{"kpi replications", kpiReplicationsSQL, false, func(g *group) []any {
		return []any{&g.fig.Replications, &g.fig.TimeToKnowledgeDays}
	}},
	{"kpi enps", kpiENPSSQL, false, func(g *group) []any {
		return []any{&g.fig.ENPSResponses, &g.parts.promoters, &g.parts.detractors}
	}},
}

// scanFamilies runs the KPI queries one after the other: concurrent runs
// on separate connections measured no faster on 2 cores (each query
// already uses both).
func (db *DB) scanFamilies(ctx context.Context, b bounds, overall *group, sites map[string]*group, need func(string) bool) error {
	args := b.args()
	for _, fam := range kpiFamilies {
		if need != nil && !need(fam.name) {
			continue
		}
		query := fam.query
		if fam.windowed {
			var err error
			if query, err = db.renderSQL(fam.name, query, b.ProgramStart(), b.AsOfEnd()); err != nil {
				return err
			}
		}
		started := time.Now()
		if err := db.grouped(ctx, fam.name, query, args, overall, sites, fam.dest); err != nil {
			return err
		}
		slog.Debug("kpi query", "name", fam.name, "took", time.Since(started))
	}
	return nil
}

// deriveRatios computes the figures of a group derived from others.
func deriveRatios(g *group) {
	f, x := g.fig, &g.parts
	f.MAUChange = ratio(float64(f.MAU-f.MAUPrevious), f.MAUPrevious)
	f.ActiveAmbassadorRate = ratio(float64(f.ActiveAmbassadors), f.Ambassadors)
	if f.Headcount != nil {
		f.Adoption = ratio(float64(f.MAU), *f.Headcount)
		// "null when either is null or 0" (docs/kpis.md): a headcount of 0
		// is null, not 0 people per ambassador.
		if *f.Headcount != 0 {
			f.PeoplePerAmbassador = ratio(float64(*f.Headcount), f.Ambassadors)
		}
	}
	f.VotesPerIdea = ratio(float64(x.votes), f.Ideas)
	f.ScoredShare = ratio(float64(x.scored), f.Ideas)
	f.ResponseSLAShare = ratio(float64(x.slaAnswered), x.slaDue)
	f.CrossSiteShare = ratio(float64(x.crossActions), x.actions)
	if f.ENPSResponses >= minENPSResponses {
		v := 100 * float64(x.promoters-x.detractors) / float64(f.ENPSResponses)
		f.ENPS = &v
	}
}

// overallFromSites sets the overall figures that sum over sites: the
// number of sites and the headcount (null when no site has one).
func overallFromSites(doc *Document) {
	o := &doc.Overall
	o.Sites = int64(len(doc.Sites))
	var headcount int64
	known := false
	for _, st := range doc.Sites {
		if st.Headcount != nil {
			known = true
			headcount += *st.Headcount
		}
	}
	if known {
		o.Headcount = &headcount
	}
}

// overallAdoption is over the sites with a headcount > 0: their mau over the
// sum of their headcounts (not every person id, whose site may be unknown).
func overallAdoption(doc *Document) {
	var headcount, mau int64
	counted := false
	for _, st := range doc.Sites {
		if st.Headcount != nil && *st.Headcount > 0 {
			counted = true
			headcount += *st.Headcount
			mau += st.MAU
		}
	}
	doc.Overall.Adoption = nil
	if counted {
		doc.Overall.Adoption = ratio(float64(mau), headcount)
	}
}

// overallResults computes the overall-only keys but struggling_sites.
func overallResults(doc *Document, s Settings) {
	o := &doc.Overall
	var withActive int64
	ideasPerSite := make([]float64, 0, len(doc.Sites))
	for _, st := range doc.Sites {
		if st.ActiveAmbassadors >= 1 {
			withActive++
		}
		ideasPerSite = append(ideasPerSite, float64(st.Ideas))
	}
	o.SitesWithActiveAmbassadorShare = ratio(float64(withActive), o.Sites)
	o.IdeasPerSiteMedian = median(ideasPerSite)
	baseline := o.DecisionDelayBaselineDays
	if s.BaselineDecisionDelayDays != nil {
		baseline = s.BaselineDecisionDelayDays
	}
	if o.DecisionDelayDays != nil && baseline != nil && *baseline != 0 {
		v := 1 - *o.DecisionDelayDays / *baseline
		o.DecisionDelayReduction = &v
	}
}

// flagSites sets each site's flags and struggling, and counts the
// struggling sites; flags need the overall adoption.
func flagSites(doc *Document, s Settings, day int) {
	ideasTarget, hasIdeasTarget := targetOf(s, "ideas_per_site_median")
	for i := range doc.Sites {
		st := &doc.Sites[i]
		st.Flags = siteFlags(st, doc.Overall.Adoption, ideasTarget, hasIdeasTarget, day)
		st.Struggling = isStruggling(st.Flags)
		if st.Struggling {
			doc.Overall.StrugglingSites++
		}
	}
}

// minENPSResponses is the smallest group whose eNPS is shown: a smaller one
// would reveal answers.
const minENPSResponses = 5

// ratio is num / den; nil when den is 0.
func ratio(num float64, den int64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / float64(den)
	return &v
}

// median is the average of the two middle values for an even count
// (quantile_cont 0.5); nil for none.
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	v := s[n/2]
	if n%2 == 0 {
		v = (s[n/2-1] + s[n/2]) / 2
	}
	return &v
}

// effectiveTargets are the configured targets, or the plan's defaults when
// none is configured (nil); an empty list means no target.
func effectiveTargets(s Settings) []TargetSpec {
	if s.Targets == nil {
		return DefaultTargets()
	}
	return s.Targets
}

// targetOf returns the target value of the first target on the key.
func targetOf(s Settings, kpi string) (float64, bool) {
	for _, t := range effectiveTargets(s) {
		if t.KPI == kpi {
			return t.Target, true
		}
	}
	return 0, false
}

// progress is min(90, max(0, day)), the program days elapsed for a pace.
func progress(day int) float64 {
	return float64(min(90, max(0, day)))
}

// siteFlags lists the flags that hold, in document order. A comparison
// with a null figure is false.
func siteFlags(st *Site, overallAdoption *float64, ideasTarget float64, hasIdeasTarget bool, day int) []string {
	flags := []string{}
	f := &st.Figures
	if f.ActiveAmbassadors == 0 {
		flags = append(flags, FlagNoActiveAmbassador)
	}
	if (f.PeoplePerAmbassador != nil && *f.PeoplePerAmbassador > UnderCoveredPeoplePerAmbassador) ||
		(f.Ambassadors == 0 && f.Headcount != nil && *f.Headcount >= UnderCoveredHeadcount) {
		flags = append(flags, FlagUnderCovered)
	}
	if f.Adoption != nil && overallAdoption != nil && *f.Adoption < LowAdoptionShareOfGroup**overallAdoption {
		flags = append(flags, FlagLowAdoption)
	}
	if f.MAUPrevious >= MAUDropMinPrevious && f.MAUChange != nil && *f.MAUChange <= MAUDropChange {
		flags = append(flags, FlagMAUDrop)
	}
	if hasIdeasTarget && float64(f.Ideas) < IdeasBehindShareOfPace*ideasTarget*progress(day)/90 {
		flags = append(flags, FlagIdeasBehind)
	}
	if f.ResponseSLAShare != nil && *f.ResponseSLAShare < SlowResponseShare {
		flags = append(flags, FlagSlowResponse)
	}
	return flags
}

// isStruggling: no_active_ambassador holds, or two flags or more hold.
func isStruggling(flags []string) bool {
	for _, f := range flags {
		if f == FlagNoActiveAmbassador {
			return true
		}
	}
	return len(flags) >= 2
}

// evalTargets evaluates the targets in the configured order.
func evalTargets(s Settings, o *Overall, day int) ([]TargetResult, error) {
	out := []TargetResult{}
	for _, t := range effectiveTargets(s) {
		if !numericOverallKey(t.KPI) {
			return nil, fmt.Errorf("targets: overall key %q is not a number", t.KPI)
		}
		out = append(out, targetResult(t, o.Value(t.KPI), day))
	}
	return out, nil
}

// targetResult computes a target's pace and status (docs/kpis.md "Targets").
func targetResult(t TargetSpec, v *float64, day int) TargetResult {
	dir := t.Direction
	if dir == "" {
		dir = AtLeast
	}
	r := TargetResult{ID: t.KPI, Value: v, Target: t.Target, Direction: dir}
	if dir == AtMost {
		r.Pace = t.Target
	} else {
		// Multiply, then divide, in float64, as the contract says.
		r.Pace = t.Target * progress(day) / 90
	}
	switch {
	case v == nil:
		r.Status = StatusNoData
	case dir == AtMost && *v <= t.Target:
		r.Status = StatusMet
	case dir == AtMost && *v <= t.Target/0.8:
		r.Status = StatusAtRisk
	case dir == AtMost:
		r.Status = StatusOffTrack
	case *v >= t.Target:
		r.Status = StatusMet
	case *v >= r.Pace:
		r.Status = StatusOnTrack
	case *v >= 0.8*r.Pace:
		r.Status = StatusAtRisk
	default:
		r.Status = StatusOffTrack
	}
	return r
}
