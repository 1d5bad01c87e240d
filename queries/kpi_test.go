package queries

import (
	"fmt"
	"reflect"
	"testing"
)

// Golden scenario tests: each fixture is small enough to check by hand and
// every expected value below was worked out by hand from the fixture (the
// comments show the arithmetic), not printed by the code.

func checkF(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if !eqf(got, want) {
		t.Errorf("%s = %s, want %s", what, fs(got), fs(want))
	}
}

func checkI(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

// activityFixture: windows W/W', an event at 23:30 UTC that is the next
// local day, the October DST change at a window bound, people of unknown
// sites and ids missing from people.
func activityFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.site("A", 10)
	f.site("B", -1) // headcount empty
	f.site("C", 0)
	for _, p := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "d1", "d2"} {
		f.person(p, "A", "collaborator", "", "", "")
	}
	f.person("c1", "C", "collaborator", "", "", "")
	f.person("z1", "ZZ", "collaborator", "", "", "") // site not in sites
	f.activity("a1", f.utc("2026-10-31T23:30:00Z"))  // local 2026-11-01 00:30
	f.activity("a2", f.utc("2026-10-31T22:30:00Z"))  // local 2026-10-31 23:30
	f.vote("ghost", "a3", f.utc("2026-11-30T23:30:00Z"))
	f.comment("k1", "ghost", "a4", f.utc("2026-11-30T22:59:00Z")) // local 23:59 on 11-30
	f.idea(idea{id: "i5", site: "A", author: "a5", status: "withdrawn", created: f.at("2026-10-02 00:00")})
	f.activity("a6", f.at("2026-10-01 23:59"))
	f.activity("a7", f.at("2026-11-15 12:00"))
	f.activity("a7", f.at("2026-10-15 12:00"))
	f.vote("ghost", "a8", f.at("2026-11-10 12:00"))
	f.activity("d1", f.utc("2026-10-24T22:30:00Z")) // local 2026-10-25 00:30 CEST, the DST day
	f.activity("d2", f.utc("2026-10-24T21:30:00Z")) // local 2026-10-24 23:30 CEST
	f.activity("c1", f.at("2026-11-20 12:00"))
	f.activity("z1", f.at("2026-11-20 12:00"))
	f.activity("x9", f.at("2026-11-20 12:00")) // not in people
	return f
}

func TestKPIsActivityWindowsUseLocalDatesAcrossDST(t *testing.T) {
	f := activityFixture(t)
	db := f.open()
	type want struct {
		mau, prev          int64
		change, adoption   *float64
		omau, oprev        int64
		ochange, oadoption *float64
		cMAU               int64
		overallHeadcount   *int64
	}
	cases := []struct {
		name, asOf string
		want       want
	}{
		{
			// W = 11-01..11-30: a1 (23:30 UTC = 11-01 local), a4 (23:59 local
			// on D), a7, a8 (vote on an unknown idea) = 4; a3's vote is on
			// 12-01 local, after D. W' = 10-02..10-31: a2, a5 (idea at 00:00
			// of D-59, withdrawn), a7, d1, d2 = 5; a6 is on D-60.
			name: "as of 2026-11-30", asOf: "2026-11-30",
			want: want{mau: 4, prev: 5, change: fp(-1.0 / 5), adoption: fp(0.4),
				// + c1, z1 (unknown site), x9 (not in people) in W.
				omau: 7, oprev: 5, ochange: fp(2.0 / 5), oadoption: fp(4.0 / 10),
				cMAU: 1, overallHeadcount: ip(10)},
		},
		{
			// W = 10-25..11-23 (10-25 is the DST day: d1 at 22:30 UTC on
			// 10-24 is 00:30 CEST on 10-25): a1, a2, a7, a8, d1 = 5; a4's
			// comment is after D. W' = 09-25..10-24: a5, a6, a7, d2 = 4.
			name: "as of 2026-11-23, D-29 is the DST day", asOf: "2026-11-23",
			want: want{mau: 5, prev: 4, change: fp(1.0 / 4), adoption: fp(0.5),
				omau: 8, oprev: 4, ochange: fp(1), oadoption: fp(0.5),
				cMAU: 1, overallHeadcount: ip(10)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := f.kpis(db, Settings{}, c.asOf)
			a := siteOf(t, doc, "A")
			checkI(t, "A.mau", a.MAU, c.want.mau)
			checkI(t, "A.mau_previous", a.MAUPrevious, c.want.prev)
			checkF(t, "A.mau_change", a.MAUChange, c.want.change)
			checkF(t, "A.adoption", a.Adoption, c.want.adoption)
			b := siteOf(t, doc, "B")
			checkI(t, "B.mau", b.MAU, 0)
			checkF(t, "B.mau_change", b.MAUChange, nil)
			checkF(t, "B.adoption (headcount empty)", b.Adoption, nil)
			cs := siteOf(t, doc, "C")
			checkI(t, "C.mau", cs.MAU, c.want.cMAU)
			checkF(t, "C.adoption (headcount 0)", cs.Adoption, nil)
			checkF(t, "C.people_per_ambassador", cs.PeoplePerAmbassador, nil)
			o := doc.Overall
			checkI(t, "overall.mau", o.MAU, c.want.omau)
			checkI(t, "overall.mau_previous", o.MAUPrevious, c.want.oprev)
			checkF(t, "overall.mau_change", o.MAUChange, c.want.ochange)
			checkF(t, "overall.adoption", o.Adoption, c.want.oadoption)
			if o.Headcount == nil || *o.Headcount != *c.want.overallHeadcount {
				t.Errorf("overall.headcount = %v, want 10", o.Headcount)
			}
			checkI(t, "overall.sites", o.Sites, 3)
			if got := []string{doc.Sites[0].SiteID, doc.Sites[1].SiteID, doc.Sites[2].SiteID}; !reflect.DeepEqual(got, []string{"A", "B", "C"}) {
				t.Errorf("sites order = %v", got)
			}
			// a5's withdrawn idea counts in ideas_by_status only.
			checkI(t, "A.ideas", a.Ideas, 0)
			checkI(t, "A.ideas_by_status.withdrawn", a.IdeasByStatus.Withdrawn, 1)
		})
	}
}

