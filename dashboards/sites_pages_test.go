package dashboards

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"relais/queries"
)

// flagsDB is a small group whose flags hold with numbers a person can
// check by hand (as of 2026-11-30, program start unconfigured: day 90,
// the default target of 10 ideas per site, so ideas_behind below 5):
//   - ANNECY: 186 people, 1 ambassador who did nothing, 120 active people:
//     no_active_ambassador and under_covered (186 for 1 > 150).
//   - ORLEANS: 100 people, 18 active (adoption 18 %), the group 161 / 316
//     = 51 % (half: 25 %): low_adoption; 3 ideas: ideas_behind.
//   - PARIS: 20 people, all active.
//   - TROYES: 10 people, 10 active in the previous 30 days, 3 now:
//     mau_drop (-70 %).
//
// ORLEANS's ideas: I1 retained (postponed then retained in the
// changelog), I2 submitted, I3 implemented, I4 withdrawn, all created in
// the program; I5 created before it and implemented in it. Challenges:
// DEF1 group-wide (I1, I2, I4 withdrawn, I6 of PARIS), DEF2 for ORLEANS
// only (no idea), DEF3 starting after the as-of date.
func flagsDB(t testing.TB) *queries.DB {
	t.Helper()
	db := openDB(t)
	i := func(n int64) driver.Value { return n }
	load(t, db, "sites",
		[]driver.Value{"ANNECY", "Annecy", nil, i(186)},
		[]driver.Value{"ORLEANS", "Orléans", nil, i(100)},
		[]driver.Value{"PARIS", "Paris", nil, i(20)},
		[]driver.Value{"TROYES", "Troyes", nil, i(10)},
	)
	var people, act [][]driver.Value
	person := func(id, site, role string, name any, active ...int) {
		var since any
		if role == "ambassador" {
			since = day(80)
		}
		people = append(people, []driver.Value{id, site, role, name, since, nil, nil})
		for _, d := range active {
			act = append(act, []driver.Value{id, at(d, 9), "visit"})
		}
	}
	person("A1", "ANNECY", "ambassador", "Anne")
	for n := 0; n < 120; n++ {
		person(fmt.Sprintf("X%03d", n), "ANNECY", "collaborator", nil, 1)
	}
	person("B1", "ORLEANS", "ambassador", "Bruno", 2)
	person("O00", "ORLEANS", "collaborator", "Olga", 3)
	for n := 1; n < 17; n++ {
		person(fmt.Sprintf("O%02d", n), "ORLEANS", "collaborator", nil, 3)
	}
	person("C1", "PARIS", "ambassador", "Carla", 1)
	for n := 0; n < 19; n++ {
		person(fmt.Sprintf("P%02d", n), "PARIS", "collaborator", nil, 1)
	}
	person("T1", "TROYES", "ambassador", "Théo", 40, 1)
	for n := 0; n < 9; n++ {
		if n < 2 {
			person(fmt.Sprintf("T%02d", n), "TROYES", "collaborator", nil, 40, 1)
		} else {
			person(fmt.Sprintf("T%02d", n), "TROYES", "collaborator", nil, 40)
		}
	}
	load(t, db, "people", people...)
	load(t, db, "activity", act...)
	idea := func(id, site, author, title string, created int, status string, decided, implemented any, challenge any) []driver.Value {
		return []driver.Value{id, site, author, "idea", title, at(created, 9), status, decided, implemented, nil, nil, challenge, nil, nil, nil}
	}
	load(t, db, "ideas",
		idea("I1", "ORLEANS", "O00", "Navette du matin", 20, "retained", at(10, 0), nil, "DEF1"),
		idea("I2", "ORLEANS", "O02", "Casiers", 12, "submitted", nil, nil, "DEF1"),
		idea("I3", "ORLEANS", "O03", "Vélos", 30, "implemented", at(20, 10), at(15, 10), nil),
		idea("I4", "ORLEANS", "O04", "Retirée", 25, "withdrawn", nil, nil, "DEF1"),
		idea("I5", "ORLEANS", "O05", "Ancienne", 120, "implemented", at(100, 10), at(30, 10), nil),
		idea("I6", "PARIS", "P01", "Jardin", 15, "submitted", nil, nil, "DEF1"),
	)
	load(t, db, "votes",
		[]driver.Value{"I1", "P00", at(8, 10)},
		[]driver.Value{"I1", "O01", at(7, 10)},
		[]driver.Value{"I1", "O05", at(-1, 10)}, // after the as-of date
		[]driver.Value{"I4", "O06", at(9, 10)},  // on a withdrawn idea
		[]driver.Value{"I6", "O00", at(6, 10)},
	)
	load(t, db, "comments", []driver.Value{"K1", "I1", "P00", at(8, 11)})
	load(t, db, "decisions",
		[]driver.Value{"I1", "postponed", at(15, 10), "Attendre le budget"},
		[]driver.Value{"I1", "retained", at(10, 11), "Budget voté"},
		[]driver.Value{"I3", "implemented", at(20, 10), nil},
		[]driver.Value{"I5", "implemented", at(100, 10), nil},
	)
	load(t, db, "challenges",
		[]driver.Value{"DEF1", "Défi mobilité", nil, "Mobilité", day(60), day(10)},
		[]driver.Value{"DEF2", "Défi local", "ORLEANS", nil, day(5), day(-5)},
		[]driver.Value{"DEF3", "Défi futur", nil, nil, day(-3), day(-20)},
	)
	return db
}

