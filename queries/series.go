package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"
)

//go:embed sql/series.sql
var seriesSQL string

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
	if weeks < 1 {
		return nil, fmt.Errorf("series: weeks must be >= 1, got %d", weeks)
	}
	b := newBounds(db.loc, s, asOf)
	monday := addDays(b.D, -((int(b.D.Weekday()) + 6) % 7))
	lo := b.midnight(monday, -7*(weeks-1))
	end := b.AsOfEnd()
	// The Monday of the first week, as a day number (a week number is
	// (day + 3) // 7: 1970-01-01 was a Thursday).
	loDay := dayNumber(monday) - 7*int64(weeks-1)
	args := []any{
		sql.Named("as_of", b.D),
		sql.Named("as_of_end", end),
		sql.Named("lo", lo),
		sql.Named("lo_day", loDay),
		sql.Named("lo_week", (loDay+3)/7),
		sql.Named("as_of_day", dayNumber(b.D)),
		sql.Named("weeks", int64(weeks)),
		sql.Named("site", siteID),
	}
	query, err := db.renderSQL("series", seriesSQL, lo, end)
	if err != nil {
		return nil, err
	}
	return listInView(ctx, db, "series", query, args, func(rows *sql.Rows, p *WeekPoint) error {
		k := &p.IdeasByKind
		return rows.Scan(&p.WeekStart, &p.WeekEnd, &p.ActivePeople, &p.ActiveAmbassadors, &p.Ideas,
			&k.Idea, &k.Irritant, &k.Solution, &k.Practice, &p.Votes, &p.Comments, &p.Decisions,
			&p.MedianDecisionDelayDays)
	})
}
