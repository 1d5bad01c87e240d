package dashboards

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// How a request gets its data (docs/operations.md, "How the snapshot
// refreshes"): the server publishes today's snapshot once its page queries
// are warm, and requests for today are answered from the published snapshot
// and the page-query results cached for its data version. A load that
// commits does not change what requests see until the refresh that follows
// it has computed the new snapshot, brought the derived data up to date and
// warmed the new version's page queries; then it publishes, in one step.
// No request for today waits on a refresh.

// refreshLoop computes today's snapshot at start and whenever the local
// date or the data changed (a refresh is cheap otherwise), until stop ends,
// except while the inbox loads a batch of files.
// Its queries run under work, which ends refreshGrace after stop (see
// afterGrace).
func (s *Server) refreshLoop(stop, work context.Context) {
	every := s.opts.RefreshEvery
	if every <= 0 {
		every = time.Minute
	}
	s.refresh(work)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop.Done():
			return
		case <-t.C:
			// The inbox refreshes once its batch is loaded: a refresh in
			// the middle of one would compute derived data the batch's
			// next file changes again, beside its load (a minute of the
			// xlarge demo's full export).
			if s.inboxBatch.Load() == 0 {
				s.refresh(work)
			}
		}
	}
}

// refreshGrace is how long a refresh under way when the server stops may
// go on before its query is interrupted.
const refreshGrace = 5 * time.Second

// afterGrace returns a context that ends grace after parent does. A refresh
// under way when the server stops then usually finishes instead of having
// DuckDB interrupt its query: an interrupted query at shutdown could keep
// the closed database's DuckDB instance alive in this process, and opening
// the same file again in the process (a restart within the tests) then
// waited on it for ever. A long refresh is still interrupted after grace, so
// shutdown stays bounded (docs/operations.md).
func afterGrace(parent context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	stop := context.AfterFunc(parent, func() { time.AfterFunc(grace, cancel) })
	return ctx, func() { stop(); cancel() }
}

// refresh computes today's snapshot if the data or the date changed, warms
// the page queries of today's default pages for its data version, then
// publishes it. One refresh runs at a time (the ticker, the inbox and the
// uploads all call it). A panic is recovered and logged: the previously
// published snapshot keeps serving and the next refresh tries again.
func (s *Server) refresh(ctx context.Context) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in snapshot refresh; the previous snapshot keeps serving", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	if s.refreshHook != nil {
		s.refreshHook(ctx)
	}
	start := time.Now()
	snap, err := s.opts.Snapshots.Today(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("refresh snapshot", "err", err)
		}
		return
	}
	if snap == s.published.Load() {
		return
	}
	wctx := context.WithValue(ctx, cacheVersionKey{}, snap.Version)
	err = s.warm(wctx, snap.AsOf)
	prev := s.published.Load()
	// The sponsor page is everyone's first page and its cold view the
	// slowest (its weekly target history and the document of 30 days
	// earlier): its default date's document and series are computed before
	// publishing, so that nobody waits for them. The history and the
	// earlier document are too at start; after that, the previous
	// version's are carried into the new one until it has its own,
	// computed in the background after publishing (docs/operations.md).
	var carry *carriedSponsor
	if err == nil {
		var day *queries.Snapshot
		if day, err = s.sponsorDay(wctx, snap); err == nil {
			// Not from an empty database: its flat history beside the
			// first data's values would mislead.
			if prev != nil && prev.Doc.Overall.Sites > 0 {
				carry = s.carrySponsor(prev.Version, snap.Version, day)
			}
			if carry == nil {
				s.warmSponsorFor(ctx, wctx, snap)
			}
		}
	}
	warmed := 0
	if err == nil && prev != nil {
		warmed, err = s.warmUsed(wctx, prev.Version, snap.Version, carry)
	}
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		// Published all the same: the snapshot is right, its pages only
		// compute their queries on first view.
		s.log.Warn("warm page queries", "err", err)
	}
	if prev != nil && s.opts.DB.Version() != snap.Version {
		// A load committed meanwhile: its data could no longer be warmed
		// for this version, whose pages would each compute the newer data
		// on first view. The previous snapshot, warm, keeps serving; the
		// load's own refresh (every load is followed by one) publishes.
		s.log.Info("snapshot not published: a load committed while it was warmed", "data_version", snap.Version, "took", time.Since(start))
		return
	}
	s.carried.Store(carry)
	s.published.Store(snap)
	s.cache.dropBefore(snap.Version)
	s.log.Info("snapshot published", "as_of", snap.AsOf.Format(dateLayout), "data_version", snap.Version,
		"kpis", snap.Duration, "page_queries_warmed", warmed, "carried_sponsor_history", carry != nil, "took", time.Since(start))
	if carry != nil {
		s.warmSponsorAfterPublish(snap, carry)
	}
}

