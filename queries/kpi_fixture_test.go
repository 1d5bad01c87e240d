package queries

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// fixture collects hand-made rows per dataset and loads them through the
// Loader, as an ingest would.
type fixture struct {
	t    *testing.T
	loc  *time.Location
	rows map[string][][]driver.Value
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, loc: loc, rows: map[string][][]driver.Value{}}
}

// at parses a local Paris time "2006-01-02 15:04" (or a date alone, 00:00).
func (f *fixture) at(s string) time.Time {
	f.t.Helper()
	layout := "2006-01-02 15:04"
	if len(s) == len("2006-01-02") {
		layout = time.DateOnly
	}
	v, err := time.ParseInLocation(layout, s, f.loc)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// utc parses an RFC 3339 instant.
func (f *fixture) utc(s string) time.Time {
	f.t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// day parses a calendar date.
func day(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func opt(v any) driver.Value {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		return x
	case int:
		return int64(x)
	}
	return v
}

func (f *fixture) add(ds string, vals ...any) {
	row := make([]driver.Value, len(vals))
	for i, v := range vals {
		row[i] = opt(v)
	}
	f.rows[ds] = append(f.rows[ds], row)
}

// site adds a site; headcount < 0 means empty.
func (f *fixture) site(id string, headcount int) {
	var hc any
	if headcount >= 0 {
		hc = headcount
	}
	f.add("sites", id, id+" site", nil, hc)
}

// person adds a person; since/left are local dates or "".
func (f *fixture) person(id, site, role, since, trained, left string) {
	d := func(s string) any {
		if s == "" {
			return nil
		}
		return f.at(s)
	}
	f.add("people", id, site, role, nil, d(since), d(trained), d(left))
}

// idea is one idea row; zero fields are empty.
type idea struct {
	id, site, author, kind, status string
	created, decided, implemented  time.Time
	impact, feasibility            int
	replicates                     string
}

func (f *fixture) idea(i idea) {
	tm := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t
	}
	n := func(v int) any {
		if v == 0 {
			return nil
		}
		return v
	}
	kind := i.kind
	if kind == "" {
		kind = "idea"
	}
	status := i.status
	if status == "" {
		status = "submitted"
	}
	f.add("ideas", i.id, i.site, i.author, kind, "Idea "+i.id, i.created, status, tm(i.decided), tm(i.implemented),
		n(i.impact), n(i.feasibility), nil, nil, nil, i.replicates)
}

func (f *fixture) vote(ideaID, voter string, at time.Time) { f.add("votes", ideaID, voter, at) }
func (f *fixture) comment(id, ideaID, author string, at time.Time) {
	f.add("comments", id, ideaID, author, at)
}
func (f *fixture) activity(person string, at time.Time) { f.add("activity", person, at, "visit") }
func (f *fixture) survey(person string, at time.Time, score int) {
	f.add("surveys", person, at, score)
}
func (f *fixture) decision(ideaID, decision string, at time.Time, reason string) {
	f.add("decisions", ideaID, decision, at, reason)
}

// open loads the fixture into a fresh database in Europe/Paris.
func (f *fixture) open() *DB {
	f.t.Helper()
	db := openTest(f.t)
	for _, ds := range Datasets() {
		if rows := f.rows[ds.Name]; len(rows) > 0 {
			loadRows(f.t, db, ds.Name, rows...)
		}
	}
	return db
}

func (f *fixture) kpis(db *DB, s Settings, asOf string) *Document {
	f.t.Helper()
	doc, err := db.KPIs(context.Background(), s, day(f.t, asOf))
	if err != nil {
		f.t.Fatal(err)
	}
	return doc
}

func siteOf(t *testing.T, doc *Document, id string) *Site {
	t.Helper()
	for i := range doc.Sites {
		if doc.Sites[i].SiteID == id {
			return &doc.Sites[i]
		}
	}
	t.Fatalf("site %s not in document", id)
	return nil
}

func fp(v float64) *float64 { return &v }
func ip(v int64) *int64     { return &v }

func eqf(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	d := *a - *b
	return d < 1e-9 && d > -1e-9
}

func fs(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
