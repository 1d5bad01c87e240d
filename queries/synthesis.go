package queries

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"
)

//go:embed sql/synthesis.sql
var synthesisSQL string

// DecisionCounts counts decisions by kind.
type DecisionCounts struct {
	Retained    int64 `json:"retained"`
	Postponed   int64 `json:"postponed"`
	Rejected    int64 `json:"rejected"`
	Implemented int64 `json:"implemented"`
}

// SiteMonth is the monthly synthesis of one site.
type SiteMonth struct {
	SiteID string `json:"site_id"`
	Name   string `json:"name"`
	// IdeasShared counts the ideas created in the month (withdrawn excluded).
	IdeasShared int64 `json:"ideas_shared"`
	// Decisions counts the month's decisions by kind (the changelog's).
	Decisions DecisionCounts `json:"decisions"`
	// Implemented counts the ideas implemented in the month.
	Implemented int64 `json:"implemented"`
	// LongestWaiting lists the open ideas waiting longest at the end of the
	// month (or on the as-of date when earlier), longest first.
	LongestWaiting []OpenIdea `json:"longest_waiting"`
}

// MonthlySynthesis returns the synthesis of the month that contains `month`
// for every known site, sorted by site_id; nothing dated after asOf counts.
func (db *DB) MonthlySynthesis(ctx context.Context, month time.Time, asOf time.Time) ([]SiteMonth, error) {
	b := newBounds(db.loc, Settings{}, asOf)
	lo := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, db.loc)
	hi := time.Date(month.Year(), month.Month()+1, 1, 0, 0, 0, 0, db.loc)
	if end := b.AsOfEnd(); end.Before(hi) {
		hi = end
	}
	out := []SiteMonth{}
	if !hi.After(lo) {
		// The month starts after the as-of date: nothing is dated in it yet,
		// and every site shows zeros.
		hi = lo
	}
	args := []any{sql.Named("lo", lo), sql.Named("hi", hi)}
	ctx, done, verr := db.readView(ctx, true)
	if verr != nil {
		return nil, fmt.Errorf("monthly synthesis: %w", verr)
	}
	defer done()
	err := db.each(ctx, "monthly synthesis", synthesisSQL, args, func(rows *sql.Rows) error {
		var m SiteMonth
		d := &m.Decisions
		if err := rows.Scan(&m.SiteID, &m.Name, &m.IdeasShared, &d.Retained, &d.Postponed, &d.Rejected, &d.Implemented,
			&m.Implemented); err != nil {
			return err
		}
		m.LongestWaiting = []OpenIdea{}
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	waiting, err := db.openIdeas(ctx, "monthly synthesis", hi, TopOpenFilter{PerSite: true}, longestWaiting, "age")
	if err != nil {
		return nil, err
	}
	idx := make(map[string]int, len(out))
	for i, m := range out {
		idx[m.SiteID] = i
	}
	for _, o := range waiting {
		if i, ok := idx[o.SiteID]; ok {
			out[i].LongestWaiting = append(out[i].LongestWaiting, o)
		}
	}
	return out, nil
}

// longestWaiting is how many open ideas the synthesis lists per site.
const longestWaiting = 3