// sponsorWarmAfterPublishFor bounds the computation, after a
// publication, of the sponsor page's parts carried into it: long enough
// for the xlarge demo's weekly history on a busy machine (45 s at load 4).
const sponsorWarmAfterPublishFor = 5 * time.Minute

// warmSponsorAfterPublish computes, in the background, the parts of the
// sponsor page carried into the published snapshot snap, then stops
// carrying them. A later publication cancels it (its own carried parts
// follow); no refresh, load or upload waits for it.
func (s *Server) warmSponsorAfterPublish(snap *queries.Snapshot, carry *carriedSponsor) {
	s.afterPublish.run(func(ctx context.Context) {
		if s.publishedHook != nil {
			s.publishedHook(ctx)
		}
		wctx := context.WithValue(ctx, cacheVersionKey{}, snap.Version)
		s.warmSponsorWithin(ctx, wctx, snap, sponsorWarmAfterPublishFor)
		if s.opts.DB.Version() == snap.Version {
			s.carried.CompareAndSwap(carry, nil)
		}
		// Else a load committed meanwhile and what was computed was not
		// kept for this version: the carried parts stay, for its pages
		// and for the next publication to carry on (carrySponsor).
	})
}

// background runs one computation at a time after the server's start,
// within the server's work context; a new one cancels the one before.
// Without a started server (tests calling refresh alone), it runs the
// computation at once.
type background struct {
	mu     sync.Mutex
	work   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (b *background) start(work context.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.work = work
}

// run cancels the computation under way, if any, and starts fn.
func (b *background) run(fn func(ctx context.Context)) {
	b.mu.Lock()
	if b.cancel != nil {
		b.cancel()
	}
	if b.work == nil {
		b.mu.Unlock()
		fn(context.Background())
		return
	}
	ctx, cancel := context.WithCancel(b.work)
	b.cancel = cancel
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		defer cancel()
		fn(ctx)
	}()
}

// wait waits for the computation under way (the server stops: its work
// context ends a grace period after).
func (b *background) wait() { b.wg.Wait() }

// sponsorDay is the document of the sponsor page's default date (the
// latest data's when older than today), with that date's series, computed
// when it is not today's.
func (s *Server) sponsorDay(ctx context.Context, today *queries.Snapshot) (*queries.Snapshot, error) {
	day, err := s.defaultAsOf(context.WithValue(ctx, pageRequestKey{}, true))
	if err != nil || day.Equal(today.AsOf) {
		return today, err
	}
	snap, err := s.doc(ctx, day)
	if err != nil {
		return nil, err
	}
	if _, err := s.series(ctx, day, "", defaultWeeks); err != nil {
		return nil, err
	}
	return snap, nil
}

// carriedSponsor is what the sponsor page takes from the previous data
// version while the published one's own is computed after publishing: the
// weekly target history and the document of 30 days earlier. The page
// says nothing of it, and is not kept: the views after that computation
// show the new version's own.
type carriedSponsor struct {
	// version is the data version it is carried into.
	version int64
	// history are the targets of each past week, by targetsKey.
	history map[string][]queries.TargetResult
	// earlier is the document of 30 days before the page's default date.
	earlier *queries.Snapshot
}

