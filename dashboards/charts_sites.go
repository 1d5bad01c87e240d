package dashboards

// Charts of the sites, site and challenges pages (docs/pages.md). A chart
// whose bars or cells open a page carries, next to its ECharts option, a
// "links" array: links[seriesIndex][dataIndex] is the address a click on
// that item opens (static/app.js, "chart links").

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"

	"relais/queries"
)

// withLinks adds the click targets of a chart's items: links[s][i] opens
// item i of series s ("" or a missing entry: nothing to open).
func withLinks(ch chart, links [][]string) (chart, error) {
	var option map[string]any
	if err := json.Unmarshal(ch.Option, &option); err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", ch.ID, err)
	}
	option["links"] = links
	b, err := json.Marshal(option)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", ch.ID, err)
	}
	ch.Option = b
	return ch, nil
}

// siteLabel is how a chart names a site: its name, else its id, cut to
// chartLabelRunes (a long name would squeeze the bars out of a phone's
// chart; the tables beside the charts give it whole).
func siteLabel(s queries.Site) string {
	if s.Name != "" {
		return chartLabel(s.Name)
	}
	return s.SiteID
}

// chartLabelRunes is the longest category label a chart shows.
const chartLabelRunes = 28

// chartLabel cuts a category label to chartLabelRunes characters.
func chartLabel(s string) string {
	if r := []rune(s); len(r) > chartLabelRunes {
		return string(r[:chartLabelRunes-1]) + "…"
	}
	return s
}

