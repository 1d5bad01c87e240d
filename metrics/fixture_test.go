package metrics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/queries"
)

// fixedSource is a SnapshotSource serving one hand-made snapshot, so the
// tests do not depend on the KPI engine.
type fixedSource struct{ snap *queries.Snapshot }

func (f fixedSource) Latest() *queries.Snapshot { return f.snap }

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

// fixtureDocument is a small document covering every shape: a healthy site,
// a struggling one with null figures (no headcount, suppressed eNPS), a
// site with nothing yet, and a target without data.
func fixtureDocument() *queries.Document {
	return &queries.Document{
		AsOf:     "2026-10-15",
		TimeZone: "Europe/Paris",
		Program:  queries.Program{Start: "2026-09-01", Day: 45, Phase: queries.PhaseLaunch, Configured: true},
		Overall: queries.Overall{
			Sites: 3,
			Figures: queries.Figures{
				Headcount: i64(1200), MAU: 540, MAUPrevious: 480, MAUChange: f64(0.125), Adoption: f64(0.4375),
				Ambassadors: 14, ActiveAmbassadors: 9, ActiveAmbassadorRate: f64(9.0 / 14), PeoplePerAmbassador: f64(1200.0 / 14),
				Ideas: 61, IdeasByStatus: queries.IdeasByStatus{Submitted: 20, InReview: 11, Retained: 9, Postponed: 4, Rejected: 6, Implemented: 10, Withdrawn: 2},
				IdeasImplemented: 8, DecisionDelayDays: f64(6.5), DecisionDelayBaselineDays: f64(12),
				OldestOpenIdeaDays: f64(40.25), ResponseSLAShare: f64(0.7), VotesPerIdea: f64(3.5), QualityScore: f64(11.2),
				ScoredShare: f64(0.6), CrossSiteShare: f64(0.15), Replications: 3, TimeToKnowledgeDays: f64(9.75),
				ENPSResponses: 11, ENPS: f64(27.27272727272727),
			},
			SitesWithActiveAmbassadorShare: f64(2.0 / 3), IdeasPerSiteMedian: f64(12), DecisionDelayReduction: f64(0.4583333333333333),
			StrugglingSites: 1,
		},
		Sites: []queries.Site{
			{
				SiteID: "LYON", Name: "Lyon",
				Figures: queries.Figures{
					Headcount: i64(800), MAU: 420, MAUPrevious: 400, MAUChange: f64(0.05), Adoption: f64(0.525),
					Ambassadors: 9, ActiveAmbassadors: 7, ActiveAmbassadorRate: f64(7.0 / 9), PeoplePerAmbassador: f64(800.0 / 9),
					Ideas: 40, IdeasByStatus: queries.IdeasByStatus{Submitted: 12, InReview: 7, Retained: 6, Postponed: 3, Rejected: 4, Implemented: 8, Withdrawn: 1},
					IdeasImplemented: 7, DecisionDelayDays: f64(5.5), DecisionDelayBaselineDays: f64(11),
					OldestOpenIdeaDays: f64(30.5), ResponseSLAShare: f64(0.8), VotesPerIdea: f64(4), QualityScore: f64(12.5),
					ScoredShare: f64(0.75), CrossSiteShare: f64(0.1), Replications: 2, TimeToKnowledgeDays: f64(8),
					ENPSResponses: 7, ENPS: f64(42.857142857142854),
				},
				Flags: []string{}, Struggling: false,
			},
			{
				SiteID: "NANTES", Name: "Nantes",
				Figures: queries.Figures{
					MAU: 20, MAUPrevious: 60, MAUChange: f64(-2.0 / 3),
					Ambassadors: 3, ActiveAmbassadors: 0, ActiveAmbassadorRate: f64(0),
					Ideas: 3, IdeasByStatus: queries.IdeasByStatus{Submitted: 2, InReview: 1, Withdrawn: 1},
					OldestOpenIdeaDays: f64(40.25), ResponseSLAShare: f64(0.25), VotesPerIdea: f64(1),
					ScoredShare: f64(0), CrossSiteShare: f64(0.5),
					ENPSResponses: 2,
				},
				Flags: []string{queries.FlagNoActiveAmbassador, queries.FlagMAUDrop, queries.FlagIdeasBehind, queries.FlagSlowResponse}, Struggling: true,
			},
			{
				SiteID: "RENNES", Name: "Rennes",
				Figures: queries.Figures{
					Headcount: i64(400), MAU: 100, MAUPrevious: 20, MAUChange: f64(4), Adoption: f64(0.25),
					Ambassadors: 2, ActiveAmbassadors: 2, ActiveAmbassadorRate: f64(1), PeoplePerAmbassador: f64(200),
					Ideas: 18, IdeasByStatus: queries.IdeasByStatus{Submitted: 6, InReview: 3, Retained: 3, Postponed: 1, Rejected: 2, Implemented: 2},
					IdeasImplemented: 1, DecisionDelayDays: f64(9), ResponseSLAShare: f64(0.5), VotesPerIdea: f64(2.5),
					QualityScore: f64(8), ScoredShare: f64(0.5), Replications: 1, TimeToKnowledgeDays: f64(12.5),
					ENPSResponses: 2,
				},
				Flags: []string{queries.FlagUnderCovered}, Struggling: false,
			},
		},
		Targets: []queries.TargetResult{
			{ID: "sites_with_active_ambassador_share", Value: f64(2.0 / 3), Target: 0.6, Direction: queries.AtLeast, Pace: 0.3, Status: queries.StatusMet},
			{ID: "ideas_per_site_median", Value: f64(12), Target: 10, Direction: queries.AtLeast, Pace: 5, Status: queries.StatusMet},
			{ID: "decision_delay_reduction", Value: f64(0.4583333333333333), Target: 0.3, Direction: queries.AtLeast, Pace: 0.15, Status: queries.StatusMet},
			{ID: "enps", Value: nil, Target: 30, Direction: queries.AtLeast, Pace: 15, Status: queries.StatusNoData},
			{ID: "oldest_open_idea_days", Value: f64(40.25), Target: 30, Direction: queries.AtMost, Pace: 30, Status: queries.StatusAtRisk},
		},
	}
}

