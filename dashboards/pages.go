package dashboards

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds one parsed template set per page (each defines "content"
// inside the shared layout).
type pages struct {
	sets map[string]*template.Template
}

var pageNames = []string{"sponsor", "sites", "site", "committee", "data", "error"}

func newPages() (*pages, error) {
	funcs := template.FuncMap{
		"overall": func(d *queries.Document, key string) *float64 { return d.Overall.Value(key) },
		"site":    func(st queries.Site, key string) *float64 { return st.Value(key) },
		"ptr":     func(x float64) *float64 { return &x },
		"ideasView": func(v *view, items []queries.OpenIdea) listView[queries.OpenIdea] {
			return listView[queries.OpenIdea]{V: v, Items: items}
		},
		"decisionsView": func(v *view, items []queries.DecisionEntry) listView[queries.DecisionEntry] {
			return listView[queries.DecisionEntry]{V: v, Items: items}
		},
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s page: %w", n, err)
		}
		p.sets[n] = t
	}
	return p, nil
}

// listView passes a list and the view to a partial template.
type listView[T any] struct {
	V     *view
	Items []T
}

// view is what every page template gets: the language, the nonce, the
// navigation state and the page's own body.
type view struct {
	Lang      string
	Nonce     string
	Nav       string
	Title     string
	AsOf      string
	Path      string
	EChartsOK bool
	JSONURL   string
	ExcelURL  string
	Charts    []chart
	// SiteFilter lists the sites of the filter (nil: no filter) and SiteID
	// the selected one.
	SiteFilter []queries.Site
	SiteID     string
	// Month is the committee month (YYYY-MM) when the page has one.
	Month      string
	ComputedAt string
	Version    int64
	Body       any

	tr    tr
	query url.Values
}

func (s *Server) newView(c *gin.Context, nav, path string) *view {
	lang := pickLang(c.Request)
	n, _ := c.Get(nonceKey)
	nonce, _ := n.(string)
	if _, ok := c.Get(pageKeyKey); ok {
		nonce = s.placeholder // replaced per response (see render)
	}
	return &view{
		Lang: lang, Nonce: nonce, Nav: nav, Path: path, EChartsOK: EChartsEmbedded(),
		tr: translations[lang], query: c.Request.URL.Query(), Version: s.opts.DB.Version(),
	}
}

// T is a page word in the view's language.
func (v *view) T(k string) string { return v.tr.word(k) }

// L is the label of a KPI key, flag, status, phase, target status,
// direction, role or idea kind.
func (v *view) L(k string) string {
	if s, ok := v.tr.Labels[k]; ok {
		return s
	}
	return k
}

// D is the definition of what L labels (the hover text).
func (v *view) D(k string) string { return v.tr.Definitions[k] }

// FlagText says a flag in words.
func (v *view) FlagText(k string) string {
	if s, ok := v.tr.Definitions[k]; ok {
		return s
	}
	return k
}

// F formats a figure for people.
func (v *view) F(key string, x *float64) string { return format(v.Lang, key, x) }

// N formats a count.
func (v *view) N(n int64) string { return num(v.Lang, float64(n), 0) }

// Days formats a duration in days.
func (v *view) Days(x float64) string { return format(v.Lang, "decision_delay_days", &x) }