func TestKPIsOverallHeadcountIsNullWhenNoSiteHasOne(t *testing.T) {
	f := newFixture(t)
	f.site("A", -1)
	f.person("p", "A", "ambassador", "", "", "")
	doc := f.kpis(f.open(), Settings{}, "2026-11-30")
	if doc.Overall.Headcount != nil {
		t.Errorf("overall.headcount = %d, want null", *doc.Overall.Headcount)
	}
	checkF(t, "overall.people_per_ambassador", doc.Overall.PeoplePerAmbassador, nil)
	checkF(t, "overall.adoption", doc.Overall.Adoption, nil)
}

// Ambassadors on D: appointed on D counts, after D not; gone on D does not
// count, gone after D does.
func TestKPIsAmbassadorsOnTheAsOfDate(t *testing.T) {
	f := newFixture(t)
	f.site("A", 300)
	f.site("B", 60)
	f.person("m1", "A", "ambassador", "", "", "")
	f.person("m2", "A", "ambassador", "2026-11-30", "", "")
	f.person("m3", "A", "ambassador", "2026-12-01", "", "")
	f.person("m4", "A", "ambassador", "2026-01-01", "", "2026-11-30")
	f.person("m5", "A", "ambassador", "2026-01-01", "", "2026-12-01")
	f.person("m6", "A", "core_team", "", "", "")
	f.person("m7", "ZZ", "ambassador", "", "", "")
	for _, p := range []string{"m1", "m3", "m4", "m5", "m6", "m7"} {
		f.activity(p, f.at("2026-11-20 10:00"))
	}
	doc := f.kpis(f.open(), Settings{}, "2026-11-30")
	a := siteOf(t, doc, "A")
	checkI(t, "A.ambassadors (m1, m2, m5)", a.Ambassadors, 3)
	checkI(t, "A.active_ambassadors (m1, m5)", a.ActiveAmbassadors, 2)
	checkF(t, "A.active_ambassador_rate", a.ActiveAmbassadorRate, fp(2.0/3))
	checkF(t, "A.people_per_ambassador", a.PeoplePerAmbassador, fp(100))
	b := siteOf(t, doc, "B")
	checkI(t, "B.ambassadors", b.Ambassadors, 0)
	checkF(t, "B.active_ambassador_rate", b.ActiveAmbassadorRate, nil)
	checkF(t, "B.people_per_ambassador", b.PeoplePerAmbassador, nil)
	o := doc.Overall
	checkI(t, "overall.ambassadors (+ m7 of an unknown site)", o.Ambassadors, 4)
	checkI(t, "overall.active_ambassadors", o.ActiveAmbassadors, 3)
	checkF(t, "overall.active_ambassador_rate", o.ActiveAmbassadorRate, fp(3.0/4))
	checkF(t, "overall.people_per_ambassador (360 / 4)", o.PeoplePerAmbassador, fp(90))
	checkF(t, "overall.sites_with_active_ambassador_share", o.SitesWithActiveAmbassadorShare, fp(0.5))
}

