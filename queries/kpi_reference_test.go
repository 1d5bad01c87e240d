package queries

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// A reference implementation of docs/kpis.md written naively from the text
// (loops over rows, time.Time.In for local dates, sort for medians), and a
// differential test that compares the engine (KPIs: SQL over derived data)
// with it on random data. Where the contract is silent, the reference
// follows the engine's documented choices (docs/kpis.md, "Choices where the definitions are silent").

// refIdea is one loaded idea row.
type refIdea struct {
	id, site, status     string
	author, replicates   *string
	created              time.Time
	decided, implemented *time.Time
	impact, feasibility  *int64
}

// refPerson is one people row; dates are day numbers.
type refPerson struct {
	site, role    string
	since, leftOn *int64
}

// refEvent is a vote, comment, activity row, survey answer or decisions row.
type refEvent struct {
	person, idea string
	at           time.Time
	score        int64
}

// refCtx holds the rows after key resolution and the bounds of one as-of
// date.
type refCtx struct {
	loc               *time.Location
	D, S              int64 // day numbers
	endD              time.Time
	sites             []refSiteRow
	known             map[string]bool
	people            map[string]refPerson
	ideas             map[string]refIdea
	votes, comments   []refEvent
	activity, surveys []refEvent
	decisions         []refEvent
	active            map[string]map[int64]bool
}

type refSiteRow struct {
	id, name  string
	headcount *int64
}

