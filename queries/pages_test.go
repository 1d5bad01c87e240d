package queries

import (
	"context"
	"reflect"
	"testing"
)

// Page queries: hand-made fixtures, expected values worked by hand.

// seriesFixture has two sites with activity, ideas, votes, comments and
// decisions around the end of DST (2026-10-25), and a site C with none.
func seriesFixture(t *testing.T) *DB {
	f := newFixture(t)
	f.site("C", 5)
	f.site("A", 10)
	f.site("B", 10)
	f.person("p1", "A", "ambassador", "", "", "")
	f.person("p2", "A", "collaborator", "", "", "")
	f.person("p3", "B", "collaborator", "", "", "")
	f.person("p4", "A", "ambassador", "2026-10-26", "", "")
	f.activity("p1", f.at("2026-10-25 23:30"))      // Sunday night, CET: week of 10-19
	f.activity("p1", f.utc("2026-10-25T23:30:00Z")) // 10-26 00:30 local: week of 10-26
	f.activity("p1", f.at("2026-10-29 10:00"))      // after D
	f.activity("p2", f.at("2026-10-12 00:00"))      // first instant of the range
	f.activity("p2", f.at("2026-10-11 23:59"))      // before the range
	f.activity("p3", f.at("2026-10-20 10:00"))      // site B
	f.activity("x", f.at("2026-10-21 10:00"))       // not in people
	f.activity("p4", f.at("2026-10-20 10:00"))      // not yet an ambassador that week
	f.activity("p4", f.at("2026-10-27 10:00"))      // an ambassador from 10-26
	f.idea(idea{id: "ia1", site: "A", author: "p2", created: f.at("2026-10-13 10:00"), status: "retained", decided: f.at("2026-10-15 10:00")})
	f.idea(idea{id: "ia2", site: "A", author: "p2", kind: "irritant", created: f.at("2026-10-20 10:00"), status: "retained"})
	f.decision("ia2", "retained", f.at("2026-10-21 22:00"), "")
	f.idea(idea{id: "ia3", site: "A", kind: "practice", status: "withdrawn", created: f.at("2026-10-27 10:00")})
	f.idea(idea{id: "ia4", site: "A", kind: "solution", status: "retained", created: f.at("2026-10-26 09:00"), decided: f.at("2026-10-29 10:00")})
	f.idea(idea{id: "ib1", site: "B", created: f.at("2026-10-20 10:00")})
	f.vote("ia1", "p3", f.at("2026-10-14 10:00"))
	f.vote("ia2", "x", f.at("2026-10-22 10:00"))
	f.vote("ia3", "p3", f.at("2026-10-27 10:00")) // withdrawn idea
	f.vote("ghost", "p3", f.at("2026-10-27 11:00"))
	f.comment("k1", "ia4", "p1", f.at("2026-10-26 12:00"))
	return f.open()
}