// carrySponsor takes from version from what the sponsor page of day needs
// and version to has not computed yet; nil when from lacks any of it (the
// new version then computes it before publishing).
func (s *Server) carrySponsor(from, to int64, day *queries.Snapshot) *carriedSponsor {
	earlierDate := day.AsOf.AddDate(0, 0, -30)
	c := &carriedSponsor{version: to, history: map[string][]queries.TargetResult{}}
	if c.earlier = s.opts.Snapshots.Cached(earlierDate, 0); c.earlier == nil {
		return nil
	}
	// What version from carried itself, when its own computation had not
	// ended (loads in quick succession).
	before := s.carried.Load()
	if before != nil && before.version != from {
		before = nil
	}
	dates := queries.TargetHistoryDates(s.opts.Snapshots.Settings(), day.AsOf)
	for i, d := range dates {
		if i == len(dates)-1 {
			break // the day's own document
		}
		key := targetsKey(d)
		if e, ok := s.cache.get(from, key); ok {
			c.history[key] = e.([]queries.TargetResult)
		} else if ts, ok := before.targets(s, key); ok {
			c.history[key] = ts
		} else {
			return nil
		}
	}
	return c
}

// carriedFor is the sponsor page's carried parts for the data version ctx
// is answered from, or nil.
func (s *Server) carriedFor(ctx context.Context) *carriedSponsor {
	if c := s.carried.Load(); c != nil && c.version == s.cacheVersion(ctx) {
		return c
	}
	return nil
}

// targets are a past week's targets carried, when the version has not
// computed its own yet.
func (c *carriedSponsor) targets(s *Server, key string) ([]queries.TargetResult, bool) {
	if c == nil {
		return nil, false
	}
	if _, ok := s.cache.get(c.version, key); ok {
		return nil, false
	}
	ts, ok := c.history[key]
	return ts, ok
}

// earlierDoc is the carried document of date, when the version has not
// computed its own yet.
func (c *carriedSponsor) earlierDoc(s *Server, date time.Time) (*queries.Snapshot, bool) {
	if c == nil || !c.earlier.AsOf.Equal(date) || s.opts.Snapshots.Cached(date, c.version) != nil {
		return nil, false
	}
	return c.earlier, true
}

// warmSponsorFor warms the sponsor page of snap before it is published,
// for at most warmUsedFor (an upload's answer waits for its refresh),
// logging how it went.
func (s *Server) warmSponsorFor(ctx, wctx context.Context, snap *queries.Snapshot) {
	s.warmSponsorWithin(ctx, wctx, snap, warmUsedFor)
}

// warmSponsorWithin warms the sponsor page of snap for at most budget.
func (s *Server) warmSponsorWithin(ctx, wctx context.Context, snap *queries.Snapshot, budget time.Duration) {
	sctx, cancel := context.WithTimeout(wctx, budget)
	defer cancel()
	warmStart := time.Now()
	if err := s.warmSponsor(sctx, snap); err != nil {
		if sctx.Err() == nil {
			s.log.Warn("warm the sponsor page", "err", err)
		} else if ctx.Err() == nil {
			s.log.Info("sponsor page warm-up cut short; its first view computes the rest", "after", time.Since(warmStart))
		}
		return
	}
	s.log.Info("sponsor page warmed", "data_version", snap.Version, "took", time.Since(warmStart))
}

// warmSponsor computes what the sponsor page adds for the pages' default
// date (the latest data's when older than today): its snapshot and series,
// the weekly target history and the snapshot of 30 days earlier.
func (s *Server) warmSponsor(ctx context.Context, today *queries.Snapshot) error {
	snap, err := s.sponsorDay(ctx, today)
	if err != nil {
		return err
	}
	if _, _, err := s.targetHistory(ctx, snap, nil); err != nil {
		return err
	}
	_, err = s.doc(ctx, snap.AsOf.AddDate(0, 0, -30))
	return err
}

