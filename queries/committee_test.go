package queries

import (
	"context"
	"reflect"
	"testing"
)

// committeeFixture: two sites, open ideas with and without a challenge,
// and a month of decisions on them.
func committeeFixture(t *testing.T) *DB {
	f := newFixture(t)
	f.site("A", -1)
	f.site("B", -1)
	f.add("challenges", "C1", "Défi mobilité", nil, nil, day(t, "2026-11-01"), day(t, "2026-11-30"))
	f.add("challenges", "C0", "Défi accueil", "A", nil, day(t, "2026-10-01"), day(t, "2026-10-31"))
	open := func(id, site string, impact, feas int, challenge any) {
		f.add("ideas", id, site, nil, "idea", "Idea "+id, f.at("2026-11-02 10:00"), "submitted", nil, nil,
			impact, feas, challenge, nil, nil, nil)
	}
	open("a1", "A", 5, 5, "C1")
	open("a2", "A", 4, 4, nil)
	open("a3", "A", 3, 3, "C1")
	open("b1", "B", 5, 4, nil)
	open("b2", "B", 2, 2, "C1")
	open("b3", "B", 4, 5, nil)
	f.vote("b3", "v1", f.at("2026-11-03 10:00")) // b3 before b1 (same score, more votes)
	// Decided ideas: d1..d6, one decision each in November, d7 in October.
	decided := []struct {
		id, site, decision, at string
		challenge              any
	}{
		{"d1", "A", "retained", "2026-11-03 09:00", "C1"},
		{"d2", "A", "rejected", "2026-11-05 09:00", nil},
		{"d3", "B", "retained", "2026-11-05 09:00", "C1"},
		{"d4", "B", "postponed", "2026-11-20 09:00", nil},
		{"d5", "A", "implemented", "2026-11-25 09:00", nil},
		{"d6", "B", "retained", "2026-11-28 09:00", nil},
		{"d7", "A", "retained", "2026-10-28 09:00", "C1"},
	}
	for _, d := range decided {
		f.add("ideas", d.id, d.site, nil, "idea", "Idea "+d.id, f.at("2026-10-01 10:00"), d.decision, f.at(d.at), nil,
			nil, nil, d.challenge, nil, nil, nil)
		f.decision(d.id, d.decision, f.at(d.at), "")
	}
	return f.open()
}

func TestTopOpenRanksTheGroupAsOneListAndFiltersByChallenge(t *testing.T) {
	db := committeeFixture(t)
	ids := func(flt TopOpenFilter, limit int) []string {
		t.Helper()
		flt.AsOf = day(t, "2026-11-30")
		got, err := db.TopOpen(context.Background(), flt, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range got {
			out = append(out, o.IdeaID)
		}
		return out
	}
	if got, want := ids(TopOpenFilter{}, 4), []string{"a1", "b3", "b1", "a2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("group top 4 = %v, want %v", got, want)
	}
	if got, want := ids(TopOpenFilter{PerSite: true}, 2), []string{"a1", "a2", "b3", "b1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("per site top 2 = %v, want %v", got, want)
	}
	if got, want := ids(TopOpenFilter{ChallengeID: "C1"}, 5), []string{"a1", "a3", "b2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("group top of C1 = %v, want %v", got, want)
	}
	if got, want := ids(TopOpenFilter{SiteID: "B", ChallengeID: "C1", PerSite: true}, 5), []string{"b2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("B's top of C1 = %v, want %v", got, want)
	}
}

func TestChangelogPagesNewestFirstWithFiltersAndCounts(t *testing.T) {
	db := committeeFixture(t)
	ctx := context.Background()
	ids := func(f ChangelogFilter, limit, offset int) []string {
		t.Helper()
		f.Month = day(t, "2026-11-01")
		got, err := db.Changelog(ctx, f, limit, offset)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range got {
			out = append(out, e.IdeaID)
		}
		return out
	}
	all := ids(ChangelogFilter{}, 0, 0)
	if want := []string{"d6", "d5", "d4", "d3", "d2", "d1"}; !reflect.DeepEqual(all, want) {
		t.Fatalf("whole month = %v, want %v (d3 and d2 tie on the instant: idea_id descending)", all, want)
	}
	p1, p2, p3 := ids(ChangelogFilter{}, 4, 0), ids(ChangelogFilter{}, 4, 4), ids(ChangelogFilter{}, 4, 8)
	if got := append(append(p1, p2...), p3...); !reflect.DeepEqual(got, all) || len(p3) != 0 {
		t.Errorf("pages %v %v %v do not continue each other into %v", p1, p2, p3, all)
	}
	cases := []struct {
		name string
		f    ChangelogFilter
		want []string
	}{
		{"site", ChangelogFilter{SiteID: "B"}, []string{"d6", "d4", "d3"}},
		{"decision", ChangelogFilter{Decision: "retained"}, []string{"d6", "d3", "d1"}},
		{"challenge", ChangelogFilter{ChallengeID: "C1"}, []string{"d3", "d1"}},
		{"all three", ChangelogFilter{SiteID: "A", Decision: "retained", ChallengeID: "C1"}, []string{"d1"}},
		{"as of", ChangelogFilter{AsOf: day(t, "2026-11-20")}, []string{"d4", "d3", "d2", "d1"}},
	}
	for _, c := range cases {
		if got := ids(c.f, 0, 0); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	counts, err := db.ChangelogCounts(ctx, ChangelogFilter{Month: day(t, "2026-11-01"), SiteID: "B", Decision: "retained"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (DecisionCounts{Retained: 2, Postponed: 1}); counts != want {
		t.Errorf("B's counts = %+v, want %+v (the decision filter is not applied)", counts, want)
	}
	// Decisions is the whole month, oldest first.
	old, err := db.Decisions(ctx, day(t, "2026-11-15"), "")
	if err != nil {
		t.Fatal(err)
	}
	var oldIDs []string
	for _, e := range old {
		oldIDs = append(oldIDs, e.IdeaID)
	}
	if want := []string{"d1", "d2", "d3", "d4", "d5", "d6"}; !reflect.DeepEqual(oldIDs, want) {
		t.Errorf("Decisions = %v, want %v", oldIDs, want)
	}
}

func TestChallengeListIsLatestFirst(t *testing.T) {
	got, err := committeeFixture(t).ChallengeList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []ChallengeOption{
		{ChallengeID: "C1", Title: "Défi mobilité", StartsOn: "2026-11-01", EndsOn: "2026-11-30"},
		{ChallengeID: "C0", Title: "Défi accueil", SiteID: "A", StartsOn: "2026-10-01", EndsOn: "2026-10-31"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("challenges = %+v, want %+v", got, want)
	}
}
