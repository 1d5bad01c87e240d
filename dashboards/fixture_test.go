package dashboards

import (
	"context"
	"database/sql/driver"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"relais/internal/testfixture"
	"relais/queries"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// Hostile user text: every page and the workbook must show it as text.
const (
	hostileTitle  = `</script><script>alert(1)</script>`
	hostileSite   = `<img src=x onerror=alert(1)>`
	formulaTitle  = `=HYPERLINK("http://example.invalid","click")`
	hostileReason = `<script>alert(2)</script> & "quotes"`
	hostilePerson = `<b onmouseover=alert(3)>Eve</b>`
)

// fixtureAsOf is the as-of date of the fixture; fixtureNow is "now".
var (
	fixtureAsOf = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	paris       = mustLoc("Europe/Paris")
	fixtureNow  = time.Date(2026, 11, 30, 10, 0, 0, 0, paris)
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func openDB(t testing.TB) *queries.DB {
	t.Helper()
	return testfixture.Open(t, paris)
}

func load(t testing.TB, db *queries.DB, name string, rows ...[]driver.Value) {
	t.Helper()
	testfixture.Load(t, db, name, rows...)
}

// at is a local instant days before the as-of date at hour h.
func at(daysBefore, h int) time.Time {
	return time.Date(2026, 11, 30-daysBefore, h, 0, 0, 0, paris)
}

func day(daysBefore int) time.Time {
	return time.Date(2026, 11, 30-daysBefore, 0, 0, 0, 0, time.UTC)
}

// hostileDB is a small group with hostile text in a site name, idea titles,
// a decision reason and a display name, loaded with queries.Loader.
func hostileDB(t testing.TB) *queries.DB {
	t.Helper()
	db := openDB(t)
	i := func(n int64) driver.Value { return n }
	load(t, db, "sites",
		[]driver.Value{"EVIL", hostileSite, nil, i(60)},
		[]driver.Value{"LYON", "Lyon", "ARA", i(100)},
		[]driver.Value{"PARIS", "Paris", nil, i(80)},
	)
	var people [][]driver.Value
	people = append(people,
		[]driver.Value{"A1", "LYON", "ambassador", "Alice", day(80), nil, nil},
		[]driver.Value{"A2", "EVIL", "ambassador", hostilePerson, day(80), nil, nil},
		[]driver.Value{"A3", "PARIS", "ambassador", "Paul", day(80), nil, nil},
		[]driver.Value{"C1", "LYON", "core_team", "Claire", nil, nil, nil},
	)
	for n := 0; n < 12; n++ {
		site := []string{"LYON", "EVIL", "PARIS"}[n%3]
		people = append(people, []driver.Value{fmt.Sprintf("P%02d", n), site, "collaborator", nil, nil, nil, nil})
	}
	load(t, db, "people", people...)
	// idea_id, site_id, author_id, kind, title, created_at, status,
	// decided_at, implemented_at, impact, feasibility, challenge_id, theme,
	// solves_idea_id, replicates_idea_id
	idea := func(id, site, author, title string, created time.Time, status string, decided any, imp, feas any) []driver.Value {
		return []driver.Value{id, site, author, "idea", title, created, status, decided, nil, imp, feas, nil, nil, nil, nil}
	}
	load(t, db, "ideas",
		idea("I1", "EVIL", "P01", hostileTitle, at(20, 9), "submitted", nil, i(5), i(5)),
		idea("I2", "LYON", "P00", formulaTitle, at(15, 10), "in_review", nil, i(4), i(4)),
		idea("I3", "LYON", "P03", "Covoiturage", at(40, 11), "retained", at(30, 12), i(3), i(3)),
		idea("I4", "PARIS", "P02", "Casiers", at(35, 8), "rejected", at(33, 9), nil, nil),
		idea("I5", "EVIL", "A2", "Tri sélectif", at(10, 14), "submitted", nil, i(2), i(3)),
		idea("I6", "PARIS", "P05", "Vélos", at(5, 16), "implemented", at(3, 10), i(4), i(5)),
	)
	load(t, db, "votes",
		[]driver.Value{"I1", "P00", at(19, 10)},
		[]driver.Value{"I1", "P03", at(18, 10)},
		[]driver.Value{"I2", "P01", at(14, 10)},
		[]driver.Value{"I6", "P04", at(4, 10)},
	)
	load(t, db, "comments",
		[]driver.Value{"K1", "I1", "A2", at(19, 11)},
		[]driver.Value{"K2", "I2", "C1", at(14, 12)},
	)
	var act [][]driver.Value
	for n := 0; n < 12; n++ {
		act = append(act, []driver.Value{fmt.Sprintf("P%02d", n), at(n*5%60, 9), "visit"})
	}
	act = append(act,
		[]driver.Value{"A1", at(2, 9), "visit"},
		[]driver.Value{"A2", at(3, 9), "visit"},
		[]driver.Value{"A3", at(45, 9), "visit"},
	)
	load(t, db, "activity", act...)
	load(t, db, "decisions",
		[]driver.Value{"I3", "retained", at(30, 12), hostileReason},
		[]driver.Value{"I4", "rejected", at(33, 9), nil},
		[]driver.Value{"I6", "implemented", at(3, 10), "Fait"},
	)
	return db
}

// testServer runs a real server on a 127.0.0.1 listener until the test ends.
type testServer struct {
	*Server
	URL   string
	Snaps *queries.Snapshots
}

func startServer(t testing.TB, db *queries.DB, edit func(*Options)) *testServer {
	t.Helper()
	return startServerOn(t, db, "127.0.0.1:0", edit)
}

func startServerOn(t testing.TB, db *queries.DB, addr string, edit func(*Options)) *testServer {
	t.Helper()
	return startPrepared(t, db, addr, edit, nil)
}

// startPrepared starts a server after prepare (when set) has set its
// unexported test hooks.
func startPrepared(t testing.TB, db *queries.DB, addr string, edit func(*Options), prepare func(*Server)) *testServer {
	t.Helper()
	now := func() time.Time { return fixtureNow }
	snaps := queries.NewSnapshots(db, queries.Settings{}, now)
	opts := Options{DB: db, Snapshots: snaps, Now: now}
	if edit != nil {
		edit(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(s)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	stop := testfixture.Start(func(ctx context.Context) error { return s.Serve(ctx, ln) })
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	port := ln.Addr().(*net.TCPAddr).Port
	return &testServer{Server: s, URL: "http://127.0.0.1:" + strconv.Itoa(port), Snaps: snaps}
}

func get(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	return request(t, http.MethodGet, url, nil, header...)
}

// request sends one request with the given header pairs and reads the
// whole answer.
func request(t testing.TB, method, url string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// sitesCSVIngest is a tiny real loader for the upload and inbox tests (the
// dashboards package may not import ingest): a CSV of site_id,name,headcount
// loaded with queries.Loader; a row with an empty name is rejected.
func sitesCSVIngest(db *queries.DB) IngestFunc {
	return func(ctx context.Context, path, name string) (IngestOutcome, error) {
		out := IngestOutcome{File: name, Dataset: "sites"}
		f, err := os.Open(path)
		if err != nil {
			return out, err
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			return out, fmt.Errorf("%s: %w", name, err)
		}
		if len(recs) == 0 || strings.Join(recs[0], ",") != "site_id,name,headcount" {
			out.Summary = name + ": refused"
			return out, errors.New(name + ": not a sites file")
		}
		ds, _ := queries.LookupDataset("sites")
		l, err := db.NewLoader(ctx, ds)
		if err != nil {
			return out, err
		}
		defer l.Close()
		for n, r := range recs[1:] {
			out.RowsRead++
			if r[1] == "" {
				out.Rejected++
				out.Errors = append(out.Errors, fmt.Sprintf("%s:%d: name: : required", name, n+2))
				continue
			}
			h, _ := strconv.ParseInt(r[2], 10, 64)
			if err := l.Append([]driver.Value{r[0], r[1], nil, h}); err != nil {
				return out, err
			}
		}
		if out.Rejected > 0 {
			out.Summary = fmt.Sprintf("%s: %d rows, 0 loaded, %d rejected", name, out.RowsRead, out.Rejected)
			return out, errors.New("rows rejected")
		}
		n, err := l.Commit(ctx, queries.LoadInfo{File: name, SHA256: "00", RowsRead: out.RowsRead, StartedAt: time.Now()})
		if err != nil {
			return out, err
		}
		out.Loaded = n
		out.Summary = fmt.Sprintf("%s: %d rows, %d loaded, 0 rejected", name, out.RowsRead, n)
		return out, nil
	}
}