// decisionsFixture: program bounds S-1/S, B, first decisions from ideas and
// from decisions only, several decisions for one idea, a date-only
// decision on the creation day, DST inside a duration, open ideas, a
// decision after D, withdrawn ideas and their votes, votes on unknown ideas.
func decisionsFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.site("A", -1)
	f.site("B", -1)
	f.idea(idea{id: "i1", site: "A", status: "retained", created: f.at("2026-09-01 00:00"), impact: 4, feasibility: 5})
	f.decision("i1", "retained", f.at("2026-09-03 12:00"), "good") // only in decisions: 2.5 days
	f.idea(idea{id: "i2", site: "A", status: "rejected", created: f.at("2026-08-31 23:30"), decided: f.at("2026-09-02 11:30")})
	f.idea(idea{id: "i3", site: "A", status: "retained", created: f.at("2026-10-24 12:00"), decided: f.at("2026-11-05 10:00"), impact: 3, feasibility: 3})
	f.decision("i3", "postponed", f.at("2026-10-26 12:00"), "") // 49 h after, across the DST change
	f.decision("i3", "retained", f.at("2026-11-05 10:00"), "")
	f.idea(idea{id: "i4", site: "A", status: "rejected", created: f.at("2026-11-10 14:00"), decided: f.at("2026-11-10"), impact: 2})
	f.idea(idea{id: "i5", site: "A", status: "submitted", created: f.at("2026-11-20 09:00")})
	f.idea(idea{id: "i6", site: "A", status: "in_review", created: f.at("2026-10-01 10:00")})
	f.decision("i6", "postponed", f.at("2026-12-02 10:00"), "") // after D
	f.idea(idea{id: "i7", site: "A", status: "in_review", created: f.at("2026-10-05 10:00")})
	f.decision("i7", "postponed", f.at("2026-10-20 10:00"), "")
	f.idea(idea{id: "i8", site: "A", status: "withdrawn", created: f.at("2026-09-10 10:00"), decided: f.at("2026-09-11 10:00"), impact: 5, feasibility: 5})
	f.idea(idea{id: "i9", site: "A", status: "postponed", created: f.at("2026-06-10 10:00"), decided: f.at("2026-06-14 22:00")})
	f.idea(idea{id: "i10", site: "A", status: "retained", created: f.at("2026-08-01 10:00")})
	f.decision("i10", "retained", f.at("2026-08-31 22:00"), "")
	f.idea(idea{id: "i11", site: "A", status: "rejected", created: f.at("2026-05-01 10:00"), decided: f.at("2026-06-02 10:00")})
	f.idea(idea{id: "i12", site: "A", status: "implemented", created: f.at("2026-07-01 10:00"), decided: f.at("2026-08-01 10:00"), implemented: f.at("2026-09-15 10:00")})
	f.idea(idea{id: "i13", site: "A", status: "implemented", created: f.at("2026-09-05 10:00"), decided: f.at("2026-09-20 10:00")})
	f.idea(idea{id: "i14", site: "A", status: "implemented", created: f.at("2026-06-05 10:00"), decided: f.at("2026-06-20 10:00"), implemented: f.at("2026-08-20 10:00")})
	f.idea(idea{id: "i15", site: "A", status: "submitted", created: f.at("2026-12-01 10:00"), impact: 5, feasibility: 5})
	f.idea(idea{id: "iz1", site: "ZZ", status: "submitted", created: f.at("2026-10-10 10:00")})
	f.vote("i1", "x1", f.at("2026-09-02 10:00"))
	f.vote("i2", "x1", f.at("2026-09-05 10:00"))  // i2 created before P
	f.vote("i5", "x2", f.at("2026-11-21 10:00"))  //
	f.vote("i5", "x3", f.at("2026-12-01 10:00"))  // after D
	f.vote("i8", "x1", f.at("2026-09-12 10:00"))  // withdrawn idea
	f.vote("i15", "x1", f.at("2026-11-30 10:00")) // idea created after D
	f.vote("ghost", "x1", f.at("2026-10-10 10:00"))
	return f
}

