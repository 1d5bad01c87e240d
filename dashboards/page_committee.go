package dashboards

// The committee page (/committee) and its JSON (/api/v1/committee): what
// the committee decides this month. The group's top open ideas and a
// site's, the month's whole changelog (newest first, filtered by site,
// decision and challenge, by pages), the monthly synthesis; ?print=1 is
// the pack to print, with the whole changelog on one page (docs/pages.md).

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// committeeData is the data of the committee page and /api/v1/committee.
type committeeData struct {
	Month string `json:"month"`
	AsOf  string `json:"as_of"`
	// OpenOn is the date open ideas are taken on: the month's last day, or
	// the as-of date when earlier.
	OpenOn string  `json:"open_on"`
	SiteID *string `json:"site_id"`
	// ChallengeID and Decision are the filters asked for (null: none).
	ChallengeID *string `json:"challenge_id"`
	Decision    *string `json:"decision"`
	// TopOpenIdeas are each site's top open ideas (the chosen site's only).
	TopOpenIdeas []queries.OpenIdea `json:"top_open_ideas"`
	// GroupTopOpenIdeas are the group's top open ideas, ranked as one list
	// (the site filter does not apply; the challenge filter does).
	GroupTopOpenIdeas []queries.OpenIdea `json:"group_top_open_ideas"`
	// Decisions is the month's whole changelog, oldest first.
	Decisions []queries.DecisionEntry `json:"decisions"`
	// Changelog is one page of the same changelog, newest first.
	Changelog changelogPage       `json:"changelog"`
	Synthesis []queries.SiteMonth `json:"synthesis"`
}

// changelogPage is one page of the changelog, newest first.
type changelogPage struct {
	Order string `json:"order"`
	// Total counts the decisions the filters keep; Counts counts them by
	// decision, the decision filter aside (what that filter offers).
	Total   int64                   `json:"total"`
	Counts  queries.DecisionCounts  `json:"counts"`
	Page    int                     `json:"page"`
	PerPage int                     `json:"per_page"`
	Pages   int                     `json:"pages"`
	Entries []queries.DecisionEntry `json:"entries"`
}

const (
	// changelogPerPage is the changelog's page size unless ?per_page= says.
	changelogPerPage = 50
	// maxChangelogPerPage bounds ?per_page=.
	maxChangelogPerPage = 1000
	// synthesisChartSites is how many sites the synthesis chart draws (the
	// most decisions first); the table under it has every site.
	synthesisChartSites = 20
)

// committeeMode says what a request of the committee needs.
type committeeMode int

const (
	committeeScreen committeeMode = iota // the page, one page of the changelog
	committeePrint                       // the pack: the whole changelog, every site's top
	committeeAPI                         // the JSON: all of it
)

// committeeQuery is the request's committee parameters, checked.
type committeeQuery struct {
	asOf, month               time.Time
	site, challenge, decision string
	page, perPage             int
	printAsked                bool
	challenges                []queries.ChallengeOption
	changelog                 queries.ChangelogFilter
	openOn                    time.Time
	snap                      *queries.Snapshot
}

// parseCommittee reads and checks the committee parameters: month, site,
// challenge, decision, page, per_page, print.
func (s *Server) parseCommittee(c *gin.Context) (*committeeQuery, error) {
	ctx := c.Request.Context()
	q := &committeeQuery{site: c.Query("site"), challenge: c.Query("challenge"), decision: c.Query("decision"),
		printAsked: printAsked(c)}
	var err error
	if q.asOf, err = s.parseAsOf(c.Request); err != nil {
		return nil, err
	}
	if q.month, err = parseMonth(c.Request, q.asOf); err != nil {
		return nil, err
	}
	if q.page, err = positiveParam(c, "page", 1, 0); err != nil {
		return nil, err
	}
	if q.perPage, err = positiveParam(c, "per_page", changelogPerPage, maxChangelogPerPage); err != nil {
		return nil, err
	}
	if q.decision != "" && !slices.Contains(decisionValues(), q.decision) {
		return nil, paramError{msg: fmt.Sprintf("decision %q: want one of %v", q.decision, decisionValues())}
	}
	if q.snap, err = s.doc(ctx, q.asOf); err != nil {
		return nil, err
	}
	if q.site != "" {
		if _, err := findSite(q.snap.Doc, q.site); err != nil {
			return nil, err
		}
	}
	if q.challenges, err = s.challengeList(ctx); err != nil {
		return nil, err
	}
	if q.challenge != "" {
		i := slices.IndexFunc(q.challenges, func(ch queries.ChallengeOption) bool { return ch.ChallengeID == q.challenge })
		if i < 0 {
			return nil, notFoundError{msg: fmt.Sprintf("challenge %q is not loaded", q.challenge)}
		}
	}
	q.openOn = committeeDate(q.month, q.asOf)
	q.changelog = queries.ChangelogFilter{Month: q.month, AsOf: q.asOf, SiteID: q.site, Decision: q.decision, ChallengeID: q.challenge}
	return q, nil
}

