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

// paramError is a bad query parameter: a 400 with its message (in
// English, for the JSON API) and, when a page may show it, the words key
// of the same message and its arguments, for the page's language.
type paramError struct {
	msg  string
	key  string
	args []any
}

func (e paramError) Error() string { return e.msg }

// notFoundError is an unknown site or page: a 404 with its message, and its
// words key and arguments as paramError.
type notFoundError struct {
	msg  string
	key  string
	args []any
}

func (e notFoundError) Error() string { return e.msg }

// pageMessage is the message of a 400 or 404 error in the page's language:
// its words key with its arguments, or the generic words of its status
// when it has no key.
func pageMessage(v *view, err error) string {
	var pe paramError
	var nf notFoundError
	switch {
	case errors.As(err, &pe) && pe.key != "":
		return fmt.Sprintf(v.T(pe.key), pe.args...)
	case errors.As(err, &nf) && nf.key != "":
		return fmt.Sprintf(v.T(nf.key), nf.args...)
	case errors.As(err, &nf):
		return v.T("not_found_body")
	}
	return v.T("bad_request_body")
}

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

// parseAsOf reads ?as_of=YYYY-MM-DD; empty means today in the configured
// zone, or for a page the latest data's date when older (defaultAsOf).
func (s *Server) parseAsOf(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("as_of")
	if v == "" {
		return s.defaultAsOf(r.Context())
	}
	t, err := time.Parse(dateLayout, v)
	if err != nil {
		return time.Time{}, paramError{msg: fmt.Sprintf("as_of %q: want a date YYYY-MM-DD", v), key: "error_as_of", args: []any{v}}
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
		return time.Time{}, paramError{msg: fmt.Sprintf("month %q: want a month YYYY-MM", v), key: "error_month", args: []any{v}}
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
		return 0, paramError{msg: fmt.Sprintf("weeks %q: want a whole number from 1 to %d", v, maxWeeks), key: "error_weeks", args: []any{v, maxWeeks}}
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
	return nil, notFoundError{msg: fmt.Sprintf("site %q is not loaded", id), key: "error_site", args: []any{id}}
}

// pageCache keeps page-query results and rendered answers per data
// version, so that a page shown again (or by several people) does not run
// its SQL again. It holds the version of the published snapshot, which
// requests are answered from, and the version a refresh is warming; the
// refresh drops the older ones when it publishes.
type pageCache struct {
	mu   sync.Mutex
	max  int // entries per version
	gens map[int64]*generation
}

// generation is the cache of one data version: the values, and for the
// page queries how to compute them again (a refresh warms, for the next
// version, the queries the pages asked for under this one).
type generation struct {
	entries map[string]any
	recipes map[string]recipe
	hits    map[string]int
}

// recipe computes a page-query result.
type recipe func(ctx context.Context) (any, error)

// maxCachedVersions bounds the versions kept (a refresh that failed after
// warming leaves its version behind until the next one publishes).
const maxCachedVersions = 3

func newPageCache(max int) *pageCache { return &pageCache{max: max, gens: map[int64]*generation{}} }

func (c *pageCache) get(version int64, key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.gens[version]
	if g == nil {
		return nil, false
	}
	e, ok := g.entries[key]
	if ok {
		g.hits[key]++
	}
	return e, ok
}

// put keeps v under key for version, with the recipe that computed it (nil
// for a rendered answer).
func (c *pageCache) put(version int64, key string, v any, r recipe) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.gens[version]
	if g == nil {
		for len(c.gens) >= maxCachedVersions {
			oldest := version
			for k := range c.gens {
				oldest = min(oldest, k)
			}
			if oldest == version {
				return // older than every version kept
			}
			delete(c.gens, oldest)
		}
		g = &generation{entries: map[string]any{}, recipes: map[string]recipe{}, hits: map[string]int{}}
		c.gens[version] = g
	}
	if len(g.entries) >= c.max {
		clear(g.entries)
		clear(g.recipes)
		clear(g.hits)
	}
	g.entries[key] = v
	if r != nil {
		g.recipes[key] = r
	}
}

// recipes returns the page queries cached for version, the most used
// first.
func (c *pageCache) recipes(version int64) (keys []string, rs []recipe) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.gens[version]
	if g == nil {
		return nil, nil
	}
	for k := range g.recipes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if g.hits[keys[i]] != g.hits[keys[j]] {
			return g.hits[keys[i]] > g.hits[keys[j]]
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		rs = append(rs, g.recipes[k])
	}
	return keys, rs
}

// dropBefore forgets the versions older than version.
func (c *pageCache) dropBefore(version int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.gens {
		if k < version {
			delete(c.gens, k)
		}
	}
}