func TestKPIsDecisionsIdeasAndVotes(t *testing.T) {
	f := decisionsFixture(t)
	db := f.open()
	start := day(t, "2026-09-01")
	doc := f.kpis(db, Settings{ProgramStart: &start}, "2026-11-30")
	if want := (Program{Start: "2026-09-01", Day: 91, Phase: PhaseScaleUp, Configured: true}); doc.Program != want {
		t.Errorf("program = %+v, want %+v", doc.Program, want)
	}
	a := siteOf(t, doc, "A")
	// In P and not withdrawn: i1 (on S), i3, i4, i5, i6, i7, i13; i2 is on S-1.
	checkI(t, "A.ideas", a.Ideas, 7)
	wantStatus := IdeasByStatus{Submitted: 1, InReview: 2, Retained: 2, Rejected: 1, Implemented: 1, Withdrawn: 1}
	if a.IdeasByStatus != wantStatus {
		t.Errorf("A.ideas_by_status = %+v, want %+v", a.IdeasByStatus, wantStatus)
	}
	// i12 (implemented_at in P), i13 (no implemented_at, decided in P);
	// not i14 (implemented before S).
	checkI(t, "A.ideas_implemented", a.IdeasImplemented, 2)
	// First decisions in P: i1 2.5, i2 1.5, i3 49h = 49/24, i4 0 (clamped),
	// i7 15, i13 15 -> sorted 0, 1.5, 49/24, 2.5, 15, 15.
	delay := (49.0/24 + 2.5) / 2
	checkF(t, "A.decision_delay_days", a.DecisionDelayDays, fp(delay))
	// First decisions in B (06-03..08-31): i9 4.5, i10 30.5, i12 31, i14 15;
	// i11 (06-02) is before B.
	checkF(t, "A.decision_delay_baseline_days", a.DecisionDelayBaselineDays, fp((15+30.5)/2))
	// Open: i5 (10 d 15 h before the end of D), i6 (its decision is after
	// D: 60 d 15 h, from CEST to CET).
	checkF(t, "A.oldest_open_idea_days", a.OldestOpenIdeaDays, fp(60.625))
	// Votes in P on ideas created in P: i1 by x1, i5 by x2.
	checkF(t, "A.votes_per_idea", a.VotesPerIdea, fp(2.0/7))
	checkF(t, "A.quality_score", a.QualityScore, fp((20+9)/2.0))
	checkF(t, "A.scored_share", a.ScoredShare, fp(2.0/7))
	b := siteOf(t, doc, "B")
	checkI(t, "B.ideas", b.Ideas, 0)
	checkF(t, "B.votes_per_idea", b.VotesPerIdea, nil)
	checkF(t, "B.quality_score", b.QualityScore, nil)
	checkF(t, "B.scored_share", b.ScoredShare, nil)
	checkF(t, "B.decision_delay_days", b.DecisionDelayDays, nil)
	checkF(t, "B.oldest_open_idea_days", b.OldestOpenIdeaDays, nil)

	o := doc.Overall
	checkI(t, "overall.ideas (+ iz1 of an unknown site)", o.Ideas, 8)
	checkI(t, "overall.ideas_by_status.submitted", o.IdeasByStatus.Submitted, 2)
	checkF(t, "overall.votes_per_idea", o.VotesPerIdea, fp(2.0/8))
	checkF(t, "overall.decision_delay_days", o.DecisionDelayDays, fp(delay))
	checkF(t, "overall.decision_delay_baseline_days", o.DecisionDelayBaselineDays, fp(22.75))
	checkF(t, "overall.decision_delay_reduction", o.DecisionDelayReduction, fp(1-delay/22.75))
	checkF(t, "overall.ideas_per_site_median (7 and 0)", o.IdeasPerSiteMedian, fp(3.5))
	// Targets by default: share 0/2 sites = 0 < 0.8 x 0.6; median 3.5 < 8;
	// reduction ~0.90 >= 0.30.
	gotStatus := []string{}
	for _, tr := range doc.Targets {
		gotStatus = append(gotStatus, tr.ID+":"+tr.Status)
	}
	wantTargets := []string{"sites_with_active_ambassador_share:off_track", "ideas_per_site_median:off_track", "decision_delay_reduction:met"}
	if !reflect.DeepEqual(gotStatus, wantTargets) {
		t.Errorf("targets = %v, want %v", gotStatus, wantTargets)
	}

	// A configured baseline wins for the reduction; the measured one stays.
	base := 10.0
	doc = f.kpis(db, Settings{ProgramStart: &start, BaselineDecisionDelayDays: &base}, "2026-11-30")
	checkF(t, "overall.decision_delay_reduction (configured baseline)", doc.Overall.DecisionDelayReduction, fp(1-delay/10))
	checkF(t, "overall.decision_delay_baseline_days (measured)", doc.Overall.DecisionDelayBaselineDays, fp(22.75))
}

// Response SLA: due dates after Friday, Saturday, Sunday and Monday
// creations; answers by decision or by an ambassador's/core team's comment.
func TestKPIsResponseSLAUsesBusinessDayDueDates(t *testing.T) {
	f := newFixture(t)
	f.site("A", -1)
	f.site("B", -1)
	f.person("au", "A", "collaborator", "", "", "")
	f.person("amb", "A", "ambassador", "", "", "")
	f.person("core", "B", "core_team", "", "", "")
	f.person("col", "A", "collaborator", "", "", "")
	add := func(id, created string, status string) {
		f.idea(idea{id: id, site: "A", author: "au", status: status, created: f.at(created)})
	}
	// s1 Friday -> due Friday 11-20; ambassador comment 23:00 local on it.
	add("s1", "2026-11-13 10:00", "submitted")
	f.comment("c1", "s1", "amb", f.at("2026-11-20 23:00"))
	// s2 Saturday -> due Friday 11-20; decision (decisions only) on 11-21,
	// and a comment at 23:30 UTC on 11-20, which is 11-21 local: late.
	add("s2", "2026-11-14 10:00", "in_review")
	f.decision("s2", "retained", f.at("2026-11-21 09:00"), "")
	f.comment("c2", "s2", "amb", f.utc("2026-11-20T23:30:00Z"))
	// s3 Sunday -> due Friday 11-20; core team comment on 11-20: on time.
	add("s3", "2026-11-15 10:00", "submitted")
	f.comment("c3", "s3", "core", f.at("2026-11-20 09:00"))
	// s3b Sunday -> due Friday 11-20; core team comment on Saturday: late.
	add("s3b", "2026-11-15 11:00", "submitted")
	f.comment("c3b", "s3b", "core", f.at("2026-11-21 10:00"))
	// s4 Monday by the ambassador -> due Monday 11-23; comments by the
	// author, a collaborator and someone not in people never answer;
	// decided 11-24: late.
	f.idea(idea{id: "s4", site: "A", author: "amb", status: "rejected", created: f.at("2026-11-16 10:00"), decided: f.at("2026-11-24 10:00")})
	f.comment("c4a", "s4", "amb", f.at("2026-11-16 11:00"))
	f.comment("c4b", "s4", "col", f.at("2026-11-17 11:00"))
	f.comment("c4c", "s4", "nobody", f.at("2026-11-17 11:00"))
	// s5 Friday -> due Friday 11-27; date-only decision on 11-27 (earlier
	// than the late comment): on time.
	f.idea(idea{id: "s5", site: "A", author: "au", status: "retained", created: f.at("2026-11-20 10:00"), decided: f.at("2026-11-27")})
	f.comment("c5", "s5", "amb", f.at("2026-11-28 10:00"))
	// s6 Monday -> due Monday 11-30 = D: counted, unanswered.
	add("s6", "2026-11-23 10:00", "submitted")
	// s7 Tuesday -> due 12-01 > D; s9 Saturday -> due 12-04: not counted.
	add("s7", "2026-11-24 10:00", "submitted")
	add("s9", "2026-11-28 10:00", "submitted")
	// s8 withdrawn; s10 created before S: not counted.
	add("s8", "2026-11-13 10:00", "withdrawn")
	add("s10", "2026-08-28 10:00", "submitted")
	// s11 without author, Saturday -> due Friday 11-27; answered 11-22.
	f.idea(idea{id: "s11", site: "A", status: "submitted", created: f.at("2026-11-21 10:00")})
	f.comment("c11", "s11", "amb", f.at("2026-11-22 10:00"))

	start := day(t, "2026-09-01")
	doc := f.kpis(f.open(), Settings{ProgramStart: &start}, "2026-11-30")
	a := siteOf(t, doc, "A")
	// Counted: s1 ok, s2 late, s3 ok, s3b late, s4 late, s5 ok, s6 late,
	// s11 ok -> 4/8.
	checkF(t, "A.response_sla_share", a.ResponseSLAShare, fp(0.5))
	for _, fl := range a.Flags {
		if fl == FlagSlowResponse {
			t.Errorf("slow_response holds at exactly 0.5")
		}
	}
	checkF(t, "B.response_sla_share (no idea)", siteOf(t, doc, "B").ResponseSLAShare, nil)
	checkF(t, "overall.response_sla_share", doc.Overall.ResponseSLAShare, fp(0.5))
}