// fixtureSnapshot wraps fixtureDocument with fixed times.
func fixtureSnapshot() *queries.Snapshot {
	return &queries.Snapshot{
		Doc:        fixtureDocument(),
		AsOf:       time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC),
		Version:    4,
		ComputedAt: time.Date(2026, 10, 15, 6, 0, 1, 500_000_000, time.UTC),
		Duration:   1250 * time.Millisecond,
	}
}

// syntheticDocument is a document of n sites with every figure set, for
// the scrape benchmark.
func syntheticDocument(n int) *queries.Document {
	doc := fixtureDocument()
	base := doc.Sites[0]
	doc.Sites = make([]queries.Site, n)
	for i := range doc.Sites {
		s := base
		s.SiteID = fmt.Sprintf("SITE%04d", i)
		s.Name = fmt.Sprintf("Site %d", i)
		s.MAU = int64(100 + i)
		if i%3 == 0 {
			s.Flags = []string{queries.FlagLowAdoption, queries.FlagMAUDrop}
			s.Struggling = true
		}
		doc.Sites[i] = s
	}
	doc.Overall.Sites = int64(n)
	return doc
}

// openTestDB opens a fresh database in t.TempDir().
func openTestDB(t testing.TB) *queries.DB {
	t.Helper()
	return testfixture.Open(t, nil)
}

// seedIngestLog writes fixed ingest_log rows (the loader stamps
// finished_at with the clock, which a golden file cannot follow).
func seedIngestLog(t testing.TB, db *queries.DB) {
	t.Helper()
	rows := []struct {
		file, dataset          string
		read, loaded, rejected int64
		started, finished      string
	}{
		{"sites.csv", "sites", 3, 3, 0, "2026-10-14 06:00:00+00", "2026-10-14 06:00:01+00"},
		{"ideas.xlsx", "ideas", 70, 68, 2, "2026-10-14 06:00:02+00", "2026-10-14 06:00:04.25+00"},
		{"ideas-2.csv", "ideas", 5, 5, 0, "2026-10-15 05:30:00+00", "2026-10-15 05:30:00.5+00"},
		{"votes.csv", "votes", 200, 197, 3, "2026-10-14 06:00:05+00", "2026-10-14 06:00:06+00"},
	}
	for _, r := range rows {
		if _, err := db.SQL().ExecContext(context.Background(),
			`INSERT INTO ingest_log (file, dataset, sha256, rows_read, loaded, rejected, started_at, finished_at)
			 VALUES (?, ?, 'x', ?, ?, ?, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ)`,
			r.file, r.dataset, r.read, r.loaded, r.rejected, r.started, r.finished); err != nil {
			t.Fatalf("seed ingest_log: %v", err)
		}
	}
}
