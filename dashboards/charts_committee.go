package dashboards

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// synthesisChart draws the month's decisions of the given sites as
// horizontal stacked bars, one per site in the given order from the top
// (the page passes the sites with the most decisions), the site's name on
// its own line: readable whatever the number of sites, since the page
// draws at most synthesisChartSites of them (docs/pages.md).
func synthesisChart(v *view, rows []synthRow) (chart, error) {
	bar := charts.NewBar()
	names := make([]string, len(rows))
	parts := []namedCounts{{name: v.L("retained")}, {name: v.L("postponed")}, {name: v.L("rejected")}, {name: v.L("implemented")}}
	for i := range rows {
		m := rows[len(rows)-1-i] // a category axis runs bottom to top
		names[i] = chartLabel(m.Name)
		if names[i] == "" {
			names[i] = m.SiteID
		}
		parts[0].values = append(parts[0].values, m.Decisions.Retained)
		parts[1].values = append(parts[1].values, m.Decisions.Postponed)
		parts[2].values = append(parts[2].values, m.Decisions.Rejected)
		parts[3].values = append(parts[3].values, m.Decisions.Implemented)
	}
	bar.SetGlobalOptions(axisChartOptions(
		opts.Grid{Left: "2%", Right: "4%", Top: "2%", Bottom: "12%", ContainLabel: opts.Bool(true)},
		opts.XAxis{Type: "value", Min: 0, MinInterval: 1, Name: v.T("decisions_count"), NameLocation: "middle", NameGap: 24},
		opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}})...)
	bar.SetXAxis(names)
	colors := []string{"#2f81f7", "#bf8700", "#cf222e", "#1a7f37"}
	for i, p := range parts {
		data := make([]opts.BarData, len(p.values))
		for j, n := range p.values {
			data[j] = opts.BarData{Value: n}
		}
		bar.AddSeries(p.name, data, charts.WithBarChartOpts(opts.BarChart{Stack: "total", BarCategoryGap: "35%"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colors[i]}))
	}
	bar.XYReversal()
	class := "chart"
	if len(rows) > 10 {
		class = "chart tall"
	}
	return newChart("chart-committee-decisions", class, v.T("synthesis_chart"), bar)
}