// Cross-site share and replications.
func TestKPIsCrossSiteShareAndReplications(t *testing.T) {
	f := newFixture(t)
	f.site("A", -1)
	f.site("B", -1)
	f.person("pa", "A", "collaborator", "", "", "")
	f.person("pb", "B", "collaborator", "", "", "")
	f.person("pz", "ZZ", "collaborator", "", "", "")
	f.idea(idea{id: "ia", site: "A", created: f.at("2026-09-10 10:00")})
	f.idea(idea{id: "ib", site: "B", created: f.at("2026-08-01 10:00")})
	f.idea(idea{id: "iz", site: "ZZ", created: f.at("2026-11-01 10:00")})
	f.idea(idea{id: "iw", site: "B", status: "withdrawn", created: f.at("2026-09-05 10:00")})
	f.vote("ia", "pa", f.at("2026-09-11 10:00"))          // own site
	f.vote("ib", "pa", f.at("2026-09-12 10:00"))          // cross
	f.comment("k1", "ib", "pa", f.at("2026-09-13 10:00")) // cross
	f.comment("k0", "ib", "pa", f.at("2026-08-20 10:00")) // before S
	f.vote("iz", "pa", f.at("2026-11-02 10:00"))          // idea's site unknown
	f.vote("iw", "pa", f.at("2026-09-06 10:00"))          // withdrawn idea
	f.vote("ghost", "pa", f.at("2026-09-06 10:00"))       // unknown idea
	f.comment("k2", "ia", "pb", f.at("2026-10-01 10:00")) // cross
	f.vote("ia", "pz", f.at("2026-10-01 10:00"))          // voter's site unknown
	f.vote("ia", "nobody", f.at("2026-10-01 10:00"))
	// Replications.
	f.idea(idea{id: "ra", site: "A", created: f.at("2026-10-01 10:00"), replicates: "ib"})  // 61 days
	f.idea(idea{id: "ra2", site: "A", created: f.at("2026-09-20 10:00"), replicates: "ia"}) // same site
	f.idea(idea{id: "ra3", site: "A", created: f.at("2026-11-01 10:00"), replicates: "iw"}) // withdrawn origin
	f.idea(idea{id: "ra4", site: "A", status: "withdrawn", created: f.at("2026-11-01 10:00"), replicates: "ib"})
	f.idea(idea{id: "ra5", site: "A", created: f.at("2026-08-15 10:00"), replicates: "ib"}) // before S
	f.idea(idea{id: "ra6", site: "A", created: f.at("2026-11-10 10:00"), replicates: "iz"}) // 9 days
	f.idea(idea{id: "ra7", site: "A", created: f.at("2026-11-10 10:00"), replicates: "ghost"})
	f.idea(idea{id: "rb", site: "B", created: f.at("2026-09-20 10:00"), replicates: "ia"}) // 10 days

	start := day(t, "2026-09-01")
	doc := f.kpis(f.open(), Settings{ProgramStart: &start}, "2026-11-30")
	a, b := siteOf(t, doc, "A"), siteOf(t, doc, "B")
	checkF(t, "A.cross_site_share (2 of 3)", a.CrossSiteShare, fp(2.0/3))
	checkF(t, "B.cross_site_share (1 of 1)", b.CrossSiteShare, fp(1))
	checkF(t, "overall.cross_site_share (3 of 4)", doc.Overall.CrossSiteShare, fp(0.75))
	checkI(t, "A.replications", a.Replications, 2)
	checkF(t, "A.time_to_knowledge_days", a.TimeToKnowledgeDays, fp((61+9)/2.0))
	checkI(t, "B.replications", b.Replications, 1)
	checkF(t, "B.time_to_knowledge_days", b.TimeToKnowledgeDays, fp(10))
	checkI(t, "overall.replications", doc.Overall.Replications, 3)
	checkF(t, "overall.time_to_knowledge_days", doc.Overall.TimeToKnowledgeDays, fp(10))
}