// printAsked says whether the request asks for the pack to print
// (?print= anything but 0).
func printAsked(c *gin.Context) bool { p := c.Query("print"); return p != "" && p != "0" }

// positiveParam reads ?name=N, a whole number from 1 to max (0: no
// bound); def when absent.
func positiveParam(c *gin.Context, name string, def, max int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || (max > 0 && n > max) {
		if max > 0 {
			return 0, paramError{msg: fmt.Sprintf("%s %q: want a whole number from 1 to %d", name, v, max)}
		}
		return 0, paramError{msg: fmt.Sprintf("%s %q: want a whole number from 1", name, v)}
	}
	return n, nil
}

// decisionValues are the committee's decisions, as the decisions dataset
// declares them.
func decisionValues() []string {
	ds, _ := queries.LookupDataset("decisions")
	for _, col := range ds.Columns {
		if col.Name == "decision" {
			return col.Values
		}
	}
	return nil
}

func (s *Server) loadCommitteeAPI(c *gin.Context) (*queries.Snapshot, *committeeData, error) {
	return s.loadCommittee(c, committeeAPI)
}

// loadCommittee computes what mode needs of the committee's data; the
// numbers are those of /api/v1/committee whatever the mode.
func (s *Server) loadCommittee(c *gin.Context, mode committeeMode) (*queries.Snapshot, *committeeData, error) {
	ctx := c.Request.Context()
	q, err := s.parseCommittee(c)
	if err != nil {
		return nil, nil, err
	}
	if q.printAsked && mode == committeeScreen {
		mode = committeePrint
	}
	d := &committeeData{Month: q.month.Format(monthLayout), AsOf: q.snap.Doc.AsOf, OpenOn: q.openOn.Format(dateLayout)}
	for _, f := range []struct {
		v string
		p **string
	}{{q.site, &d.SiteID}, {q.challenge, &d.ChallengeID}, {q.decision, &d.Decision}} {
		if f.v != "" {
			v := f.v
			*f.p = &v
		}
	}
	top := queries.TopOpenFilter{AsOf: q.openOn, ChallengeID: q.challenge}
	if d.GroupTopOpenIdeas, err = s.topOpenOf(ctx, top); err != nil {
		return q.snap, nil, err
	}
	if mode != committeeScreen || q.site != "" {
		top.SiteID, top.PerSite = q.site, true
		if d.TopOpenIdeas, err = s.topOpenOf(ctx, top); err != nil {
			return q.snap, nil, err
		}
	}
	if d.Changelog, err = s.changelogOf(ctx, q, mode == committeePrint); err != nil {
		return q.snap, nil, err
	}
	if mode == committeeAPI {
		if d.Decisions, err = s.changelogEntries(ctx, q.changelog, 0, 0); err != nil {
			return q.snap, nil, err
		}
		d.Decisions = slices.Clone(d.Decisions)
		slices.Reverse(d.Decisions)
	}
	syn, err := s.synthesis(ctx, q.month, q.asOf)
	if err != nil {
		return q.snap, nil, err
	}
	if q.site != "" {
		var one []queries.SiteMonth
		for _, m := range syn {
			if m.SiteID == q.site {
				one = append(one, m)
			}
		}
		syn = one
	}
	d.Synthesis = scopeSynthesis(ctx, syn)
	nonNil(&d.TopOpenIdeas)
	nonNil(&d.GroupTopOpenIdeas)
	nonNil(&d.Decisions)
	nonNil(&d.Changelog.Entries)
	nonNil(&d.Synthesis)
	return q.snap, d, nil
}

