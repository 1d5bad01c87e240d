package dashboards

// The sponsor page's charts: a burn-up per target, the weekly trends with
// the program's start and phases marked, and the tiles' sparklines (inline
// SVG drawn here, no script). The options are ECharts objects built as
// maps: go-echarts has no type for markArea pairs on a category axis, and
// these charts need little else. They are rendered like every chart
// (chart, through html/template).

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"relais/queries"
)

type obj = map[string]any

// optionChart marshals an ECharts option object built by hand.
func optionChart(id, class, label string, option obj) (chart, error) {
	b, err := json.Marshal(option)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	return chart{ID: id, Class: class, Label: label, Option: b}, nil
}

// Colours of the sponsor charts (the page's palette, docs/pages.md).
const (
	valueColor   = "#2f81f7"
	paceColor    = "#5b6776"
	goalColor    = "#1a7f37"
	partialColor = "#8c959f"
)

// shortDay is a date on a chart axis: 26/11 in French, 11-26 in English.
func shortDay(lang string, d time.Time) string {
	if lang == langFR {
		return d.Format("02/01")
	}
	return d.Format("01-02")
}

// chartNumber is a value as the chart draws it: ratios in percent.
func chartNumber(key string, x *float64) any {
	if x == nil {
		return "-" // ECharts' gap
	}
	switch queries.UnitOf(key) {
	case queries.UnitRatio, queries.UnitChange:
		return round1(*x * 100)
	}
	return round2(*x)
}

// valueAxis is a y axis in the key's unit, from 0.
func valueAxis(key string) obj {
	axis := obj{"type": "value", "min": 0, "splitNumber": 3}
	switch queries.UnitOf(key) {
	case queries.UnitRatio, queries.UnitChange:
		axis["axisLabel"] = obj{"formatter": "{value} %"}
		delete(axis, "min") // a reduction may be negative
	}
	return axis
}

// baseOption is what every sponsor chart shares.
func baseOption(cats []string, y obj, top string) obj {
	return obj{
		"animation": false,
		"tooltip":   obj{"trigger": "axis"},
		"legend":    obj{"bottom": 0, "itemWidth": 14, "itemHeight": 8},
		"grid":      obj{"left": 8, "right": 12, "top": top, "bottom": 28, "containLabel": true},
		"xAxis":     obj{"type": "category", "data": cats, "boundaryGap": false},
		"yAxis":     y,
	}
}

// partialPoint marks the last point of a series as partial: a hollow
// symbol with a dashed grey border.
func partialPoint(value any) obj {
	return obj{"value": value, "symbol": "emptyCircle", "symbolSize": 8,
		"itemStyle": obj{"color": "#fff", "borderColor": partialColor, "borderType": "dashed", "borderWidth": 2}}
}

// burnupChart is target i's value week by week since the program start
// against the expected pace, with the goal as a line: a burn-up.
func burnupChart(v *view, id string, t queries.TargetResult, hist []historyPoint, i int) (chart, error) {
	cats := make([]string, len(hist))
	values := make([]any, len(hist))
	paces := make([]any, len(hist))
	for k, p := range hist {
		cats[k] = shortDay(v.Lang, p.Date)
		var r queries.TargetResult
		if i < len(p.Targets) {
			r = p.Targets[i]
		}
		values[k] = chartNumber(t.ID, r.Value)
		pace := r.Pace
		paces[k] = chartNumber(t.ID, &pace)
	}
	last := len(hist) - 1
	if hist[last].Partial {
		values[last] = partialPoint(values[last])
		cats[last] += " *"
	}
	goal := t.Target
	opt := baseOption(cats, valueAxis(t.ID), "14")
	opt["series"] = []obj{
		{"name": v.T("value"), "type": "line", "data": values, "showSymbol": true, "symbolSize": 5,
			"lineStyle": obj{"width": 2.5, "color": valueColor}, "itemStyle": obj{"color": valueColor},
			"markLine": obj{"silent": true, "symbol": []string{"none", "none"},
				"lineStyle": obj{"color": goalColor, "type": "solid", "width": 1.5},
				"label":     obj{"formatter": v.T("goal"), "position": "insideEndTop", "color": goalColor},
				"data":      []obj{{"yAxis": chartNumber(t.ID, &goal)}}}},
		{"name": v.T("pace"), "type": "line", "data": paces, "showSymbol": false,
			"lineStyle": obj{"type": "dashed", "color": paceColor, "width": 1.5}, "itemStyle": obj{"color": paceColor}},
	}
	return optionChart(id, "chart burnup", partialTitle(v, v.L(t.ID)+" — "+v.T("burnup"), hist[last].Partial), opt)
}

// trendSeries is one line of a trend chart.
type trendSeries struct {
	name  string
	color string
	get   func(queries.WeekPoint) *float64
}