// warmUsedFor bounds how long a refresh spends computing again the page
// queries used under the previous version before it publishes (and,
// separately, the sponsor page's). Long enough for the large demo's pages
// on a busy machine: a query left cold is computed by its first viewer.
const warmUsedFor = 30 * time.Second

// warmUsed computes for version the page queries the pages asked for under
// the version from, the most used first, for at most warmUsedFor: the pages
// people are looking at are warm when the new snapshot is published.
func (s *Server) warmUsed(ctx context.Context, from, version int64, carry *carriedSponsor) (int, error) {
	keys, recipes := s.cache.recipes(from)
	deadline := time.Now().Add(warmUsedFor)
	n := 0
	for i, key := range keys {
		if time.Now().After(deadline) || s.opts.DB.Version() != version {
			break // out of time, or another load committed: its refresh follows
		}
		if carry != nil && carry.history[key] != nil {
			continue // carried, computed after publishing
		}
		if _, err := cached(ctx, s, key, recipes[i]); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// warm runs the page queries of today's default pages, so that the first
// visit after a load finds them cached for the new data version.
func (s *Server) warm(ctx context.Context, today time.Time) error {
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	warm := []func() error{
		func() error { _, err := s.series(ctx, today, "", defaultWeeks); return err },
		func() error { _, err := s.topOpen(ctx, today, ""); return err },
		func() error { _, err := s.decisions(ctx, month, today, ""); return err },
		func() error { _, err := s.synthesis(ctx, month, today); return err },
		func() error { _, err := s.decisions(ctx, month.AddDate(0, -1, 0), today, ""); return err },
		func() error { _, err := s.dataQuality(ctx); return err },
		func() error { _, err := s.ingestLog(ctx); return err },
	}
	for _, w := range warm {
		if err := w(); err != nil {
			return err
		}
	}
	return nil
}

// servedVersion is the data version requests are answered from: the
// published snapshot's, or the database's before the first one.
func (s *Server) servedVersion() int64 {
	if p := s.published.Load(); p != nil {
		return p.Version
	}
	return s.opts.DB.Version()
}

// doc returns the KPI document of asOf: the published snapshot when it is
// of that date (even while a refresh computes the next one; not to the
// refresh warming the next), else the snapshot cache's, computed when
// needed.
func (s *Server) doc(ctx context.Context, asOf time.Time) (*queries.Snapshot, error) {
	if p := s.published.Load(); p != nil && p.AsOf.Equal(asOf) && p.Version >= s.cacheVersion(ctx) {
		return p, nil
	}
	// The snapshot of the version the request is answered from, or a later
	// one: not one per request of the data a refresh is bringing in.
	snap, err := s.opts.Snapshots.GetFor(ctx, asOf, s.cacheVersion(ctx))
	if err != nil {
		return nil, fmt.Errorf("kpis %s: %w", asOf.Format(dateLayout), err)
	}
	return snap, nil
}

// healthz is liveness: 200 while the process serves.
func (s *Server) healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	body := gin.H{"status": "ok", "echarts": EChartsEmbedded(), "data_version": s.opts.DB.Version()}
	if snap := s.published.Load(); snap != nil {
		body["snapshot_as_of"] = snap.AsOf.Format(dateLayout)
		body["snapshot_computed_at"] = snap.ComputedAt.Format(time.RFC3339)
	}
	c.JSON(http.StatusOK, body)
}

// readyz is readiness: 503 until the first snapshot is published (pages
// would compute it and /metrics would carry no KPI series), 200 after.
func (s *Server) readyz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	snap := s.published.Load()
	if snap == nil {
		c.Header("Retry-After", "5")
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "starting", "reason": "the first KPI snapshot is being computed"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "snapshot_as_of": snap.AsOf.Format(dateLayout),
		"snapshot_computed_at": snap.ComputedAt.Format(time.RFC3339), "data_version": snap.Version})
}
