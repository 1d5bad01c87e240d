package dashboards

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"relais/queries"
)

const (
	dateLayout  = "2006-01-02"
	monthLayout = "2006-01"
	// defaultWeeks is how many weeks the trend charts show.
	defaultWeeks = 13
	// maxWeeks bounds ?weeks= (two years).
	maxWeeks = 104
	// topIdeas is how many open ideas per site the committee sees.
	topIdeas = 5
)

// paramError is a bad query parameter: a 400 with its message.
type paramError struct{ msg string }

func (e paramError) Error() string { return e.msg }

// notFoundError is an unknown site: a 404 with its message.
type notFoundError struct{ msg string }

func (e notFoundError) Error() string { return e.msg }

func statusOf(err error) int {
	var pe paramError
	var nf notFoundError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest
	case errors.As(err, &nf):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// parseAsOf reads ?as_of=YYYY-MM-DD; empty means today in the configured zone.
func (s *Server) parseAsOf(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("as_of")
	if v == "" {
		return s.opts.Snapshots.TodayDate(), nil
	}
	t, err := time.Parse(dateLayout, v)
	if err != nil {
		return time.Time{}, paramError{fmt.Sprintf("as_of %q: want a date YYYY-MM-DD", v)}
	}
	return t, nil
}

// parseMonth reads ?month=YYYY-MM; empty means the month of asOf.
func parseMonth(r *http.Request, asOf time.Time) (time.Time, error) {
	v := r.URL.Query().Get("month")
	if v == "" {
		return time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(monthLayout, v)
	if err != nil {
		return time.Time{}, paramError{fmt.Sprintf("month %q: want a month YYYY-MM", v)}
	}
	return t, nil
}

// parseWeeks reads ?weeks=N (1..104, default 13).
func parseWeeks(r *http.Request) (int, error) {
	v := r.URL.Query().Get("weeks")
	if v == "" {
		return defaultWeeks, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxWeeks {
		return 0, paramError{fmt.Sprintf("weeks %q: want a whole number from 1 to %d", v, maxWeeks)}
	}
	return n, nil
}

// committeeDate is the date the committee looks at for a month: its last
// day, or the as-of date when that is earlier (nothing after D counts).
func committeeDate(month, asOf time.Time) time.Time {
	end := month.AddDate(0, 1, -1)
	if asOf.Before(end) {
		return asOf
	}
	return end
}

// doc returns the KPI document of asOf from the snapshot cache.
func (s *Server) doc(ctx context.Context, asOf time.Time) (*queries.Snapshot, error) {
	snap, err := s.opts.Snapshots.Get(ctx, asOf)
	if err != nil {
		return nil, fmt.Errorf("kpis %s: %w", asOf.Format(dateLayout), err)
	}
	return snap, nil
}

// findSite returns the site of the document, or a 404 error.
func findSite(doc *queries.Document, id string) (*queries.Site, error) {
	i := sort.Search(len(doc.Sites), func(i int) bool { return doc.Sites[i].SiteID >= id })
	if i < len(doc.Sites) && doc.Sites[i].SiteID == id {
		return &doc.Sites[i], nil
	}
	for i := range doc.Sites { // in case the order ever differs
		if doc.Sites[i].SiteID == id {
			return &doc.Sites[i], nil
		}
	}
	return nil, notFoundError{fmt.Sprintf("site %q is not loaded", id)}
}

// pageCache keeps page query results for the current data version, so that
// a page shown again (or by several people) does not run its SQL again.
type pageCache struct {
	mu      sync.Mutex
	version int64
	max     int
	entries map[string]any
}

func newPageCache(max int) *pageCache { return &pageCache{max: max, entries: map[string]any{}} }

// cached returns the value of key for the DB's current version, computing
// it with fn when missing.
func cached[T any](s *Server, key string, fn func() (T, error)) (T, error) {
	c := s.cache
	v := s.opts.DB.Version()
	c.mu.Lock()
	if c.version != v {
		c.version = v
		c.entries = map[string]any{}
	}
	if e, ok := c.entries[key]; ok {
		c.mu.Unlock()
		return e.(T), nil
	}
	c.mu.Unlock()
	out, err := fn()
	if err != nil {
		return out, err
	}
	c.mu.Lock()
	if c.version == v {
		if len(c.entries) >= c.max {
			c.entries = map[string]any{}
		}
		c.entries[key] = out
	}
	c.mu.Unlock()
	return out, nil
}

func (s *Server) series(ctx context.Context, asOf time.Time, site string, weeks int) ([]queries.WeekPoint, error) {
	key := fmt.Sprintf("series|%s|%s|%d", asOf.Format(dateLayout), site, weeks)
	return cached(s, key, func() ([]queries.WeekPoint, error) {
		return s.opts.DB.Series(ctx, s.opts.Snapshots.Settings(), asOf, site, weeks)
	})
}

func (s *Server) topOpen(ctx context.Context, asOf time.Time, site string) ([]queries.OpenIdea, error) {
	key := fmt.Sprintf("top|%s|%s", asOf.Format(dateLayout), site)
	ideas, err := cached(s, key, func() ([]queries.OpenIdea, error) {
		return s.opts.DB.TopOpenIdeas(ctx, asOf, site, topIdeas)
	})
	return scopeIdeas(ctx, ideas), err
}

// decisions returns the month's changelog dated on or before asOf.
func (s *Server) decisions(ctx context.Context, month, asOf time.Time, site string) ([]queries.DecisionEntry, error) {
	key := fmt.Sprintf("dec|%s|%s|%s", month.Format(monthLayout), asOf.Format(dateLayout), site)
	return cached(s, key, func() ([]queries.DecisionEntry, error) {
		all, err := s.opts.DB.Decisions(ctx, month, site)
		if err != nil {
			return nil, err
		}
		return decisionsUpTo(all, asOf), nil
	})
}

func decisionsUpTo(all []queries.DecisionEntry, asOf time.Time) []queries.DecisionEntry {
	last := asOf.Format(dateLayout)
	out := make([]queries.DecisionEntry, 0, len(all))
	for _, d := range all {
		if d.Date <= last {
			out = append(out, d)
		}
	}
	return out
}

// latestDecisions returns up to n decisions of the site dated on or before
// asOf, newest first, looking back up to three months.
func (s *Server) latestDecisions(ctx context.Context, asOf time.Time, site string, n int) ([]queries.DecisionEntry, error) {
	var out []queries.DecisionEntry
	month := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3 && len(out) < n; i++ {
		m := month.AddDate(0, -i, 0)
		ds, err := s.decisions(ctx, m, asOf, site)
		if err != nil {
			return nil, err
		}
		for j := len(ds) - 1; j >= 0 && len(out) < n; j-- {
			out = append(out, ds[j])
		}
	}
	return out, nil
}

func (s *Server) synthesis(ctx context.Context, month, asOf time.Time) ([]queries.SiteMonth, error) {
	key := fmt.Sprintf("syn|%s|%s", month.Format(monthLayout), asOf.Format(dateLayout))
	return cached(s, key, func() ([]queries.SiteMonth, error) {
		return s.opts.DB.MonthlySynthesis(ctx, month, asOf)
	})
}

func (s *Server) ambassadors(ctx context.Context, asOf time.Time, site string) ([]queries.Ambassador, error) {
	key := fmt.Sprintf("amb|%s|%s", asOf.Format(dateLayout), site)
	ambs, err := cached(s, key, func() ([]queries.Ambassador, error) {
		return s.opts.DB.Ambassadors(ctx, asOf, site)
	})
	return scopeAmbassadors(ctx, ambs), err
}

func (s *Server) dataQuality(ctx context.Context) (queries.DataQuality, error) {
	return cached(s, "quality", func() (queries.DataQuality, error) {
		return s.opts.DB.DataQuality(ctx)
	})
}

func (s *Server) ingestLog(ctx context.Context) ([]queries.IngestLogEntry, error) {
	return cached(s, "ingestlog", func() ([]queries.IngestLogEntry, error) {
		return s.opts.DB.IngestLog(ctx, 50)
	})
}

// needHelp orders sites for attention: struggling first, then by number
// of flags, then by lower adoption (unknown last), then by id.
func needHelp(sites []queries.Site) []queries.Site {
	out := append([]queries.Site(nil), sites...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Struggling != b.Struggling {
			return a.Struggling
		}
		if len(a.Flags) != len(b.Flags) {
			return len(a.Flags) > len(b.Flags)
		}
		switch {
		case a.Adoption != nil && b.Adoption != nil && *a.Adoption != *b.Adoption:
			return *a.Adoption < *b.Adoption
		case (a.Adoption == nil) != (b.Adoption == nil):
			return a.Adoption != nil
		}
		return a.SiteID < b.SiteID
	})
	return out
}