// eNPS: latest answer per ambassador in D-89..D; null under 5 responses.
func TestKPIsENPSNeedsFiveResponses(t *testing.T) {
	f := newFixture(t)
	f.site("A", -1)
	f.site("B", -1)
	for _, p := range []string{"e1", "e2", "e3", "e4", "e5", "e6"} {
		f.person(p, "A", "ambassador", "", "", "")
	}
	f.person("e7", "A", "collaborator", "", "", "")
	f.person("e8", "A", "ambassador", "", "", "2026-11-15")
	f.survey("e1", f.at("2026-10-01 10:00"), 3)
	f.survey("e1", f.at("2026-11-01 10:00"), 9) // latest: promoter
	f.survey("e2", f.at("2026-10-01 10:00"), 10)
	f.survey("e3", f.at("2026-10-01 10:00"), 9)
	f.survey("e4", f.at("2026-10-01 10:00"), 5)
	f.survey("e5", f.at("2026-09-01 10:00"), 10) // D-90: out of range
	f.survey("e5", f.at("2026-09-02 00:30"), 6)  // D-89: detractor
	f.survey("e6", f.at("2026-12-01 10:00"), 10) // after D
	f.survey("e7", f.at("2026-10-01 10:00"), 10) // not an ambassador
	f.survey("e8", f.at("2026-10-01 10:00"), 10) // gone before D
	for i, s := range []int{10, 10, 0, 8} {
		p := fmt.Sprintf("b%d", i)
		f.person(p, "B", "ambassador", "", "", "")
		f.survey(p, f.at("2026-10-01 10:00"), s)
	}
	doc := f.kpis(f.open(), Settings{}, "2026-11-30")
	a, b := siteOf(t, doc, "A"), siteOf(t, doc, "B")
	checkI(t, "A.enps_responses", a.ENPSResponses, 5)
	checkF(t, "A.enps (3 promoters, 2 detractors of 5)", a.ENPS, fp(20))
	checkI(t, "B.enps_responses", b.ENPSResponses, 4)
	checkF(t, "B.enps (group of 4)", b.ENPS, nil)
	checkI(t, "overall.enps_responses", doc.Overall.ENPSResponses, 9)
	checkF(t, "overall.enps (5 promoters, 3 detractors of 9)", doc.Overall.ENPS, fp(200.0/9))
}

// flagsFixture: one site per flag, program day 10 (ideas_behind below
// 0.5 x 10 x 10 / 90 = 0.56 ideas), as of 2026-11-30.
func flagsFixture(t *testing.T) *fixture {
	f := newFixture(t)
	inW := f.at("2026-11-20 10:00")
	inWP := f.at("2026-10-20 10:00")
	// crowd adds collaborators from..to-1 of a site, active in W and/or W'.
	crowd := func(site string, from, to int, w, wp bool) {
		for i := from; i < to; i++ {
			p := fmt.Sprintf("%s-c%d", site, i)
			f.person(p, site, "collaborator", "", "", "")
			if w {
				f.activity(p, inW)
			}
			if wp {
				f.activity(p, inWP)
			}
		}
	}
	amb := func(site string, n int, active bool) {
		for i := 0; i < n; i++ {
			p := fmt.Sprintf("%s-a%d", site, i)
			f.person(p, site, "ambassador", "", "", "")
			if active {
				f.activity(p, inW)
			}
		}
	}
	oneIdea := func(site string) {
		f.idea(idea{id: site + "-i", site: site, status: "submitted", created: f.at("2026-11-29 10:00")})
	}
	f.site("FINE", 4)
	amb("FINE", 1, true)
	crowd("FINE", 0, 1, true, false)
	oneIdea("FINE")
	f.site("NOAMB", 4)
	amb("NOAMB", 1, false)
	crowd("NOAMB", 0, 2, true, false)
	oneIdea("NOAMB")
	f.site("COVER", 302) // 302 / 2 = 151 people per ambassador
	amb("COVER", 2, true)
	crowd("COVER", 0, 150, true, false)
	oneIdea("COVER")
	f.site("EDGE150", 300) // 300 / 2 = 150: not over
	amb("EDGE150", 2, true)
	crowd("EDGE150", 0, 148, true, false)
	oneIdea("EDGE150")
	f.site("EMPTY50", 50)
	f.site("LOW", 20)
	amb("LOW", 1, true)
	oneIdea("LOW")
	f.site("DROP", 10) // mau 7 (amb + 6), previous 10 (amb + 9): -0.30
	amb("DROP", 1, true)
	f.activity("DROP-a0", inWP)
	crowd("DROP", 0, 6, true, true)
	crowd("DROP", 6, 9, false, true)
	oneIdea("DROP")
	f.site("DROP4", 2) // previous 4 < 5
	amb("DROP4", 1, true)
	f.activity("DROP4-a0", inWP)
	crowd("DROP4", 0, 3, false, true)
	oneIdea("DROP4")
	f.site("SLOW", 4)
	amb("SLOW", 1, true)
	crowd("SLOW", 0, 1, true, false)
	// Saturday 11-21 -> due Friday 11-27; one of three answered on time.
	for i, decided := range []string{"2026-11-25 10:00", "", ""} {
		id := fmt.Sprintf("SLOW-i%d", i)
		iv := idea{id: id, site: "SLOW", status: "submitted", created: f.at("2026-11-21 10:00")}
		if decided != "" {
			iv.status = "retained"
			iv.decided = f.at(decided)
		}
		f.idea(iv)
	}
	f.site("BEHIND", 4)
	amb("BEHIND", 1, true)
	crowd("BEHIND", 0, 1, true, false)
	f.site("TWO", 20)
	amb("TWO", 1, true)
	return f
}