// scopeSynthesis hides the authors of the synthesis's longest-waiting
// ideas that the reader may not see by name, as scopeIdeas does (a copy:
// the cached synthesis is shared).
func scopeSynthesis(ctx context.Context, all []queries.SiteMonth) []queries.SiteMonth {
	out := make([]queries.SiteMonth, len(all))
	for i, m := range all {
		m.LongestWaiting = scopeIdeas(ctx, m.LongestWaiting)
		out[i] = m
	}
	return out
}

// changelogOf is the page of the changelog q asks for (all of it when
// whole); a page after the last is a bad parameter.
func (s *Server) changelogOf(ctx context.Context, q *committeeQuery, whole bool) (changelogPage, error) {
	p := changelogPage{Order: "newest_first", Page: q.page, PerPage: q.perPage}
	var err error
	if p.Counts, err = s.changelogCounts(ctx, q.changelog); err != nil {
		return p, err
	}
	p.Total = p.Counts.Retained + p.Counts.Postponed + p.Counts.Rejected + p.Counts.Implemented
	if q.decision != "" {
		p.Total = decisionCount(p.Counts, q.decision)
	}
	if whole {
		p.Page, p.PerPage = 1, max(1, int(p.Total))
	}
	p.Pages = max(1, int((p.Total+int64(p.PerPage)-1)/int64(p.PerPage)))
	if p.Page > p.Pages {
		return p, paramError{msg: fmt.Sprintf("page %d: the changelog has %d pages", p.Page, p.Pages)}
	}
	limit := p.PerPage
	if whole {
		limit = 0
	}
	p.Entries, err = s.changelogEntries(ctx, q.changelog, limit, (p.Page-1)*p.PerPage)
	return p, err
}

// decisionCount is the count of one decision.
func decisionCount(c queries.DecisionCounts, decision string) int64 {
	switch decision {
	case "retained":
		return c.Retained
	case "postponed":
		return c.Postponed
	case "rejected":
		return c.Rejected
	case "implemented":
		return c.Implemented
	}
	return 0
}

// filterKey is a changelog filter as part of a cache key.
func filterKey(f queries.ChangelogFilter) string {
	return fmt.Sprintf("%s|%s|%q|%q|%q", f.Month.Format(monthLayout), f.AsOf.Format(dateLayout), f.SiteID, f.Decision, f.ChallengeID)
}

func (s *Server) changelogEntries(ctx context.Context, f queries.ChangelogFilter, limit, offset int) ([]queries.DecisionEntry, error) {
	key := fmt.Sprintf("clog|%s|%d|%d", filterKey(f), limit, offset)
	return cached(ctx, s, key, func(ctx context.Context) ([]queries.DecisionEntry, error) {
		return s.opts.DB.Changelog(ctx, f, limit, offset)
	})
}

func (s *Server) changelogCounts(ctx context.Context, f queries.ChangelogFilter) (queries.DecisionCounts, error) {
	f.Decision = ""
	return cached(ctx, s, "clogn|"+filterKey(f), func(ctx context.Context) (queries.DecisionCounts, error) {
		return s.opts.DB.ChangelogCounts(ctx, f)
	})
}

// topOpenOf is the committee's top open ideas (authors scoped to the
// reader).
func (s *Server) topOpenOf(ctx context.Context, f queries.TopOpenFilter) ([]queries.OpenIdea, error) {
	key := fmt.Sprintf("ctop|%s|%q|%q|%t", f.AsOf.Format(dateLayout), f.SiteID, f.ChallengeID, f.PerSite)
	ideas, err := cached(ctx, s, key, func(ctx context.Context) ([]queries.OpenIdea, error) {
		return s.opts.DB.TopOpen(ctx, f, topIdeas)
	})
	return scopeIdeas(ctx, ideas), err
}

func (s *Server) challengeList(ctx context.Context) ([]queries.ChallengeOption, error) {
	return cached(ctx, s, "challenges", func(ctx context.Context) ([]queries.ChallengeOption, error) {
		return s.opts.DB.ChallengeList(ctx)
	})
}

