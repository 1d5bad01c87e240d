package dashboards

// The sponsor page (/): are we on pace, and since when? One card per target
// (value, goal, expected pace, status and gap in words, a weekly burn-up),
// headline tiles (a number, its change over 30 days, a sparkline), the
// weekly trends with the program's phases, and the sites needing help.
// docs/pages.md says what each part means.

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

type phaseStep struct {
	Key   string
	From  int
	To    int // 0: open-ended
	State string
}

// targetCard is one target's card.
type targetCard struct {
	Result queries.TargetResult
	// ChartID is the burn-up chart's element id ("" when no history).
	ChartID string
	// Gap says the distance to the pace (or the goal once met) in the
	// target's own unit; Since says since when the target is in its state.
	Gap   string
	Since string
}

// tile is one headline figure: its value on the as-of date, its change
// since 30 days earlier and a weekly sparkline.
type tile struct {
	Key    string
	Value  *float64
	Change string
	// Trend is better, worse or flat, by the key's direction.
	Trend string
	Spark *sparkline
}

type sponsorBody struct {
	Doc *queries.Document
	// Started says the program has started on the as-of date (or has no
	// configured start): targets have a status, a pace and a gap.
	Started bool
	Phases  []phaseStep
	DayCap  int
	Help    []queries.Site
	Cards   []targetCard
	Tiles   []tile
	// Earlier is the date the tiles' changes compare with (D - 30).
	Earlier string
}

// historyPoint is the targets as of one date of the weekly history.
type historyPoint struct {
	Date    time.Time
	Partial bool
	Targets []queries.TargetResult
}

func phaseSteps(day int, current string) []phaseStep {
	var steps []phaseStep
	for _, p := range queries.PhaseDays() {
		st := phaseStep{Key: p.Phase, From: p.FirstDay, To: p.LastDay}
		switch {
		case p.Phase == current:
			st.State = "current"
		case p.LastDay != 0 && day > p.LastDay:
			st.State = "done"
		}
		steps = append(steps, st)
	}
	return steps
}

// tileKeys are the headline tiles, in order; struggling_sites is left out
// before the program starts (nothing can be behind yet).
var tileKeys = []string{"mau", "active_ambassadors", "ideas", "decision_delay_days", "response_sla_share", "struggling_sites"}

// tileSeries is the weekly series a tile's sparkline draws.
var tileSeries = map[string]func(queries.WeekPoint) *float64{
	"mau":                 func(w queries.WeekPoint) *float64 { return count64(w.ActivePeople) },
	"active_ambassadors":  func(w queries.WeekPoint) *float64 { return count64(w.ActiveAmbassadors) },
	"ideas":               func(w queries.WeekPoint) *float64 { return count64(w.Ideas) },
	"decision_delay_days": func(w queries.WeekPoint) *float64 { return w.MedianDecisionDelayDays },
}

func (s *Server) sponsorPage(c *gin.Context) { s.servePage(c, "sponsor", s.sponsor) }

// sponsor fills the view of the page and names its template.
func (s *Server) sponsor(c *gin.Context, v *view) (string, error) {
	ctx := c.Request.Context()
	snap, asOf, err := s.snapshotOf(c, v)
	if err != nil {
		return "", err
	}
	doc := snap.Doc
	v.Title = v.T("sponsor")
	v.JSONURL = v.URL("/api/v1/kpis", "as_of", doc.AsOf, "lang", "")
	body := sponsorBody{Doc: doc, Phases: phaseSteps(doc.Program.Day, doc.Program.Phase)}
	body.Started = !doc.Program.Configured || doc.Program.Day >= 1
	body.DayCap = min(max(doc.Program.Day, 0), 91)
	if body.Started {
		help := needHelp(doc.Sites)
		body.Help = help[:min(3, len(help))]
	}
	weeks, err := s.series(ctx, asOf, "", defaultWeeks)
	if err != nil {
		return "", err
	}
	if err := s.targetCards(ctx, v, &body, snap); err != nil {
		return "", err
	}
	if err := s.headlineTiles(ctx, v, &body, asOf, weeks); err != nil {
		return "", err
	}
	v.Body = body
	trends, err := sponsorTrends(v, doc, weeks)
	if err != nil {
		return "", err
	}
	v.Charts = append(v.Charts, trends...)
	return "sponsor", nil
}

