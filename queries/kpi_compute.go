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
		sql.Named("d", b.D),
		sql.Named("end_d", b.EndD()),
		sql.Named("w_lo", b.WLo()),
		sql.Named("wp_lo", b.WPLo()),
		sql.Named("p_lo", b.PLo()),
		sql.Named("b_lo", b.BLo()),
		sql.Named("e_lo", b.ELo()),
		sql.Named("d_day", dayNumber(b.D)),
		sql.Named("p_day", dayNumber(b.S)),
		sql.Named("w_day", dayNumber(b.D)-29),
		sql.Named("wp_day", dayNumber(b.D)-59),
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

// grouped runs a query whose rows start with (overall BOOLEAN, site_id) and
// hands each row's remaining columns to the Figures of its group: the
// overall object or a known site. Rows of sites not in `sites` are dropped
// (they already count in the overall row).
func (db *DB) grouped(ctx context.Context, name, query string, args []any, overall *Figures, sites map[string]*Figures,
	dest func(f *Figures) []any, after func(f *Figures)) error {
	var scratch Figures
	return db.each(ctx, name, query, args, func(rows *sql.Rows) error {
		var isOverall bool
		var site sql.NullString
		// Scan into scratch first: the row's group is known only after.
		scratch = Figures{}
		tmp := &scratch
		d := append([]any{&isOverall, &site}, dest(tmp)...)
		if err := rows.Scan(d...); err != nil {
			return err
		}
		var f *Figures
		switch {
		case isOverall:
			f = overall
		case site.Valid && sites[site.String] != nil:
			f = sites[site.String]
		default:
			return nil
		}
		// Re-scan is impossible; copy the scanned fields through dest pairs.
		src, dst := dest(tmp), dest(f)
		for i := range src {
			copyScanned(dst[i], src[i])
		}
		if after != nil {
			after(f)
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
	b := newBounds(db.loc, s, asOf)
	args := b.args()
	ctx, done, verr := db.readView(ctx, true)
	if verr != nil {
		return nil, fmt.Errorf("kpis: %w", verr)
	}
	defer done()
	doc := &Document{
		AsOf:     b.D.Format(time.DateOnly),
		TimeZone: db.loc.String(),
		Program: Program{
			Start:      b.S.Format(time.DateOnly),
			Day:        b.Day,
			Phase:      phase(b.Day),
			Configured: b.Configured,
		},
		Sites:   []Site{},
		Targets: []TargetResult{},
	}
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
		return nil, err
	}
	sort.Slice(doc.Sites, func(i, j int) bool { return doc.Sites[i].SiteID < doc.Sites[j].SiteID })
	sites := make(map[string]*Figures, len(doc.Sites))
	for i := range doc.Sites {
		sites[doc.Sites[i].SiteID] = &doc.Sites[i].Figures
	}
	ov := &doc.Overall.Figures

	// Counts and medians that come straight from SQL.
	type tmpIdeas struct{ scored, votes int64 }
	extra := map[*Figures]*tmpIdeas{}
	type tmpSLA struct{ counted, answered int64 }
	sla := map[*Figures]*tmpSLA{}
	type tmpCross struct{ actions, cross int64 }
	cross := map[*Figures]*tmpCross{}
	type tmpENPS struct{ promoters, detractors int64 }
	enps := map[*Figures]*tmpENPS{}

	steps := []struct {
		name, query string
		run         func(name, query string) error
	}{
		{"kpi people", kpiPeopleSQL, func(name, query string) error {
			return db.grouped(ctx, name, query, args, ov, sites, func(f *Figures) []any {
				return []any{&f.MAU, &f.MAUPrevious, &f.Ambassadors, &f.ActiveAmbassadors}
			}, nil)
		}},
		{"kpi ideas", kpiIdeasSQL, func(name, query string) error {
			var scored, votes int64
			return db.grouped(ctx, name, query, args, ov, sites, func(f *Figures) []any {
				st := &f.IdeasByStatus
				return []any{&f.Ideas, &st.Submitted, &st.InReview, &st.Retained, &st.Postponed, &st.Rejected,
					&st.Implemented, &st.Withdrawn, &f.IdeasImplemented, &scored, &f.QualityScore, &votes}
			}, func(f *Figures) { extra[f] = &tmpIdeas{scored: scored, votes: votes} })
		}},
		{"kpi decisions", kpiDecisionsSQL, func(name, query string) error {
			query, err := db.renderSQL(name, query, b.PLo(), b.EndD())
			if err != nil {
				return err
			}
			var counted, answered int64
			return db.grouped(ctx, name, query, args, ov, sites, func(f *Figures) []any {
				return []any{&f.DecisionDelayDays, &f.DecisionDelayBaselineDays, &f.OldestOpenIdeaDays, &counted, &answered}
			}, func(f *Figures) { sla[f] = &tmpSLA{counted: counted, answered: answered} })
		}},
		{"kpi cross site", kpiCrossSiteSQL, func(name, query string) error {
			var actions, n int64
			return db.grouped(ctx, name, query, args, ov, sites, func(f *Figures) []any {
				return []any{&actions, &n}
			}, func(f *Figures) { cross[f] = &tmpCross{actions: actions, cross: n} })
		}},
		{"kpi replications", kpiReplicationsSQL, func(name, query string) error {
			return db.grouped(ctx, name, query, args, ov, sites, func(f *Figures) []any {
				return []any{&f.Replications, &f.TimeToKnowledgeDays}
			}, nil)
		}},
		{"kpi enps", kpiENPSSQL, func(name, query string) error {
			var p, d int64
			return db.grouped(ctx, name, query, args, ov, sites, func(f *Figures) []any {
				return []any{&f.ENPSResponses, &p, &d}
			}, func(f *Figures) { enps[f] = &tmpENPS{promoters: p, detractors: d} })
		}},
	}
	// Run one after the other: concurrent runs on separate connections
	// measured no faster on 2 cores (each query already uses both).
	for _, st := range steps {
		t0 := time.Now()
		if err := st.run(st.name, st.query); err != nil {
			return nil, err
		}
		slog.Debug("kpi query", "name", st.name, "took", time.Since(t0))
	}

	// Derived figures, per site then overall.
	derive := func(f *Figures) {
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
		if e := extra[f]; e != nil {
			f.VotesPerIdea = ratio(float64(e.votes), f.Ideas)
			f.ScoredShare = ratio(float64(e.scored), f.Ideas)
		}
		if x := sla[f]; x != nil {
			f.ResponseSLAShare = ratio(float64(x.answered), x.counted)
		}
		if x := cross[f]; x != nil {
			f.CrossSiteShare = ratio(float64(x.cross), x.actions)
		}
		if x := enps[f]; x != nil && f.ENPSResponses >= minENPSResponses {
			v := 100 * float64(x.promoters-x.detractors) / float64(f.ENPSResponses)
			f.ENPS = &v
		}
	}
	for i := range doc.Sites {
		derive(&doc.Sites[i].Figures)
	}
	o := &doc.Overall
	o.Sites = int64(len(doc.Sites))
	var hcSum, hcPos, mauPos int64
	var hcKnown, anyPos bool
	var withActive int64
	ideasPerSite := make([]float64, 0, len(doc.Sites))
	for _, st := range doc.Sites {
		if st.Headcount != nil {
			hcKnown = true
			hcSum += *st.Headcount
			if *st.Headcount > 0 {
				anyPos = true
				hcPos += *st.Headcount
				mauPos += st.MAU
			}
		}
		if st.ActiveAmbassadors >= 1 {
			withActive++
		}
		ideasPerSite = append(ideasPerSite, float64(st.Ideas))
	}
	if hcKnown {
		o.Headcount = &hcSum
	}
	derive(ov)
	// Overall adoption: the sites with a headcount > 0, their mau over the
	// sum of their headcounts (not every person id, whose site may be
	// unknown).
	o.Adoption = nil
	if anyPos {
		o.Adoption = ratio(float64(mauPos), hcPos)
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

	// Flags and struggling need the overall adoption.
	ideasTarget, hasIdeasTarget := targetOf(s, "ideas_per_site_median")
	for i := range doc.Sites {
		st := &doc.Sites[i]
		st.Flags = siteFlags(st, o.Adoption, ideasTarget, hasIdeasTarget, b.Day)
		st.Struggling = isStruggling(st.Flags)
		if st.Struggling {
			o.StrugglingSites++
		}
	}

	targets, err := evalTargets(s, o, b.Day)
	if err != nil {
		return nil, err
	}
	doc.Targets = targets
	return doc, nil
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
	if (f.PeoplePerAmbassador != nil && *f.PeoplePerAmbassador > 150) ||
		(f.Ambassadors == 0 && f.Headcount != nil && *f.Headcount >= 50) {
		flags = append(flags, FlagUnderCovered)
	}
	if f.Adoption != nil && overallAdoption != nil && *f.Adoption < 0.5**overallAdoption {
		flags = append(flags, FlagLowAdoption)
	}
	if f.MAUPrevious >= 5 && f.MAUChange != nil && *f.MAUChange <= -0.30 {
		flags = append(flags, FlagMAUDrop)
	}
	if hasIdeasTarget && float64(f.Ideas) < 0.5*ideasTarget*progress(day)/90 {
		flags = append(flags, FlagIdeasBehind)
	}
	if f.ResponseSLAShare != nil && *f.ResponseSLAShare < 0.5 {
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