// pageText is what a person reads on a page (readable), ASCII spaces
// collapsed (no-break spaces stay: French writes them).
func pageText(body []byte) string {
	return strings.TrimSpace(asciiSpaces.ReplaceAllString(readable(string(body)), " "))
}

var asciiSpaces = regexp.MustCompile(`[ \t\r\n]+`)

func TestFlagSentencesCarryTheSitesNumbersAgainstTheThresholdOrTheGroup(t *testing.T) {
	srv := startServer(t, flagsDB(t), nil)
	nb, pc := "\u00a0", "\u202f%"
	want := map[string][]string{
		"fr": {
			"1 ambassadeur, aucun actif sur les 30 derniers jours",
			"186 personnes pour 1 ambassadeur (au-delà de 150)",
			"Adoption 18" + pc + " contre 51" + pc + " pour le groupe (seuil" + nb + ": moitié du groupe, 25" + pc + ")",
			"3 idées depuis le début du programme, sous le seuil de 5 (moitié des 10 attendues au jour 90 pour une cible de 10 par site au jour 90)",
			"Personnes actives sur 30 jours" + nb + ": 3 contre 10 les 30 jours d'avant, soit -70" + pc + " (seuil" + nb + ": -30" + pc + ")",
		},
		"en": {
			"1 ambassador, none active in the last 30 days",
			"186 people for 1 ambassador (over 150)",
			"Adoption 18% against 51% for the group (threshold: half the group's, 25%)",
			"3 ideas since the program start, below the threshold of 5 (half the 10 expected by day 90 for a target of 10 per site by day 90)",
			"People active in 30 days: 3 against 10 in the 30 days before, -70% (threshold: -30%)",
		},
	}
	for lang, sentences := range want {
		// The sponsor page's three sites needing help are these three.
		for _, path := range []string{"/sites", "/", "/sites/ANNECY", "/sites/ORLEANS", "/sites/TROYES"} {
			_, body := get(t, srv.URL+path+"?lang="+lang)
			text := pageText(body)
			for _, s := range sentences {
				site := map[string]string{"ambassad": "ANNECY", "186": "ANNECY", "Adoption": "ORLEANS", "3 id": "ORLEANS", "People": "TROYES", "Personnes": "TROYES"}
				owner := ""
				for prefix, id := range site {
					if strings.HasPrefix(s, prefix) || strings.Contains(s[:min(len(s), 16)], prefix) {
						owner = id
					}
				}
				if path != "/sites" && path != "/" && path != "/sites/"+owner {
					continue
				}
				if !strings.Contains(text, s) {
					t.Errorf("%s?lang=%s lacks %q", path, lang, s)
				}
			}
		}
	}
	// The workbook's Sites sheet says the same sentences (one writer:
	// flags.go), each flag's in the site's last column.
	for lang, sentences := range want {
		_, xb := get(t, srv.URL+"/export.xlsx?lang="+lang)
		var reasons []string
		for _, row := range rowsOf(t, openWorkbook(t, xb), sheetName(lang, sheetSites))[1:] {
			reasons = append(reasons, row[len(row)-1])
		}
		all := strings.Join(reasons, "\n")
		for _, s := range sentences {
			if !strings.Contains(all, s) {
				t.Errorf("the %s workbook's Sites sheet lacks %q", lang, s)
			}
		}
	}
	// Struggling first: ANNECY and ORLEANS before PARIS.
	_, body := get(t, srv.URL+"/sites?lang=en")
	text := pageText(body)
	if a, o, p := strings.Index(text, "Annecy"), strings.Index(text, "Orléans"), strings.Index(text, "Paris"); a < 0 || o < 0 || p < o || p < a {
		t.Errorf("the table does not put the struggling sites first: Annecy %d, Orléans %d, Paris %d", a, o, p)
	}
	if !bytes.Contains(body, []byte(`href="/sites/ORLEANS?lang=en"`)) {
		t.Error("a site name does not link to its page")
	}
}

