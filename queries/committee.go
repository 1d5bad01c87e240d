package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"time"
)

var (
	//go:embed sql/top_open_ideas.sql
	topOpenIdeasSQL string
	//go:embed sql/committee_changelog.sql
	changelogPageSQL string
	//go:embed sql/committee_changelog_counts.sql
	changelogCountsSQL string
	//go:embed sql/committee_challenges.sql
	challengeListSQL string
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
	return db.TopOpen(ctx, TopOpenFilter{AsOf: asOf, SiteID: siteID, PerSite: true}, limit)
}

// TopOpenFilter selects the open ideas the committee ranks.
type TopOpenFilter struct {
	// AsOf is the date the ideas are open on (to its end, local time).
	AsOf time.Time
	// SiteID keeps one site's ideas ("" every site); ChallengeID the ideas
	// of one challenge ("" any idea, with a challenge or without).
	SiteID, ChallengeID string
	// PerSite ranks within each site (the first `limit` of each site,
	// sorted by site then rank); false ranks the group as one list.
	PerSite bool
}

// TopOpen returns the `limit` open ideas with the highest impact x
// feasibility (ties: more votes, then older, then idea_id), per site or
// for the whole group as f says.
func (db *DB) TopOpen(ctx context.Context, f TopOpenFilter, limit int) ([]OpenIdea, error) {
	b := newBounds(db.loc, Settings{}, f.AsOf)
	return db.openIdeas(ctx, "top open ideas", b.AsOfEnd(), f, limit, "score")
}

// openIdeas runs top_open_ideas.sql: the ideas open at end (an instant)
// that f keeps, ranked by score ("score") or oldest first ("age"), limit
// per site (or for the group); f.AsOf is not read.
func (db *DB) openIdeas(ctx context.Context, name string, end time.Time, f TopOpenFilter, limit int, order string) ([]OpenIdea, error) {
	if limit < 1 {
		return nil, fmt.Errorf("%s: limit must be >= 1, got %d", name, limit)
	}
	args := []any{
		sql.Named("as_of_end", end),
		sql.Named("end_day", dayNumber(end.In(db.loc))),
		sql.Named("site", f.SiteID),
		sql.Named("challenge", f.ChallengeID),
		sql.Named("per_site", f.PerSite),
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

// ChangelogFilter selects decisions of the committee's changelog.
type ChangelogFilter struct {
	// Month is any day of the month (its year and month are read).
	Month time.Time
	// AsOf, when set, cuts the month at the end of that date (local time):
	// nothing decided after it counts.
	AsOf time.Time
	// SiteID, Decision and ChallengeID keep one site's, one decision's or
	// one challenge's decisions; "" keeps all.
	SiteID, Decision, ChallengeID string
}

// args are the filter's parameters: the month's bounds as local
// midnights, cut at the as-of date's end, and the filters.
func (f ChangelogFilter) args(loc *time.Location) []any {
	lo := time.Date(f.Month.Year(), f.Month.Month(), 1, 0, 0, 0, 0, loc)
	hi := time.Date(f.Month.Year(), f.Month.Month()+1, 1, 0, 0, 0, 0, loc)
	if !f.AsOf.IsZero() {
		if end := newBounds(loc, Settings{}, f.AsOf).AsOfEnd(); end.Before(hi) {
			hi = end
		}
	}
	return []any{
		sql.Named("lo", lo), sql.Named("hi", hi),
		sql.Named("site", f.SiteID), sql.Named("decision", f.Decision), sql.Named("challenge", f.ChallengeID),
	}
}

// Decisions returns the decision changelog of the month that contains
// `month` (local dates), oldest first, for one site or every site ("").
func (db *DB) Decisions(ctx context.Context, month time.Time, siteID string) ([]DecisionEntry, error) {
	out, err := db.Changelog(ctx, ChangelogFilter{Month: month, SiteID: siteID}, 0, 0)
	slices.Reverse(out)
	return out, err
}

// Changelog returns the decisions f keeps, newest first (ties: idea_id,
// then decision, both descending: a total order, the changelog's key),
// skipping offset and at most limit of them (0: all).
func (db *DB) Changelog(ctx context.Context, f ChangelogFilter, limit, offset int) ([]DecisionEntry, error) {
	if limit < 0 || offset < 0 {
		return nil, fmt.Errorf("changelog: limit %d and offset %d must be >= 0", limit, offset)
	}
	n := int64(limit)
	if limit == 0 {
		n = math.MaxInt64
	}
	args := append(f.args(db.loc), sql.Named("limit", n), sql.Named("offset", int64(offset)))
	return listInView(ctx, db, "changelog", changelogPageSQL, args, func(rows *sql.Rows, e *DecisionEntry) error {
		if err := rows.Scan(&e.IdeaID, &e.Title, &e.SiteID, &e.Decision, &e.DecidedAt, &e.Reason); err != nil {
			return err
		}
		e.DecidedAt = e.DecidedAt.In(db.loc)
		e.Date = e.DecidedAt.Format(time.DateOnly)
		return nil
	})
}

// ChangelogCounts counts the decisions f keeps by decision, whatever
// f.Decision says (the counts a decision filter offers).
func (db *DB) ChangelogCounts(ctx context.Context, f ChangelogFilter) (DecisionCounts, error) {
	f.Decision = ""
	var c DecisionCounts
	ctx, done, err := db.readView(ctx, true)
	if err != nil {
		return c, fmt.Errorf("changelog counts: %w", err)
	}
	defer done()
	err = db.each(ctx, "changelog counts", changelogCountsSQL, f.args(db.loc), func(rows *sql.Rows) error {
		return rows.Scan(&c.Retained, &c.Postponed, &c.Rejected, &c.Implemented)
	})
	return c, err
}

// ChallengeOption is a challenge the committee may filter on.
type ChallengeOption struct {
	ChallengeID string `json:"challenge_id"`
	Title       string `json:"title"`
	// SiteID is the challenge's site; empty for a group-wide challenge.
	SiteID   string `json:"site_id"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

// ChallengeList returns every loaded challenge, the latest to start
// first (ties: challenge_id).
func (db *DB) ChallengeList(ctx context.Context) ([]ChallengeOption, error) {
	return listInView(ctx, db, "challenges", challengeListSQL, nil, func(rows *sql.Rows, c *ChallengeOption) error {
		var starts, ends time.Time
		if err := rows.Scan(&c.ChallengeID, &c.Title, &c.SiteID, &starts, &ends); err != nil {
			return err
		}
		c.StartsOn, c.EndsOn = starts.Format(time.DateOnly), ends.Format(time.DateOnly)
		return nil
	})
}
