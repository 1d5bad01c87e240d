package queries

// The challenges (défis) page query: per challenge, its ideas,
// participants, votes and comments per site, and the sites that took it up
// or not (docs/pages.md, "Challenges").

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"time"
)

//go:embed sql/challenges.sql
var challengesSQL string

// challengeStatements are the named statements of challenges.sql.
var challengeStatements = namedStatements(challengesSQL)

// namedStatements splits a file of statements each introduced by a
// "-- name: NAME" line; the text before the first is the file's comment.
func namedStatements(file string) map[string]string {
	out := map[string]string{}
	parts := strings.Split(file, "-- name: ")
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		out[strings.TrimSpace(name)] = body
	}
	return out
}

// Challenge is one challenge started on or before the as-of date, with
// what its ideas drew.
type Challenge struct {
	ChallengeID string `json:"challenge_id"`
	Title       string `json:"title"`
	// SiteID is the challenge's site, SiteName its name (empty when not
	// loaded); both empty for a group-wide challenge.
	SiteID   string  `json:"site_id"`
	SiteName string  `json:"site_name"`
	Theme    *string `json:"theme"`
	// StartsOn and EndsOn are local dates (YYYY-MM-DD); Ongoing says the
	// as-of date is on or before EndsOn.
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Ongoing  bool   `json:"ongoing"`
	// Totals over every site: participants are distinct people over the
	// whole challenge (not the sum of the sites').
	Ideas        int64 `json:"ideas"`
	Participants int64 `json:"participants"`
	Votes        int64 `json:"votes"`
	Comments     int64 `json:"comments"`
	// Sites are the sites with at least one idea in the challenge (they
	// took it up), most ideas first.
	Sites []ChallengeSite `json:"sites"`
	// NotTakenUp are the sites the challenge was open to (every loaded
	// site, or its own site) with no idea in it, by site id.
	NotTakenUp []SiteRef `json:"not_taken_up"`
}

// ChallengeSite is what a challenge drew on one site (by the ideas' site).
type ChallengeSite struct {
	SiteID string `json:"site_id"`
	// Name is empty when the site is not loaded.
	Name         string `json:"name"`
	Ideas        int64  `json:"ideas"`
	Participants int64  `json:"participants"`
	Votes        int64  `json:"votes"`
	Comments     int64  `json:"comments"`
}

// SiteRef names a site.
type SiteRef struct {
	SiteID string `json:"site_id"`
	Name   string `json:"name"`
}

// Challenges returns the challenges started on or before asOf, newest
// first, with their figures on asOf (an empty slice when none is loaded).
func (db *DB) Challenges(ctx context.Context, asOf time.Time) ([]Challenge, error) {
	b := newBounds(db.loc, Settings{}, asOf)
	args := []any{
		sql.Named("as_of", b.D),
		sql.Named("as_of_end", b.AsOfEnd()),
		sql.Named("as_of_day", dayNumber(b.D)),
	}
	ctx, done, err := db.readView(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("challenges: %w", err)
	}
	defer done()
	out := []Challenge{}
	index := map[string]int{}
	err = db.each(ctx, "challenges", challengeStatements["challenges"], args, func(rows *sql.Rows) error {
		var c Challenge
		var site *string
		var starts, ends time.Time
		if err := rows.Scan(&c.ChallengeID, &c.Title, &site, &c.Theme, &starts, &ends); err != nil {
			return err
		}
		if site != nil {
			c.SiteID = *site
		}
		c.StartsOn, c.EndsOn = starts.Format(time.DateOnly), ends.Format(time.DateOnly)
		c.Ongoing = !dateOf(ends).Before(b.D)
		c.Sites, c.NotTakenUp = []ChallengeSite{}, []SiteRef{}
		index[c.ChallengeID] = len(out)
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var sites []SiteRef
	err = db.each(ctx, "challenge sites", challengeStatements["sites"], args, func(rows *sql.Rows) error {
		var s SiteRef
		if err := rows.Scan(&s.SiteID, &s.Name); err != nil {
			return err
		}
		sites = append(sites, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, s := range sites {
		names[s.SiteID] = s.Name
	}
	err = db.each(ctx, "challenge figures", challengeStatements["figures"], args, func(rows *sql.Rows) error {
		var id, site string
		var total bool
		var f ChallengeSite
		if err := rows.Scan(&id, &total, &site, &f.Ideas, &f.Participants, &f.Votes, &f.Comments); err != nil {
			return err
		}
		i, ok := index[id]
		if !ok {
			return nil // a challenge not loaded, or not started on D
		}
		c := &out[i]
		if total {
			c.Ideas, c.Participants, c.Votes, c.Comments = f.Ideas, f.Participants, f.Votes, f.Comments
			return nil
		}
		f.SiteID, f.Name = site, names[site]
		c.Sites = append(c.Sites, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		c := &out[i]
		c.SiteName = names[c.SiteID]
		sort.SliceStable(c.Sites, func(a, b int) bool {
			if c.Sites[a].Ideas != c.Sites[b].Ideas {
				return c.Sites[a].Ideas > c.Sites[b].Ideas
			}
			return c.Sites[a].SiteID < c.Sites[b].SiteID
		})
		c.NotTakenUp = notTakenUp(*c, sites)
	}
	return out, nil
}

// notTakenUp lists the sites a challenge was open to that have no idea in
// it: every loaded site for a group-wide challenge, else its own site.
func notTakenUp(c Challenge, sites []SiteRef) []SiteRef {
	took := map[string]bool{}
	for _, s := range c.Sites {
		took[s.SiteID] = true
	}
	out := []SiteRef{}
	for _, s := range sites {
		if (c.SiteID == "" || c.SiteID == s.SiteID) && !took[s.SiteID] {
			out = append(out, s)
		}
	}
	return out
}