// targetCards fills one card per target, with its burn-up chart.
func (s *Server) targetCards(ctx context.Context, v *view, body *sponsorBody, snap *queries.Snapshot) error {
	doc := body.Doc
	var hist []historyPoint
	if body.Started {
		var err error
		var carried bool
		if hist, carried, err = s.targetHistory(ctx, snap, s.carriedFor(ctx)); err != nil {
			return err
		}
		v.provisional = v.provisional || carried
	}
	for i, t := range doc.Targets {
		card := targetCard{Result: t}
		if body.Started {
			card.Gap = gapText(v, t, doc.Overall.Sites)
			card.Since = sinceText(v, hist, i, doc.Program)
		}
		if len(hist) > 0 {
			card.ChartID = fmt.Sprintf("chart-target-%d", i+1)
			ch, err := burnupChart(v, card.ChartID, t, hist, i)
			if err != nil {
				return err
			}
			v.Charts = append(v.Charts, ch)
		}
		body.Cards = append(body.Cards, card)
	}
	return nil
}

// targetHistory is the targets as of every week's last day since the
// program start, the last point being the as-of date's own document. A
// week not computed yet for the data version is taken from carry when it
// has it (carried says one was); else it is computed.
func (s *Server) targetHistory(ctx context.Context, snap *queries.Snapshot, carry *carriedSponsor) (out []historyPoint, carried bool, err error) {
	settings := s.opts.Snapshots.Settings()
	dates := queries.TargetHistoryDates(settings, snap.AsOf)
	out = make([]historyPoint, 0, len(dates))
	for i, d := range dates {
		p := historyPoint{Date: d}
		if i == len(dates)-1 {
			p.Targets = snap.Doc.Targets
			p.Partial = d.Weekday() != time.Sunday
			out = append(out, p)
			continue
		}
		key := targetsKey(d)
		if ts, ok := carry.targets(s, key); ok {
			p.Targets, carried = ts, true
			out = append(out, p)
			continue
		}
		ts, err := cached(ctx, s, key, func(ctx context.Context) ([]queries.TargetResult, error) {
			return s.opts.DB.TargetsAt(ctx, settings, d)
		})
		if err != nil {
			return nil, false, err
		}
		p.Targets = ts
		out = append(out, p)
	}
	return out, carried, nil
}

// targetsKey is the cache key of the targets as of a week's last day.
func targetsKey(d time.Time) string { return "targets|" + d.Format(dateLayout) }

// headlineTiles fills the tiles: the as-of date's figures (those of the
// KPI document), their change since the document of 30 days earlier, and
// the weekly sparkline.
func (s *Server) headlineTiles(ctx context.Context, v *view, body *sponsorBody, asOf time.Time, weeks []queries.WeekPoint) error {
	earlierDate := asOf.AddDate(0, 0, -30)
	earlier, carried := s.carriedFor(ctx).earlierDoc(s, earlierDate)
	if !carried {
		var err error
		if earlier, err = s.doc(ctx, earlierDate); err != nil {
			return err
		}
	}
	v.provisional = v.provisional || carried
	body.Earlier = fmt.Sprintf(v.T("change_vs_30d"), v.Day(earlierDate.Format(dateLayout)))
	for _, k := range tileKeys {
		if k == "struggling_sites" && !body.Started {
			continue
		}
		t := tile{Key: k, Value: body.Doc.Overall.Value(k)}
		t.Change, t.Trend = changeText(v, k, t.Value, earlier.Doc.Overall.Value(k))
		if get, ok := tileSeries[k]; ok {
			t.Spark = newSparkline(weeks, get)
		}
		body.Tiles = append(body.Tiles, t)
	}
	return nil
}

// gapUnit is how a target's gap is counted: the unit's word (a locale key
// prefix, "" for none), the factor from the key's value to that unit, and
// the decimals shown.
func gapUnit(key string, sites int64) (unit string, factor float64, decimals int) {
	switch key {
	case "sites_with_active_ambassador_share":
		return "unit_site", float64(sites), 0
	case "ideas_per_site_median":
		return "unit_idea_per_site", 1, 1
	case "ideas", "ideas_implemented", "replications":
		return "unit_idea", 1, 0
	case "mau", "mau_previous", "headcount":
		return "unit_person", 1, 0
	case "ambassadors", "active_ambassadors", "enps_responses":
		return "unit_ambassador", 1, 0
	case "sites", "struggling_sites":
		return "unit_site", 1, 0
	}
	switch queries.UnitOf(key) {
	case queries.UnitRatio, queries.UnitChange:
		return "unit_point", 100, 0
	case queries.UnitDays:
		return "unit_day", 1, 1
	case queries.UnitScore:
		return "", 1, 1
	}
	return "", 1, 0
}