// chartOption returns the ECharts option of a chart of a page.
func chartOption(t *testing.T, body []byte, id string) map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" data-chart="` + id + `">(.*?)</script>`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no chart %s on the page", id)
	}
	var option map[string]any
	if err := json.Unmarshal(m[1], &option); err != nil {
		t.Fatalf("chart %s: %v", id, err)
	}
	return option
}

func TestSiteStatusChartCountsAreTheSitesFiguresInStatusOrder(t *testing.T) {
	srv := startServer(t, flagsDB(t), nil)
	_, raw := get(t, srv.URL+"/api/v1/sites/ORLEANS")
	var api struct {
		Site queries.Site `json:"site"`
	}
	if err := json.Unmarshal(raw, &api); err != nil {
		t.Fatal(err)
	}
	by := api.Site.IdeasByStatus
	if by.Implemented != 1 || api.Site.IdeasImplemented != 2 || by.Withdrawn != 1 || by.Retained != 1 || by.Submitted != 1 {
		t.Fatalf("fixture: ideas_by_status %+v, ideas_implemented %d", by, api.Site.IdeasImplemented)
	}
	_, body := get(t, srv.URL+"/sites/ORLEANS?lang=en")
	option := chartOption(t, body, "chart-funnel")
	// Horizontal bars: the categories on the y axis, bottom to top.
	cats := option["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
	order := append(append([]string{}, pipelineStatuses...), setAsideStatuses...)
	series := option["series"].([]any)
	for i, st := range order {
		ci := len(order) - 1 - i
		if cats[ci] != translations[langEN].Labels[st] {
			t.Errorf("category %d is %v, want %s", ci, cats[ci], st)
		}
		var got any = "-"
		for _, s := range series {
			if v := s.(map[string]any)["data"].([]any)[ci].(map[string]any)["value"]; v != "-" {
				got = v
			}
		}
		if got != float64(by.Get(st)) {
			t.Errorf("%s: the chart says %v, the figures %d", st, got, by.Get(st))
		}
	}
	text := pageText(body)
	for _, st := range order {
		if !strings.Contains(text, fmt.Sprintf("%s %d", translations[langEN].Labels[st], by.Get(st))) {
			t.Errorf("the table beside the chart lacks %s %d", st, by.Get(st))
		}
	}
	if !strings.Contains(text, "Ideas implemented during the program (the \"Ideas implemented\" indicator): 2, of which 1 were created before its start") {
		t.Errorf("the page does not say why ideas_implemented (2) differs from the chart (1): %s", text)
	}
	// The decision delay: days and decisions on two named axes.
	delay := chartOption(t, body, "chart-site-delay")
	axes := delay["yAxis"].([]any)
	if len(axes) != 2 || axes[0].(map[string]any)["name"] != "Days" || axes[1].(map[string]any)["name"] != "Decisions" {
		t.Errorf("decision delay axes: %v", axes)
	}
}

func TestIdeaPageShowsItsHistoryVotesAndCommentsAsOfItsDate(t *testing.T) {
	srv := startServer(t, flagsDB(t), nil)
	resp, body := get(t, srv.URL+"/ideas/I1?lang=en")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %.300s", resp.StatusCode, body)
	}
	text := pageText(body)
	for _, s := range []string{"Navette du matin", "Orléans", "Votes 2", "Comments 1", "Author Olga",
		"Committee decision: Postponed — Attendre le budget", "Committee decision: Retained — Budget voté", "Status today: Retained", "Défi mobilité"} {
		if !strings.Contains(text, s) {
			t.Errorf("the idea page lacks %q: %s", s, text)
		}
	}
	if p, r := strings.Index(text, "Postponed"), strings.Index(text, "Retained —"); p < 0 || r < p {
		t.Error("the history is not oldest first")
	}
	// Before its creation the idea is not loaded; before its decisions it has none.
	if resp, body := get(t, srv.URL+"/ideas/I1?as_of=2026-11-05&lang=fr"); resp.StatusCode != 404 || !strings.Contains(pageText(body), "L'idée « I1 » n'est pas chargée au 05/11/2026") {
		t.Errorf("an idea before its creation: %d, want 404 saying so in French: %s", resp.StatusCode, pageText(body))
	}
	_, body = get(t, srv.URL+"/ideas/I1?lang=en&as_of=2026-11-14")
	if text := pageText(body); strings.Contains(text, "Committee decision") || !strings.Contains(text, "Votes 0") {
		t.Errorf("as of 2026-11-14 the idea had no decision and no vote: %s", text)
	}
	// The site page's lists open the idea.
	_, body = get(t, srv.URL+"/sites/ORLEANS")
	if !bytes.Contains(body, []byte(`href="/ideas/I2"`)) || !bytes.Contains(body, []byte(`href="/ideas/I1"`)) {
		t.Error("the site page's open ideas and decisions do not link to the idea view")
	}
}

