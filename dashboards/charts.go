package dashboards

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"relais/queries"
)

// chart is one chart of a page: the element id and the ECharts option
// object as JSON. Pages put the JSON in a <script type="application/json">
// block through html/template (which escapes it for that context: "<" and
// "&" become \u003c and \u0026, so a title like </script> stays data), and
// static/app.js calls echarts.init + setOption. go-echarts' own page
// renderer is never used: it writes options unescaped into <script>.
type chart struct {
	ID     string
	Class  string
	Label  string
	Option json.RawMessage
}

type echartsOptions interface {
	Validate()
	JSON() map[string]interface{}
}

// newChart marshals a go-echarts chart's options. Its value axes and its
// tooltip show numbers in the page's language (numberFormat): f when
// given, else up to one decimal and no unit.
func newChart(id, class, label string, c echartsOptions, f ...numberFormat) (chart, error) {
	c.Validate()
	obj := c.JSON()
	// The toolbox and the empty title go-echarts always adds are noise on
	// our pages; the page gives each chart its heading.
	delete(obj, "toolbox")
	b, err := json.Marshal(obj)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	format := numberFormat{Decimals: 1}
	if len(f) > 0 {
		format = f[0]
	}
	if b, err = withNumberFormat(b, format); err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	return chart{ID: id, Class: class, Label: label, Option: b}, nil
}

// numberFormat is how static/app.js shows a chart's numbers: the JSON
// carries it as "relaisFormat" on value axes and the tooltip, and app.js
// installs an Intl.NumberFormat of the page's language (a formatter
// function cannot travel in JSON). docs/pages.md, "Languages and formats".
type numberFormat struct {
	Decimals int    `json:"decimals"`
	Suffix   string `json:"suffix,omitempty"`
}

// withNumberFormat marks every value axis without a format, and a tooltip
// without a formatter of its own, with f.
func withNumberFormat(option []byte, f numberFormat) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(option, &obj); err != nil {
		return nil, err
	}
	for _, k := range []string{"xAxis", "yAxis"} {
		for _, axis := range asList(obj[k]) {
			if axis["type"] == "value" && axis["relaisFormat"] == nil {
				axis["relaisFormat"] = f
			}
		}
	}
	for _, tip := range asList(obj["tooltip"]) {
		if tip["formatter"] == nil && tip["relaisFormat"] == nil {
			tip["relaisFormat"] = f
		}
	}
	return json.Marshal(obj)
}

// asList is an option's object or list of objects as a list.
func asList(x any) []map[string]any {
	switch x := x.(type) {
	case map[string]any:
		return []map[string]any{x}
	case []any:
		var out []map[string]any
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func noAnimation() charts.GlobalOpts { return charts.WithAnimation(false) }

// axisChartOptions are the options of a chart with axes (bars, lines): no
// animation, a tooltip per axis value, the legend at the bottom, and the
// chart's own grid and axes.
func axisChartOptions(grid opts.Grid, x opts.XAxis, y opts.YAxis) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		noAnimation(),
		charts.WithInitializationOpts(opts.Initialization{Theme: "white"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(grid),
		charts.WithXAxisOpts(x),
		charts.WithYAxisOpts(y),
	}
}

func count64(n int64) *float64 { f := float64(n); return &f }

// heatmapKPIs are the columns of the sites heat map: the registry's keys
// with a HeatmapColumn, in column order.
func heatmapKPIs() []queries.KPIDef {
	var out []queries.KPIDef
	for _, d := range queries.Registry() {
		if d.HeatmapColumn > 0 {
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].HeatmapColumn < out[j].HeatmapColumn })
	return out
}

// barsBySite draws one stacked bar per site, one series per part.
func barsBySite(v *view, id, label string, siteIDs []string, parts []namedCounts) (chart, error) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(axisChartOptions(opts.Grid{Left: "3%", Right: "3%", Top: "8%", Bottom: "18%", ContainLabel: opts.Bool(true)}, opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0", Rotate: 30}}, opts.YAxis{Type: "value", Min: 0, MinInterval: 1})...)
	bar.SetXAxis(siteIDs)
	for _, p := range parts {
		data := make([]opts.BarData, len(p.values))
		for i, n := range p.values {
			data[i] = opts.BarData{Value: n}
		}
		bar.AddSeries(p.name, data, charts.WithBarChartOpts(opts.BarChart{Stack: "total"}))
	}
	return newChart(id, "chart", label, bar)
}

type namedCounts struct {
	name   string
	values []int64
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round2(x float64) float64 { return math.Round(x*100) / 100 }