func TestKPIsFlagsAndStruggling(t *testing.T) {
	f := flagsFixture(t)
	db := f.open()
	start := day(t, "2026-11-21")
	ideasTarget := []TargetSpec{{KPI: "ideas_per_site_median", Target: 10, Direction: AtLeast}}
	// Overall adoption = (2+2+152+150+0+1+7+1+2+2+1) / (4+4+302+300+50+20+10+2+4+4+20)
	// = 320/720 = 0.444; low_adoption below 0.222: EMPTY50 0, LOW and TWO 0.05.
	type want struct {
		flags      []string
		struggling bool
	}
	cases := []struct {
		name    string
		targets []TargetSpec
		want    map[string]want
		sites   int64
	}{
		{name: "with an ideas_per_site_median target", targets: ideasTarget, want: map[string]want{
			"FINE":    {[]string{}, false},
			"NOAMB":   {[]string{FlagNoActiveAmbassador}, true},
			"COVER":   {[]string{FlagUnderCovered}, false},
			"EDGE150": {[]string{}, false},
			"EMPTY50": {[]string{FlagNoActiveAmbassador, FlagUnderCovered, FlagLowAdoption, FlagIdeasBehind}, true},
			"LOW":     {[]string{FlagLowAdoption}, false},
			"DROP":    {[]string{FlagMAUDrop}, false},
			"DROP4":   {[]string{}, false},
			"SLOW":    {[]string{FlagSlowResponse}, false},
			"BEHIND":  {[]string{FlagIdeasBehind}, false},
			"TWO":     {[]string{FlagLowAdoption, FlagIdeasBehind}, true},
		}, sites: 3},
		{name: "without targets ideas_behind never holds", targets: []TargetSpec{}, want: map[string]want{
			"FINE":    {[]string{}, false},
			"NOAMB":   {[]string{FlagNoActiveAmbassador}, true},
			"COVER":   {[]string{FlagUnderCovered}, false},
			"EDGE150": {[]string{}, false},
			"EMPTY50": {[]string{FlagNoActiveAmbassador, FlagUnderCovered, FlagLowAdoption}, true},
			"LOW":     {[]string{FlagLowAdoption}, false},
			"DROP":    {[]string{FlagMAUDrop}, false},
			"DROP4":   {[]string{}, false},
			"SLOW":    {[]string{FlagSlowResponse}, false},
			"BEHIND":  {[]string{}, false},
			"TWO":     {[]string{FlagLowAdoption}, false},
		}, sites: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := f.kpis(db, Settings{ProgramStart: &start, Targets: c.targets}, "2026-11-30")
			checkI(t, "program day", int64(doc.Program.Day), 10)
			checkF(t, "overall.adoption", doc.Overall.Adoption, fp(320.0/720))
			for id, w := range c.want {
				s := siteOf(t, doc, id)
				if !reflect.DeepEqual(s.Flags, w.flags) || s.Struggling != w.struggling {
					t.Errorf("%s: flags %v struggling %v, want %v %v", id, s.Flags, s.Struggling, w.flags, w.struggling)
				}
			}
			checkI(t, "overall.struggling_sites", doc.Overall.StrugglingSites, c.sites)
			checkF(t, "overall.sites_with_active_ambassador_share", doc.Overall.SitesWithActiveAmbassadorShare, fp(9.0/11))
			// ideas: 0,0,0,1,1,1,1,1,1,1,3 -> 1.
			checkF(t, "overall.ideas_per_site_median", doc.Overall.IdeasPerSiteMedian, fp(1))
			if len(c.targets) == 0 && len(doc.Targets) != 0 {
				t.Errorf("targets = %v, want none", doc.Targets)
			}
		})
	}
}

