package dashboards

import (
	"database/sql/driver"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"relais/queries"
)

// startSponsorServer serves the hostile fixture (its latest dated row is
// on 2026-11-30) with the program starting on 2026-10-01, "now" being now.
func startSponsorServer(t *testing.T, now time.Time) *testServer {
	t.Helper()
	db := hostileDB(t)
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	return startServer(t, db, func(o *Options) {
		o.Now = clock
		o.Snapshots = queries.NewSnapshots(db, queries.Settings{ProgramStart: &start}, clock)
	})
}

var (
	cardAttrs   = regexp.MustCompile(`<article class="card target-card" data-kpi="([^"]*)" data-value="([^"]*)" data-target="([^"]*)" data-pace="([^"]*)">`)
	dateInput   = regexp.MustCompile(`<input type="date" name="as_of" value="([^"]*)"`)
	asOfBanners = regexp.MustCompile(`<p class="banner as-of-banner"[^>]*>([^<]*)</p>`)
)

func fetchPageText(t *testing.T, url string) (string, string) {
	t.Helper()
	resp, body := get(t, url)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d: %.300s", url, resp.StatusCode, body)
	}
	return string(body), strings.Join(strings.Fields(readable(string(body))), " ")
}

func TestPagesDefaultToTheLatestDataDateWhenTheDataIsOlderThanToday(t *testing.T) {
	srv := startSponsorServer(t, time.Date(2026, 12, 10, 10, 0, 0, 0, paris))
	for _, p := range []string{"/", "/sites", "/committee"} {
		page, text := fetchPageText(t, srv.URL+p+"?lang=en")
		if m := dateInput.FindStringSubmatch(page); m == nil || m[1] != "2026-11-30" {
			t.Errorf("%s: the as-of date is %v, want the latest data's 2026-11-30", p, m)
		}
		if !strings.Contains(text, "Data up to 2026-11-30 · as of the latest data, 2026-11-30") {
			t.Errorf("%s does not say the data's date and that the page is as of it: %.500s", p, text)
		}
	}
	_, text := fetchPageText(t, srv.URL+"/?lang=fr")
	if !strings.Contains(text, "Données jusqu'au 30/11/2026 · à la date des dernières données, 30/11/2026") {
		t.Errorf("French page: %.500s", text)
	}
	_, body := get(t, srv.URL+"/api/v1/data")
	if !strings.Contains(string(body), `"data_until":"2026-11-30"`) {
		t.Errorf("/api/v1/data does not say the data's date: %.300s", body)
	}
	// The JSON API and the command line keep today (docs/cli.md).
	_, body = get(t, srv.URL+"/api/v1/kpis")
	var doc queries.Document
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.AsOf != "2026-12-10" {
		t.Errorf("/api/v1/kpis defaults to %s, want today 2026-12-10", doc.AsOf)
	}
	// A chosen date is kept, and the page does not call it the latest data's.
	page, text := fetchPageText(t, srv.URL+"/?lang=en&as_of=2026-11-30")
	if strings.Contains(text, "as of the latest data") || dateInput.FindStringSubmatch(page)[1] != "2026-11-30" {
		t.Errorf("a chosen as-of date: %.400s", text)
	}
}

func TestTodayStaysTheDefaultWhenTheDataReachesToday(t *testing.T) {
	srv := startSponsorServer(t, fixtureNow)
	page, text := fetchPageText(t, srv.URL+"/?lang=en")
	if m := dateInput.FindStringSubmatch(page); m == nil || m[1] != "2026-11-30" {
		t.Errorf("as-of date %v, want today", m)
	}
	if !strings.Contains(text, "Data up to 2026-11-30") || strings.Contains(text, "as of the latest data") {
		t.Errorf("freshness line: %.400s", text)
	}
}

