package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"relais/ingest"
	"relais/ingest/demo"
	"relais/internal/testfixture"
	"relais/queries"
)

// TestSmallDemoLoadsWithoutRejectsAndShowsStrugglingAndExcellingSites loads
// every file of the small demo through ingest into a real DuckDB file, then
// computes the KPIs with the written program start: every row loads, the
// struggling sites show each of the three troubles and some sites have no
// flag at all.
func TestSmallDemoLoadsWithoutRejectsAndShowsStrugglingAndExcellingSites(t *testing.T) {
	ctx := context.Background()
	seed := int64(1)
	if s := os.Getenv("DEMO_SEED"); s != "" { // to try other seeds by hand
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	dir, sum := write(t, demo.ScaleSmall, seed)
	db, err := queries.Open(ctx, queries.Options{Path: filepath.Join(t.TempDir(), "demo.duckdb"), Location: testfixture.Paris(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range sum.Files {
		res, err := ingest.LoadFile(ctx, db, filepath.Join(dir, f.Name), ingest.Options{})
		if err != nil {
			t.Fatalf("%s: %v; %v", res.Summary(), err, res.Rejects)
		}
		if res.Dataset != f.Dataset || res.Rows != f.Rows || res.Rejected != 0 || res.Loaded != f.Rows {
			t.Errorf("%s: %s, want %d rows of %s all loaded", f.Name, res.Summary(), f.Rows, f.Dataset)
		}
	}
	// Nothing is dated after the as-of date.
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, testfixture.Paris(t))
	for _, q := range []string{
		"SELECT count(*) FROM ideas WHERE created_at >= ? OR decided_at >= ? OR implemented_at >= ?",
		"SELECT count(*) FROM votes WHERE voted_at >= ? AND ? = ? ",
		"SELECT count(*) FROM comments WHERE created_at >= ? AND ? = ?",
		"SELECT count(*) FROM activity WHERE occurred_at >= ? AND ? = ?",
		"SELECT count(*) FROM surveys WHERE answered_at >= ? AND ? = ?",
		"SELECT count(*) FROM decisions WHERE decided_at >= ? AND ? = ?",
	} {
		var n int64
		if err := db.SQL().QueryRowContext(ctx, q, end, end, end).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows after the as-of date", q, n)
		}
	}
	start := sum.ProgramStart
	doc, err := db.KPIs(ctx, queries.Settings{ProgramStart: &start}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Program.Day != 75 {
		t.Errorf("program day %d, want 75", doc.Program.Day)
	}
	flags := map[string]int{}
	var struggling, clean []string
	for _, s := range doc.Sites {
		for _, f := range s.Flags {
			flags[f]++
		}
		if s.Struggling {
			struggling = append(struggling, s.SiteID)
		}
		if len(s.Flags) == 0 {
			clean = append(clean, s.SiteID)
		}
		t.Logf("%-12s mau %4d/%4d adoption %s amb %d/%d ideas %3d sla %s delay %s enps %s flags %v",
			s.SiteID, s.MAU, s.MAUPrevious, f(s.Adoption), s.ActiveAmbassadors, s.Ambassadors, s.Ideas,
			f(s.ResponseSLAShare), f(s.DecisionDelayDays), f(s.ENPS), s.Flags)
	}
	for _, want := range []string{queries.FlagNoActiveAmbassador, queries.FlagMAUDrop, queries.FlagSlowResponse} {
		if flags[want] == 0 {
			t.Errorf("no site has %s (flags %v)", want, flags)
		}
	}
	if len(struggling) < 3 || len(struggling) > 5 {
		t.Errorf("struggling sites %v, want 3 to 5 of 12", struggling)
	}
	if len(clean) < 4 {
		t.Errorf("sites without a flag %v, want several", clean)
	}
	o := doc.Overall
	if o.Replications == 0 || o.ENPS == nil || o.DecisionDelayReduction == nil || *o.DecisionDelayReduction < 0.3 {
		t.Errorf("overall: replications %d, enps %s, decision delay reduction %s", o.Replications, f(o.ENPS), f(o.DecisionDelayReduction))
	}
	for _, tr := range doc.Targets {
		t.Logf("target %s: %s (%s)", tr.ID, f(tr.Value), tr.Status)
	}
	if !slices.ContainsFunc(doc.Targets, func(tr queries.TargetResult) bool { return tr.Status == queries.StatusMet }) {
		t.Errorf("no target met: %+v", doc.Targets)
	}
}

func f(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'f', 3, 64)
}
