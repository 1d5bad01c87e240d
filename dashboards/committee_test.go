package dashboards

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"relais/queries"
)

// committeeDB is hostileDB with a challenge (C1: LYON's open idea I2 and
// PARIS's implemented idea I6) and 120 more November decisions, postponing
// I3 at 2026-11-02 08:00:00+n s with the reasons r0..r119: November has
// 121 decisions, I6's on 2026-11-27 the newest.
func committeeDB(t *testing.T) *queries.DB {
	t.Helper()
	db := hostileDB(t)
	i := func(n int64) driver.Value { return n }
	load(t, db, "challenges", []driver.Value{"C1", "Défi mobilité", nil, nil, day(40), day(-10)})
	load(t, db, "ideas",
		[]driver.Value{"I2", "LYON", "P00", "idea", formulaTitle, at(15, 10), "in_review", nil, nil, i(4), i(4), "C1", nil, nil, nil},
		[]driver.Value{"I6", "PARIS", "P05", "idea", "Vélos", at(5, 16), "implemented", at(3, 10), nil, i(4), i(5), "C1", nil, nil, nil},
	)
	var rows [][]driver.Value
	for n := 0; n < 120; n++ {
		rows = append(rows, []driver.Value{"I3", "postponed", time.Date(2026, 11, 2, 8, 0, n, 0, paris), fmt.Sprintf("r%d", n)})
	}
	load(t, db, "decisions", rows...)
	return db
}

func getCommittee(t *testing.T, base, query string) committeeData {
	t.Helper()
	resp, b := get(t, base+"/api/v1/committee?"+query)
	if resp.StatusCode != 200 {
		t.Fatalf("/api/v1/committee?%s: %d %s", query, resp.StatusCode, b)
	}
	var c committeeData
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// changelogRows are the reasons (or "-" when none) of the rows of the
// page's changelog table, in order, and its dates.
func changelogRows(t *testing.T, page []byte) (reasons, dates []string) {
	t.Helper()
	table := regexp.MustCompile(`(?s)<table class="decisions" id="changelog-table">.*?</table>`).Find(page)
	if table == nil {
		t.Fatal("no changelog table on the page")
	}
	for _, m := range regexp.MustCompile(`(?s)<tr>\s*<td class="date">([^<]*)</td>.*?<td>([^<]*)</td>\s*</tr>`).FindAllSubmatch(table, -1) {
		dates = append(dates, string(m[1]))
		r := string(m[2])
		if r == "—" {
			r = "-"
		}
		reasons = append(reasons, r)
	}
	return reasons, dates
}

func reasonsOf(entries []queries.DecisionEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = "-"
		if e.Reason != nil {
			out[i] = *e.Reason
		}
	}
	return out
}

func TestCommitteeChangelogIsNewestFirstInPagesThatContinueEachOther(t *testing.T) {
	srv := startServer(t, committeeDB(t), nil)
	var seen []string
	for page := 1; page <= 3; page++ {
		c := getCommittee(t, srv.URL, fmt.Sprintf("month=2026-11&page=%d", page))
		p := c.Changelog
		if p.Total != 121 || p.Pages != 3 || p.Page != page || p.PerPage != 50 || p.Order != "newest_first" {
			t.Fatalf("page %d: total %d, pages %d, page %d, per page %d, order %q; want 121, 3, %d, 50", page, p.Total, p.Pages, p.Page, p.PerPage, p.Order, page)
		}
		want := reasonsOf(p.Entries)
		_, html := get(t, fmt.Sprintf("%s/committee?month=2026-11&page=%d&lang=en", srv.URL, page))
		got, _ := changelogRows(t, html)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("page %d shows %v, the JSON's page has %v", page, got, want)
		}
		from, to := (page-1)*50+1, min(page*50, 121)
		if shown := fmt.Sprintf("Decisions %d to %d of 121, newest first.", from, to); !strings.Contains(string(html), shown) {
			t.Errorf("page %d does not say %q", page, shown)
		}
		seen = append(seen, want...)
	}
	// I6's decision (27/11, "Fait") first, then r119 .. r0: no row twice,
	// none missing.
	want := []string{"Fait"}
	for n := 119; n >= 0; n-- {
		want = append(want, fmt.Sprintf("r%d", n))
	}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("the three pages, in order:\n%v\nwant\n%v", seen, want)
	}
	// The whole changelog stays in "decisions", oldest first, as before.
	all := getCommittee(t, srv.URL, "month=2026-11").Decisions
	if len(all) != 121 || *all[0].Reason != "r0" || *all[120].Reason != "Fait" {
		t.Errorf("decisions: %d entries from %v to %v, want 121 from r0 to Fait", len(all), all[0].Reason, all[len(all)-1].Reason)
	}
	// The last page has its own links and no next; a page after it is an error.
	_, html := get(t, srv.URL+"/committee?month=2026-11&page=3&lang=en")
	if !strings.Contains(string(html), `rel="prev"`) || strings.Contains(string(html), `rel="next"`) || !strings.Contains(string(html), `aria-current="page">3<`) {
		t.Errorf("page 3's pagination is wrong")
	}
	if resp, _ := get(t, srv.URL+"/committee?month=2026-11&page=4"); resp.StatusCode != 400 {
		t.Errorf("page 4 of 3: status %d, want 400", resp.StatusCode)
	}
}