func TestAsOfBeforeTheProgramInsideAndAfterTheData(t *testing.T) {
	srv := startSponsorServer(t, fixtureNow)
	cases := []struct {
		name, asOf string
		banner     string // "" for none
		started    bool
	}{
		{"before the program", "2026-09-20", "The program starts on 2026-10-01: before that date, targets have no status.", false},
		{"inside the program and the data", "2026-11-20", "", true},
		{"after the data", "2026-12-20", "No data after 2026-11-30: figures after that date are empty.", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, text := fetchPageText(t, srv.URL+"/?lang=en&as_of="+c.asOf)
			banners := asOfBanners.FindAllStringSubmatch(page, -1)
			switch {
			case c.banner == "" && len(banners) > 0:
				t.Errorf("unexpected banner %q", banners[0][1])
			case c.banner != "" && (len(banners) != 1 || banners[0][1] != c.banner):
				t.Errorf("banners %v, want %q", banners, c.banner)
			}
			cards := cardAttrs.FindAllStringSubmatch(page, -1)
			if len(cards) != 3 {
				t.Fatalf("%d target cards, want 3", len(cards))
			}
			statuses := regexp.MustCompile(`class="status status-`).FindAllString(page, -1)
			if c.started {
				if len(statuses) != 3 || !strings.Contains(page, `id="help-sites"`) || !strings.Contains(page, `data-kpi="struggling_sites"`) {
					t.Errorf("inside the program: %d statuses, help sites %v", len(statuses), strings.Contains(page, `id="help-sites"`))
				}
				return
			}
			if len(statuses) != 0 {
				t.Errorf("before the program the targets show %d statuses", len(statuses))
			}
			for _, forbidden := range []string{"Program day", "Struggling sites", "on track", "at risk", "off track", "short of pace", "ahead of pace", "met"} {
				if regexp.MustCompile(`\b` + forbidden + `\b`).MatchString(text) {
					t.Errorf("before the program the page says %q", forbidden)
				}
			}
			if !strings.Contains(text, "The program starts on 2026-10-01") {
				t.Error("the page does not say when the program starts")
			}
		})
	}
}

func TestSponsorTargetCardsShowTheNumbersOfTheAPI(t *testing.T) {
	srv := startSponsorServer(t, fixtureNow)
	for _, asOf := range []string{"2026-11-20", "2026-11-30"} {
		_, body := get(t, srv.URL+"/api/v1/kpis?as_of="+asOf)
		var doc queries.Document
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		page, text := fetchPageText(t, srv.URL+"/?lang=en&as_of="+asOf)
		cards := cardAttrs.FindAllStringSubmatch(page, -1)
		if len(cards) != len(doc.Targets) {
			t.Fatalf("%s: %d cards, %d targets", asOf, len(cards), len(doc.Targets))
		}
		for i, tr := range doc.Targets {
			c := cards[i]
			if c[1] != tr.ID {
				t.Errorf("%s card %d is %s, want %s", asOf, i, c[1], tr.ID)
			}
			if tr.Value == nil && c[2] != "" || tr.Value != nil && parse(t, c[2]) != *tr.Value {
				t.Errorf("%s %s value %q, API %v", asOf, tr.ID, c[2], tr.Value)
			}
			if parse(t, c[3]) != tr.Target || parse(t, c[4]) != tr.Pace {
				t.Errorf("%s %s target/pace %s/%s, API %v/%v", asOf, tr.ID, c[3], c[4], tr.Target, tr.Pace)
			}
			for _, shown := range []string{format(langEN, tr.ID, tr.Value), "Goal at least " + format(langEN, tr.ID, &tr.Target),
				"Expected pace", format(langEN, tr.ID, &tr.Pace), translations[langEN].Labels[tr.Status]} {
				if !strings.Contains(text, shown) {
					t.Errorf("%s %s: the card does not show %q", asOf, tr.ID, shown)
				}
			}
		}
		if !regexp.MustCompile(`(above target|ahead of pace|short of pace|right on pace)`).MatchString(text) {
			t.Errorf("%s: no gap in words", asOf)
		}
	}
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return f
}

