package dashboards

// The sponsor page (/): where the 90-day plan stands, its targets, the
// group's headline figures, the weekly trends and the sites needing help.

import (
	"github.com/gin-gonic/gin"

	"relais/queries"
)

type phaseStep struct {
	Key   string
	From  int
	To    int // 0: open-ended
	State string
}

type sponsorBody struct {
	Doc      *queries.Document
	Phases   []phaseStep
	DayCap   int
	Help     []queries.Site
	Headline []string
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
	body.DayCap = min(max(doc.Program.Day, 0), 91)
	help := needHelp(doc.Sites)
	if len(help) > 3 {
		help = help[:3]
	}
	body.Help = help
	body.Headline = []string{"sites", "mau", "adoption", "ambassadors", "active_ambassadors", "ideas", "ideas_implemented", "decision_delay_days", "response_sla_share", "struggling_sites"}
	v.Body = body
	if len(doc.Targets) > 0 {
		ch, err := targetsChart(v, doc.Targets)
		if err != nil {
			return "", err
		}
		v.Charts = append(v.Charts, ch)
	}
	weeks, err := s.series(ctx, asOf, "", defaultWeeks)
	if err != nil {
		return "", err
	}
	ch1, err := weeklyLines(v, "chart-trend-people", v.T("trend")+" — "+v.L("mau"), weeks, []weekSeries{
		{v.T("active_people"), func(w queries.WeekPoint) *float64 { return count64(w.ActivePeople) }},
		{v.L("active_ambassadors"), func(w queries.WeekPoint) *float64 { return count64(w.ActiveAmbassadors) }},
	})
	if err != nil {
		return "", err
	}
	ch2, err := weeklyLines(v, "chart-trend-ideas", v.T("trend")+" — "+v.L("ideas"), weeks, []weekSeries{
		{v.T("new_ideas"), func(w queries.WeekPoint) *float64 { return count64(w.Ideas) }},
		{v.T("decisions_count"), func(w queries.WeekPoint) *float64 { return count64(w.Decisions) }},
		{v.T("votes"), func(w queries.WeekPoint) *float64 { return count64(w.Votes) }},
	})
	if err != nil {
		return "", err
	}
	ch3, err := weeklyLines(v, "chart-trend-delay", v.T("trend")+" — "+v.L("decision_delay_days"), weeks, []weekSeries{
		{v.L("decision_delay_days"), func(w queries.WeekPoint) *float64 { return w.MedianDecisionDelayDays }},
	})
	if err != nil {
		return "", err
	}
	v.Charts = append(v.Charts, ch1, ch2, ch3)
	return "sponsor", nil
}