func TestSeriesCountsLocalMondayWeeksAcrossDST(t *testing.T) {
	db := seriesFixture(t)

	cases := []struct {
		name string
		site string
		want []WeekPoint
	}{
		{name: "site A", site: "A", want: []WeekPoint{
			{WeekStart: "2026-10-12", WeekEnd: "2026-10-18", ActivePeople: 1, Ideas: 1, IdeasByKind: IdeasByKind{Idea: 1}, Votes: 1, Decisions: 1, MedianDecisionDelayDays: fp(2)},
			{WeekStart: "2026-10-19", WeekEnd: "2026-10-25", ActivePeople: 3, ActiveAmbassadors: 1, Ideas: 1, IdeasByKind: IdeasByKind{Irritant: 1}, Votes: 1, Decisions: 1, MedianDecisionDelayDays: fp(1.5)},
			{WeekStart: "2026-10-26", WeekEnd: "2026-10-28", ActivePeople: 2, ActiveAmbassadors: 2, Ideas: 1, IdeasByKind: IdeasByKind{Solution: 1}, Comments: 1},
		}},
		{name: "overall", site: "", want: []WeekPoint{
			{WeekStart: "2026-10-12", WeekEnd: "2026-10-18", ActivePeople: 2, Ideas: 1, IdeasByKind: IdeasByKind{Idea: 1}, Votes: 1, Decisions: 1, MedianDecisionDelayDays: fp(2)},
			{WeekStart: "2026-10-19", WeekEnd: "2026-10-25", ActivePeople: 5, ActiveAmbassadors: 1, Ideas: 2, IdeasByKind: IdeasByKind{Idea: 1, Irritant: 1}, Votes: 1, Decisions: 1, MedianDecisionDelayDays: fp(1.5)},
			{WeekStart: "2026-10-26", WeekEnd: "2026-10-28", ActivePeople: 3, ActiveAmbassadors: 2, Ideas: 1, IdeasByKind: IdeasByKind{Solution: 1}, Comments: 1},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := db.Series(context.Background(), Settings{}, day(t, "2026-10-28"), c.site, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d weeks, want %d: %+v", len(got), len(c.want), got)
			}
			for i := range got {
				g, w := got[i], c.want[i]
				if !eqf(g.MedianDecisionDelayDays, w.MedianDecisionDelayDays) {
					t.Errorf("week %s delay %s, want %s", w.WeekStart, fs(g.MedianDecisionDelayDays), fs(w.MedianDecisionDelayDays))
				}
				g.MedianDecisionDelayDays, w.MedianDecisionDelayDays = nil, nil
				if g != w {
					t.Errorf("week %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

func TestSeriesOfEverySiteInOneQueryIsEachSitesSeries(t *testing.T) {
	db := seriesFixture(t)
	ctx := context.Background()
	for _, asOf := range []string{"2026-10-25", "2026-10-28", "2026-11-09"} {
		for _, weeks := range []int{1, 3, 8} {
			bySite, err := db.SeriesBySite(ctx, Settings{}, day(t, asOf), weeks)
			if err != nil {
				t.Fatal(err)
			}
			zero, err := db.ZeroSeries(Settings{}, day(t, asOf), weeks)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := bySite["C"]; ok {
				t.Errorf("as of %s, %d weeks: site C has a series, but nothing happened there", asOf, weeks)
			}
			for _, site := range []string{"A", "B", "C"} {
				want, err := db.Series(ctx, Settings{}, day(t, asOf), site, weeks)
				if err != nil {
					t.Fatal(err)
				}
				got, ok := bySite[site]
				if !ok {
					got = zero
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("as of %s, %d weeks, site %s:\n got %s\nwant %s", asOf, weeks, site, dump(got), dump(want))
				}
			}
		}
	}
}

func TestTopOpenIdeasRanksByScoreThenVotesThenAge(t *testing.T) {
	f := newFixture(t)
	f.site("A", -1)
	f.site("B", -1)
	add := func(id, site, status, created string, impact, feas int) {
		f.idea(idea{id: id, site: site, status: status, created: f.at(created), impact: impact, feasibility: feas})
	}
	add("o1", "A", "submitted", "2026-11-01 10:00", 4, 5)
	add("o2", "A", "in_review", "2026-11-05 10:00", 4, 5)
	add("o3", "A", "submitted", "2026-11-02 10:00", 5, 4)
	add("o4", "A", "submitted", "2026-11-03 10:00", 5, 5)
	add("o5", "A", "submitted", "2026-10-01 10:00", 5, 0) // unscored
	add("o6", "A", "retained", "2026-10-01 10:00", 5, 5)  // decided
	add("o7", "A", "in_review", "2026-10-01 10:00", 5, 5) // decision in decisions
	f.decision("o7", "postponed", f.at("2026-11-10 10:00"), "")
	f.idea(idea{id: "o8", site: "A", status: "submitted", created: f.at("2026-11-20 10:00"), impact: 5, feasibility: 5, decided: f.at("2026-12-05 10:00")})
	add("o9", "A", "submitted", "2026-12-01 10:00", 5, 5)  // after D
	add("o10", "A", "withdrawn", "2026-11-01 10:00", 5, 5) // withdrawn
	add("b1", "B", "submitted", "2026-11-01 10:00", 1, 1)
	f.vote("o1", "v1", f.at("2026-11-02 10:00"))
	f.vote("o1", "v2", f.at("2026-12-01 10:00")) // after D
	for _, v := range []string{"v1", "v2", "v3"} {
		f.vote("o2", v, f.at("2026-11-06 10:00"))
		f.vote("o3", v, f.at("2026-11-06 10:00"))
	}
	for _, v := range []string{"v1", "v2", "v3", "v4", "v5"} {
		f.vote("o5", v, f.at("2026-11-06 10:00"))
	}
	db := f.open()
	ids := func(site string, limit int) []string {
		got, err := db.TopOpenIdeas(context.Background(), day(t, "2026-11-30"), site, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range got {
			out = append(out, o.SiteID+":"+o.IdeaID)
		}
		return out
	}
	if got, want := ids("", 5), []string{"A:o4", "A:o8", "A:o3", "A:o2", "A:o1", "B:b1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("every site = %v, want %v", got, want)
	}
	if got, want := ids("A", 7), []string{"A:o4", "A:o8", "A:o3", "A:o2", "A:o1", "A:o5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("site A = %v, want %v", got, want)
	}
	got, _ := db.TopOpenIdeas(context.Background(), day(t, "2026-11-30"), "A", 5)
	if o := got[4]; o.IdeaID != "o1" || o.Votes != 1 || o.Score == nil || *o.Score != 20 {
		t.Errorf("o1 = %+v, want 1 vote (one is after D), score 20", o)
	}
	// o4 created 11-03 10:00 CET, end of D 12-01 00:00 CET: 27 days 14 hours.
	if !eqf(&got[0].WaitingDays, fp(27+14.0/24)) {
		t.Errorf("o4 waiting %v days", got[0].WaitingDays)
	}
}

func TestDecisionsChangelogOfAMonth(t *testing.T) {
	t.Run("from the decisions table when it has rows", func(t *testing.T) {
		f := newFixture(t)
		f.site("A", -1)
		f.idea(idea{id: "i1", site: "A", status: "retained", created: f.at("2026-10-01 10:00"), decided: f.at("2026-11-15 10:00")})
		f.idea(idea{id: "i2", site: "B", status: "rejected", created: f.at("2026-10-01 10:00")})
		f.decision("i1", "postponed", f.at("2026-11-01 00:00"), "later")
		f.decision("i1", "retained", f.at("2026-11-30 23:59"), "")
		f.decision("i1", "rejected", f.at("2026-10-31 23:30"), "")      // October
		f.decision("i2", "rejected", f.utc("2026-11-30T23:30:00Z"), "") // 12-01 local
		f.decision("i2", "rejected", f.at("2026-11-10 10:00"), "no")
		f.decision("gone", "retained", f.at("2026-11-12 10:00"), "")
		db := f.open()
		got, err := db.Decisions(context.Background(), day(t, "2026-11-17"), "")
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range got {
			r := ""
			if e.Reason != nil {
				r = *e.Reason
			}
			lines = append(lines, e.Date+" "+e.IdeaID+" "+e.SiteID+" "+e.Decision+" "+e.Title+" "+r)
		}
		want := []string{
			"2026-11-01 i1 A postponed Idea i1 later",
			"2026-11-10 i2 B rejected Idea i2 no",
			"2026-11-12 gone  retained  ",
			"2026-11-30 i1 A retained Idea i1 ",
		}
		if !reflect.DeepEqual(lines, want) {
			t.Errorf("changelog:\n%v\nwant\n%v", lines, want)
		}
		got, _ = db.Decisions(context.Background(), day(t, "2026-11-01"), "A")
		if len(got) != 2 {
			t.Errorf("site A: %d entries, want 2", len(got))
		}
	})
	t.Run("derived from ideas without a decisions table", func(t *testing.T) {
		f := newFixture(t)
		f.site("A", -1)
		f.idea(idea{id: "i1", site: "A", status: "retained", created: f.at("2026-10-01 10:00"), decided: f.at("2026-11-15")})
		f.idea(idea{id: "i2", site: "A", status: "submitted", created: f.at("2026-10-01 10:00"), decided: f.at("2026-11-16")})
		f.idea(idea{id: "i3", site: "A", status: "implemented", created: f.at("2026-10-01 10:00"), decided: f.at("2026-11-20"), implemented: f.at("2026-11-25")})
		f.idea(idea{id: "i4", site: "A", status: "rejected", created: f.at("2026-10-01 10:00"), decided: f.at("2026-12-01")})
		got, err := f.open().Decisions(context.Background(), day(t, "2026-11-01"), "A")
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range got {
			lines = append(lines, e.Date+" "+e.IdeaID+" "+e.Decision)
		}
		if want := []string{"2026-11-15 i1 retained", "2026-11-20 i3 implemented"}; !reflect.DeepEqual(lines, want) {
			t.Errorf("changelog %v, want %v", lines, want)
		}
	})
}

func TestMonthlySynthesisPerSite(t *testing.T) {
	f := newFixture(t)
	f.site("A", -1)
	f.site("B", -1)
	f.idea(idea{id: "s1", site: "A", created: f.at("2026-11-05 10:00")})
	f.idea(idea{id: "s2", site: "A", created: f.at("2026-11-25 10:00")}) // after the as-of date
	f.idea(idea{id: "s3", site: "A", created: f.at("2026-10-30 10:00"), status: "retained"})
	f.idea(idea{id: "s4", site: "A", created: f.at("2026-11-06 10:00"), status: "withdrawn"})
	f.idea(idea{id: "s5", site: "A", created: f.at("2026-10-01 10:00"), status: "implemented", decided: f.at("2026-10-10 10:00"), implemented: f.at("2026-11-12 10:00")})
	f.idea(idea{id: "w1", site: "A", created: f.at("2026-09-01 10:00")})
	f.idea(idea{id: "w2", site: "A", created: f.at("2026-10-01 10:00")})
	f.idea(idea{id: "w3", site: "A", created: f.at("2026-10-15 10:00"), status: "in_review"})
	f.decision("s3", "retained", f.at("2026-11-10 10:00"), "")
	f.decision("s3", "rejected", f.at("2026-11-03 10:00"), "")
	f.decision("w1", "postponed", f.at("2026-11-25 10:00"), "") // after the as-of date
	db := f.open()
	got, err := db.MonthlySynthesis(context.Background(), day(t, "2026-11-01"), day(t, "2026-11-20"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d sites, want 2", len(got))
	}
	a := got[0]
	if a.SiteID != "A" || a.IdeasShared != 1 || a.Decisions != (DecisionCounts{Retained: 1, Rejected: 1}) || a.Implemented != 1 {
		t.Errorf("A = %+v", a)
	}
	var waiting []string
	for _, o := range a.LongestWaiting {
		waiting = append(waiting, o.IdeaID)
	}
	// Open at the end of 11-20: w1 (its decision is later), w2, w3, s1.
	if want := []string{"w1", "w2", "w3"}; !reflect.DeepEqual(waiting, want) {
		t.Errorf("A waiting = %v, want %v", waiting, want)
	}
	if b := got[1]; b.SiteID != "B" || b.IdeasShared != 0 || b.LongestWaiting == nil || len(b.LongestWaiting) != 0 {
		t.Errorf("B = %+v", b)
	}
}

func TestAmbassadorsOfASiteOnTheAsOfDate(t *testing.T) {
	f := newFixture(t)
	f.site("A", -1)
	f.add("people", "am1", "A", "ambassador", "Ann", nil, f.at("2026-10-01"), nil)
	f.person("am2", "A", "ambassador", "2026-01-15", "2026-12-05", "")
	f.person("am3", "A", "ambassador", "2026-12-01", "", "")
	f.person("am4", "A", "ambassador", "", "", "2026-11-30")
	f.person("am5", "A", "ambassador", "", "", "")
	f.person("co", "A", "collaborator", "", "", "")
	f.person("bm", "B", "ambassador", "", "", "")
	f.activity("am1", f.at("2026-11-10 10:00"))
	f.activity("am1", f.at("2026-11-20 10:00"))
	f.vote("ghost", "am1", f.at("2026-11-25 10:00"))
	f.activity("am2", f.at("2026-09-01 10:00"))
	f.activity("am2", f.utc("2026-10-31T23:30:00Z")) // 11-01 local = D-29
	f.activity("am5", f.utc("2026-11-30T23:30:00Z")) // after D
	db := f.open()
	got, err := db.Ambassadors(context.Background(), day(t, "2026-11-30"), "A")
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	want := []Ambassador{
		{PersonID: "am1", SiteID: "A", Name: "Ann", LastActive: s("2026-11-25"), ActionsInWindow: 3, Trained: true, TrainedOn: s("2026-10-01")},
		{PersonID: "am2", SiteID: "A", Name: "am2", Since: s("2026-01-15"), LastActive: s("2026-11-01"), ActionsInWindow: 1, TrainedOn: s("2026-12-05")},
		{PersonID: "am5", SiteID: "A", Name: "am5"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
	all, _ := db.Ambassadors(context.Background(), day(t, "2026-11-30"), "")
	if len(all) != 4 {
		t.Errorf("every site: %d ambassadors, want 4", len(all))
	}
}
