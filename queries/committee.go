package queries

import (
	"context"
	"errors"
	"time"
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
	return nil, errors.New("top open ideas: not built yet")
}

// Decisions returns the decision changelog of the month that contains
// `month` (local dates), oldest first, for one site or every site ("").
func (db *DB) Decisions(ctx context.Context, month time.Time, siteID string) ([]DecisionEntry, error) {
	return nil, errors.New("decisions: not built yet")
}
