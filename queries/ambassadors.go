package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"time"
)

//go:embed sql/ambassadors.sql
var ambassadorsSQL string

// Ambassador is one ambassador on the as-of date.
type Ambassador struct {
	PersonID string `json:"person_id"`
	SiteID   string `json:"site_id"`
	// Name is the display name, or the person id when none is loaded.
	Name string `json:"name"`
	// Since is ambassador_since (YYYY-MM-DD) when set.
	Since *string `json:"since"`
	// LastActive is the last local date (<= D) the ambassador was active.
	LastActive *string `json:"last_active"`
	// ActionsInWindow counts the activity facts (activity rows, ideas,
	// votes, comments) dated in W = D-29 .. D.
	ActionsInWindow int64 `json:"actions_in_window"`
	// Trained says trained_on is set and on or before D; TrainedOn is it.
	Trained   bool    `json:"trained"`
	TrainedOn *string `json:"trained_on"`
}

// Ambassadors lists the ambassadors on asOf of one site (or every site
// when siteID is ""), sorted by site then person id.
func (db *DB) Ambassadors(ctx context.Context, asOf time.Time, siteID string) ([]Ambassador, error) {
	b := newBounds(db.loc, Settings{}, asOf)
	args := []any{
		sql.Named("as_of", b.D),
		sql.Named("as_of_day", dayNumber(b.D)),
		sql.Named("window_start_day", dayNumber(b.D)-29),
		sql.Named("site", siteID),
	}
	return listInView(ctx, db, "ambassadors", ambassadorsSQL, args, func(rows *sql.Rows, a *Ambassador) error {
		var since, trained *time.Time
		var last *int64
		if err := rows.Scan(&a.PersonID, &a.SiteID, &a.Name, &since, &trained, &last, &a.ActionsInWindow); err != nil {
			return err
		}
		a.Since = dateString(since)
		a.TrainedOn = dateString(trained)
		a.Trained = trained != nil && !dateOf(*trained).After(b.D)
		if last != nil {
			s := dayDate(*last).Format(time.DateOnly)
			a.LastActive = &s
		}
		return nil
	})
}

// dateString formats a DATE column (scanned at 00:00 UTC) as YYYY-MM-DD.
func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}