// Date formats an instant as a local date and time.
func (v *view) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if v.Lang == langFR {
		return t.Format("02/01/2006 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// Raw gives a figure's raw value for sorting (empty when unknown).
func (v *view) Raw(x *float64) string {
	if x == nil {
		return ""
	}
	return fmt.Sprint(*x)
}

// URL builds a link to path keeping the as-of date and the language, with
// extra key/value pairs.
func (v *view) URL(path string, kv ...string) string {
	q := url.Values{}
	if a := v.query.Get("as_of"); a != "" {
		q.Set("as_of", a)
	}
	if l := v.query.Get("lang"); l != "" {
		q.Set("lang", v.Lang)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// LangURL is this page in another language.
func (v *view) LangURL(lang string) string {
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	q.Set("lang", lang)
	return v.Path + "?" + q.Encode()
}

// Query returns a query parameter of the request (for form fields).
func (v *view) Query(k string) string { return v.query.Get(k) }

// render writes a page; a template error is a 500 (logged).
func (s *Server) render(c *gin.Context, code int, name string, v *view) {
	var buf bytes.Buffer
	if err := s.pages.sets[name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error"))
		return
	}
	if key, ok := c.Get(pageKeyKey); ok && code == http.StatusOK {
		k := key.(string)
		page := cachedHTML{lang: v.Lang, body: buf.Bytes()}
		_, _ = cached(s, k, func() (cachedHTML, error) { return page, nil })
	}
	s.writeHTML(c, code, v.Lang, buf.Bytes())
}

const pageKeyKey = "relais.pagekey"

// cachedHTML is a rendered page whose nonce is the server's placeholder.
type cachedHTML struct {
	lang string
	body []byte
}

// cachedPage serves a page from the rendered-page cache when the data
// version, today's date, the language and the URL are the same; the page
// then costs one nonce substitution instead of its queries and template.
func (s *Server) cachedPage(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		// The version in the key: a page rendered while a load commits is
		// stored under the old version and never served again.
		key := "html|" + strconv.FormatInt(s.opts.DB.Version(), 10) + "|" + s.opts.Snapshots.TodayDate().Format(dateLayout) + "|" + pickLang(c.Request) + "|" + c.Request.URL.RequestURI()
		s.cache.mu.Lock()
		e, ok := s.cache.entries[key]
		fresh := s.cache.version == s.opts.DB.Version()
		s.cache.mu.Unlock()
		if ok && fresh {
			p := e.(cachedHTML)
			s.writeHTML(c, http.StatusOK, p.lang, p.body)
			return
		}
		c.Set(pageKeyKey, key)
		h(c)
	}
}

// writeHTML writes a page, putting this response's nonce in place of the
// placeholder.
func (s *Server) writeHTML(c *gin.Context, code int, lang string, body []byte) {
	n, _ := c.Get(nonceKey)
	nonce, _ := n.(string)
	body = bytes.ReplaceAll(body, []byte(s.placeholder), []byte(nonce))
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Language", lang)
	c.Data(code, "text/html; charset=utf-8", body)
}

// pageError shows an error page in the page's language: 400 for bad
// parameters, 404 for unknown sites, 500 (logged) otherwise.
func (s *Server) pageError(c *gin.Context, nav string, err error) {
	code := statusOf(err)
	v := s.newView(c, nav, c.Request.URL.Path)
	msg := err.Error()
	switch code {
	case http.StatusBadRequest:
		v.Title = v.T("bad_request")
	case http.StatusNotFound:
		v.Title = v.T("not_found")
	default:
		s.log.Error("page", "path", c.Request.URL.Path, "err", err)
		v.Title = v.T("error")
	}
	v.Body = msg
	s.render(c, code, "error", v)
}

func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such endpoint"})
		return
	}
	s.pageError(c, "", notFoundError{"no such page: " + c.Request.URL.Path})
}

// --- Sponsor ---------------------------------------------------------------

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
	steps := []phaseStep{
		{Key: queries.PhaseFraming, From: 1, To: 21},
		{Key: queries.PhaseRecruiting, From: 22, To: 35},
		{Key: queries.PhaseLaunch, From: 36, To: 63},
		{Key: queries.PhaseScaleUp, From: 64, To: 91},
		{Key: queries.PhaseSustain, From: 92},
	}
	for i := range steps {
		switch {
		case steps[i].Key == current:
			steps[i].State = "current"
		case steps[i].To != 0 && day > steps[i].To:
			steps[i].State = "done"
		}
	}
	return steps
}