// sitesHeatmap colours each site's KPI by its rank among the sites (0 the
// worst, 1 the best, whatever the direction); the cell shows the value and
// opens the site's page. An unknown value leaves the cell empty. The
// legend says what the colours mean, in the page's language.
func sitesHeatmap(v *view, sites []queries.Site) (chart, error) {
	hm := charts.NewHeatMap()
	columns := heatmapKPIs()
	xs := make([]string, len(columns))
	for i, k := range columns {
		xs[i] = v.L(k.Key)
	}
	ys := make([]string, len(sites))
	for i, s := range sites {
		ys[len(sites)-1-i] = siteLabel(s) // first site at the top
	}
	var data []opts.HeatMapData
	var links []string
	for xi, k := range columns {
		type pt struct {
			y  int
			v  float64
			id string
		}
		var pts []pt
		for si, s := range sites {
			if val := s.Value(k.Key); val != nil && !math.IsNaN(*val) {
				pts = append(pts, pt{len(sites) - 1 - si, *val, s.SiteID})
			}
		}
		sort.SliceStable(pts, func(a, b int) bool { return pts[a].v < pts[b].v })
		for i, p := range pts {
			score := rankScore(i, len(pts), func(j int) float64 { return pts[j].v })
			if k.Direction == queries.LowerBetter {
				score = 1 - score
			}
			val := p.v
			data = append(data, opts.HeatMapData{Name: v.F(k.Key, &val), Value: [3]any{xi, p.y, round2(score)}})
			links = append(links, v.SiteURL(p.id))
		}
	}
	hm.SetGlobalOptions(
		noAnimation(),
		charts.WithInitializationOpts(opts.Initialization{Theme: "white"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Formatter: "{b}"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "3%", Top: "56", Bottom: "4%", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: xs, Position: "top", AxisLabel: &opts.AxisLabel{Interval: "0", Rotate: 20}, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: ys, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{Min: 0, Max: 1, Show: opts.Bool(true), Calculable: opts.Bool(false),
			Orient: "horizontal", Left: "center", Top: "0", Text: []string{v.T("heatmap_best"), v.T("heatmap_worst")},
			InRange: &opts.VisualMapInRange{Color: []string{"#f4b6b0", "#fbe7a1", "#b7e1c1"}}}),
	)
	hm.AddSeries(v.T("heatmap"), data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{b}", Color: "#1f2328"}))
	ch, err := newChart("chart-heatmap", "chart tall", v.T("heatmap"), hm)
	if err != nil {
		return chart{}, err
	}
	return withLinks(ch, [][]string{links})
}

// rankScore is the rank of item i of n sorted values as 0..1, ties
// sharing the mean rank of their group (all equal, or one value: 0.5).
func rankScore(i, n int, value func(int) float64) float64 {
	if n < 2 {
		return 0.5
	}
	lo, hi := i, i
	for lo > 0 && value(lo-1) == value(i) {
		lo--
	}
	for hi+1 < n && value(hi+1) == value(i) {
		hi++
	}
	return float64(lo+hi) / 2 / float64(n-1)
}

// siteAdoptionChart draws adoption per site as horizontal bars, lowest
// first (at most limit sites: those with the lowest adoption), a bar red
// when under the low-adoption threshold (half the group's), with the
// group's adoption and the threshold drawn across; a bar opens its site.
// capped says sites were left out.
func siteAdoptionChart(v *view, sites []queries.Site, group *float64, limit int) (ch chart, capped bool, err error) {
	var known []queries.Site
	for _, s := range sites {
		if s.Adoption != nil {
			known = append(known, s)
		}
	}
	sort.SliceStable(known, func(i, j int) bool { return *known[i].Adoption < *known[j].Adoption })
	if len(known) > limit {
		known, capped = known[:limit], true
	}
	bar := charts.NewBar()
	cats := make([]string, len(known))
	data := make([]opts.BarData, len(known))
	links := make([]string, len(known))
	for i, s := range known { // ECharts draws the first category at the bottom
		j := len(known) - 1 - i
		color := "#2f81f7"
		if group != nil && *s.Adoption < queries.LowAdoptionShareOfGroup**group {
			color = "#cf222e"
		}
		cats[j] = siteLabel(s)
		data[j] = opts.BarData{Value: round1(*s.Adoption * 100), ItemStyle: &opts.ItemStyle{Color: color}}
		links[j] = v.SiteURL(s.SiteID)
	}
	bar.SetGlobalOptions(axisChartOptions(opts.Grid{Left: "3%", Right: "6%", Top: "4%", Bottom: "6%", ContainLabel: opts.Bool(true)},
		opts.XAxis{Type: "value", Min: 0, AxisLabel: &opts.AxisLabel{Formatter: types.FuncStr("{value}" + pct(v.Lang))}},
		opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}})...)
	bar.SetXAxis(cats)
	var seriesOpts []charts.SeriesOpts
	if group != nil {
		seriesOpts = append(seriesOpts,
			charts.WithMarkLineNameXAxisItemOpts(
				opts.MarkLineNameXAxisItem{Name: v.T("group") + " " + v.percent(*group, 0), XAxis: round1(*group * 100)},
				opts.MarkLineNameXAxisItem{Name: v.T("threshold") + " " + v.percent(queries.LowAdoptionShareOfGroup**group, 0), XAxis: round1(queries.LowAdoptionShareOfGroup * *group * 100)}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
				LineStyle: &opts.LineStyle{Type: "dashed", Color: "#57606a"},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: "{b}"}}))
	}
	bar.AddSeries(v.L("adoption"), data, seriesOpts...)
	bar.XYReversal()
	class := "chart"
	if len(known) > 15 {
		class = "chart huge"
	}
	ch, err = newChart("chart-adoption", class, v.T("adoption_per_site"), bar)
	if err != nil {
		return chart{}, false, err
	}
	ch, err = withLinks(ch, [][]string{links})
	return ch, capped, err
}

// pipelineStatuses are the statuses of an idea on its way, in order;
// setAsideStatuses the others, drawn apart.
var (
	pipelineStatuses = []string{"submitted", "in_review", "retained", "implemented"}
	setAsideStatuses = []string{"postponed", "rejected", "withdrawn"}
)

