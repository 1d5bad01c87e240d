package queries

// Page queries about single ideas: the idea view (/ideas/{id}) and the
// count that explains a site's implemented ideas.

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"time"
)

var (
	//go:embed sql/idea_detail.sql
	ideaDetailSQL string
	//go:embed sql/idea_decisions.sql
	ideaDecisionsSQL string
	//go:embed sql/site_implemented_before_start.sql
	siteImplementedBeforeStartSQL string
)

// ErrNoIdea is returned by IdeaDetail for an idea not loaded on the as-of
// date (unknown, or created after it).
var ErrNoIdea = errors.New("idea not loaded")

// IdeaDetail is one idea as loaded on the as-of date, for the idea view.
type IdeaDetail struct {
	IdeaID   string `json:"idea_id"`
	SiteID   string `json:"site_id"`
	SiteName string `json:"site_name"`
	// AuthorID and AuthorName (the display name, when loaded) name the
	// author; the dashboards blank them for readers who may not see them.
	AuthorID   *string   `json:"author_id"`
	AuthorName *string   `json:"author_name"`
	Kind       string    `json:"kind"`
	Title      string    `json:"title"`
	CreatedAt  time.Time `json:"created_at"`
	// Status is the status as loaded (exports carry the current one).
	Status string `json:"status"`
	// DecidedAt and ImplementedAt are the idea's own dates, when on or
	// before the as-of date.
	DecidedAt     *time.Time `json:"decided_at"`
	ImplementedAt *time.Time `json:"implemented_at"`
	Impact        *int64     `json:"impact"`
	Feasibility   *int64     `json:"feasibility"`
	ChallengeID   *string    `json:"challenge_id"`
	// ChallengeTitle is empty when the challenge is not loaded.
	ChallengeTitle   string  `json:"challenge_title"`
	Theme            *string `json:"theme"`
	SolvesIdeaID     *string `json:"solves_idea_id"`
	ReplicatesIdeaID *string `json:"replicates_idea_id"`
	// Votes and Comments count those dated on or before the as-of date.
	Votes    int64 `json:"votes"`
	Comments int64 `json:"comments"`
	// Decisions are the changelog's rows of the idea dated on or before
	// the as-of date, oldest first.
	Decisions []IdeaDecision `json:"decisions"`
}

// IdeaDecision is one decision on an idea.
type IdeaDecision struct {
	Decision  string    `json:"decision"`
	DecidedAt time.Time `json:"decided_at"`
	Reason    *string   `json:"reason"`
}

// IdeaDetail returns an idea as loaded on asOf, or ErrNoIdea.
func (db *DB) IdeaDetail(ctx context.Context, asOf time.Time, ideaID string) (*IdeaDetail, error) {
	b := newBounds(db.loc, Settings{}, asOf)
	args := []any{
		sql.Named("idea", ideaID),
		sql.Named("as_of_end", b.AsOfEnd()),
		sql.Named("as_of_day", dayNumber(b.D)),
	}
	ctx, done, err := db.readView(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("idea detail: %w", err)
	}
	defer done()
	var out *IdeaDetail
	err = db.each(ctx, "idea detail", ideaDetailSQL, args, func(rows *sql.Rows) error {
		d := &IdeaDetail{Decisions: []IdeaDecision{}}
		var siteName, challengeTitle *string
		if err := rows.Scan(&d.IdeaID, &d.SiteID, &siteName, &d.AuthorID, &d.AuthorName, &d.Kind, &d.Title, &d.CreatedAt,
			&d.Status, &d.DecidedAt, &d.ImplementedAt, &d.Impact, &d.Feasibility, &d.ChallengeID, &challengeTitle,
			&d.Theme, &d.SolvesIdeaID, &d.ReplicatesIdeaID, &d.Votes, &d.Comments); err != nil {
			return err
		}
		d.CreatedAt = d.CreatedAt.In(db.loc)
		d.DecidedAt = inZone(d.DecidedAt, db.loc)
		d.ImplementedAt = inZone(d.ImplementedAt, db.loc)
		if siteName != nil {
			d.SiteName = *siteName
		}
		if challengeTitle != nil {
			d.ChallengeTitle = *challengeTitle
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, ErrNoIdea
	}
	err = db.each(ctx, "idea decisions", ideaDecisionsSQL, args, func(rows *sql.Rows) error {
		var d IdeaDecision
		if err := rows.Scan(&d.Decision, &d.DecidedAt, &d.Reason); err != nil {
			return err
		}
		d.DecidedAt = d.DecidedAt.In(db.loc)
		out.Decisions = append(out.Decisions, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inZone is t in loc (nil stays nil).
func inZone(t *time.Time, loc *time.Location) *time.Time {
	if t == nil {
		return nil
	}
	v := t.In(loc)
	return &v
}

// ImplementedBeforeStart counts the site's ideas_implemented (docs/kpis.md)
// created before the program start: they count in ideas_implemented but
// not in ideas_by_status, which counts the ideas created in the program.
func (db *DB) ImplementedBeforeStart(ctx context.Context, s Settings, asOf time.Time, siteID string) (int64, error) {
	b := newBounds(db.loc, s, asOf)
	args := []any{
		sql.Named("site", siteID),
		sql.Named("program_start", b.ProgramStart()),
		sql.Named("as_of_end", b.AsOfEnd()),
	}
	ctx, done, err := db.readView(ctx, false)
	if err != nil {
		return 0, fmt.Errorf("implemented before start: %w", err)
	}
	defer done()
	var n int64
	err = db.each(ctx, "implemented before start", siteImplementedBeforeStartSQL, args, func(rows *sql.Rows) error {
		return rows.Scan(&n)
	})
	return n, err
}