func (s *Server) sponsorPage(c *gin.Context) {
	v := s.newView(c, "sponsor", "/")
	ctx := c.Request.Context()
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		s.pageError(c, "sponsor", err)
		return
	}
	snap, err := s.doc(ctx, asOf)
	if err != nil {
		s.pageError(c, "sponsor", err)
		return
	}
	doc := snap.Doc
	s.fillCommon(v, snap)
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
			s.pageError(c, "sponsor", err)
			return
		}
		v.Charts = append(v.Charts, ch)
	}
	weeks, err := s.series(ctx, asOf, "", defaultWeeks)
	if err != nil {
		s.pageError(c, "sponsor", err)
		return
	}
	ch1, err := weeklyLines(v, "chart-trend-people", v.T("trend")+" — "+v.L("mau"), weeks, []weekSeries{
		{v.T("active_people"), func(w queries.WeekPoint) *float64 { return count64(w.ActivePeople) }},
		{v.L("active_ambassadors"), func(w queries.WeekPoint) *float64 { return count64(w.ActiveAmbassadors) }},
	})
	if err != nil {
		s.pageError(c, "sponsor", err)
		return
	}
	ch2, err := weeklyLines(v, "chart-trend-ideas", v.T("trend")+" — "+v.L("ideas"), weeks, []weekSeries{
		{v.T("new_ideas"), func(w queries.WeekPoint) *float64 { return count64(w.Ideas) }},
		{v.T("decisions_count"), func(w queries.WeekPoint) *float64 { return count64(w.Decisions) }},
		{v.T("votes"), func(w queries.WeekPoint) *float64 { return count64(w.Votes) }},
	})
	if err != nil {
		s.pageError(c, "sponsor", err)
		return
	}
	ch3, err := weeklyLines(v, "chart-trend-delay", v.T("trend")+" — "+v.L("decision_delay_days"), weeks, []weekSeries{
		{v.L("decision_delay_days"), func(w queries.WeekPoint) *float64 { return w.MedianDecisionDelayDays }},
	})
	if err != nil {
		s.pageError(c, "sponsor", err)
		return
	}
	v.Charts = append(v.Charts, ch1, ch2, ch3)
	s.render(c, http.StatusOK, "sponsor", v)
}

// fillCommon sets what every page shows from a snapshot.
func (s *Server) fillCommon(v *view, snap *queries.Snapshot) {
	v.AsOf = snap.Doc.AsOf
	v.ComputedAt = v.Date(snap.ComputedAt.In(s.opts.DB.Location()))
	v.ExcelURL = v.URL("/export.xlsx", "as_of", snap.Doc.AsOf, "lang", v.Lang)
}

// --- Sites -----------------------------------------------------------------

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

func (s *Server) sitesPage(c *gin.Context) {
	v := s.newView(c, "sites", "/sites")
	ctx := c.Request.Context()
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		s.pageError(c, "sites", err)
		return
	}
	snap, err := s.doc(ctx, asOf)
	if err != nil {
		s.pageError(c, "sites", err)
		return
	}
	s.fillCommon(v, snap)
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
			s.pageError(c, "sites", err)
			return
		}
		ad, err := adoptionChart(v, snap.Doc.Sites)
		if err != nil {
			s.pageError(c, "sites", err)
			return
		}
		v.Charts = append(v.Charts, hm, ad)
	}
	s.render(c, http.StatusOK, "sites", v)
}

// --- Site ------------------------------------------------------------------

type siteBody struct {
	Site        *queries.Site
	Overall     *queries.Overall
	Ambassadors []queries.Ambassador
	Top         []queries.OpenIdea
	Decisions   []queries.DecisionEntry
	Keys        []string
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
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		return nil, nil, err
	}
	snap, err := s.doc(ctx, asOf)
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

func (s *Server) sitePage(c *gin.Context) {
	v := s.newView(c, "sites", c.Request.URL.Path)
	snap, d, err := s.loadSite(c)
	if err != nil {
		s.pageError(c, "sites", err)
		return
	}
	s.fillCommon(v, snap)
	v.Title = v.T("site") + " " + d.Site.Name
	v.JSONURL = v.URL("/api/v1/sites/"+url.PathEscape(d.Site.SiteID), "as_of", snap.Doc.AsOf, "lang", "")
	v.SiteFilter = snap.Doc.Sites
	v.SiteID = d.Site.SiteID
	v.Body = siteBody{Site: d.Site, Overall: &snap.Doc.Overall, Ambassadors: d.Ambassadors, Top: d.TopOpenIdeas,
		Decisions: d.LatestDecisions, Keys: queries.SiteFigureKeys()}
	ch1, err := weeklyLines(v, "chart-site-participation", v.T("weekly_participation"), d.Weeks, []weekSeries{
		{v.T("active_people"), func(w queries.WeekPoint) *float64 { return count64(w.ActivePeople) }},
		{v.L("active_ambassadors"), func(w queries.WeekPoint) *float64 { return count64(w.ActiveAmbassadors) }},
		{v.T("new_ideas"), func(w queries.WeekPoint) *float64 { return count64(w.Ideas) }},
	})
	if err != nil {
		s.pageError(c, "sites", err)
		return
	}
	ch2, err := funnelChart(v, d.Site.IdeasByStatus)
	if err != nil {
		s.pageError(c, "sites", err)
		return
	}
	ch3, err := weeklyLines(v, "chart-site-delay", v.T("decision_delay"), d.Weeks, []weekSeries{
		{v.L("decision_delay_days"), func(w queries.WeekPoint) *float64 { return w.MedianDecisionDelayDays }},
		{v.T("decisions_count"), func(w queries.WeekPoint) *float64 { return count64(w.Decisions) }},
	})
	if err != nil {
		s.pageError(c, "sites", err)
		return
	}
	v.Charts = append(v.Charts, ch1, ch2, ch3)
	s.render(c, http.StatusOK, "site", v)
}