// ideaStatusChart draws a site's ideas_by_status in status order: the
// pipeline (submitted → in review → retained → implemented) then, in grey,
// the ideas set aside (postponed, rejected, withdrawn). The counts are the
// document's, as the table beside it.
func ideaStatusChart(v *view, s queries.IdeasByStatus) (chart, error) {
	bar := charts.NewBar()
	var cats []string
	var pipe, aside []opts.BarData
	all := append(append([]string{}, pipelineStatuses...), setAsideStatuses...)
	for i := len(all) - 1; i >= 0; i-- { // ECharts draws the first category at the bottom
		st := all[i]
		cats = append(cats, v.L(st))
		n := opts.BarData{Value: s.Get(st)}
		gap := opts.BarData{Value: "-"}
		if i < len(pipelineStatuses) {
			pipe, aside = append(pipe, n), append(aside, gap)
		} else {
			pipe, aside = append(pipe, gap), append(aside, n)
		}
	}
	bar.SetGlobalOptions(axisChartOptions(opts.Grid{Left: "3%", Right: "8%", Top: "4%", Bottom: "14%", ContainLabel: opts.Bool(true)},
		opts.XAxis{Type: "value", Name: v.T("ideas_count"), NameLocation: "middle", NameGap: 24, Min: 0, MinInterval: 1}, opts.YAxis{Type: "category"})...)
	bar.SetXAxis(cats)
	label := charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"})
	bar.AddSeries(v.T("pipeline"), pipe, label, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#2f81f7"}),
		charts.WithBarChartOpts(opts.BarChart{Stack: "ideas", BarCategoryGap: "30%"}))
	bar.AddSeries(v.T("set_aside"), aside, label, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#8c959f"}),
		charts.WithBarChartOpts(opts.BarChart{Stack: "ideas"}))
	bar.XYReversal()
	return newChart("chart-funnel", "chart", v.T("funnel"), bar)
}

// decisionDelayChart draws a site's weeks: the median decision delay in
// days (line, left axis) with the baseline as a line across, and the
// decisions made (bars, right axis).
func decisionDelayChart(v *view, weeks []queries.WeekPoint, baseline *float64) (chart, error) {
	bar := charts.NewBar()
	x, partial := weekCategories(v, weeks)
	counts := make([]opts.BarData, len(weeks))
	delays := make([]opts.LineData, len(weeks))
	for i, w := range weeks {
		counts[i] = opts.BarData{Value: w.Decisions}
		delays[i] = opts.LineData{Value: "-"}
		if w.MedianDecisionDelayDays != nil {
			delays[i] = opts.LineData{Value: round1(*w.MedianDecisionDelayDays)}
		}
	}
	var partialMark []charts.SeriesOpts
	if partial {
		// As the sponsor's trends (partialPoint): a hollow point, a paler
		// bar with a grey border, a dotted line labelled "partial week"
		// along it (above it, the label would meet the axes' names).
		last := len(weeks) - 1
		counts[last].ItemStyle = &opts.ItemStyle{Color: "#eef1f4", BorderColor: partialColor, BorderWidth: 1}
		delays[last].Symbol, delays[last].SymbolSize = "emptyCircle", 8
		partialMark = []charts.SeriesOpts{
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: v.T("partial_week"), XAxis: x[last]}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
				LineStyle: &opts.LineStyle{Type: "dotted", Color: partialColor, Width: 1},
				Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: v.T("partial_week"), Color: partialColor}})}
	}
	days := opts.YAxis{Type: "value", Name: v.T("days_axis"), Min: 0}
	if baseline != nil {
		// The baseline stays on the chart when every week is below it.
		top := *baseline
		for _, w := range weeks {
			if w.MedianDecisionDelayDays != nil {
				top = max(top, *w.MedianDecisionDelayDays)
			}
		}
		days.Max = math.Ceil(top * 1.1)
	}
	bar.SetGlobalOptions(axisChartOptions(opts.Grid{Left: "3%", Right: "4%", Top: "14%", Bottom: "16%", ContainLabel: opts.Bool(true)},
		opts.XAxis{Type: "category"}, days)...)
	bar.ExtendYAxis(opts.YAxis{Type: "value", Name: v.T("decisions_axis"), Position: "right", Min: 0, MinInterval: 1,
		SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
	bar.SetXAxis(x)
	bar.AddSeries(v.T("decisions_count"), counts, append([]charts.SeriesOpts{charts.WithBarChartOpts(opts.BarChart{YAxisIndex: 1}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d0d7de"})}, partialMark...)...)
	line := charts.NewLine()
	line.SetXAxis(x)
	lineOpts := []charts.SeriesOpts{charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#2f81f7"})}
	if baseline != nil {
		text := v.T("baseline") + " " + v.F("decision_delay_baseline_days", baseline)
		lineOpts = append(lineOpts,
			charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: v.T("baseline"), YAxis: round1(*baseline)}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
				LineStyle: &opts.LineStyle{Type: "dashed", Color: "#bf8700"},
				Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: text}}))
	}
	line.AddSeries(v.L("decision_delay_days"), delays, lineOpts...)
	bar.Overlap(line)
	return newChart("chart-site-delay", "chart", partialTitle(v, v.T("decision_delay"), partial), bar)
}
