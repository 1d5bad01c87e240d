package demo

import (
	"time"
)

// The demo's clock. Every generated instant is a local wall time stored as
// "local seconds": day index * 86400 + seconds since local midnight, where
// day 0 is D-(historyDays-1) and the as-of date D is day historyDays-1.
// Generated times of day stay between 06:00 and 23:59, so the offset of a
// day (read at noon) is exact for every instant of it, whatever daylight
// saving does at night. Formatting works on precomputed per-day strings,
// so hot loops never touch time.Time.

const (
	historyDays = 180 // ideas go back to D-179 (baseline period B included)
	daySec      = 86400
	// dayPad extra days are kept on each side of the table so that a UTC
	// rendering that crosses midnight still finds its day.
	dayPad = 3
)

// Program windows as day indexes (docs/kpis.md), D = historyDays-1.
const (
	dayD      = historyDays - 1
	dayStart  = dayD - 74 // program.start written in relais.yaml
	dayW      = dayD - 29 // first day of W
	dayWPrev  = dayD - 59 // first day of W'
	dayAct    = dayD - 89 // first day of the activity export
	endOfDSec = (dayD + 1) * daySec
)

type dayInfo struct {
	iso        [10]byte // 2026-10-03
	fr         [10]byte // 03/10/2026
	offISO     [6]byte  // +02:00
	offCompact [5]byte  // +0200
	off        int32    // UTC offset in seconds at noon
	weekday    time.Weekday
	y, m, d    int
}

// clock maps day indexes to calendar dates in the configured zone.
type clock struct {
	days []dayInfo // index = day + dayPad
	asOf time.Time // D at UTC midnight
}

func newClock(asOf time.Time, loc *time.Location) *clock {
	y, m, d := asOf.Date()
	c := &clock{days: make([]dayInfo, historyDays+2*dayPad), asOf: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	for i := range c.days {
		day := i - dayPad
		t := time.Date(y, m, d+day-dayD, 12, 0, 0, 0, loc)
		_, off := t.Zone()
		di := dayInfo{off: int32(off), weekday: t.Weekday(), y: t.Year(), m: int(t.Month()), d: t.Day()}
		copy(di.iso[:], t.Format("2006-01-02"))
		copy(di.fr[:], t.Format("02/01/2006"))
		copy(di.offISO[:], t.Format("-07:00"))
		copy(di.offCompact[:], t.Format("-0700"))
		c.days[i] = di
	}
	return c
}

func (c *clock) day(day int) *dayInfo { return &c.days[day+dayPad] }

// date returns the calendar date of a day index as a time.Time at UTC
// midnight (for YAML and Excel cells).
// Any day index works, also past the table (a challenge ending after D).
func (c *clock) date(day int) time.Time {
	return c.asOf.AddDate(0, 0, day-dayD)
}

// wall returns the local wall time of t as a UTC time.Time (an Excel cell
// holds wall-clock serials).
func (c *clock) wall(t int32) time.Time {
	di := c.day(int(t / daySec))
	s := int(t % daySec)
	return time.Date(di.y, time.Month(di.m), di.d, s/3600, s/60%60, s%60, 0, time.UTC)
}

func isWeekend(wd time.Weekday) bool { return wd == time.Saturday || wd == time.Sunday }

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func appendHMS(b []byte, s int, seconds bool) []byte {
	b = append2(b, s/3600)
	b = append(b, ':')
	b = append2(b, s/60%60)
	if seconds {
		b = append(b, ':')
		b = append2(b, s%60)
	}
	return b
}

// appendISODate writes 2026-10-03.
func (c *clock) appendISODate(b []byte, day int) []byte { return append(b, c.day(day).iso[:]...) }

// appendFRDate writes 03/10/2026.
func (c *clock) appendFRDate(b []byte, day int) []byte { return append(b, c.day(day).fr[:]...) }

// appendOffset writes 2026-10-03T09:15:22+02:00.
func (c *clock) appendOffset(b []byte, t int32) []byte {
	di := c.day(int(t / daySec))
	b = append(b, di.iso[:]...)
	b = append(b, 'T')
	b = appendHMS(b, int(t%daySec), true)
	return append(b, di.offISO[:]...)
}

// appendUTC writes the instant in UTC: 2026-10-03T07:15:22Z.
func (c *clock) appendUTC(b []byte, t int32) []byte {
	day := int(t / daySec)
	u := int(t%daySec) - int(c.day(day).off)
	for u < 0 {
		u += daySec
		day--
	}
	for u >= daySec {
		u -= daySec
		day++
	}
	b = append(b, c.day(day).iso[:]...)
	b = append(b, 'T')
	b = appendHMS(b, u, true)
	return append(b, 'Z')
}

// appendLocal writes local time without an offset: 2026-10-03 09:15:22.
func (c *clock) appendLocal(b []byte, t int32) []byte {
	b = append(b, c.day(int(t / daySec)).iso[:]...)
	b = append(b, ' ')
	return appendHMS(b, int(t%daySec), true)
}

// appendCompact writes 2026-10-03 09:15:22 +0200.
func (c *clock) appendCompact(b []byte, t int32) []byte {
	di := c.day(int(t / daySec))
	b = append(b, di.iso[:]...)
	b = append(b, ' ')
	b = appendHMS(b, int(t%daySec), true)
	b = append(b, ' ')
	return append(b, di.offCompact[:]...)
}

// appendFRTime writes 03/10/2026 09:15.
func (c *clock) appendFRTime(b []byte, t int32) []byte {
	b = append(b, c.day(int(t / daySec)).fr[:]...)
	b = append(b, ' ')
	return appendHMS(b, int(t%daySec), false)
}