func TestCommitteeChangelogFiltersBySiteDecisionAndChallenge(t *testing.T) {
	srv := startServer(t, committeeDB(t), nil)
	cases := []struct {
		query   string
		total   int64
		counts  queries.DecisionCounts
		reasons []string
	}{
		{"site=PARIS", 1, queries.DecisionCounts{Implemented: 1}, []string{"Fait"}},
		{"decision=implemented", 1, queries.DecisionCounts{Postponed: 120, Implemented: 1}, []string{"Fait"}},
		{"decision=postponed&per_page=2", 120, queries.DecisionCounts{Postponed: 120, Implemented: 1}, []string{"r119", "r118"}},
		{"challenge=C1", 1, queries.DecisionCounts{Implemented: 1}, []string{"Fait"}},
		{"challenge=C1&site=LYON", 0, queries.DecisionCounts{}, nil},
		{"site=LYON&decision=postponed&page=2&per_page=100", 120, queries.DecisionCounts{Postponed: 120}, []string{"r19", "r18"}},
	}
	for _, c := range cases {
		got := getCommittee(t, srv.URL, "month=2026-11&"+c.query)
		p := got.Changelog
		reasons := reasonsOf(p.Entries)
		if len(reasons) > 2 {
			reasons = reasons[:2]
		}
		if p.Total != c.total || p.Counts != c.counts || strings.Join(reasons, ",") != strings.Join(c.reasons, ",") {
			t.Errorf("%s: total %d, counts %+v, first %v; want %d, %+v, %v", c.query, p.Total, p.Counts, reasons, c.total, c.counts, c.reasons)
		}
		// The page shows the same rows.
		_, html := get(t, srv.URL+"/committee?month=2026-11&lang=en&"+c.query)
		rows, _ := changelogRows(t, html)
		if len(rows) != len(p.Entries) || (len(rows) > 0 && rows[0] != reasonsOf(p.Entries)[0]) {
			t.Errorf("%s: the page shows %d rows from %v, the JSON %d", c.query, len(rows), rows, len(p.Entries))
		}
	}
	// The pages' links keep every filter.
	_, html := get(t, srv.URL+"/committee?month=2026-11&site=LYON&decision=postponed&per_page=10&page=2&lang=en")
	links := regexp.MustCompile(`<a href="(/committee\?[^"]*)" (?:rel|aria-label)`).FindAllSubmatch(html, -1)
	if len(links) < 4 {
		t.Fatalf("%d page links, want at least 4", len(links))
	}
	for _, l := range links {
		u := strings.ReplaceAll(string(l[1]), "&amp;", "&")
		for _, kv := range []string{"site=LYON", "decision=postponed", "per_page=10", "month=2026-11", "lang=en"} {
			if !strings.Contains(u, kv) {
				t.Errorf("page link %s drops %s", u, kv)
			}
		}
	}
	// What the filters offer: the challenge, the decisions with their counts.
	if !strings.Contains(string(html), `<option value="C1">Défi mobilité</option>`) || !strings.Contains(string(html), `<option value="postponed" selected>Postponed (120)</option>`) {
		t.Errorf("the filters do not offer the challenge and the counted decisions")
	}
	for _, bad := range []struct {
		query string
		code  int
	}{{"decision=maybe", 400}, {"challenge=NOPE", 404}, {"page=0", 400}, {"per_page=1001", 400}, {"page=x", 400}} {
		for _, path := range []string{"/committee?", "/api/v1/committee?"} {
			if resp, b := get(t, srv.URL+path+bad.query); resp.StatusCode != bad.code {
				t.Errorf("%s%s: %d, want %d: %.200s", path, bad.query, resp.StatusCode, bad.code, b)
			}
		}
	}
}

