package queries

import (
	"context"
	"database/sql/driver"
	"testing"
	"time"
)

func TestDataQualityCountsRowsAndReferencesThatAreNotLoaded(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, nil})
	loadRows(t, db, "people",
		[]driver.Value{"p1", "LYON", "collaborator", nil, nil, nil, nil},
		[]driver.Value{"p2", "NANTES", "collaborator", nil, nil, nil, nil})
	loadRows(t, db, "ideas",
		[]driver.Value{"i1", "LYON", "p1", "idea", "T", at, "submitted", nil, nil, nil, nil, nil, nil, nil, "i9"},
		[]driver.Value{"i2", "PARIS", nil, "idea", "T", at, "submitted", nil, nil, nil, nil, nil, nil, nil, nil})
	loadRows(t, db, "votes",
		[]driver.Value{"i1", "p1", at}, []driver.Value{"i3", "p1", at}, []driver.Value{"i3", "p7", at})

	q, err := db.DataQuality(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"sites": 1, "people": 2, "ideas": 2, "votes": 3, "comments": 0}
	for _, r := range q.Rows {
		if w, ok := want[r.Dataset]; ok && r.Rows != w {
			t.Errorf("rows %s = %d, want %d", r.Dataset, r.Rows, w)
		}
	}
	if len(q.Rows) != 9 {
		t.Errorf("got %d datasets, want 9", len(q.Rows))
	}
	dang := map[string][2]int64{}
	for _, d := range q.Dangling {
		dang[d.Dataset+"."+d.Column] = [2]int64{d.Rows, d.Missing}
	}
	for k, w := range map[string][2]int64{
		"ideas.site_id": {1, 1}, "people.site_id": {1, 1}, "votes.idea_id": {2, 1},
		"votes.voter_id": {1, 1}, "ideas.replicates_idea_id": {1, 1}, "ideas.author_id": {0, 0},
	} {
		if dang[k] != w {
			t.Errorf("dangling %s = %v, want %v", k, dang[k], w)
		}
	}
	if q.PeopleWithoutSite != 1 || q.IdeasWithoutAuthor != 1 {
		t.Errorf("people without site %d, ideas without author %d, want 1 and 1", q.PeopleWithoutSite, q.IdeasWithoutAuthor)
	}
	if q.DanglingTotal() != 6 {
		t.Errorf("dangling total %d, want 6", q.DanglingTotal())
	}
	if len(q.LastIngest) != 4 || q.LastIngest[0].Dataset != "ideas" || q.LastIngest[0].File != "ideas.csv" {
		t.Errorf("last ingest = %+v", q.LastIngest)
	}
}

func TestIngestLogListsNewestFirstWithinTheLimit(t *testing.T) {
	db := openTest(t)
	loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, nil})
	loadRows(t, db, "people", []driver.Value{"p1", "LYON", "collaborator", nil, nil, nil, nil})
	all, err := db.IngestLog(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Dataset != "people" || all[1].Dataset != "sites" || all[0].Loaded != 1 {
		t.Fatalf("ingest log = %+v", all)
	}
	one, err := db.IngestLog(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[0].Dataset != "people" {
		t.Fatalf("ingest log limit 1 = %+v", one)
	}
}

func TestDanglingReferencesAreTheSameFromTheDatasetsAndFromTheDerivedData(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, nil})
	loadRows(t, db, "people", []driver.Value{"p1", "LYON", "collaborator", nil, nil, nil, nil})
	loadRows(t, db, "ideas",
		[]driver.Value{"i1", "LYON", "p1", "idea", "T", at, "submitted", nil, nil, nil, nil, nil, nil, nil, nil},
		[]driver.Value{"i2", "LYON", "p8", "idea", "T", at, "submitted", nil, nil, nil, nil, nil, nil, nil, nil})
	loadRows(t, db, "votes", []driver.Value{"i1", "p1", at}, []driver.Value{"i3", "p7", at})
	loadRows(t, db, "comments", []driver.Value{"c1", "i4", "p9", at})
	loadRows(t, db, "activity", []driver.Value{"p6", at, "visit"})
	loadRows(t, db, "decisions", []driver.Value{"i5", "retained", at, nil})

	direct, err := db.DataQuality(ctx) // right after loads: the datasets
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.KPIs(ctx, Settings{}, at); err != nil { // brings the derived data up to date
		t.Fatal(err)
	}
	derived, err := db.DataQuality(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct.Dangling) != 14 || len(derived.Dangling) != 14 {
		t.Fatalf("want 14 kinds of reference each, got %d and %d", len(direct.Dangling), len(derived.Dangling))
	}
	for i := range direct.Dangling {
		if direct.Dangling[i] != derived.Dangling[i] {
			t.Errorf("from the datasets %+v, from the derived data %+v", direct.Dangling[i], derived.Dangling[i])
		}
	}
	if direct.DanglingTotal() == 0 {
		t.Error("the fixture has dangling references, none counted")
	}
}