// gapText says how far a target is from its pace (from its goal once met,
// or for an at-most target), in the target's unit: "3 sites short of pace",
// "2.5 ideas per site ahead of pace". A shortfall is rounded up (what is
// missing), a lead down (what is sure). "" without a value.
func gapText(v *view, t queries.TargetResult, sites int64) string {
	if t.Value == nil {
		return ""
	}
	val := *t.Value
	var key string
	var diff float64
	shortfall := false
	switch {
	case t.Direction == queries.AtMost && t.Status == queries.StatusMet:
		key, diff = "gap_below_limit", t.Target-val
	case t.Direction == queries.AtMost:
		key, diff, shortfall = "gap_over_limit", val-t.Target, true
	case t.Status == queries.StatusMet:
		key, diff = "gap_above_target", val-t.Target
	case val >= t.Pace:
		key, diff = "gap_ahead", val-t.Pace
	default:
		key, diff, shortfall = "gap_behind", t.Pace-val, true
	}
	unit, factor, decimals := gapUnit(t.ID, sites)
	scale := math.Pow(10, float64(decimals))
	// Rounded to a millionth first: 0.3 x 60 sites is 18, not 17.999...
	amount := math.Round(diff*factor*1e6) / 1e6 * scale
	if shortfall {
		amount = math.Ceil(amount) / scale
	} else {
		amount = math.Floor(amount) / scale
	}
	if amount <= 0 {
		if key == "gap_ahead" {
			return v.T("gap_on_pace")
		}
		if !shortfall {
			return ""
		}
	}
	return fmt.Sprintf(v.T(key), quantity(v, amount, decimals, unit))
}

// quantity is a number with its unit's word, singular or plural by the
// language's rule (French: below 2 is singular; English: only 1 is).
func quantity(v *view, x float64, decimals int, unit string) string {
	n := num(v.Lang, x, decimals)
	if decimals > 0 && x == math.Trunc(x) {
		n = num(v.Lang, x, 0)
	}
	if unit == "" {
		return n
	}
	return n + " " + v.T(unit+"_"+pluralForm(v.Lang, x))
}

// paceGroup sorts a target status into met, ahead (on pace) or behind.
func paceGroup(status string) string {
	switch status {
	case queries.StatusMet:
		return "met"
	case queries.StatusOnTrack:
		return "ahead"
	case queries.StatusAtRisk, queries.StatusOffTrack:
		return "behind"
	}
	return ""
}

// sinceText says since when target i is in its present state (met, on
// pace, behind): the week it entered it, or the program start.
func sinceText(v *view, hist []historyPoint, i int, prog queries.Program) string {
	if len(hist) == 0 || i >= len(hist[len(hist)-1].Targets) {
		return ""
	}
	group := func(p historyPoint) string {
		if i >= len(p.Targets) {
			return ""
		}
		return paceGroup(p.Targets[i].Status)
	}
	g := group(hist[len(hist)-1])
	if g == "" {
		return ""
	}
	j := len(hist) - 1
	for j > 0 && group(hist[j-1]) == g {
		j--
	}
	if j == 0 && prog.Configured && len(hist) < queries.MaxHistoryWeeks {
		return v.T("since_start_" + g)
	}
	monday := hist[j].Date.AddDate(0, 0, -((int(hist[j].Date.Weekday()) + 6) % 7))
	if start, err := time.Parse(dateLayout, prog.Start); err == nil && monday.Before(start) {
		monday = start
	}
	return fmt.Sprintf(v.T("since_"+g), v.Day(monday.Format(dateLayout)))
}

// changeText says how a figure moved since the earlier date, in its unit:
// a count by its difference and percentage, a ratio in points, days with
// one decimal; trend is better, worse or flat by the key's direction.
func changeText(v *view, key string, cur, prev *float64) (text, trend string) {
	if cur == nil || prev == nil {
		return "", ""
	}
	diff := *cur - *prev
	if math.Abs(diff) < 1e-9 {
		return v.T("no_change"), "flat"
	}
	sign := ""
	if diff > 0 {
		sign = "+"
	}
	switch queries.UnitOf(key) {
	case queries.UnitRatio, queries.UnitChange:
		pts, decimals := math.Round(diff*100), 0
		if pts == 0 { // under half a point: one decimal rather than "+0"
			pts, decimals = math.Round(diff*1000)/10, 1
		}
		text = sign + quantity(v, pts, decimals, "unit_point")
	case queries.UnitDays, queries.UnitScore:
		text = sign + format(v.Lang, key, &diff)
	default:
		text = sign + num(v.Lang, diff, 0)
		if *prev > 0 {
			rel := diff / *prev
			text += " (" + format(v.Lang, "mau_change", &rel) + ")"
		}
	}
	trend = "flat"
	if d, ok := queries.LookupKPI(key); ok {
		switch {
		case d.Direction == queries.HigherBetter && diff > 0, d.Direction == queries.LowerBetter && diff < 0:
			trend = "better"
		case d.Direction != queries.Neutral:
			trend = "worse"
		}
	}
	return text, trend
}