func (s *Server) committeePage(c *gin.Context) { s.servePage(c, "committee", s.committee) }

// committeeBody is what committee.html shows.
type committeeBody struct {
	Data  *committeeData
	Print bool
	// SiteName is the chosen site's name ("" for every site).
	SiteName string
	// OpenOn is the date open ideas are taken on.
	OpenOn time.Time
	// BySite is every site's top, for the pack of every site.
	BySite     []siteIdeas
	Challenges []queries.ChallengeOption
	Decisions  []decisionOption
	// ChallengeID, ChallengeTitle and Decision are the chosen filters;
	// PerPage the asked page size ("" when not asked).
	ChallengeID, ChallengeTitle, Decision, PerPage string
	// AllCount counts the decisions of every kind the other filters keep.
	AllCount int64
	// Shown says which decisions the page shows; Pager links the pages.
	Shown string
	Pager pager
	Synth []synthRow
	// ChartNote says what the synthesis chart leaves to the table.
	ChartNote string
	PrintURL  string
	ScreenURL string
	// GroupURL is the page without the site filter.
	GroupURL string
}

type siteIdeas struct {
	SiteID string
	Name   string
	Ideas  []queries.OpenIdea
}

// decisionOption is one choice of the decision filter.
type decisionOption struct {
	Value, Label string
	Count        int64
}

// synthRow is a site of the synthesis table.
type synthRow struct {
	queries.SiteMonth
	Total int64
	// TopURL is the committee page of the site (its top ideas).
	TopURL string
}

// committee fills the view of the page and names its template.
func (s *Server) committee(c *gin.Context, v *view) (string, error) {
	snap, d, err := s.loadCommittee(c, committeeScreen)
	if err != nil {
		return "", err
	}
	s.fillCommon(v, snap)
	q := committeeFilters{month: d.Month, site: deref(d.SiteID), challenge: deref(d.ChallengeID), decision: deref(d.Decision)}
	q.perPage = c.Query("per_page") // checked by loadCommittee
	printing := printAsked(c)
	v.Title = v.T("committee") + " · " + v.MonthText(d.Month)
	v.JSONURL = v.URL("/api/v1/committee", append(q.pairs(), "as_of", d.AsOf, "lang", "")...)
	v.SiteFilter = snap.Doc.Sites
	v.SiteID = q.site
	v.Month = d.Month
	b := committeeBody{Data: d, Print: printing, OpenOn: mustDay(d.OpenOn),
		ChallengeID: q.challenge, Decision: q.decision, PerPage: q.perPage}
	b.SiteName = v.SiteName(q.site)
	if printing && q.site == "" {
		for _, idea := range d.TopOpenIdeas {
			if len(b.BySite) == 0 || b.BySite[len(b.BySite)-1].SiteID != idea.SiteID {
				b.BySite = append(b.BySite, siteIdeas{SiteID: idea.SiteID, Name: v.SiteName(idea.SiteID)})
			}
			b.BySite[len(b.BySite)-1].Ideas = append(b.BySite[len(b.BySite)-1].Ideas, idea)
		}
	}
	if b.Challenges, err = s.challengeList(c.Request.Context()); err != nil { // cached by parseCommittee
		return "", err
	}
	for _, ch := range b.Challenges {
		if ch.ChallengeID == q.challenge {
			b.ChallengeTitle = ch.Title
		}
	}
	for _, dec := range decisionValues() {
		n := decisionCount(d.Changelog.Counts, dec)
		b.Decisions = append(b.Decisions, decisionOption{Value: dec, Label: v.L(dec), Count: n})
		b.AllCount += n
	}
	b.Shown = changelogShown(v, d.Changelog, printing)
	if !printing {
		b.Pager = newPager(v, q, d.Changelog)
	}
	b.PrintURL = v.URL("/committee", append(q.pairs(), "print", "1")...)
	b.ScreenURL = v.URL("/committee", q.pairs()...)
	group := q
	group.site = ""
	b.GroupURL = v.URL("/committee", group.pairs()...)
	b.Synth = synthRows(v, q, d.Synthesis)
	v.Body = &b
	if len(b.Synth) > 0 {
		n := min(len(b.Synth), synthesisChartSites)
		if n < len(b.Synth) {
			b.ChartNote = fmt.Sprintf(v.T("synthesis_chart_capped"), n, len(b.Synth))
		}
		ch, err := synthesisChart(v, b.Synth[:n])
		if err != nil {
			return "", err
		}
		v.Charts = append(v.Charts, ch)
	}
	return "committee", nil
}

