package queries

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Snapshot is the KPI document computed once for an as-of date and a data
// version, reused until either changes.
type Snapshot struct {
	// Doc is the KPI document.
	Doc *Document
	// AsOf is the as-of date (its Y-M-D).
	AsOf time.Time
	// Version is the DB version the document was computed from.
	Version int64
	// ComputedAt is when the computation finished.
	ComputedAt time.Time
	// Duration is how long the computation took.
	Duration time.Duration
}

// Snapshots computes KPI documents once and serves them until the data
// (DB.Version) or the date changes. It is safe for concurrent use; one
// computation runs at a time, and neither Latest nor a Get answered from
// the cache waits for it.
type Snapshots struct {
	db       *DB
	settings Settings
	now      func() time.Time

	computeMu sync.Mutex // serialises computations
	mu        sync.Mutex // guards byDate, never held while computing
	byDate    map[string]*Snapshot
	latest    atomic.Pointer[Snapshot]
}

// maxCachedDates bounds the per-date cache (pages with a date picker).
const maxCachedDates = 32

// NewSnapshots returns a snapshot cache over db. now is the clock (nil:
// time.Now); "today" is its local date in the DB's time zone.
func NewSnapshots(db *DB, s Settings, now func() time.Time) *Snapshots {
	if now == nil {
		now = time.Now
	}
	return &Snapshots{db: db, settings: s, now: now, byDate: map[string]*Snapshot{}}
}

// Settings returns the KPI settings the snapshots are computed with.
func (s *Snapshots) Settings() Settings { return s.settings }

// TodayDate is today's local date in the DB's time zone (midnight UTC of it).
func (s *Snapshots) TodayDate() time.Time {
	n := s.now().In(s.db.loc)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// Get returns the snapshot for asOf, computing it when the data changed
// since the cached one or none is cached.
func (s *Snapshots) Get(ctx context.Context, asOf time.Time) (*Snapshot, error) {
	return s.GetFor(ctx, asOf, s.db.Version())
}

// GetFor returns a snapshot for asOf computed from data version minVersion
// or a later one: the cached one when it is that recent, else one computed
// now. A server answering from an older published version than the
// database's (a load committed, its refresh under way) passes that version,
// so its pages reuse the snapshots they were drawn from instead of each
// computing the new data's while the refresh does.
func (s *Snapshots) GetFor(ctx context.Context, asOf time.Time, minVersion int64) (*Snapshot, error) {
	day := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	key := day.Format("2006-01-02")
	if snap := s.cachedSince(key, minVersion); snap != nil {
		return snap, nil
	}
	s.computeMu.Lock()
	defer s.computeMu.Unlock()
	// Computed by the call this one waited for?
	if snap := s.cachedSince(key, minVersion); snap != nil {
		return snap, nil
	}
	v := s.db.Version()
	start := time.Now()
	doc, err := s.db.KPIs(ctx, s.settings, day)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Doc: doc, AsOf: day, Version: v, ComputedAt: time.Now(), Duration: time.Since(start)}
	s.mu.Lock()
	if len(s.byDate) >= maxCachedDates {
		for k, old := range s.byDate {
			if old.Version != v || len(s.byDate) >= maxCachedDates {
				delete(s.byDate, k)
			}
		}
	}
	s.byDate[key] = snap
	s.mu.Unlock()
	if day.Equal(s.TodayDate()) {
		s.latest.Store(snap)
	}
	return snap, nil
}

// Cached returns the cached snapshot of asOf computed from data version
// minVersion or a later one, or nil: it never computes one.
func (s *Snapshots) Cached(asOf time.Time, minVersion int64) *Snapshot {
	return s.cachedSince(asOf.Format("2006-01-02"), minVersion)
}

// cachedSince returns the cached snapshot of a date if it was computed from
// data version minVersion or a later one, else nil.
func (s *Snapshots) cachedSince(key string, minVersion int64) *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap, ok := s.byDate[key]; ok && snap.Version >= minVersion {
		return snap
	}
	return nil
}

// Today returns today's snapshot, computing it when needed.
func (s *Snapshots) Today(ctx context.Context) (*Snapshot, error) {
	return s.Get(ctx, s.TodayDate())
}

// Refresh recomputes today's snapshot if the data or the date changed; call
// it after every load and periodically.
func (s *Snapshots) Refresh(ctx context.Context) error {
	_, err := s.Today(ctx)
	return err
}

// Latest returns the most recent snapshot of today (or of the last day
// computed as today) without computing anything; nil before the first.
func (s *Snapshots) Latest() *Snapshot { return s.latest.Load() }