func TestCommitteeShowsTheGroupTop5AndASitesTop5(t *testing.T) {
	srv := startServer(t, committeeDB(t), nil)
	ids := func(ideas []queries.OpenIdea) string {
		var out []string
		for _, o := range ideas {
			out = append(out, o.IdeaID)
		}
		return strings.Join(out, ",")
	}
	// Open on 30/11: I1 (EVIL, 25), I2 (LYON, 16), I5 (EVIL, 6).
	c := getCommittee(t, srv.URL, "month=2026-11")
	if got := ids(c.GroupTopOpenIdeas); got != "I1,I2,I5" {
		t.Errorf("group top = %s, want I1,I2,I5", got)
	}
	if got := ids(c.TopOpenIdeas); got != "I1,I5,I2" {
		t.Errorf("every site's top = %s, want I1,I5 (EVIL) then I2 (LYON)", got)
	}
	c = getCommittee(t, srv.URL, "month=2026-11&site=EVIL")
	if ids(c.GroupTopOpenIdeas) != "I1,I2,I5" || ids(c.TopOpenIdeas) != "I1,I5" {
		t.Errorf("with EVIL: group %s, site %s; want I1,I2,I5 and I1,I5", ids(c.GroupTopOpenIdeas), ids(c.TopOpenIdeas))
	}
	c = getCommittee(t, srv.URL, "month=2026-11&challenge=C1")
	if ids(c.GroupTopOpenIdeas) != "I2" || *c.ChallengeID != "C1" {
		t.Errorf("C1's group top = %s, want I2", ids(c.GroupTopOpenIdeas))
	}
	// The page: the group's top without a site, with links to the ideas;
	// a site's top one choice away, then on the page.
	_, html := get(t, srv.URL+"/committee?month=2026-11&lang=en")
	group := regexp.MustCompile(`(?s)id="top-group".*?</section>`).Find(html)
	order := regexp.MustCompile(`href="/ideas/(I\d)\?lang=en"`).FindAllSubmatch(group, -1)
	if len(order) != 3 || string(order[0][1]) != "I1" || string(order[1][1]) != "I2" || string(order[2][1]) != "I5" {
		t.Errorf("the group's top links %q, want I1, I2, I5 in order", order)
	}
	if !strings.Contains(string(html), `id="top-site-choice"`) || strings.Contains(string(html), `id="every-site-top"`) {
		t.Errorf("without a site the page should offer a site choice and no card per site")
	}
	_, html = get(t, srv.URL+"/committee?month=2026-11&site=EVIL&lang=en")
	site := regexp.MustCompile(`(?s)id="top-site".*?</section>`).Find(html)
	if n := len(regexp.MustCompile(`href="/ideas/I[15]\?lang=en"`).FindAll(site, -1)); n != 2 || strings.Contains(string(site), "/ideas/I2") {
		t.Errorf("EVIL's top on the page: %d of I1, I5 linked: %s", n, site)
	}
	if strings.Contains(string(html), hostileTitle) {
		t.Error("the hostile title is not escaped")
	}
}

func TestCommitteePackHasTheWholeChangelogWithDatesInTheLanguagesStyle(t *testing.T) {
	srv := startServer(t, committeeDB(t), nil)
	_, html := get(t, srv.URL+"/committee?month=2026-11&print=1&lang=fr")
	reasons, dates := changelogRows(t, html)
	if len(reasons) != 121 || reasons[0] != "Fait" || reasons[120] != "r0" {
		t.Errorf("the pack shows %d decisions, want all 121, newest first", len(reasons))
	}
	if dates[0] != "27/11/2026" || dates[120] != "02/11/2026" {
		t.Errorf("French dates %s .. %s, want 27/11/2026 .. 02/11/2026", dates[0], dates[120])
	}
	for _, want := range []string{`data-print`, `id="every-site-top"`, "Les 121 décisions du mois"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the pack lacks %s", want)
		}
	}
	if strings.Contains(string(html), `class="pagination`) {
		t.Error("the pack has pagination")
	}
	_, html = get(t, srv.URL+"/committee?month=2026-11&lang=en")
	if _, dates := changelogRows(t, html); dates[0] != "2026-11-27" {
		t.Errorf("English date %s, want 2026-11-27", dates[0])
	}
	if !strings.Contains(string(html), `href="/committee?lang=en&amp;month=2026-11&amp;print=1"`) {
		t.Error("the page does not link its pack")
	}
}