// --- Committee -------------------------------------------------------------

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

func (s *Server) committeePage(c *gin.Context) {
	v := s.newView(c, "committee", "/committee")
	snap, d, err := s.loadCommittee(c)
	if err != nil {
		s.pageError(c, "committee", err)
		return
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
			s.pageError(c, "committee", err)
			return
		}
		v.Charts = append(v.Charts, ch)
	}
	s.render(c, http.StatusOK, "committee", v)
}

// --- Data ------------------------------------------------------------------

// dataReport is the data of the data page and /api/v1/data.
type dataReport struct {
	DataVersion int64                    `json:"data_version"`
	Quality     queries.DataQuality      `json:"data_quality"`
	IngestLog   []queries.IngestLogEntry `json:"ingest_log"`
	Inbox       *InboxState              `json:"inbox"`
	Snapshot    *snapshotInfo            `json:"snapshot"`
}

type snapshotInfo struct {
	AsOf       string    `json:"as_of"`
	ComputedAt time.Time `json:"computed_at"`
	Seconds    float64   `json:"seconds"`
}

func (s *Server) loadData(c *gin.Context) (*dataReport, error) {
	ctx := c.Request.Context()
	q, err := s.dataQuality(ctx)
	if err != nil {
		return nil, err
	}
	log, err := s.ingestLog(ctx)
	if err != nil {
		return nil, err
	}
	nonNil(&log)
	nonNil(&q.Rows)
	nonNil(&q.Dangling)
	nonNil(&q.LastIngest)
	r := &dataReport{DataVersion: s.opts.DB.Version(), Quality: q, IngestLog: log}
	if s.inbox != nil {
		st := s.inbox.state()
		r.Inbox = &st
	}
	if snap := s.opts.Snapshots.Latest(); snap != nil {
		r.Snapshot = &snapshotInfo{AsOf: snap.AsOf.Format(dateLayout), ComputedAt: snap.ComputedAt, Seconds: snap.Duration.Seconds()}
	}
	return r, nil
}

func (s *Server) dataPage(c *gin.Context) {
	v := s.newView(c, "data", "/data")
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		s.pageError(c, "data", err)
		return
	}
	r, err := s.loadData(c)
	if err != nil {
		s.pageError(c, "data", err)
		return
	}
	v.AsOf = asOf.Format(dateLayout)
	v.Title = v.T("data")
	v.JSONURL = v.URL("/api/v1/data", "lang", "")
	v.ExcelURL = v.URL("/export.xlsx", "as_of", v.AsOf, "lang", v.Lang)
	v.Body = r
	if len(r.Quality.Rows) > 0 {
		ids := make([]string, len(r.Quality.Rows))
		part := namedCounts{name: v.T("rows")}
		for i, row := range r.Quality.Rows {
			ids[i] = row.Dataset
			part.values = append(part.values, row.Rows)
		}
		ch, err := barsBySite(v, "chart-data-rows", v.T("loaded"), ids, []namedCounts{part})
		if err != nil {
			s.pageError(c, "data", err)
			return
		}
		v.Charts = append(v.Charts, ch)
	}
	s.render(c, http.StatusOK, "data", v)
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