func TestGapIsSaidInTheTargetsUnitWithItsPlural(t *testing.T) {
	fr, en := &view{Lang: langFR, tr: translations[langFR]}, &view{Lang: langEN, tr: translations[langEN]}
	f := func(x float64) *float64 { return &x }
	cases := []struct {
		v    *view
		t    queries.TargetResult
		want string
	}{
		{en, queries.TargetResult{ID: "sites_with_active_ambassador_share", Value: f(0.45), Target: 0.6, Pace: 0.5, Direction: queries.AtLeast, Status: queries.StatusAtRisk}, "3 sites short of pace"},
		{fr, queries.TargetResult{ID: "sites_with_active_ambassador_share", Value: f(0.45), Target: 0.6, Pace: 0.5, Direction: queries.AtLeast, Status: queries.StatusAtRisk}, "3 sites de retard sur le rythme"},
		{en, queries.TargetResult{ID: "sites_with_active_ambassador_share", Value: f(0.5), Target: 0.6, Pace: 0.4833, Direction: queries.AtLeast, Status: queries.StatusOnTrack}, "1 site ahead of pace"},
		{en, queries.TargetResult{ID: "ideas_per_site_median", Value: f(7), Target: 10, Pace: 5, Direction: queries.AtLeast, Status: queries.StatusOnTrack}, "2 ideas per site ahead of pace"},
		{fr, queries.TargetResult{ID: "ideas_per_site_median", Value: f(6.5), Target: 10, Pace: 5, Direction: queries.AtLeast, Status: queries.StatusOnTrack}, "1,5 idée par site d'avance sur le rythme"},
		{en, queries.TargetResult{ID: "decision_delay_reduction", Value: f(0.35), Target: 0.3, Pace: 0.25, Direction: queries.AtLeast, Status: queries.StatusMet}, "5 points above target"},
		{en, queries.TargetResult{ID: "decision_delay_days", Value: f(6), Target: 5, Pace: 5, Direction: queries.AtMost, Status: queries.StatusAtRisk}, "1 day over the limit"},
		{en, queries.TargetResult{ID: "ideas_per_site_median", Value: f(5), Target: 10, Pace: 5, Direction: queries.AtLeast, Status: queries.StatusOnTrack}, "right on pace"},
		{en, queries.TargetResult{ID: "ideas_per_site_median", Target: 10, Pace: 5, Direction: queries.AtLeast, Status: queries.StatusNoData}, ""},
	}
	for _, c := range cases {
		if got := gapText(c.v, c.t, 60); got != c.want {
			t.Errorf("%s %s %v: %q, want %q", c.v.Lang, c.t.ID, c.t.Value, got, c.want)
		}
	}
}

func TestAPageWithoutAnyDatedRowSaysSo(t *testing.T) {
	db := openDB(t)
	load(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, int64(100)})
	srv := startServer(t, db, nil)
	page, text := fetchPageText(t, srv.URL+"/?lang=en")
	if banners := asOfBanners.FindAllStringSubmatch(page, -1); len(banners) != 1 || banners[0][1] != "No dated data is loaded: figures are empty." {
		t.Errorf("banners %v", banners)
	}
	if strings.Contains(text, "Data up to") {
		t.Error("the page gives a data date without any dated row")
	}
}

func TestTileChangeIsSaidInTheFiguresUnit(t *testing.T) {
	fr, en := &view{Lang: langFR, tr: translations[langFR]}, &view{Lang: langEN, tr: translations[langEN]}
	f := func(x float64) *float64 { return &x }
	cases := []struct {
		v                *view
		key              string
		cur, prev        *float64
		wantText, wantTr string
	}{
		{en, "mau", f(110), f(100), "+10 (+10%)", "better"},
		{fr, "mau", f(18908), f(19062), "-154 (-1\u202f%)", "worse"},
		{en, "response_sla_share", f(0.77), f(0.76), "+1 point", "better"},
		{en, "response_sla_share", f(0.763), f(0.76), "+0.3 points", "better"},
		{fr, "response_sla_share", f(0.763), f(0.76), "+0,3 point", "better"},
		{fr, "response_sla_share", f(0.70), f(0.76), "-6 points", "worse"},
		{en, "decision_delay_days", f(6.6), f(7.6), "-1.0 d", "better"},
		{en, "struggling_sites", f(3), f(3), "unchanged", "flat"},
		{en, "mau", nil, f(3), "", ""},
	}
	for _, c := range cases {
		text, trend := changeText(c.v, c.key, c.cur, c.prev)
		if text != c.wantText || trend != c.wantTr {
			t.Errorf("%s %s: %q %q, want %q %q", c.v.Lang, c.key, text, trend, c.wantText, c.wantTr)
		}
	}
}
