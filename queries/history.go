package queries

// The weekly history of the targets (the sponsor page's burn-up charts):
// each target's value, pace and status as of the last day of every week
// since the program start, computed by the same code as the KPI document
// (so a point is exactly what /api/v1/kpis says for that date) but running
// only the KPI families the targets' keys need.

import (
	"context"
	"fmt"
	"time"
)

// familyOfKey names the KPI family (kpiFamilies) that determines an overall
// key. Keys absent from it either need no family (sites, headcount) or need
// them all (struggling_sites: flags read several families).
var familyOfKey = map[string]string{
	"mau": "kpi people", "mau_previous": "kpi people", "mau_change": "kpi people",
	"adoption": "kpi people", "ambassadors": "kpi people", "active_ambassadors": "kpi people",
	"active_ambassador_rate": "kpi people", "people_per_ambassador": "kpi people",
	"sites_with_active_ambassador_share": "kpi people",
	"ideas":                              "kpi ideas", "ideas_implemented": "kpi ideas", "votes_per_idea": "kpi ideas",
	"quality_score": "kpi ideas", "scored_share": "kpi ideas", "ideas_per_site_median": "kpi ideas",
	"decision_delay_days": "kpi decisions", "decision_delay_baseline_days": "kpi decisions",
	"oldest_open_idea_days": "kpi decisions", "response_sla_share": "kpi decisions",
	"decision_delay_reduction": "kpi decisions",
	"cross_site_share":         "kpi cross site",
	"replications":             "kpi replications", "time_to_knowledge_days": "kpi replications",
	"enps_responses": "kpi enps", "enps": "kpi enps",
}

// noFamily are the overall keys computed from `sites` alone.
var noFamily = map[string]bool{"sites": true, "headcount": true}

// familiesOf says which KPI families the keys need; nil means all.
func familiesOf(keys []string) func(string) bool {
	need := map[string]bool{}
	for _, k := range keys {
		if noFamily[k] {
			continue
		}
		f, ok := familyOfKey[k]
		if !ok {
			return nil
		}
		need[f] = true
	}
	return func(family string) bool { return need[family] }
}

// TargetsAt evaluates the targets as of a date, as the KPI document of that
// date does (the same values, paces and statuses), computing only what their
// keys need.
func (db *DB) TargetsAt(ctx context.Context, s Settings, asOf time.Time) ([]TargetResult, error) {
	var keys []string
	for _, t := range effectiveTargets(s) {
		keys = append(keys, t.KPI)
	}
	if len(keys) == 0 {
		return []TargetResult{}, nil
	}
	doc, err := db.kpis(ctx, s, asOf, familiesOf(keys))
	if err != nil {
		return nil, fmt.Errorf("targets at %s: %w", asOf.Format(time.DateOnly), err)
	}
	return doc.Targets, nil
}

// MaxHistoryWeeks bounds the target history: the latest weeks when the
// program started longer ago.
const MaxHistoryWeeks = 53

// TargetHistoryDates lists the dates of the target history for the as-of
// date D: the last day (Sunday) of every Monday-based week from the week of
// the program start S, while before D, then D itself (the week of D, partial
// unless D is a Sunday). Empty when D is before S. At most MaxHistoryWeeks
// dates, the latest.
func TargetHistoryDates(s Settings, asOf time.Time) []time.Time {
	b := newBounds(time.UTC, s, asOf)
	if b.D.Before(b.S) {
		return nil
	}
	sunday := addDays(b.S, (7-int(b.S.Weekday()))%7)
	var out []time.Time
	for d := sunday; d.Before(b.D); d = addDays(d, 7) {
		out = append(out, d)
	}
	out = append(out, b.D)
	if len(out) > MaxHistoryWeeks {
		out = out[len(out)-MaxHistoryWeeks:]
	}
	return out
}