func TestIdeaPageNamesTheAuthorOnlyToWhoMaySeeThem(t *testing.T) {
	srv := startServer(t, flagsDB(t), func(o *Options) { o.Auth = proxyAuth(t) })
	for _, c := range callers[1:5] {
		for _, path := range []string{"/ideas/I1?lang=en", "/api/v1/ideas/I1"} {
			resp, body := do(t, "GET", srv.URL+path, nil, "", c.headers)
			if resp.StatusCode != 200 {
				t.Fatalf("%s as %s: %d", path, c.name, resp.StatusCode)
			}
			named := bytes.Contains(body, []byte("Olga")) || bytes.Contains(body, []byte("O00"))
			if core := c.name == "core team"; named != core {
				t.Errorf("%s as %s: author shown %v, want %v", path, c.name, named, core)
			}
		}
	}
}

func TestChallengesPageCountsIdeasParticipantsAndVotesPerSite(t *testing.T) {
	srv := startServer(t, flagsDB(t), nil)
	_, raw := get(t, srv.URL+"/api/v1/challenges")
	var got challengesAnswer
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Challenges) != 2 || got.Challenges[0].ChallengeID != "DEF2" || got.Challenges[1].ChallengeID != "DEF1" {
		t.Fatalf("want DEF2 then DEF1 (newest first, DEF3 not started): %s", raw)
	}
	def1, def2 := got.Challenges[1], got.Challenges[0]
	// Withdrawn I4 and the vote after the as-of date do not count; people
	// count once per challenge: O00, O02, P00, O01 on ORLEANS's ideas,
	// P01 and O00 on PARIS's: 5 over the challenge, not 6.
	if def1.Ideas != 3 || def1.Participants != 5 || def1.Votes != 3 || def1.Comments != 1 || def1.Ongoing {
		t.Errorf("DEF1 totals: %+v", def1)
	}
	wantSites := []queries.ChallengeSite{
		{SiteID: "ORLEANS", Name: "Orléans", Ideas: 2, Participants: 4, Votes: 2, Comments: 1},
		{SiteID: "PARIS", Name: "Paris", Ideas: 1, Participants: 2, Votes: 1},
	}
	if fmt.Sprint(def1.Sites) != fmt.Sprint(wantSites) {
		t.Errorf("DEF1 sites: %+v, want %+v", def1.Sites, wantSites)
	}
	if fmt.Sprint(def1.NotTakenUp) != fmt.Sprint([]queries.SiteRef{{SiteID: "ANNECY", Name: "Annecy"}, {SiteID: "TROYES", Name: "Troyes"}}) {
		t.Errorf("DEF1 not taken up: %+v", def1.NotTakenUp)
	}
	if def2.Ideas != 0 || !def2.Ongoing || len(def2.NotTakenUp) != 1 || def2.NotTakenUp[0].SiteID != "ORLEANS" {
		t.Errorf("DEF2: %+v", def2)
	}
	_, body := get(t, srv.URL+"/challenges?lang=en")
	text := pageText(body)
	for _, s := range []string{"Défi mobilité", "Whole group", "2 / 4", "Not taken up yet by (2 sites): Annecy , Troyes", "Défi local"} {
		if !strings.Contains(text, s) {
			t.Errorf("the challenges page lacks %q", s)
		}
	}
	if strings.Contains(text, "Défi futur") {
		t.Error("a challenge starting after the as-of date is shown")
	}
}