// sponsorTrends are the weekly trends, each on its own scale: active
// people, active ambassadors, ideas and decisions, votes, decision delay.
func sponsorTrends(v *view, doc *queries.Document, weeks []queries.WeekPoint) ([]chart, error) {
	specs := []struct {
		id     string
		label  string
		series []trendSeries
	}{
		{"chart-trend-people", v.T("active_people"), []trendSeries{
			{v.T("active_people"), "#2f81f7", func(w queries.WeekPoint) *float64 { return count64(w.ActivePeople) }}}},
		{"chart-trend-ambassadors", v.L("active_ambassadors"), []trendSeries{
			{v.L("active_ambassadors"), "#8250df", func(w queries.WeekPoint) *float64 { return count64(w.ActiveAmbassadors) }}}},
		{"chart-trend-ideas", v.T("new_ideas"), []trendSeries{
			{v.T("new_ideas"), "#1a7f37", func(w queries.WeekPoint) *float64 { return count64(w.Ideas) }},
			{v.T("decisions_count"), "#bf8700", func(w queries.WeekPoint) *float64 { return count64(w.Decisions) }}}},
		{"chart-trend-votes", v.T("votes"), []trendSeries{
			{v.T("votes"), "#0969da", func(w queries.WeekPoint) *float64 { return count64(w.Votes) }}}},
		{"chart-trend-delay", v.L("decision_delay_days"), []trendSeries{
			{v.L("decision_delay_days"), "#cf222e", func(w queries.WeekPoint) *float64 { return w.MedianDecisionDelayDays }}}},
	}
	out := make([]chart, 0, len(specs))
	for _, sp := range specs {
		ch, err := trendChart(v, sp.id, sp.label, doc.Program, weeks, sp.series)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// weekIsPartial says the week's last counted date is before its Sunday.
func weekIsPartial(w queries.WeekPoint) bool {
	start, err1 := time.Parse(dateLayout, w.WeekStart)
	end, err2 := time.Parse(dateLayout, w.WeekEnd)
	return err1 == nil && err2 == nil && end.Before(start.AddDate(0, 0, 6))
}

// weekCategories are the weekly charts' axis labels, each week's Monday
// as a short date; a partial last week (partial true) carries a "*".
func weekCategories(v *view, weeks []queries.WeekPoint) (cats []string, partial bool) {
	cats = make([]string, len(weeks))
	for i, w := range weeks {
		if d, err := time.Parse(dateLayout, w.WeekStart); err == nil {
			cats[i] = shortDay(v.Lang, d)
		} else {
			cats[i] = w.WeekStart
		}
	}
	partial = len(weeks) > 0 && weekIsPartial(weeks[len(weeks)-1])
	if partial {
		cats[len(cats)-1] += " *"
	}
	return cats, partial
}

// partialTitle is a weekly chart's title, which says what the "*" of a
// partial last week means.
func partialTitle(v *view, label string, partial bool) string {
	if partial {
		return label + " (* " + v.T("partial_week") + ")"
	}
	return label
}

// trendChart draws weekly lines with the program start as a vertical line,
// the phases as bands, and a partial last week as hollow dashed points
// under a "partial week" mark.
func trendChart(v *view, id, label string, prog queries.Program, weeks []queries.WeekPoint, series []trendSeries) (chart, error) {
	cats, partial := weekCategories(v, weeks)
	var list []obj
	for k, s := range series {
		data := make([]any, len(weeks))
		for i, w := range weeks {
			var val any = "-"
			if x := s.get(w); x != nil {
				val = round1(*x)
			}
			data[i] = val
		}
		if partial {
			data[len(data)-1] = partialPoint(data[len(data)-1])
		}
		item := obj{"name": s.name, "type": "line", "data": data, "showSymbol": true, "symbolSize": 5,
			"connectNulls": false, "lineStyle": obj{"color": s.color, "width": 2}, "itemStyle": obj{"color": s.color}}
		if k == 0 {
			programMarks(v, item, prog, weeks, cats, partial)
		}
		list = append(list, item)
	}
	opt := baseOption(cats, obj{"type": "value", "min": 0, "splitNumber": 4}, "34")
	opt["series"] = list
	if partial {
		opt["grid"].(obj)["right"] = 44 // room for the mark's label
	}
	if len(series) > 2 {
		opt["grid"].(obj)["bottom"] = 48 // room for a legend on two lines in a narrow card
	}
	return optionChart(id, "chart", partialTitle(v, label, partial), opt)
}

// programMarks adds to a series the program start (a vertical line on its
// week) and the phases (bands over the weeks that end in them, labelled),
// and a mark on a partial last week.
func programMarks(v *view, series obj, prog queries.Program, weeks []queries.WeekPoint, cats []string, partial bool) {
	start, err := time.Parse(dateLayout, prog.Start)
	if err != nil || len(weeks) == 0 {
		return
	}
	var lines []obj
	var bands [][]obj
	phaseOf := make([]string, len(weeks))
	for i, w := range weeks {
		ws, err := time.Parse(dateLayout, w.WeekStart)
		if err != nil {
			continue
		}
		end := ws.AddDate(0, 0, 6)
		if prog.Configured && !start.Before(ws) && !start.After(end) {
			lines = append(lines, obj{"xAxis": cats[i], "name": v.T("program_start"),
				"label":     obj{"formatter": v.T("program_start"), "position": "end", "color": "#12324f"},
				"lineStyle": obj{"color": "#12324f", "type": "solid", "width": 2}})
		}
		if prog.Configured {
			if day := int(end.Sub(start).Hours()/24) + 1; day >= 1 {
				phaseOf[i] = phaseOfDay(day)
			}
		}
	}
	shades := []string{"rgba(18,50,79,0.05)", "rgba(18,50,79,0.11)"}
	for i := 0; i < len(weeks); {
		j := i
		for j+1 < len(weeks) && phaseOf[j+1] == phaseOf[i] {
			j++
		}
		if phaseOf[i] != "" {
			to := cats[j]
			if j+1 < len(weeks) {
				to = cats[j+1] // bands meet: each ends where the next begins
			}
			bands = append(bands, []obj{
				{"name": v.L(phaseOf[i]), "xAxis": cats[i], "itemStyle": obj{"color": shades[len(bands)%2]},
					"label": obj{"position": "insideBottom", "color": "#3d4a5a", "fontSize": 10, "overflow": "truncate"}},
				{"xAxis": to}})
		}
		i = j + 1
	}
	if partial {
		lines = append(lines, obj{"xAxis": cats[len(cats)-1],
			"label":     obj{"formatter": v.T("partial_week"), "position": "end", "color": partialColor},
			"lineStyle": obj{"color": partialColor, "type": "dotted", "width": 1}})
	}
	if len(lines) > 0 {
		series["markLine"] = obj{"silent": true, "symbol": []string{"none", "none"}, "data": lines}
	}
	if len(bands) > 0 {
		series["markArea"] = obj{"silent": true, "data": bands}
	}
}

// phaseOfDay is the phase of a program day (>= 1).
func phaseOfDay(day int) string {
	current := queries.PhaseNotStarted
	for _, p := range queries.PhaseDays() {
		if day >= p.FirstDay {
			current = p.Phase
		}
	}
	return current
}

// sparkline is a tile's weekly line as SVG points (viewBox 0 0 120 32):
// the complete weeks solid, a partial last week dashed, the last point a
// dot (hollow when partial).
type sparkline struct {
	Solid   string
	Dashed  string
	X, Y    string
	Partial bool
}

const sparkW, sparkH, sparkPad = 120.0, 32.0, 3.0

func newSparkline(weeks []queries.WeekPoint, get func(queries.WeekPoint) *float64) *sparkline {
	type pt struct{ i, y float64 }
	var pts []pt
	lo, hi := 0.0, 0.0
	for i, w := range weeks {
		x := get(w)
		if x == nil {
			continue
		}
		if len(pts) == 0 || *x < lo {
			lo = min(*x, lo)
		}
		if len(pts) == 0 || *x > hi {
			hi = max(*x, hi)
		}
		pts = append(pts, pt{float64(i), *x})
	}
	if len(pts) < 2 {
		return nil
	}
	lo = min(lo, 0) // from zero, as the charts: a dip is not a collapse
	xy := func(p pt) (string, string) {
		x := sparkPad + p.i*(sparkW-2*sparkPad)/float64(max(len(weeks)-1, 1))
		y := sparkH / 2
		if hi > lo {
			y = sparkH - sparkPad - (p.y-lo)*(sparkH-2*sparkPad)/(hi-lo)
		}
		return strconv.FormatFloat(x, 'f', 1, 64), strconv.FormatFloat(y, 'f', 1, 64)
	}
	join := func(ps []pt) string {
		var b strings.Builder
		for k, p := range ps {
			x, y := xy(p)
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(x + "," + y)
		}
		return b.String()
	}
	sp := &sparkline{Partial: len(weeks) > 0 && weekIsPartial(weeks[len(weeks)-1]) && int(pts[len(pts)-1].i) == len(weeks)-1}
	if sp.Partial {
		sp.Solid, sp.Dashed = join(pts[:len(pts)-1]), join(pts[len(pts)-2:])
	} else {
		sp.Solid = join(pts)
	}
	sp.X, sp.Y = xy(pts[len(pts)-1])
	return sp
}
