package queries

import (
	"context"
	"testing"
	"time"
)

// Every overall numeric key, as a target, gets from TargetsAt (which runs
// only the KPI families the key needs) exactly the target result of the
// whole KPI document, on every date of the history.
func TestTargetsAtEqualsTheDocumentsTargetsForEveryOverallKey(t *testing.T) {
	f := decisionsFixture(t)
	f.person("x1", "A", "ambassador", "2026-08-01", "", "")
	f.activity("x1", f.at("2026-10-02 09:00"))
	f.survey("x1", f.at("2026-10-03 09:00"), 9)
	db := f.open()
	start := day(t, "2026-09-01")
	var targets []TargetSpec
	for _, k := range OverallKeys() {
		if numericOverallKey(k) {
			targets = append(targets, TargetSpec{KPI: k, Target: 3})
		}
	}
	s := Settings{ProgramStart: &start, Targets: targets}
	dates := TargetHistoryDates(s, day(t, "2026-11-25"))
	if len(dates) != 13 || dates[0].Format(time.DateOnly) != "2026-09-06" || dates[12].Format(time.DateOnly) != "2026-11-25" {
		t.Fatalf("history dates = %v", dates)
	}
	for _, d := range []time.Time{dates[0], dates[6], dates[12], day(t, "2026-08-20")} {
		got, err := db.TargetsAt(context.Background(), s, d)
		if err != nil {
			t.Fatal(err)
		}
		want := f.kpis(db, s, d.Format(time.DateOnly)).Targets
		if dump(got) != dump(want) {
			t.Errorf("%s: TargetsAt\n%s\nwant\n%s", d.Format(time.DateOnly), dump(got), dump(want))
		}
	}
}

func TestTargetHistoryDatesAreTheWeeksSundaysThenTheAsOfDate(t *testing.T) {
	start := day(t, "2026-09-06") // a Sunday
	s := Settings{ProgramStart: &start}
	cases := []struct {
		asOf  string
		first string
		n     int
	}{
		{"2026-09-05", "", 0},           // before the start
		{"2026-09-06", "2026-09-06", 1}, // day 1, a Sunday
		{"2026-09-13", "2026-09-06", 2}, // a whole second week
		{"2026-09-15", "2026-09-06", 3}, // Sundays 6 and 13, then the 15th
	}
	for _, c := range cases {
		got := TargetHistoryDates(s, day(t, c.asOf))
		if len(got) != c.n || (c.n > 0 && (got[0].Format(time.DateOnly) != c.first || got[c.n-1].Format(time.DateOnly) != c.asOf)) {
			t.Errorf("as of %s: %v, want %d dates from %s", c.asOf, got, c.n, c.first)
		}
	}
	long := TargetHistoryDates(s, day(t, "2028-09-06"))
	if len(long) != MaxHistoryWeeks || long[len(long)-1].Format(time.DateOnly) != "2028-09-06" {
		t.Errorf("two years: %d dates ending %v", len(long), long[len(long)-1])
	}
}

func TestDataUntilIsTheLocalDateOfTheLatestEvent(t *testing.T) {
	f := newFixture(t)
	f.site("A", 10)
	db := f.open()
	if _, ok, err := db.DataUntil(context.Background()); err != nil || ok {
		t.Fatalf("no event loaded: ok %v, err %v", ok, err)
	}
	f = newFixture(t)
	f.site("A", 10)
	f.person("p", "A", "collaborator", "", "", "2027-01-01") // a planned date is no event
	f.activity("p", f.at("2026-11-20 10:00"))
	f.vote("i", "p", f.utc("2026-11-25T23:30:00Z")) // 26/11 00:30 in Paris
	db = f.open()
	got, ok, err := db.DataUntil(context.Background())
	if err != nil || !ok || got.Format(time.DateOnly) != "2026-11-26" {
		t.Fatalf("data until = %v %v %v, want 2026-11-26", got, ok, err)
	}
}
