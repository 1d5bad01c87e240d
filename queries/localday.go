package queries

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Local calendar days as integers: a day number counts the days from
// 1970-01-01 to a calendar date. The local day of an instant is computed
// with integer arithmetic (epoch microseconds + the zone's offset at that
// instant), never by converting each row with ICU (8-11 s for 15M rows on
// the large demo). The offsets of the configured zone are computed once in
// Go (time.Time.ZoneBounds) over the instants a statement can meet, so the
// arithmetic is exact for any zone.

// dayUS is one day in microseconds.
const dayUS = 86400000000

// dayBiasDays shifts instants before the integer division so that it
// floors for instants before 1970 too (DuckDB's // truncates toward 0).
const dayBiasDays = 1000000

// dayNumber is the day number of the calendar date d (its Y-M-D).
func dayNumber(d time.Time) int64 {
	return dateOf(d).Unix() / 86400
}

// dayDate is the calendar date (00:00 UTC) of a day number.
func dayDate(n int64) time.Time {
	return time.Unix(n*86400, 0).UTC()
}

// zoneShift is the UTC offset (microseconds) of a zone from an instant on.
type zoneShift struct {
	fromUS, offUS int64
}

// maxZoneShifts bounds the CASE a statement carries (a zone changes its
// offset about twice a year).
const maxZoneShifts = 4096

// zoneShifts lists the offsets of loc over [lo, hi): the offset at lo, then
// each change of offset before hi with its instant.
func zoneShifts(loc *time.Location, lo, hi time.Time) []zoneShift {
	t := lo.In(loc)
	_, off := t.Zone()
	out := []zoneShift{{fromUS: math.MinInt64, offUS: int64(off) * 1e6}}
	for len(out) < maxZoneShifts {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(hi) || !end.After(t) {
			break
		}
		t = end.In(loc)
		_, off = t.Zone()
		if o := int64(off) * 1e6; o != out[len(out)-1].offUS {
			out = append(out, zoneShift{fromUS: end.UnixMicro(), offUS: o})
		}
	}
	return out
}

// localDaySQL is a SQL expression for the local day number (BIGINT) of the
// TIMESTAMPTZ expression col, exact for the instants in [lo, hi).
func localDaySQL(loc *time.Location, col string, lo, hi time.Time) string {
	shifts := zoneShifts(loc, lo, hi)
	e := "epoch_us(" + col + ")"
	var off string
	if len(shifts) == 1 {
		off = strconv.FormatInt(shifts[0].offUS, 10)
	} else {
		var b strings.Builder
		b.WriteString("CASE")
		for i := len(shifts) - 1; i >= 1; i-- {
			fmt.Fprintf(&b, " WHEN %s >= %d THEN %d", e, shifts[i].fromUS, shifts[i].offUS)
		}
		fmt.Fprintf(&b, " ELSE %d END", shifts[0].offUS)
		off = b.String()
	}
	return fmt.Sprintf("((%s + %s + %d) // %d - %d)", e, off, int64(dayBiasDays)*dayUS, int64(dayUS), dayBiasDays)
}

// dayExprs renders the {{.Day "col"}} placeholders of a statement: the
// local day number of col, exact for instants in [lo, hi).
type dayExprs struct {
	loc    *time.Location
	lo, hi time.Time
}

// Day is the local day number expression of col.
func (d dayExprs) Day(col string) string { return localDaySQL(d.loc, col, d.lo, d.hi) }
