package dashboards

// The committee page (/committee) and its JSON (/api/v1/committee): the
// decisions of a month, the open ideas to review and the monthly synthesis.

import (
	"github.com/gin-gonic/gin"

	"relais/queries"
)

// committeeData is the data of the committee page and /api/v1/committee.
type committeeData struct {
	Month string `json:"month"`
	AsOf  string `json:"as_of"`
	// OpenOn is the date open ideas are taken on: the month's last day, or
	// the as-of date when earlier.
	OpenOn       string                  `json:"open_on"`
	SiteID       *string                 `json:"site_id"`
	TopOpenIdeas []queries.OpenIdea      `json:"top_open_ideas"`
	Decisions    []queries.DecisionEntry `json:"decisions"`
	Synthesis    []queries.SiteMonth     `json:"synthesis"`
}

// maxChangelogRows caps the changelog shown on the committee page.
const maxChangelogRows = 500

type committeeBody struct {
	Shown   []queries.DecisionEntry
	Hidden  int
	Data    *committeeData
	BySite  []siteIdeas
	Names   map[string]string
	Synth   []queries.SiteMonth
	HasSite bool
}

type siteIdeas struct {
	SiteID string
	Name   string
	Ideas  []queries.OpenIdea
}

func (s *Server) loadCommittee(c *gin.Context) (*queries.Snapshot, *committeeData, error) {
	ctx := c.Request.Context()
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		return nil, nil, err
	}
	month, err := parseMonth(c.Request, asOf)
	if err != nil {
		return nil, nil, err
	}
	snap, err := s.doc(ctx, asOf)
	if err != nil {
		return nil, nil, err
	}
	site := c.Query("site")
	if site != "" {
		if _, err := findSite(snap.Doc, site); err != nil {
			return snap, nil, err
		}
	}
	on := committeeDate(month, asOf)
	d := &committeeData{Month: month.Format(monthLayout), AsOf: snap.Doc.AsOf, OpenOn: on.Format(dateLayout)}
	if site != "" {
		d.SiteID = &site
	}
	if d.TopOpenIdeas, err = s.topOpen(ctx, on, site); err != nil {
		return snap, nil, err
	}
	if d.Decisions, err = s.decisions(ctx, month, asOf, site); err != nil {
		return snap, nil, err
	}
	syn, err := s.synthesis(ctx, month, asOf)
	if err != nil {
		return snap, nil, err
	}
	if site != "" {
		var one []queries.SiteMonth
		for _, m := range syn {
			if m.SiteID == site {
				one = append(one, m)
			}
		}
		syn = one
	}
	d.Synthesis = syn
	nonNil(&d.TopOpenIdeas)
	nonNil(&d.Decisions)
	nonNil(&d.Synthesis)
	return snap, d, nil
}

func (s *Server) committeePage(c *gin.Context) { s.servePage(c, "committee", s.committee) }

// committee fills the view of the page and names its template.
func (s *Server) committee(c *gin.Context, v *view) (string, error) {
	snap, d, err := s.loadCommittee(c)
	if err != nil {
		return "", err
	}
	s.fillCommon(v, snap)
	v.Title = v.T("committee") + " " + d.Month
	site := ""
	if d.SiteID != nil {
		site = *d.SiteID
	}
	v.JSONURL = v.URL("/api/v1/committee", "as_of", d.AsOf, "month", d.Month, "site", site, "lang", "")
	v.SiteFilter = snap.Doc.Sites
	v.SiteID = site
	v.Month = d.Month
	names := map[string]string{}
	for _, st := range snap.Doc.Sites {
		names[st.SiteID] = st.Name
	}
	var by []siteIdeas
	for _, idea := range d.TopOpenIdeas {
		if len(by) == 0 || by[len(by)-1].SiteID != idea.SiteID {
			by = append(by, siteIdeas{SiteID: idea.SiteID, Name: names[idea.SiteID]})
		}
		by[len(by)-1].Ideas = append(by[len(by)-1].Ideas, idea)
	}
	// A page shows the month's latest maxChangelogRows decisions; the JSON
	// and the workbook have them all (the large demo decides ~25,000 ideas
	// a month across 300 sites: a page that long helps no committee).
	shown, hidden := d.Decisions, 0
	if len(shown) > maxChangelogRows {
		hidden = len(shown) - maxChangelogRows
		shown = shown[hidden:]
	}
	v.Body = committeeBody{Data: d, BySite: by, Names: names, Synth: d.Synthesis, HasSite: site != "", Shown: shown, Hidden: hidden}
	if len(d.Synthesis) > 0 {
		ids := make([]string, len(d.Synthesis))
		parts := []namedCounts{{name: v.L("retained")}, {name: v.L("postponed")}, {name: v.L("rejected")}, {name: v.L("implemented")}}
		for i, m := range d.Synthesis {
			ids[i] = m.SiteID
			parts[0].values = append(parts[0].values, m.Decisions.Retained)
			parts[1].values = append(parts[1].values, m.Decisions.Postponed)
			parts[2].values = append(parts[2].values, m.Decisions.Rejected)
			parts[3].values = append(parts[3].values, m.Decisions.Implemented)
		}
		ch, err := barsBySite(v, "chart-committee-decisions", v.T("changelog"), ids, parts)
		if err != nil {
			return "", err
		}
		v.Charts = append(v.Charts, ch)
	}
	return "committee", nil
}