// ld is the local date (day number) of an instant.
func (c *refCtx) ld(t time.Time) int64 {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func refStr(v driver.Value) *string {
	if v == nil {
		return nil
	}
	s := v.(string)
	return &s
}

func refTime(v driver.Value) *time.Time {
	if v == nil {
		return nil
	}
	t := v.(time.Time)
	return &t
}

func refInt(v driver.Value) *int64 {
	if v == nil {
		return nil
	}
	n := v.(int64)
	return &n
}

func refDay(v driver.Value) *int64 {
	if v == nil {
		return nil
	}
	n := dayNumber(v.(time.Time))
	return &n
}

func refDays(later, earlier time.Time) float64 {
	return math.Max(0, float64(later.Sub(earlier))/float64(24*time.Hour))
}

func refMedian(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	var v float64
	if n%2 == 1 {
		v = s[n/2]
	} else {
		v = (s[n/2-1] + s[n/2]) / 2
	}
	return &v
}

func refRatio(num float64, den float64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / den
	return &v
}

// referenceKPIs computes the document of docs/kpis.md from the rows of each
// dataset (in dataset column order, several rows of a key: the later wins).
func referenceKPIs(rows map[string][][]driver.Value, loc *time.Location, s Settings, asOf time.Time) *Document {
	c := &refCtx{loc: loc, known: map[string]bool{}, people: map[string]refPerson{}, ideas: map[string]refIdea{},
		active: map[string]map[int64]bool{}}
	c.D = dayNumber(asOf)
	configured := s.ProgramStart != nil
	if configured {
		c.S = dayNumber(*s.ProgramStart)
	} else {
		c.S = c.D - 89
	}
	dd := dayDate(c.D)
	c.endD = time.Date(dd.Year(), dd.Month(), dd.Day()+1, 0, 0, 0, 0, loc)
	res := func(name string) [][]driver.Value {
		ds, _ := LookupDataset(name)
		return latestByKey(ds, rows[name])
	}
	for _, r := range res("sites") {
		c.sites = append(c.sites, refSiteRow{r[0].(string), r[1].(string), refInt(r[3])})
		c.known[r[0].(string)] = true
	}
	sort.Slice(c.sites, func(i, j int) bool { return c.sites[i].id < c.sites[j].id })
	for _, r := range res("people") {
		c.people[r[0].(string)] = refPerson{site: r[1].(string), role: r[2].(string), since: refDay(r[4]), leftOn: refDay(r[6])}
	}
	for _, r := range res("ideas") {
		c.ideas[r[0].(string)] = refIdea{id: r[0].(string), site: r[1].(string), author: refStr(r[2]), created: r[5].(time.Time),
			status: r[6].(string), decided: refTime(r[7]), implemented: refTime(r[8]), impact: refInt(r[9]),
			feasibility: refInt(r[10]), replicates: refStr(r[14])}
	}
	for _, r := range res("votes") {
		c.votes = append(c.votes, refEvent{idea: r[0].(string), person: r[1].(string), at: r[2].(time.Time)})
	}
	for _, r := range res("comments") {
		c.comments = append(c.comments, refEvent{idea: r[1].(string), person: r[2].(string), at: r[3].(time.Time)})
	}
	for _, r := range res("activity") {
		c.activity = append(c.activity, refEvent{person: r[0].(string), at: r[1].(time.Time)})
	}
	for _, r := range res("surveys") {
		c.surveys = append(c.surveys, refEvent{person: r[0].(string), at: r[1].(time.Time), score: r[2].(int64)})
	}
	for _, r := range res("decisions") {
		c.decisions = append(c.decisions, refEvent{idea: r[0].(string), at: r[2].(time.Time)})
	}
	// Active on a date: activity, an idea authored (any status), a vote or
	// a comment (on any idea, loaded or not). Dates after D are ignored.
	mark := func(p string, at time.Time) {
		d := c.ld(at)
		if d > c.D {
			return
		}
		if c.active[p] == nil {
			c.active[p] = map[int64]bool{}
		}
		c.active[p][d] = true
	}
	for _, e := range c.activity {
		mark(e.person, e.at)
	}
	for _, i := range c.ideas {
		if i.author != nil {
			mark(*i.author, i.created)
		}
	}
	for _, e := range c.votes {
		mark(e.person, e.at)
	}
	for _, e := range c.comments {
		mark(e.person, e.at)
	}

	doc := &Document{
		AsOf:     dayDate(c.D).Format(time.DateOnly),
		TimeZone: loc.String(),
		Sites:    []Site{},
		Targets:  []TargetResult{},
	}
	day := int(c.D - c.S + 1)
	doc.Program = Program{Start: dayDate(c.S).Format(time.DateOnly), Day: day, Configured: configured}
	switch {
	case day < 1:
		doc.Program.Phase = "not_started"
	case day <= 21:
		doc.Program.Phase = "framing"
	case day <= 35:
		doc.Program.Phase = "recruiting"
	case day <= 63:
		doc.Program.Phase = "launch"
	case day <= 91:
		doc.Program.Phase = "scale_up"
	default:
		doc.Program.Phase = "sustain"
	}

	for _, st := range c.sites {
		id := st.id
		f := c.figures(func(site string) bool { return site == id }, false)
		f.Headcount = st.headcount
		if st.headcount != nil {
			f.Adoption = refRatio(float64(f.MAU), float64(*st.headcount))
			// "null when either is null or 0": a headcount of 0 too.
			if f.Ambassadors != 0 && *st.headcount != 0 {
				f.PeoplePerAmbassador = refRatio(float64(*st.headcount), float64(f.Ambassadors))
			}
		}
		doc.Sites = append(doc.Sites, Site{SiteID: st.id, Name: st.name, Figures: f, Flags: []string{}})
	}
	o := &doc.Overall
	o.Sites = int64(len(c.sites))
	o.Figures = c.figures(func(string) bool { return true }, true)
	var hc, hcPos, mauPos int64
	var hcKnown bool
	var withActive int64
	var ideasPerSite []float64
	for _, st := range doc.Sites {
		if st.Headcount != nil {
			hcKnown = true
			hc += *st.Headcount
			if *st.Headcount > 0 {
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
		o.Headcount = &hc
		if o.Ambassadors != 0 && hc != 0 {
			o.PeoplePerAmbassador = refRatio(float64(hc), float64(o.Ambassadors))
		}
	}
	o.Adoption = refRatio(float64(mauPos), float64(hcPos))
	o.SitesWithActiveAmbassadorShare = refRatio(float64(withActive), float64(o.Sites))
	o.IdeasPerSiteMedian = refMedian(ideasPerSite)
	base := o.DecisionDelayBaselineDays
	if s.BaselineDecisionDelayDays != nil {
		base = s.BaselineDecisionDelayDays
	}
	if o.DecisionDelayDays != nil && base != nil && *base != 0 {
		v := 1 - *o.DecisionDelayDays / *base
		o.DecisionDelayReduction = &v
	}

	targets := s.Targets
	if targets == nil {
		targets = DefaultTargets()
	}
	progress := float64(min(90, max(0, day)))
	var ideasT *float64
	for _, t := range targets {
		if t.KPI == "ideas_per_site_median" {
			v := t.Target
			ideasT = &v
			break
		}
	}
	lt := func(a *float64, b float64) bool { return a != nil && *a < b }
	for i := range doc.Sites {
		st := &doc.Sites[i]
		add := func(ok bool, flag string) {
			if ok {
				st.Flags = append(st.Flags, flag)
			}
		}
		add(st.ActiveAmbassadors == 0, "no_active_ambassador")
		add((st.PeoplePerAmbassador != nil && *st.PeoplePerAmbassador > 150) ||
			(st.Ambassadors == 0 && st.Headcount != nil && *st.Headcount >= 50), "under_covered")
		add(o.Adoption != nil && lt(st.Adoption, 0.5**o.Adoption), "low_adoption")
		add(st.MAUPrevious >= 5 && st.MAUChange != nil && *st.MAUChange <= -0.30, "mau_drop")
		add(ideasT != nil && float64(st.Ideas) < 0.5**ideasT*progress/90, "ideas_behind")
		add(lt(st.ResponseSLAShare, 0.5), "slow_response")
		st.Struggling = (len(st.Flags) > 0 && st.Flags[0] == "no_active_ambassador") || len(st.Flags) >= 2
		if st.Struggling {
			o.StrugglingSites++
		}
	}

	for _, t := range targets {
		// Reading a field by its key is not a KPI definition: the
		// reference uses the document's own lookup (tested against the
		// JSON in kpi_value_test.go).
		if !numericOverallKey(t.KPI) {
			panic("unknown key " + t.KPI)
		}
		v := o.Value(t.KPI)
		r := TargetResult{ID: t.KPI, Value: v, Target: t.Target, Direction: t.Direction}
		if r.Direction == "" {
			r.Direction = AtLeast
		}
		if r.Direction == AtLeast {
			r.Pace = t.Target * progress / 90
			switch {
			case v == nil:
				r.Status = "no_data"
			case *v >= t.Target:
				r.Status = "met"
			case *v >= r.Pace:
				r.Status = "on_track"
			case *v >= 0.8*r.Pace:
				r.Status = "at_risk"
			default:
				r.Status = "off_track"
			}
		} else {
			r.Pace = t.Target
			switch {
			case v == nil:
				r.Status = "no_data"
			case *v <= t.Target:
				r.Status = "met"
			case *v <= t.Target/0.8:
				r.Status = "at_risk"
			default:
				r.Status = "off_track"
			}
		}
		doc.Targets = append(doc.Targets, r)
	}
	return doc
}

// figures computes the shared keys over the people and ideas whose site
// passes in (every site, known or not, for the overall object). Headcount,
// adoption and people_per_ambassador are left to the caller.
func (c *refCtx) figures(in func(site string) bool, overall bool) Figures {
	var f Figures
	activeIn := func(p string, lo, hi int64) bool {
		for d := range c.active[p] {
			if d >= lo && d <= hi {
				return true
			}
		}
		return false
	}
	isAmb := func(p refPerson) bool {
		return p.role == "ambassador" && (p.since == nil || *p.since <= c.D) && (p.leftOn == nil || *p.leftOn > c.D)
	}
	// mau, mau_previous: people of the site; overall every id seen in the
	// facts, in people or not.
	if overall {
		for p := range c.active {
			if activeIn(p, c.D-29, c.D) {
				f.MAU++
			}
			if activeIn(p, c.D-59, c.D-30) {
				f.MAUPrevious++
			}
		}
	} else {
		for id, p := range c.people {
			if !in(p.site) {
				continue
			}
			if activeIn(id, c.D-29, c.D) {
				f.MAU++
			}
			if activeIn(id, c.D-59, c.D-30) {
				f.MAUPrevious++
			}
		}
	}
	if f.MAUPrevious != 0 {
		f.MAUChange = refRatio(float64(f.MAU-f.MAUPrevious), float64(f.MAUPrevious))
	}
	// Ambassadors and eNPS.
	var promoters, detractors int64
	for id, p := range c.people {
		if !in(p.site) || !isAmb(p) {
			continue
		}
		f.Ambassadors++
		if activeIn(id, c.D-29, c.D) {
			f.ActiveAmbassadors++
		}
		var latest *refEvent
		for i, e := range c.surveys {
			d := c.ld(e.at)
			if e.person != id || d < c.D-89 || d > c.D {
				continue
			}
			if latest == nil || e.at.After(latest.at) {
				latest = &c.surveys[i]
			}
		}
		if latest != nil {
			f.ENPSResponses++
			if latest.score >= 9 {
				promoters++
			} else if latest.score <= 6 {
				detractors++
			}
		}
	}
	if f.Ambassadors != 0 {
		f.ActiveAmbassadorRate = refRatio(float64(f.ActiveAmbassadors), float64(f.Ambassadors))
	}
	if f.ENPSResponses >= 5 {
		v := 100 * float64(promoters-detractors) / float64(f.ENPSResponses)
		f.ENPS = &v
	}

	inP := func(d int64) bool { return d >= c.S && d <= c.D }
	loaded := func(i refIdea) bool { return c.ld(i.created) <= c.D }
	kept := func(i refIdea) bool { return loaded(i) && i.status != "withdrawn" }
	firstDecision := func(i refIdea) *time.Time {
		var first *time.Time
		consider := func(t time.Time) {
			if c.ld(t) > c.D {
				return
			}
			if first == nil || t.Before(*first) {
				first = &t
			}
		}
		if i.decided != nil {
			consider(*i.decided)
		}
		for _, e := range c.decisions {
			if e.idea == i.id {
				consider(e.at)
			}
		}
		return first
	}
	var scored, votes int64
	var scoreSum float64
	var delays, baseline, ttk []float64
	var slaCounted, slaAnswered int64
	for _, i := range c.ideas {
		if !in(i.site) || !loaded(i) {
			continue
		}
		cday := c.ld(i.created)
		if inP(cday) {
			switch i.status {
			case "submitted":
				f.IdeasByStatus.Submitted++
			case "in_review":
				f.IdeasByStatus.InReview++
			case "retained":
				f.IdeasByStatus.Retained++
			case "postponed":
				f.IdeasByStatus.Postponed++
			case "rejected":
				f.IdeasByStatus.Rejected++
			case "implemented":
				f.IdeasByStatus.Implemented++
			case "withdrawn":
				f.IdeasByStatus.Withdrawn++
			}
		}
		if !kept(i) {
			continue
		}
		if i.status == "implemented" {
			at := i.implemented
			if at == nil {
				at = i.decided
			}
			if at != nil && inP(c.ld(*at)) {
				f.IdeasImplemented++
			}
		}
		first := firstDecision(i)
		if first != nil {
			fd := c.ld(*first)
			if inP(fd) {
				delays = append(delays, refDays(*first, i.created))
			}
			if fd >= c.S-90 && fd <= c.S-1 {
				baseline = append(baseline, refDays(*first, i.created))
			}
		}
		if (i.status == "submitted" || i.status == "in_review") && first == nil {
			age := float64(c.endD.Sub(i.created)) / float64(24*time.Hour)
			if f.OldestOpenIdeaDays == nil || age > *f.OldestOpenIdeaDays {
				f.OldestOpenIdeaDays = &age
			}
		}
		if !inP(cday) {
			continue
		}
		f.Ideas++
		if i.impact != nil && i.feasibility != nil {
			scored++
			scoreSum += float64(*i.impact * *i.feasibility)
		}
		for _, v := range c.votes {
			if v.idea == i.id && inP(c.ld(v.at)) {
				votes++
			}
		}
		// Response SLA.
		due := cday + 7
		switch dayDate(cday).Weekday() {
		case time.Saturday:
			due = cday + 6
		case time.Sunday:
			due = cday + 5
		}
		if due <= c.D {
			slaCounted++
			var answer *int64
			if first != nil {
				d := c.ld(*first)
				answer = &d
			}
			for _, cm := range c.comments {
				if cm.idea != i.id || c.ld(cm.at) > c.D {
					continue
				}
				p, ok := c.people[cm.person]
				if !ok || (p.role != "ambassador" && p.role != "core_team") {
					continue
				}
				if i.author != nil && *i.author == cm.person {
					continue
				}
				d := c.ld(cm.at)
				if answer == nil || d < *answer {
					answer = &d
				}
			}
			if answer != nil && *answer <= due {
				slaAnswered++
			}
		}
		// Replications: the origin is a loaded, non-withdrawn idea of
		// another site.
		if i.replicates != nil {
			if o, ok := c.ideas[*i.replicates]; ok && kept(o) && o.site != i.site {
				f.Replications++
				ttk = append(ttk, refDays(i.created, o.created))
			}
		}
	}
	f.DecisionDelayDays = refMedian(delays)
	f.DecisionDelayBaselineDays = refMedian(baseline)
	f.TimeToKnowledgeDays = refMedian(ttk)
	if f.Ideas != 0 {
		f.VotesPerIdea = refRatio(float64(votes), float64(f.Ideas))
		f.ScoredShare = refRatio(float64(scored), float64(f.Ideas))
	}
	if scored != 0 {
		f.QualityScore = refRatio(scoreSum, float64(scored))
	}
	if slaCounted != 0 {
		f.ResponseSLAShare = refRatio(float64(slaAnswered), float64(slaCounted))
	}
	// Cross-site share: votes and comments dated in P by the group's people
	// (of a known site) on loaded, non-withdrawn ideas of a known site.
	var actions, cross int64
	for _, list := range [][]refEvent{c.votes, c.comments} {
		for _, e := range list {
			p, ok := c.people[e.person]
			if !ok || !c.known[p.site] || !in(p.site) || !inP(c.ld(e.at)) {
				continue
			}
			i, ok := c.ideas[e.idea]
			if !ok || !kept(i) || !c.known[i.site] {
				continue
			}
			actions++
			if i.site != p.site {
				cross++
			}
		}
	}
	if actions != 0 {
		f.CrossSiteShare = refRatio(float64(cross), float64(actions))
	}
	return f
}

// genKPIData builds random rows of every dataset from a seed: sites with
// and without headcount, people of every role (some of an unknown site,
// some ids missing from people), ideas of every status, votes and comments
// on unknown ideas, instants near local midnights and around the October
// DST change, repeated keys (the later row wins).
func genKPIData(seed uint64, loc *time.Location) map[string][][]driver.Value {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	start := time.Date(2026, 6, 20, 0, 0, 0, 0, loc)
	const span = 200 // days: 2026-06-20 .. 2027-01-05
	instant := func() time.Time {
		var d time.Time
		switch r.IntN(6) {
		case 0: // around the DST changes (Paris 2026-10-25, New York 2026-11-01)
			d = time.Date(2026, 10, 23+r.IntN(11), 0, 0, 0, 0, loc)
		default:
			d = start.AddDate(0, 0, r.IntN(span))
		}
		if r.IntN(3) == 0 {
			return d.Add(time.Duration(r.IntN(180)-90) * time.Minute).Add(time.Duration(r.IntN(60)) * time.Second)
		}
		return d.Add(time.Duration(r.IntN(24*3600)) * time.Second)
	}
	date := func(p int) driver.Value {
		if r.IntN(100) < p {
			return nil
		}
		t := start.AddDate(0, 0, r.IntN(span))
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	opt := func(p int, v driver.Value) driver.Value {
		if r.IntN(100) < p {
			return nil
		}
		return v
	}
	const nPeople, nIdeas = 110, 220
	person := func() string { return fmt.Sprintf("p%03d", r.IntN(nPeople+12)) } // the last 12 are not in people
	ideaID := func() string { return fmt.Sprintf("i%03d", r.IntN(nIdeas+10)) }  // the last 10 are not loaded
	site := func() string { return pick("S1", "S2", "S3", "S4", "S5", "S9") }   // S9 is not in sites
	out := map[string][][]driver.Value{}
	add := func(ds string, vals ...driver.Value) { out[ds] = append(out[ds], vals) }

	hc := func(v int64) driver.Value { return v }
	add("sites", "S1", "Site 1", nil, hc(int64(20+r.IntN(200))))
	add("sites", "S2", "Site 2", "R", hc(int64(1+r.IntN(60))))
	add("sites", "S3", "Site 3", nil, nil)
	add("sites", "S4", "Site 4", nil, hc(0))
	add("sites", "S5", "Site 5", nil, hc(int64(100+r.IntN(900))))
	add("sites", "S6", "Site 6", nil, hc(60))
	for i := range nPeople {
		id := fmt.Sprintf("p%03d", i)
		if i%9 == 0 {
			// An older row of the key, replaced below.
			add("people", id, site(), "ambassador", nil, date(50), nil, nil)
		}
		add("people", id, site(), pick("collaborator", "ambassador", "ambassador", "core_team", "sponsor"),
			opt(50, "Name "+id), date(50), date(60), date(85))
	}
	statuses := Statuses()
	authors := map[string]string{}
	for i := range nIdeas {
		id := fmt.Sprintf("i%03d", i)
		created := instant()
		var decided, implemented driver.Value
		switch r.IntN(4) {
		case 0:
			// Date-only decision: 00:00 local of a day on or after creation.
			y, m, d := created.In(loc).Date()
			decided = time.Date(y, m, d+r.IntN(10), 0, 0, 0, 0, loc)
		case 1, 2:
			decided = created.Add(time.Duration(r.IntN(30*24*60)) * time.Minute)
		}
		if r.IntN(3) == 0 {
			implemented = created.Add(time.Duration(r.IntN(60*24)) * time.Hour)
		}
		var repl driver.Value
		if r.IntN(3) == 0 {
			repl = ideaID()
		}
		if i%11 == 0 {
			add("ideas", id, site(), person(), "idea", "Old "+id, instant(), "submitted", nil, nil, nil, nil, nil, nil, nil, nil)
		}
		author := opt(10, person())
		if a, ok := author.(string); ok {
			authors[id] = a
		}
		add("ideas", id, site(), author, pick("idea", "irritant", "solution", "practice"), "Idea "+id,
			created, statuses[r.IntN(len(statuses))], decided, implemented,
			opt(35, int64(1+r.IntN(5))), opt(35, int64(1+r.IntN(5))), nil, nil, nil, repl)
	}
	for range 900 {
		add("votes", ideaID(), person(), instant())
	}
	for i := range 450 {
		idea, by := ideaID(), person()
		if a, ok := authors[idea]; ok && r.IntN(4) == 0 {
			by = a // the author answering on their own idea never answers
		}
		add("comments", fmt.Sprintf("c%03d", i%420), idea, by, instant())
	}
	for range 2500 {
		add("activity", person(), instant(), pick("visit", "login"))
	}
	// People of S2 and S6 stop being active in the autumn (mau_drop); S6
	// has no ambassador (no_active_ambassador).
	for i := range 14 {
		id := fmt.Sprintf("q%02d", i)
		s := "S2"
		if i%2 == 0 {
			s = "S6"
		}
		role := "collaborator"
		if s == "S2" && i%3 == 0 {
			role = "ambassador"
		}
		add("people", id, s, role, nil, nil, nil, nil)
		last := 110 + r.IntN(40)
		for range 12 {
			add("activity", id, start.AddDate(0, 0, r.IntN(last)).Add(time.Duration(r.IntN(86400))*time.Second), "visit")
		}
	}
	for i := range nPeople + 5 {
		for range r.IntN(3) {
			add("surveys", fmt.Sprintf("p%03d", i), instant(), int64(r.IntN(11)))
		}
	}
	for range 200 {
		add("decisions", ideaID(), pick("retained", "postponed", "rejected", "implemented"), instant(), opt(50, "because"))
	}
	return out
}

// diffJSON compares two JSON values, floats with a relative tolerance, and
// lists the paths that differ.
func diffJSON(path string, got, want any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
			return
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		var ks []string
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			gv, gok := g[k]
			wv, wok := w[k]
			if gok != wok {
				*out = append(*out, fmt.Sprintf("%s.%s: present %v, want %v", path, k, gok, wok))
				continue
			}
			diffJSON(path+"."+k, gv, wv, out)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
			return
		}
		for i := range w {
			diffJSON(fmt.Sprintf("%s[%d]", path, i), g[i], w[i], out)
		}
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > 1e-9*math.Max(1, math.Max(math.Abs(g), math.Abs(w))) {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
		}
	default:
		if got != want {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
		}
	}
}

func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKPIsMatchAReferenceImplementationOnRandomData(t *testing.T) {
	ptr := func(s string) *time.Time { d := day(t, s); return &d }
	base := 4.5
	settings := []struct {
		name string
		s    Settings
	}{
		{"defaults", Settings{}},
		{"configured, custom targets, baseline", Settings{
			ProgramStart:              ptr("2026-09-01"),
			BaselineDecisionDelayDays: &base,
			Targets: []TargetSpec{
				{KPI: "mau", Target: 40, Direction: AtMost},
				{KPI: "ideas_per_site_median", Target: 8},
				{KPI: "adoption", Target: 0.2, Direction: AtLeast},
				{KPI: "decision_delay_days", Target: 3, Direction: AtMost},
				{KPI: "enps", Target: 10},
				{KPI: "ideas_per_site_median", Target: 100, Direction: AtMost},
				{KPI: "struggling_sites", Target: 1, Direction: AtMost},
				{KPI: "decision_delay_reduction", Target: 0.3},
			},
		}},
		{"configured late, no target", Settings{ProgramStart: ptr("2026-10-20"), Targets: []TargetSpec{}}},
	}
	// Before the configured start, the day of the DST change, the day after,
	// mid-range and after the data.
	dates := []string{"2026-08-20", "2026-10-25", "2026-10-26", "2026-11-23", "2027-01-10"}
	coverage := map[string]int{}
	// Some runs leave datasets out (no changelog, no comment, no survey;
	// no site at all).
	runs := []struct {
		seed uint64
		zone string
		drop []string
		// split loads each dataset in two files, facts before the people
		// and ideas they refer to (a later file replaces rows of the first).
		split bool
	}{
		{1, "Europe/Paris", nil, false}, {2, "Europe/Paris", nil, true}, {3, "Europe/Paris", nil, false},
		{4, "America/New_York", nil, true},
		{5, "Europe/Paris", []string{"decisions", "comments", "surveys"}, false}, {6, "Europe/Paris", []string{"sites"}, false},
	}
	for _, run := range runs {
		seed := run.seed
		loc, err := time.LoadLocation(run.zone)
		if err != nil {
			t.Fatal(err)
		}
		rows := genKPIData(seed, loc)
		for _, ds := range run.drop {
			delete(rows, ds)
		}
		db := openAt(t, filepath.Join(t.TempDir(), "ref.duckdb"), run.zone)
		if run.split {
			all := Datasets()
			for i := len(all) - 1; i >= 0; i-- {
				r := rows[all[i].Name]
				if h := len(r) / 2; h > 0 {
					loadRows(t, db, all[i].Name, r[:h]...)
					loadRows(t, db, all[i].Name, r[h:]...)
				} else if len(r) > 0 {
					loadRows(t, db, all[i].Name, r...)
				}
			}
		} else {
			loadAll(t, db, rows)
		}
		for _, st := range settings {
			for _, d := range dates {
				got, err := db.KPIs(context.Background(), st.s, day(t, d))
				if err != nil {
					t.Fatal(err)
				}
				want := referenceKPIs(rows, loc, st.s, day(t, d))
				var diffs []string
				diffJSON("", asJSON(t, got), asJSON(t, want), &diffs)
				if len(diffs) > 0 {
					if len(diffs) > 20 {
						diffs = append(diffs[:20], "...")
					}
					t.Errorf("seed %d, %s, as of %s:\n%s", seed, st.name, d, strings.Join(diffs, "\n"))
				}
				for _, s := range want.Sites {
					if s.ENPS != nil {
						coverage["enps"]++
					}
					if s.ResponseSLAShare != nil {
						coverage["sla"]++
					}
					if s.Replications > 0 {
						coverage["replications"]++
					}
					if s.OldestOpenIdeaDays != nil {
						coverage["open"]++
					}
					if s.DecisionDelayBaselineDays != nil {
						coverage["baseline"]++
					}
					if s.CrossSiteShare != nil {
						coverage["cross"]++
					}
					for _, f := range s.Flags {
						coverage[f]++
					}
				}
			}
		}
	}
	for _, k := range append([]string{"enps", "sla", "replications", "open", "baseline", "cross"}, Flags()...) {
		if coverage[k] == 0 {
			t.Errorf("the random data never exercises %s", k)
		}
	}
	t.Logf("coverage: %v", coverage)
}
