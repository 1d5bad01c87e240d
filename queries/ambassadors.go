package queries

import (
	"context"
	"errors"
	"time"
)

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
	return nil, errors.New("ambassadors: not built yet")
}
