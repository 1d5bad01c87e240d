package metrics

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// dashboardUID is the dashboard's stable uid: links and provisioning rely
// on it.
const dashboardUID = "relais-kpis"

type grafanaDS struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type grafanaPanel struct {
	Title      string     `json:"title"`
	Type       string     `json:"type"`
	Datasource *grafanaDS `json:"datasource"`
	Targets    []struct {
		Expr       string     `json:"expr"`
		Datasource *grafanaDS `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaDashboard struct {
	Inputs     json.RawMessage `json:"__inputs"`
	UID        string          `json:"uid"`
	Templating struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Definition string          `json:"definition"`
			Multi      bool            `json:"multi"`
			IncludeAll bool            `json:"includeAll"`
			Datasource *grafanaDS      `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
	Panels []grafanaPanel `json:"panels"`
}

// exportedNames lists every metric name relais exports: the descriptors of
// our collectors, with _bucket/_sum/_count for histograms.
func exportedNames(t *testing.T, m *Metrics) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	ch := make(chan *prometheus.Desc, 256)
	for _, c := range []prometheus.Collector{m.httpRequests, m.httpDuration, m.ingestFails, m.ops, m.kpi} {
		c.Describe(ch)
	}
	close(ch)
	for d := range ch {
		if sm := fqName.FindStringSubmatch(d.String()); sm != nil {
			names[sm[1]] = true
		}
	}
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[mf.GetName()+s] = true
			}
		}
	}
	return names
}

func TestDashboardIsProvisionableAndQueriesExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("grafana", "relais.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("dashboard JSON does not parse: %v", err)
	}
	if d.Inputs != nil {
		t.Error("dashboard has __inputs: file provisioning cannot fill them")
	}
	if d.UID != dashboardUID {
		t.Errorf("uid = %q, want the stable %q", d.UID, dashboardUID)
	}
	m, _ := fixtureMetrics(t)
	known := exportedNames(t, m)
	metricRef := regexp.MustCompile(`relais_[a-z_]+`)
	checkExpr := func(where, expr string) {
		for _, name := range metricRef.FindAllString(expr, -1) {
			if !known[name] {
				t.Errorf("%s: query names %s, which relais does not export", where, name)
			}
		}
	}
	checkDS := func(where string, ds *grafanaDS) {
		if ds == nil || ds.Type != "prometheus" || ds.UID != "${datasource}" {
			t.Errorf("%s: datasource %+v, want prometheus through ${datasource}", where, ds)
		}
	}

	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		switch v.Name {
		case "datasource":
			var q string
			if err := json.Unmarshal(v.Query, &q); err != nil || v.Type != "datasource" || q != "prometheus" {
				t.Errorf("datasource variable: type %q query %s, want a prometheus datasource variable", v.Type, v.Query)
			}
		case "site":
			if !v.Multi || !v.IncludeAll {
				t.Errorf("site variable: multi %v includeAll %v, want both", v.Multi, v.IncludeAll)
			}
			checkDS("site variable", v.Datasource)
			checkExpr("site variable", v.Definition)
			checkExpr("site variable", string(v.Query))
		}
	}
	for _, want := range []string{"datasource", "site"} {
		if !vars[want] {
			t.Errorf("variable %q missing", want)
		}
	}

	queries := 0
	var walk func(ps []grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			checkDS("panel "+p.Title, p.Datasource)
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				queries++
				checkDS("panel "+p.Title+" query", tg.Datasource)
				checkExpr("panel "+p.Title, tg.Expr)
			}
		}
	}
	walk(d.Panels)
	if queries == 0 {
		t.Error("the dashboard has no query")
	}
}

func TestDocsDocumentEveryMetric(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(raw)
	m, _ := fixtureMetrics(t)
	for name := range exportedNames(t, m) {
		if strings.HasSuffix(name, "_bucket") || strings.HasSuffix(name, "_sum") || strings.HasSuffix(name, "_count") {
			continue
		}
		if strings.Contains(section, "`"+name+"`") {
			continue
		}
		// Shared figures are listed once by their suffix.
		suffix := strings.TrimPrefix(strings.TrimPrefix(name, "relais_site_"), "relais_overall_")
		if suffix != name && strings.Contains(section, "| `"+suffix+"`") {
			continue
		}
		t.Errorf("docs/metrics.md does not document %s", name)
	}
}