func TestAGroupWideChallengeListsItsTwentySitesWithTheMostIdeasAndTheJSONThemAll(t *testing.T) {
	db := openDB(t)
	var sites, ideas [][]driver.Value
	for n := 0; n < 45; n++ {
		sites = append(sites, []driver.Value{fmt.Sprintf("S%02d", n), fmt.Sprintf("Site %02d", n), nil, int64(100)})
		if n < 23 { // 23 sites take the challenge up, site n with n+1 ideas
			for k := 0; k <= n; k++ {
				ideas = append(ideas, []driver.Value{fmt.Sprintf("I%02d-%02d", n, k), fmt.Sprintf("S%02d", n), nil, "idea", "Idée",
					at(10, 9), "submitted", nil, nil, nil, nil, "DEFX", nil, nil, nil})
			}
		}
	}
	load(t, db, "sites", sites...)
	load(t, db, "ideas", ideas...)
	load(t, db, "challenges", []driver.Value{"DEFX", "Défi du groupe", nil, nil, day(20), day(-5)})
	srv := startServer(t, db, nil)

	_, raw := get(t, srv.URL+"/api/v1/challenges")
	var got challengesAnswer
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Challenges) != 1 || len(got.Challenges[0].Sites) != 23 || len(got.Challenges[0].NotTakenUp) != 22 {
		t.Fatalf("the JSON lists %d challenges; want DEFX with 23 sites and 22 not taken up: %.400s", len(got.Challenges), raw)
	}
	_, body := get(t, srv.URL+"/challenges?lang=en")
	text := pageText(body)
	for _, want := range []string{"The 20 sites with the most ideas in it, of 23.", "Every site in the JSON", "Not taken up yet by (22 sites):", "and 2 other sites."} {
		if !strings.Contains(text, want) {
			t.Errorf("the challenges page lacks %q", want)
		}
	}
	// The most ideas first: S22 (23 ideas) down to S03 (4 ideas).
	for n := 0; n < 45; n++ {
		link := fmt.Sprintf(`href="/sites/S%02d?`, n)
		shown := n >= 3 && n < 23 || n >= 23 && n < 43
		if got := bytes.Contains(body, []byte(link)); got != shown {
			t.Errorf("site S%02d linked: %v, want %v", n, got, shown)
		}
	}
}

func TestChallengesPageWithoutChallengesSaysHowToLoadThem(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	resp, body := get(t, srv.URL+"/challenges?lang=en")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`id="challenges-empty"`)) {
		t.Fatalf("status %d, no empty state: %.300s", resp.StatusCode, body)
	}
	if _, raw := get(t, srv.URL+"/api/v1/challenges"); !bytes.Contains(raw, []byte(`"challenges":[]`)) {
		t.Errorf("JSON without challenges: %s", raw)
	}
}

func TestChartItemsCarryTheAddressTheyOpen(t *testing.T) {
	srv := startServer(t, flagsDB(t), nil)
	_, body := get(t, srv.URL+"/sites?as_of=2026-11-30")
	for _, id := range []string{"chart-heatmap", "chart-adoption"} {
		links, ok := chartOption(t, body, id)["links"].([]any)
		if !ok || len(links) == 0 {
			t.Fatalf("%s has no links", id)
		}
		first := links[0].([]any)
		if len(first) == 0 || !strings.HasPrefix(first[0].(string), "/sites/") || !strings.Contains(first[0].(string), "as_of=2026-11-30") {
			t.Errorf("%s: links %v", id, first)
		}
	}
}