func TestTargetStatusesAndPace(t *testing.T) {
	cases := []struct {
		name   string
		spec   TargetSpec
		value  *float64
		day    int
		pace   float64
		status string
	}{
		{"at least, met", TargetSpec{"x", 0.6, AtLeast}, fp(0.6), 45, 0.3, StatusMet},
		{"at least, on track at pace", TargetSpec{"x", 10, AtLeast}, fp(5), 45, 5, StatusOnTrack},
		{"at least, at risk at 0.8 x pace", TargetSpec{"x", 10, AtLeast}, fp(4), 45, 5, StatusAtRisk},
		{"at least, off track", TargetSpec{"x", 10, AtLeast}, fp(3.99), 45, 5, StatusOffTrack},
		{"at least, no data", TargetSpec{"x", 10, AtLeast}, nil, 45, 5, StatusNoData},
		{"direction empty means at least", TargetSpec{"x", 10, ""}, fp(5), 45, 5, StatusOnTrack},
		{"pace capped at day 90", TargetSpec{"x", 0.3, AtLeast}, fp(0.29), 120, 0.3, StatusAtRisk},
		{"pace 0 before the start", TargetSpec{"x", 10, AtLeast}, fp(0), -5, 0, StatusOnTrack},
		{"pace multiplies then divides in float64", TargetSpec{"x", 0.6, AtLeast}, fp(0.1), 1, float64div(0.6*1, 90), StatusOnTrack},
		{"at most, met", TargetSpec{"x", 3, AtMost}, fp(3), 10, 3, StatusMet},
		{"at most, at risk up to target / 0.8", TargetSpec{"x", 3, AtMost}, fp(3.75), 10, 3, StatusAtRisk},
		{"at most, off track", TargetSpec{"x", 3, AtMost}, fp(3.76), 10, 3, StatusOffTrack},
		{"at most, no data", TargetSpec{"x", 3, AtMost}, nil, 10, 3, StatusNoData},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := targetResult(c.spec, c.value, c.day)
			if r.Pace != c.pace || r.Status != c.status {
				t.Errorf("pace %v status %s, want %v %s", r.Pace, r.Status, c.pace, c.status)
			}
		})
	}
}

// Targets on any overall key, through the document, in configured order.
// float64div divides at run time, in float64 (a constant expression would
// be exact).
func float64div(a, b float64) float64 { return a / b }

func TestKPIsTargetsOnAnyOverallKey(t *testing.T) {
	f := activityFixture(t)
	doc := f.kpis(f.open(), Settings{Targets: []TargetSpec{
		{KPI: "mau", Target: 5, Direction: AtMost},          // 7 > 5/0.8 = 6.25
		{KPI: "adoption", Target: 0.5, Direction: AtLeast},  // 0.4 >= 0.8 x 0.5
		{KPI: "enps", Target: 10, Direction: AtLeast},       // null
		{KPI: "sites", Target: 3, Direction: AtLeast},       // 3
		{KPI: "mau_previous", Target: 6, Direction: AtMost}, // 5
	}}, "2026-11-30")
	var got []string
	for _, tr := range doc.Targets {
		got = append(got, tr.ID+":"+tr.Status)
	}
	want := []string{"mau:off_track", "adoption:at_risk", "enps:no_data", "sites:met", "mau_previous:met"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("targets = %v, want %v", got, want)
	}
}

func TestKPIsProgramNotConfiguredOrNotStarted(t *testing.T) {
	f := newFixture(t)
	f.site("A", 10)
	f.idea(idea{id: "i", site: "A", created: f.at("2026-09-02 00:00")}) // D-89 = S
	f.idea(idea{id: "j", site: "A", created: f.at("2026-09-01 23:59")}) // D-90
	db := f.open()
	doc := f.kpis(db, Settings{}, "2026-11-30")
	if want := (Program{Start: "2026-09-02", Day: 90, Phase: PhaseScaleUp, Configured: false}); doc.Program != want {
		t.Errorf("program = %+v, want %+v", doc.Program, want)
	}
	checkI(t, "ideas in P = D-89..D", siteOf(t, doc, "A").Ideas, 1)
	start := day(t, "2026-12-10")
	doc = f.kpis(db, Settings{ProgramStart: &start}, "2026-11-30")
	if want := (Program{Start: "2026-12-10", Day: -9, Phase: PhaseNotStarted, Configured: true}); doc.Program != want {
		t.Errorf("program = %+v, want %+v", doc.Program, want)
	}
	checkI(t, "ideas before the start", siteOf(t, doc, "A").Ideas, 0)
	// pace 0 at day <= 0: the ideas target is on track with 0.
	if tr := doc.Targets[1]; tr.Pace != 0 || tr.Status != StatusOnTrack {
		t.Errorf("ideas target = %+v, want pace 0 on_track", tr)
	}
}

func TestPhaseByProgramDay(t *testing.T) {
	for day, want := range map[int]string{0: PhaseNotStarted, 1: PhaseFraming, 21: PhaseFraming, 22: PhaseRecruiting,
		35: PhaseRecruiting, 36: PhaseLaunch, 63: PhaseLaunch, 64: PhaseScaleUp, 91: PhaseScaleUp, 92: PhaseSustain} {
		if got := phase(day); got != want {
			t.Errorf("phase(%d) = %s, want %s", day, got, want)
		}
	}
}

func TestKPIsEmptyDatabaseHasEmptyListsNotNull(t *testing.T) {
	f := newFixture(t)
	doc := f.kpis(f.open(), Settings{}, "2026-11-30")
	if doc.Sites == nil || doc.Targets == nil {
		t.Fatalf("sites %v targets %v, want empty lists", doc.Sites, doc.Targets)
	}
}