// cacheVersionKey carries, in a refresh's context, the data version of the
// snapshot it warms the page queries for.
type cacheVersionKey struct{}

// cacheVersion is the data version page-query results are looked up and
// kept for: the snapshot being warmed in a refresh, else the one requests
// are answered from.
func (s *Server) cacheVersion(ctx context.Context) int64 {
	if v, ok := ctx.Value(cacheVersionKey{}).(int64); ok {
		return v
	}
	return s.servedVersion()
}

// cached returns the value of key for the data version of ctx, computing
// it with fn when missing. Requests that miss the same key of the same
// version together share one computation (the first one's). A value is
// kept only when the database was at that version from before fn to after
// it: computed from newer rows (a load committed, its snapshot not yet
// published), it is served to the requests that shared it only, and the
// pages of the published version stay consistent.
func cached[T any](ctx context.Context, s *Server, key string, fn func(context.Context) (T, error)) (T, error) {
	v := s.cacheVersion(ctx)
	if e, ok := s.cache.get(v, key); ok {
		return e.(T), nil
	}
	compute := func() (any, error) {
		if e, ok := s.cache.get(v, key); ok {
			return e, nil // computed by a call that ended just before
		}
		before := s.opts.DB.Version()
		out, err := fn(ctx)
		if err != nil {
			return out, err
		}
		if before == v && s.opts.DB.Version() == v {
			s.cache.put(v, key, out, func(ctx context.Context) (any, error) { return fn(ctx) })
		}
		return out, nil
	}
	res, err, shared := s.inflight.Do(strconv.FormatInt(v, 10)+"|"+key, compute)
	if shared && err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// The request whose computation this one shared went away: compute
		// again, for this one.
		res, err = compute()
	}
	out, _ := res.(T)
	return out, err
}

// keep caches a rendered answer for the data version of ctx, when the
// database is still at that version.
func (s *Server) keep(ctx context.Context, key string, value any) {
	if v := s.cacheVersion(ctx); s.opts.DB.Version() == v {
		s.cache.put(v, key, value, nil)
	}
}

func (s *Server) series(ctx context.Context, asOf time.Time, site string, weeks int) ([]queries.WeekPoint, error) {
	key := fmt.Sprintf("series|%s|%s|%d", asOf.Format(dateLayout), site, weeks)
	return cached(ctx, s, key, func(ctx context.Context) ([]queries.WeekPoint, error) {
		return s.opts.DB.Series(ctx, s.opts.Snapshots.Settings(), asOf, site, weeks)
	})
}

func (s *Server) topOpen(ctx context.Context, asOf time.Time, site string) ([]queries.OpenIdea, error) {
	key := fmt.Sprintf("top|%s|%s", asOf.Format(dateLayout), site)
	ideas, err := cached(ctx, s, key, func(ctx context.Context) ([]queries.OpenIdea, error) {
		return s.opts.DB.TopOpenIdeas(ctx, asOf, site, topIdeas)
	})
	return scopeIdeas(ctx, ideas), err
}

// decisions returns the month's changelog dated on or before asOf.
func (s *Server) decisions(ctx context.Context, month, asOf time.Time, site string) ([]queries.DecisionEntry, error) {
	key := fmt.Sprintf("dec|%s|%s|%s", month.Format(monthLayout), asOf.Format(dateLayout), site)
	return cached(ctx, s, key, func(ctx context.Context) ([]queries.DecisionEntry, error) {
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
	return cached(ctx, s, key, func(ctx context.Context) ([]queries.SiteMonth, error) {
		return s.opts.DB.MonthlySynthesis(ctx, month, asOf)
	})
}

func (s *Server) ambassadors(ctx context.Context, asOf time.Time, site string) ([]queries.Ambassador, error) {
	key := fmt.Sprintf("amb|%s|%s", asOf.Format(dateLayout), site)
	ambs, err := cached(ctx, s, key, func(ctx context.Context) ([]queries.Ambassador, error) {
		return s.opts.DB.Ambassadors(ctx, asOf, site)
	})
	return scopeAmbassadors(ctx, ambs), err
}

func (s *Server) dataQuality(ctx context.Context) (queries.DataQuality, error) {
	return cached(ctx, s, "quality", func(ctx context.Context) (queries.DataQuality, error) {
		return s.opts.DB.DataQuality(ctx)
	})
}

func (s *Server) ingestLog(ctx context.Context) ([]queries.IngestLogEntry, error) {
	return cached(ctx, s, "ingestlog", func(ctx context.Context) ([]queries.IngestLogEntry, error) {
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
