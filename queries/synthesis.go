package queries

import (
	"context"
	"errors"
	"time"
)

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
	return nil, errors.New("monthly synthesis: not built yet")
}
