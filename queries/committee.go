package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"
)

var (
	//go:embed sql/top_open_ideas.sql
	topOpenIdeasSQL string
	//go:embed sql/decisions_changelog.sql
	decisionsChangelogSQL string
)

// OpenIdea is an idea open on the as-of date, for the committee view.
type OpenIdea struct {
	IdeaID   string  `json:"idea_id"`
	SiteID   string  `json:"site_id"`
	Title    string  `json:"title"`
	Kind     string  `json:"kind"`
	Status   string  `json:"status"`
	AuthorID *string `json:"author_id"`
	// CreatedAt is the creation instant.
	CreatedAt time.Time `json:"created_at"`
	// Impact and Feasibility are 1-5 when scored.
	Impact      *int64 `json:"impact"`
	Feasibility *int64 `json:"feasibility"`
	// Score is impact x feasibility; null unless both are set.
	Score *int64 `json:"score"`
	// Votes counts the votes dated on or before the as-of date.
	Votes int64 `json:"votes"`
	// WaitingDays is (end of D - created_at) in days.
	WaitingDays float64 `json:"waiting_days"`
}

// DecisionEntry is one line of the committee's decision changelog.
type DecisionEntry struct {
	IdeaID string `json:"idea_id"`
	// Title and SiteID are empty when the idea is not loaded.
	Title  string `json:"title"`
	SiteID string `json:"site_id"`
	// Decision is retained, postponed, rejected or implemented.
	Decision string `json:"decision"`
	// DecidedAt is the decision instant; Date its local date (YYYY-MM-DD).
	DecidedAt time.Time `json:"decided_at"`
	Date      string    `json:"date"`
	// Reason is the committee's reason, when given.
	Reason *string `json:"reason"`
}

// TopOpenIdeas returns, per site, the `limit` ideas open on asOf with the
// highest impact x feasibility (ties: more votes first, then older first),
// sorted by site then rank. siteID "" means every site.
func (db *DB) TopOpenIdeas(ctx context.Context, asOf time.Time, siteID string, limit int) ([]OpenIdea, error) {
	b := newBounds(db.loc, Settings{}, asOf)
	return db.openIdeas(ctx, "top open ideas", b.AsOfEnd(), siteID, limit, "score")
}

// openIdeas runs top_open_ideas.sql: the ideas open at end (an instant),
// ranked by score ("score") or oldest first ("age"), limit per site.
func (db *DB) openIdeas(ctx context.Context, name string, end time.Time, siteID string, limit int, order string) ([]OpenIdea, error) {
	if limit < 1 {
		return nil, fmt.Errorf("%s: limit must be >= 1, got %d", name, limit)
	}
	args := []any{
		sql.Named("as_of_end", end),
		sql.Named("end_day", dayNumber(end.In(db.loc))),
		sql.Named("site", siteID),
		sql.Named("limit", int64(limit)),
		sql.Named("order", order),
	}
	return listInView(ctx, db, name, topOpenIdeasSQL, args, func(rows *sql.Rows, o *OpenIdea) error {
		if err := rows.Scan(&o.IdeaID, &o.SiteID, &o.Title, &o.Kind, &o.Status, &o.AuthorID, &o.CreatedAt,
			&o.Impact, &o.Feasibility, &o.Score, &o.Votes, &o.WaitingDays); err != nil {
			return err
		}
		o.CreatedAt = o.CreatedAt.In(db.loc)
		return nil
	})
}

// Decisions returns the decision changelog of the month that contains
// `month` (local dates), oldest first, for one site or every site ("").
func (db *DB) Decisions(ctx context.Context, month time.Time, siteID string) ([]DecisionEntry, error) {
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	args := []any{
		sql.Named("lo", time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, db.loc)),
		sql.Named("hi", time.Date(first.Year(), first.Month()+1, 1, 0, 0, 0, 0, db.loc)),
		sql.Named("site", siteID),
	}
	return listInView(ctx, db, "decisions", decisionsChangelogSQL, args, func(rows *sql.Rows, e *DecisionEntry) error {
		if err := rows.Scan(&e.IdeaID, &e.Title, &e.SiteID, &e.Decision, &e.DecidedAt, &e.Reason); err != nil {
			return err
		}
		e.DecidedAt = e.DecidedAt.In(db.loc)
		e.Date = e.DecidedAt.Format(time.DateOnly)
		return nil
	})
}
