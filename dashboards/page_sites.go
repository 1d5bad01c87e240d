package dashboards

// The sites page (/sites): which sites need help, and why. The table
// shows, sites needing help first, each site's status, its flags as
// sentences with its numbers (flags.go) and the key figures; the other
// figures are one click away (the "every column" switch, or the site's
// page). Then the heat map, with its legend, and adoption per site; their
// cells and bars open the site's page (docs/pages.md, "Sites").

import (
	"slices"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// maxHeatmapSites caps the heat map: past it the rows are unreadable, so
// it shows the sites needing help most (the table has them all).
const maxHeatmapSites = 60

// sitesKeyColumns are the figures the sites table always shows, in order;
// the table's other columns are the registry's SitesTable keys.
var sitesKeyColumns = []string{"adoption", "active_ambassadors", "ideas", "decision_delay_days", "response_sla_share"}

type sitesBody struct {
	HeatCapped int
	HeatClass  string
	// AdoptionCapped is how many sites the adoption chart shows when it
	// cannot show them all (0: all); AdoptionClass its height class.
	AdoptionCapped int
	AdoptionClass  string
	Doc            *queries.Document
	Sites          []queries.Site
	// KeyColumns are always shown; ExtraColumns when asked for.
	KeyColumns   []string
	ExtraColumns []string
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
	ordered := needHelp(snap.Doc.Sites)
	body := sitesBody{Doc: snap.Doc, Sites: ordered, KeyColumns: sitesKeyColumns, ExtraColumns: sitesExtraColumns(), HeatClass: "tall"}
	if len(ordered) > 0 {
		heat := ordered
		if len(heat) > 15 {
			body.HeatClass = "huge"
		}
		if len(heat) > maxHeatmapSites {
			body.HeatCapped = maxHeatmapSites
			heat = heat[:maxHeatmapSites]
		}
		hm, err := sitesHeatmap(v, heat)
		if err != nil {
			return "", err
		}
		ad, capped, err := siteAdoptionChart(v, snap.Doc.Sites, snap.Doc.Overall.Adoption, maxHeatmapSites)
		if err != nil {
			return "", err
		}
		if capped {
			body.AdoptionCapped = maxHeatmapSites
		}
		body.AdoptionClass = ad.Class
		v.Charts = append(v.Charts, hm, ad)
	}
	v.Body = body
	return "sites", nil
}

// sitesExtraColumns are the registry's keys marked SitesTable that are
// not key columns, in document order.
func sitesExtraColumns() []string {
	var out []string
	for _, d := range queries.Registry() {
		if d.SitesTable && !slices.Contains(sitesKeyColumns, d.Key) {
			out = append(out, d.Key)
		}
	}
	return out
}

// siteStatus is the sort rank and page word of a site's status:
// struggling, to watch (a flag but not struggling), or no flag.
func siteStatus(st queries.Site) (int, string) {
	switch {
	case st.Struggling:
		return 0, "struggling"
	case len(st.Flags) > 0:
		return 1, "status_watch"
	}
	return 2, "status_ok"
}

// StatusRank is the sort key of a site's status (struggling first).
func (v *view) StatusRank(st queries.Site) int { r, _ := siteStatus(st); return r }

// StatusWord is a site's status in words.
func (v *view) StatusWord(st queries.Site) string { _, k := siteStatus(st); return v.T(k) }