// committeeFilters are the filters a committee link keeps.
type committeeFilters struct {
	month, site, challenge, decision, perPage string
}

// pairs are the filters as URL key/value pairs ("" drops the key).
func (f committeeFilters) pairs() []string {
	return []string{"month", f.month, "site", f.site, "challenge", f.challenge, "decision", f.decision, "per_page", f.perPage}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func mustDay(s string) time.Time {
	t, _ := time.Parse(dateLayout, s)
	return t
}

// synthRows sorts the synthesis by the month's decisions, most first
// (ties: site_id), the order of its chart.
func synthRows(v *view, f committeeFilters, syn []queries.SiteMonth) []synthRow {
	out := make([]synthRow, len(syn))
	for i, m := range syn {
		dc := m.Decisions
		f.site = m.SiteID
		out[i] = synthRow{SiteMonth: m, Total: dc.Retained + dc.Postponed + dc.Rejected + dc.Implemented,
			TopURL: v.URL("/committee", f.pairs()...) + "#top-site"}
	}
	slices.SortStableFunc(out, func(a, b synthRow) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		return strings.Compare(a.SiteID, b.SiteID)
	})
	return out
}

// changelogShown says which decisions of how many the page shows.
func changelogShown(v *view, p changelogPage, whole bool) string {
	if p.Total == 0 {
		return v.T("changelog_empty")
	}
	if whole {
		return fmt.Sprintf(v.T("changelog_all"), v.N(p.Total))
	}
	from := int64((p.Page-1)*p.PerPage) + 1
	to := from + int64(len(p.Entries)) - 1
	return fmt.Sprintf(v.T("changelog_shown"), v.N(from), v.N(to), v.N(p.Total))
}

// pager is the changelog's pagination (GOV.UK's pattern: previous, the
// first page, the pages around the current one, the last page, next).
type pager struct {
	Prev, Next string
	Items      []pagerItem
}

// pagerItem is a page link, or an ellipsis when URL and Number are empty.
type pagerItem struct {
	Number  int
	URL     string
	Current bool
}

func newPager(v *view, f committeeFilters, p changelogPage) pager {
	var out pager
	if p.Pages <= 1 {
		return out
	}
	link := func(n int) string {
		return v.URL("/committee", append(f.pairs(), "page", strconv.Itoa(n))...) + "#changelog"
	}
	if p.Page > 1 {
		out.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		out.Next = link(p.Page + 1)
	}
	last := 0
	for n := 1; n <= p.Pages; n++ {
		if n != 1 && n != p.Pages && (n < p.Page-1 || n > p.Page+1) {
			continue
		}
		if last != 0 && n > last+1 {
			out.Items = append(out.Items, pagerItem{})
		}
		out.Items = append(out.Items, pagerItem{Number: n, URL: link(n), Current: n == p.Page})
		last = n
	}
	return out
}

// MonthText formats a month YYYY-MM in the page's language (11/2026 in
// French).
func (v *view) MonthText(month string) string {
	t, err := time.Parse(monthLayout, month)
	if err != nil || v.Lang != langFR {
		return month
	}
	return t.Format("01/2006")
}

// SiteName is the name of a site of the page's site list (its id when
// the site is not loaded).
func (v *view) SiteName(id string) string {
	i := sort.Search(len(v.SiteFilter), func(i int) bool { return v.SiteFilter[i].SiteID >= id })
	if i < len(v.SiteFilter) && v.SiteFilter[i].SiteID == id {
		return v.SiteFilter[i].Name
	}
	return id
}

// Ordinal is the rank of the i-th item of a list (from 1).
func (v *view) Ordinal(i int) int { return i + 1 }

// Score shows an idea's impact x feasibility ("—" when not scored).
func (v *view) Score(p *int64) string {
	if p == nil {
		return "—"
	}
	return v.N(*p)
}

// SiteURL links a site's page.
func (v *view) SiteURL(id string) string { return v.URL("/sites/" + url.PathEscape(id)) }
