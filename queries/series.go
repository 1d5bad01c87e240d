package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"
)

var (
	//go:embed sql/series.sql
	seriesSQL string
	//go:embed sql/series_sites.sql
	seriesSitesSQL string
)

// IdeasByKind counts ideas by kind; every kind is present.
type IdeasByKind struct {
	Idea     int64 `json:"idea"`
	Irritant int64 `json:"irritant"`
	Solution int64 `json:"solution"`
	Practice int64 `json:"practice"`
}

// WeekPoint is one Monday-based local week of activity, for the charts.
type WeekPoint struct {
	// WeekStart is the Monday that starts the week (YYYY-MM-DD, local).
	WeekStart string `json:"week_start"`
	// WeekEnd is the last date counted: the Sunday, or D for the week of D.
	WeekEnd string `json:"week_end"`
	// ActivePeople counts people active in the week (overall: every person
	// id seen in the activity facts; per site: the site's people).
	ActivePeople int64 `json:"active_people"`
	// ActiveAmbassadors counts the ambassadors (on the week's last date)
	// active in the week.
	ActiveAmbassadors int64 `json:"active_ambassadors"`
	// Ideas counts the ideas created in the week (withdrawn excluded).
	Ideas int64 `json:"ideas"`
	// IdeasByKind splits Ideas by kind.
	IdeasByKind IdeasByKind `json:"ideas_by_kind"`
	// Votes and Comments dated in the week on loaded, non-withdrawn ideas.
	Votes    int64 `json:"votes"`
	Comments int64 `json:"comments"`
	// Decisions counts the ideas whose first decision falls in the week.
	Decisions int64 `json:"decisions"`
	// MedianDecisionDelayDays is the median (first decision - created_at)
	// in days over those ideas; null when none.
	MedianDecisionDelayDays *float64 `json:"median_decision_delay_days"`
}

// Series returns the last `weeks` Monday-based local weeks ending with the
// week of asOf (oldest first), for one site or overall (siteID "").
func (db *DB) Series(ctx context.Context, s Settings, asOf time.Time, siteID string, weeks int) ([]WeekPoint, error) {
	q, err := db.newSeriesQuery(s, asOf, weeks, "series", seriesSQL)
	if err != nil {
		return nil, err
	}
	args := append(q.args, sql.Named("site", siteID))
	return listInView(ctx, db, "series", q.query, args, func(rows *sql.Rows, p *WeekPoint) error {
		k := &p.IdeasByKind
		return rows.Scan(&p.WeekStart, &p.WeekEnd, &p.ActivePeople, &p.ActiveAmbassadors, &p.Ideas,
			&k.Idea, &k.Irritant, &k.Solution, &k.Practice, &p.Votes, &p.Comments, &p.Decisions,
			&p.MedianDecisionDelayDays)
	})
}

// SeriesBySite returns the Series of every site (by site id) computed in
// one query, the same points as Series gives site by site: a site
// absent from the map has no activity, idea, vote, comment or decision in
// those weeks (use ZeroSeries for it).
func (db *DB) SeriesBySite(ctx context.Context, s Settings, asOf time.Time, weeks int) (map[string][]WeekPoint, error) {
	q, err := db.newSeriesQuery(s, asOf, weeks, "series by site", seriesSitesSQL)
	if err != nil {
		return nil, err
	}
	type cell struct {
		site string
		idx  int
		p    WeekPoint
	}
	cells, err := listInView(ctx, db, "series by site", q.query, q.args, func(rows *sql.Rows, c *cell) error {
		p, k := &c.p, &c.p.IdeasByKind
		return rows.Scan(&c.site, &c.idx, &p.ActivePeople, &p.ActiveAmbassadors, &p.Ideas,
			&k.Idea, &k.Irritant, &k.Solution, &k.Practice, &p.Votes, &p.Comments, &p.Decisions,
			&p.MedianDecisionDelayDays)
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]WeekPoint{}
	for _, c := range cells {
		pts, ok := out[c.site]
		if !ok {
			pts = q.zero()
			out[c.site] = pts
		}
		c.p.WeekStart, c.p.WeekEnd = pts[c.idx].WeekStart, pts[c.idx].WeekEnd
		pts[c.idx] = c.p
	}
	return out, nil
}

// ZeroSeries is the series of a site with nothing in those weeks: the
// weeks of Series with every count zero and no median.
func (db *DB) ZeroSeries(s Settings, asOf time.Time, weeks int) ([]WeekPoint, error) {
	q, err := db.newSeriesQuery(s, asOf, weeks, "series", "")
	if err != nil {
		return nil, err
	}
	return q.zero(), nil
}

// seriesQuery is a series statement with its arguments and weeks.
type seriesQuery struct {
	query string
	args  []any
	// loDay is the Monday of the first week (a day number), asOfDay D's.
	loDay, asOfDay int64
	weeks          int
}

func (db *DB) newSeriesQuery(s Settings, asOf time.Time, weeks int, name, text string) (seriesQuery, error) {
	if weeks < 1 {
		return seriesQuery{}, fmt.Errorf("%s: weeks must be >= 1, got %d", name, weeks)
	}
	b := newBounds(db.loc, s, asOf)
	monday := addDays(b.D, -((int(b.D.Weekday()) + 6) % 7))
	lo := b.midnight(monday, -7*(weeks-1))
	end := b.AsOfEnd()
	// The Monday of the first week, as a day number (a week number is
	// (day + 3) // 7: 1970-01-01 was a Thursday).
	loDay := dayNumber(monday) - 7*int64(weeks-1)
	q := seriesQuery{loDay: loDay, asOfDay: dayNumber(b.D), weeks: weeks}
	q.args = []any{
		sql.Named("as_of", b.D),
		sql.Named("as_of_end", end),
		sql.Named("lo", lo),
		sql.Named("lo_day", loDay),
		sql.Named("lo_week", (loDay+3)/7),
		sql.Named("as_of_day", q.asOfDay),
		sql.Named("weeks", int64(weeks)),
	}
	if text == "" {
		return q, nil
	}
	var err error
	q.query, err = db.renderSQL(name, text, lo, end)
	return q, err
}

// zero is the query's weeks with every count zero: week_start the Monday,
// week_end its Sunday or D for the week of D.
func (q seriesQuery) zero() []WeekPoint {
	pts := make([]WeekPoint, q.weeks)
	for i := range pts {
		start := q.loDay + 7*int64(i)
		pts[i].WeekStart = dayDate(start).Format(time.DateOnly)
		pts[i].WeekEnd = dayDate(min(start+6, q.asOfDay)).Format(time.DateOnly)
	}
	return pts
}