func TestSitesIdeaAndChallengesPagesShowNoInternalCodeWithEveryFlag(t *testing.T) {
	srv := startServer(t, flagsDB(t), nil)
	var codes []string
	for _, c := range catalog() {
		if strings.Contains(c, "_") {
			codes = append(codes, c)
		}
	}
	for _, lang := range []string{langFR, langEN} {
		for _, p := range []string{"/sites", "/sites/ANNECY", "/sites/ORLEANS", "/sites/TROYES", "/ideas/I1", "/ideas/I4", "/ideas/I5", "/challenges"} {
			resp, body := get(t, srv.URL+p+"?lang="+lang)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
			text := pageText(body)
			for _, c := range codes {
				if regexp.MustCompile(`\b` + c + `\b`).MatchString(text) {
					t.Errorf("%s?lang=%s shows the internal code %q", p, lang, c)
				}
			}
			if strings.Contains(text, "{") {
				t.Errorf("%s?lang=%s shows an unfilled placeholder: %s", p, lang, text)
			}
		}
	}
}

func TestSitePageWeeklyChartsMarkAPartialLastWeek(t *testing.T) {
	srv := startServer(t, flagsDB(t), nil)
	lastPoint := func(series map[string]any) map[string]any {
		data := series["data"].([]any)
		p, _ := data[len(data)-1].(map[string]any)
		return p
	}
	for _, c := range []struct {
		asOf    string
		partial bool
	}{{"2026-11-25", true}, {"2026-11-29", false}} { // a Wednesday, a Sunday
		_, body := get(t, srv.URL+"/sites/ORLEANS?lang=en&as_of="+c.asOf)
		participation := chartOption(t, body, "chart-site-participation")
		cats := participation["xAxis"].(map[string]any)["data"].([]any)
		first := participation["series"].([]any)[0].(map[string]any)
		hollow := lastPoint(first)["symbol"] == "emptyCircle"
		if strings.HasSuffix(cats[len(cats)-1].(string), " *") != c.partial || hollow != c.partial {
			t.Errorf("as of %s participation: last week %v, hollow %v, want partial %v", c.asOf, cats[len(cats)-1], hollow, c.partial)
		}
		delay := chartOption(t, body, "chart-site-delay")
		dcats := delay["xAxis"].([]any)[0].(map[string]any)["data"].([]any)
		var line, bars map[string]any
		for _, s := range delay["series"].([]any) {
			switch s.(map[string]any)["type"] {
			case "line":
				line = s.(map[string]any)
			case "bar":
				bars = s.(map[string]any)
			}
		}
		if _, marked := bars["markLine"]; marked != c.partial {
			t.Errorf("as of %s decision delay: the partial week's dotted line %v, want %v", c.asOf, marked, c.partial)
		}
		hollow = line != nil && lastPoint(line)["symbol"] == "emptyCircle"
		if strings.HasSuffix(dcats[len(dcats)-1].(string), " *") != c.partial || hollow != c.partial {
			t.Errorf("as of %s decision delay: last week %v, hollow %v, want partial %v", c.asOf, dcats[len(dcats)-1], hollow, c.partial)
		}
		if got := strings.Contains(string(body), "partial week"); got != c.partial {
			t.Errorf("as of %s: the page says \"partial week\": %v", c.asOf, got)
		}
	}
}

func TestUnknownSiteAndPageSayItInThePagesLanguageAndTheAPIInEnglish(t *testing.T) {
	srv := startServer(t, flagsDB(t), nil)
	for _, c := range []struct{ path, want string }{
		{"/sites/NOPE?lang=fr", "Le site « NOPE » n'est pas chargé."},
		{"/sites/NOPE?lang=en", "Site “NOPE” is not loaded."},
		{"/committee?site=NOPE&lang=fr", "Le site « NOPE » n'est pas chargé."},
		{"/nowhere?lang=fr", "Aucune page à l'adresse /nowhere."},
		{"/nowhere?lang=en", "There is no page at /nowhere."},
	} {
		resp, body := get(t, srv.URL+c.path)
		if text := pageText(body); resp.StatusCode != 404 || !strings.Contains(text, c.want) {
			t.Errorf("%s: %d, want 404 saying %q: %.300s", c.path, resp.StatusCode, c.want, text)
		}
	}
	resp, body := get(t, srv.URL+"/api/v1/sites/NOPE?lang=fr")
	if resp.StatusCode != 404 || !strings.Contains(string(body), `site \"NOPE\" is not loaded`) {
		t.Errorf("the API's unknown site: %d %s", resp.StatusCode, body)
	}
}
