package queries

import "time"

// dateOf is the calendar date of t (its Y-M-D, as written) at 00:00 UTC,
// the form the driver binds to a DATE parameter.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// addDays shifts a calendar date by n days.
func addDays(d time.Time, n int) time.Time { return d.AddDate(0, 0, n) }

// daysBetween is b - a in whole calendar days (both calendar dates).
func daysBetween(a, b time.Time) int {
	return int(dateOf(b).Sub(dateOf(a)).Hours() / 24)
}

// bounds are the calendar dates of docs/kpis.md for one as-of date and the
// instants (local midnights in the DB's zone) that instants are compared
// against, computed once in Go and bound as TIMESTAMPTZ parameters.
type bounds struct {
	loc *time.Location
	// D is the as-of date, S the program start (calendar dates, UTC).
	D, S time.Time
	// Configured says S comes from the configuration.
	Configured bool
	// Day is the program day (D - S + 1).
	Day int
}

func newBounds(loc *time.Location, s Settings, asOf time.Time) bounds {
	b := bounds{loc: loc, D: dateOf(asOf)}
	if s.ProgramStart != nil {
		b.S = dateOf(*s.ProgramStart)
		b.Configured = true
	} else {
		b.S = addDays(b.D, -89)
	}
	b.Day = daysBetween(b.S, b.D) + 1
	return b
}

// midnight is the instant local 00:00 of calendar date d plus n days.
func (b bounds) midnight(d time.Time, n int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+n, 0, 0, 0, 0, b.loc)
}

// AsOfEnd is the end of D: local 00:00 of D+1. Everything at or after it is
// ignored ("as if not loaded yet").
func (b bounds) AsOfEnd() time.Time { return b.midnight(b.D, 1) }

// WindowStart starts the activity window W = D-29 .. D (it also ends W').
func (b bounds) WindowStart() time.Time { return b.midnight(b.D, -29) }

// PreviousWindowStart starts the previous window W' = D-59 .. D-30.
func (b bounds) PreviousWindowStart() time.Time { return b.midnight(b.D, -59) }

// ProgramStart starts the program period P = S .. D (empty when S > D).
func (b bounds) ProgramStart() time.Time { return b.midnight(b.S, 0) }

// BaselineStart starts the baseline period B = S-90 .. S-1, which ends at ProgramStart.
func (b bounds) BaselineStart() time.Time { return b.midnight(b.S, -90) }

// SurveyStart starts the survey range D-89 .. D of eNPS.
func (b bounds) SurveyStart() time.Time { return b.midnight(b.D, -89) }

// phase is the program phase of a program day.
func phase(day int) string {
	current := PhaseNotStarted
	for _, p := range PhaseDays() {
		if day >= p.FirstDay {
			current = p.Phase
		}
	}
	return current
}
