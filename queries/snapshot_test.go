package queries

import (
	"context"
	"database/sql/driver"
	"testing"
	"time"
)

func TestSnapshotsReuseTheDocumentUntilTheDataChanges(t *testing.T) {
	f := newFixture(t)
	f.site("A", 10)
	db := f.open()
	now := func() time.Time { return f.at("2026-11-30 15:00") }
	snaps := NewSnapshots(db, Settings{}, now)
	ctx := context.Background()
	if snaps.Latest() != nil {
		t.Fatal("Latest before any computation is not nil")
	}
	first, err := snaps.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Doc.AsOf != "2026-11-30" || first.Version != db.Version() {
		t.Errorf("snapshot as of %s version %d, want 2026-11-30 version %d", first.Doc.AsOf, first.Version, db.Version())
	}
	if snaps.Latest() != first {
		t.Error("Latest is not today's snapshot")
	}
	again, err := snaps.Get(ctx, day(t, "2026-11-30"))
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Error("same date and version computed again")
	}
	other, err := snaps.Get(ctx, day(t, "2026-11-01"))
	if err != nil {
		t.Fatal(err)
	}
	if other == first || other.Doc.AsOf != "2026-11-01" || snaps.Latest() != first {
		t.Error("another date must get its own snapshot and leave Latest alone")
	}

	loadRows(t, db, "sites", []driver.Value{"B", "B site", nil, int64(5)})
	if err := snaps.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := snaps.Latest()
	if fresh == first || fresh.Version != db.Version() || len(fresh.Doc.Sites) != 2 {
		t.Errorf("after a load: same snapshot %v, version %d (db %d), %d sites", fresh == first, fresh.Version, db.Version(), len(fresh.Doc.Sites))
	}
}

func TestSnapshotsGetForReusesTheDocumentOfTheVersionAskedFor(t *testing.T) {
	f := newFixture(t)
	f.site("A", 10)
	db := f.open()
	snaps := NewSnapshots(db, Settings{}, func() time.Time { return f.at("2026-11-30 15:00") })
	ctx := context.Background()
	asOf := day(t, "2026-11-20")
	old, err := snaps.Get(ctx, asOf)
	if err != nil {
		t.Fatal(err)
	}
	published := old.Version

	// A load commits; a server still answering from the published version
	// gets the document it was drawn from, not one of the new data.
	loadRows(t, db, "sites", []driver.Value{"B", "B site", nil, int64(5)})
	same, err := snaps.GetFor(ctx, asOf, published)
	if err != nil {
		t.Fatal(err)
	}
	if same != old {
		t.Error("the published version's document was computed again")
	}
	fresh, err := snaps.Get(ctx, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old || fresh.Version != db.Version() || len(fresh.Doc.Sites) != 2 {
		t.Errorf("Get after a load: same document %v, version %d (db %d), %d sites", fresh == old, fresh.Version, db.Version(), len(fresh.Doc.Sites))
	}
	// Once the newer one is computed, it answers the older version too.
	if later, err := snaps.GetFor(ctx, asOf, published); err != nil || later != fresh {
		t.Errorf("GetFor the older version after the newer one was computed: %v, same as the newer %v", err, later == fresh)
	}
}
