package dashboards

// The sites page (/sites): every site's KPIs side by side, the heat map and
// adoption per site.

import (
	"github.com/gin-gonic/gin"

	"relais/queries"
)

// maxHeatmapSites caps the heat map: past it the rows are unreadable, so
// it shows the sites needing help most (the table has them all).
const maxHeatmapSites = 60

type sitesBody struct {
	HeatCapped int
	HeatClass  string
	Doc        *queries.Document
	Sites      []queries.Site
	Keys       []string
}

func (s *Server) sitesPage(c *gin.Context) { s.servePage(c, "sites", s.sites) }

// sites fills the view of the page and names its template.
func (s *Server) sites(c *gin.Context, v *view) (string, error) {
	snap, _, err := s.snapshotOf(c, v)
	if err != nil {
		return "", err
	}
	v.Title = v.T("sites")
	v.JSONURL = v.URL("/api/v1/kpis", "as_of", snap.Doc.AsOf, "lang", "")
	v.Body = sitesBody{Doc: snap.Doc, Sites: needHelp(snap.Doc.Sites), Keys: sitesTableKeys()}
	if len(snap.Doc.Sites) > 0 {
		heat := needHelp(snap.Doc.Sites)
		body := v.Body.(sitesBody)
		body.HeatClass = "tall"
		if len(heat) > 15 {
			body.HeatClass = "huge"
		}
		if len(heat) > maxHeatmapSites {
			body.HeatCapped = maxHeatmapSites
			heat = heat[:maxHeatmapSites]
		}
		v.Body = body
		hm, err := sitesHeatmap(v, heat)
		if err != nil {
			return "", err
		}
		ad, err := adoptionChart(v, snap.Doc.Sites)
		if err != nil {
			return "", err
		}
		v.Charts = append(v.Charts, hm, ad)
	}
	return "sites", nil
}

// sitesTableKeys are the columns of the table comparing the sites: the
// registry's keys marked SitesTable, in document order.
func sitesTableKeys() []string {
	var out []string
	for _, d := range queries.Registry() {
		if d.SitesTable {
			out = append(out, d.Key)
		}
	}
	return out
}
