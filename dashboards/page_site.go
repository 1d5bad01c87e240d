package dashboards

// The page of one site (/sites/{id}) and its JSON (/api/v1/sites/{id}):
// its KPIs, ambassadors, open ideas, latest decisions and weekly trends.

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

type siteBody struct {
	Site        queries.Site
	Overall     *queries.Overall
	Ambassadors []queries.Ambassador
	Top         []queries.OpenIdea
	Decisions   []queries.DecisionEntry
	Keys        []string
	// Statuses are the idea statuses in the chart's order, with their
	// counts (ideas_by_status, the chart's own numbers).
	Statuses []statusCount
	// ImplementedBeforeStart is the part of ideas_implemented created
	// before the program start (so not in ideas_by_status).
	ImplementedBeforeStart int64
}

// statusCount is one status of the ideas_by_status table; Aside marks the
// ideas set aside (postponed, rejected, withdrawn).
type statusCount struct {
	Status string
	Count  int64
	Aside  bool
}

// siteDetail is the data of the site page and of /api/v1/sites/{id}.
type siteDetail struct {
	AsOf            string                  `json:"as_of"`
	Site            *queries.Site           `json:"site"`
	Ambassadors     []queries.Ambassador    `json:"ambassadors"`
	TopOpenIdeas    []queries.OpenIdea      `json:"top_open_ideas"`
	LatestDecisions []queries.DecisionEntry `json:"latest_decisions"`
	Weeks           []queries.WeekPoint     `json:"weeks"`
}

func (s *Server) loadSite(c *gin.Context) (*queries.Snapshot, *siteDetail, error) {
	ctx := c.Request.Context()
	asOf, snap, err := s.requestSnapshot(c)
	if err != nil {
		return nil, nil, err
	}
	site, err := findSite(snap.Doc, c.Param("id"))
	if err != nil {
		return snap, nil, err
	}
	d := &siteDetail{AsOf: snap.Doc.AsOf, Site: site}
	if d.Ambassadors, err = s.ambassadors(ctx, asOf, site.SiteID); err != nil {
		return snap, nil, err
	}
	if d.TopOpenIdeas, err = s.topOpen(ctx, asOf, site.SiteID); err != nil {
		return snap, nil, err
	}
	if d.LatestDecisions, err = s.latestDecisions(ctx, asOf, site.SiteID, 10); err != nil {
		return snap, nil, err
	}
	if d.Weeks, err = s.series(ctx, asOf, site.SiteID, defaultWeeks); err != nil {
		return snap, nil, err
	}
	nonNil(&d.Ambassadors)
	nonNil(&d.TopOpenIdeas)
	nonNil(&d.LatestDecisions)
	nonNil(&d.Weeks)
	return snap, d, nil
}

// nonNil makes a nil slice an empty one, so the JSON says [] not null.
func nonNil[T any](p *[]T) {
	if *p == nil {
		*p = []T{}
	}
}

func (s *Server) sitePage(c *gin.Context) { s.servePage(c, "sites", s.site) }

// site fills the view of the page and names its template.
func (s *Server) site(c *gin.Context, v *view) (string, error) {
	snap, d, err := s.loadSite(c)
	if err != nil {
		return "", err
	}
	s.fillCommon(v, snap)
	v.Title = v.T("site") + " " + d.Site.Name
	v.JSONURL = v.URL("/api/v1/sites/"+url.PathEscape(d.Site.SiteID), "as_of", snap.Doc.AsOf, "lang", "")
	v.SiteFilter = snap.Doc.Sites
	v.SiteID = d.Site.SiteID
	body := siteBody{Site: *d.Site, Overall: &snap.Doc.Overall, Ambassadors: d.Ambassadors, Top: d.TopOpenIdeas,
		Decisions: d.LatestDecisions, Keys: queries.SiteFigureKeys()}
	for _, st := range pipelineStatuses {
		body.Statuses = append(body.Statuses, statusCount{Status: st, Count: d.Site.IdeasByStatus.Get(st)})
	}
	for _, st := range setAsideStatuses {
		body.Statuses = append(body.Statuses, statusCount{Status: st, Count: d.Site.IdeasByStatus.Get(st), Aside: true})
	}
	asOf, err := time.Parse(dateLayout, snap.Doc.AsOf)
	if err != nil {
		return "", err
	}
	if body.ImplementedBeforeStart, err = s.implementedBeforeStart(c.Request.Context(), asOf, d.Site.SiteID); err != nil {
		return "", err
	}
	v.Body = body
	// The sponsor's trend chart: the program start, the phases and a
	// partial last week marked as there.
	ch1, err := trendChart(v, "chart-site-participation", v.T("weekly_participation"), snap.Doc.Program, d.Weeks, []trendSeries{
		{v.T("active_people"), "#2f81f7", func(w queries.WeekPoint) *float64 { return count64(w.ActivePeople) }},
		{v.L("active_ambassadors"), "#8250df", func(w queries.WeekPoint) *float64 { return count64(w.ActiveAmbassadors) }},
		{v.T("new_ideas"), "#1a7f37", func(w queries.WeekPoint) *float64 { return count64(w.Ideas) }},
	})
	if err != nil {
		return "", err
	}
	ch2, err := ideaStatusChart(v, d.Site.IdeasByStatus)
	if err != nil {
		return "", err
	}
	ch3, err := decisionDelayChart(v, d.Weeks, d.Site.DecisionDelayBaselineDays)
	if err != nil {
		return "", err
	}
	v.Charts = append(v.Charts, ch1, ch2, ch3)
	return "site", nil
}

// implementedBeforeStart is the part of a site's ideas_implemented created
// before the program start (cached per data version).
func (s *Server) implementedBeforeStart(ctx context.Context, asOf time.Time, site string) (int64, error) {
	key := fmt.Sprintf("implbefore|%s|%s", asOf.Format(dateLayout), site)
	return cached(ctx, s, key, func(ctx context.Context) (int64, error) {
		return s.opts.DB.ImplementedBeforeStart(ctx, s.opts.Snapshots.Settings(), asOf, site)
	})
}

// ImplementedNote says why the site's ideas_implemented differs from the
// implemented ideas of the status chart: it counts the ideas implemented
// in the program whenever they were created.
func (v *view) ImplementedNote(implemented, before int64) string {
	return v.fill("implemented_note", "implemented", v.N(implemented), "before", v.N(before))
}
