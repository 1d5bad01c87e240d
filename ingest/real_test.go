package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"relais/internal/testfixture"
	"relais/queries"
)

// realFixture returns the path of a file under ../shared/fixtures/real
// (beside the module root, as in CI). Without it the test is skipped,
// except under CI=true where it fails.
func realFixture(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "fixtures", "real", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("real fixture missing in CI: %v", err)
		}
		t.Skipf("real fixture missing: %v", err)
	}
	return p
}

// readRecords parses a CSV with encoding/csv, independently of the
// loader: one map per record, by header.
func readRecords(t testing.TB, path string, delim rune) []map[string]string {
	t.Helper()
	all := testfixture.ReadCSV(t, path, delim)
	var out []map[string]string
	for _, rec := range all[1:] {
		m := map[string]string{}
		for i, h := range all[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// column returns key -> value of two columns of a table.
func column(t testing.TB, db *queries.DB, query string) map[string]string {
	t.Helper()
	rows, err := db.SQL().Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func loadReal(t testing.TB, db *queries.DB, path string, opts Options, want int) {
	t.Helper()
	res := mustLoad(t, db, path, opts)
	if res.Rows != int64(want) || res.Loaded != int64(want) || res.Rejected != 0 {
		t.Fatalf("%s: %s, want %d rows all loaded", path, res.Summary(), want)
	}
}

func TestDecidimProposalsWithARegionalLocaleLoadWithRealTitlesAndStatuses(t *testing.T) {
	path := realFixture(t, "decidim-brasilparticipativo/brasilparticipativo.presidencia.gov.br-open-data-proposals.csv")
	recs := readRecords(t, path, ';')
	db := openDB(t)
	loadReal(t, db, path, Options{Mapping: "decidim-proposals"}, len(recs))
	titles := column(t, db, `SELECT idea_id, title FROM ideas`)
	statuses := column(t, db, `SELECT idea_id, status FROM ideas`)
	want := map[string]string{"accepted": "retained", "withdrawn": "withdrawn", "rejected": "rejected", "evaluating": "in_review", "": "submitted"}
	for _, r := range recs {
		if got, w := titles[r["id"]], strings.TrimSpace(r["title/pt-BR"]); got != w || w == "" {
			t.Fatalf("proposal %s: title %q, want %q", r["id"], got, w)
		}
		w, ok := want[r["state"]]
		if !ok {
			t.Fatalf("proposal %s: state %q not expected by the test", r["id"], r["state"])
		}
		if statuses[r["id"]] != w {
			t.Fatalf("proposal %s: state %q loaded as %q, want %q", r["id"], r["state"], statuses[r["id"]], w)
		}
	}
}

func TestDecidimCommentRepliesCountOnTheirRootResource(t *testing.T) {
	for _, tc := range []struct {
		file  string
		delim rune
	}{
		{"decidim-participa-gencat/participa.gencat.cat-open-data-proposal_comments.csv", ','},
		{"decidim-barcelona/www.decidim.barcelona-open-data-meeting_comments.csv", ';'},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			path := realFixture(t, tc.file)
			recs := readRecords(t, path, tc.delim)
			db := openDB(t)
			loadReal(t, db, path, Options{Mapping: "decidim-comments"}, len(recs))
			ideas := column(t, db, `SELECT comment_id, idea_id FROM comments`)
			authors := column(t, db, `SELECT comment_id, author_id FROM comments`)
			replies := 0
			for _, r := range recs {
				url := r["root_commentable_url"]
				root := url[strings.LastIndexByte(url, '/')+1:]
				if got := ideas[r["id"]]; got != root || root == "" {
					t.Fatalf("comment %s: idea %q, want %q (end of %s)", r["id"], got, root, url)
				}
				if authors[r["id"]] != r["author/id"] {
					t.Fatalf("comment %s: author %q, want %q", r["id"], authors[r["id"]], r["author/id"])
				}
				if strings.HasSuffix(r["commentable_type"], "::Comment") {
					replies++
					if ideas[r["id"]] == r["commentable_id"] {
						t.Fatalf("reply %s points to its parent comment", r["id"])
					}
				}
			}
			if replies == 0 {
				t.Fatal("the fixture has no reply: the test proves nothing")
			}
		})
	}
}

func TestConsulResearchExtractLoadsWithTheDocumentedMappings(t *testing.T) {
	props := realFixture(t, "decide-madrid-argrecsys/proposals.csv")
	comments := realFixture(t, "decide-madrid-argrecsys/comments.csv")
	db := openDB(t)
	prs := readRecords(t, props, ',')
	loadReal(t, db, props, Options{Mapping: filepath.Join("..", "docs", "mappings", "consul-research-proposals.yaml"), Set: map[string]string{"site_id": "MADRID"}}, len(prs))
	crs := readRecords(t, comments, ',')
	loadReal(t, db, comments, Options{Mapping: filepath.Join("..", "docs", "mappings", "consul-research-comments.yaml")}, len(crs))

	titles := column(t, db, `SELECT idea_id, title FROM ideas`)
	statuses := column(t, db, `SELECT idea_id, status FROM ideas`)
	for _, r := range prs {
		want := map[string]string{"open": "submitted", "archived": "rejected"}[r["status"]]
		if titles[r["id"]] != strings.TrimSpace(r["title"]) || statuses[r["id"]] != want || want == "" {
			t.Fatalf("proposal %s: %q %q, want %q %q", r["id"], titles[r["id"]], statuses[r["id"]], r["title"], want)
		}
	}
	ideas := column(t, db, `SELECT comment_id, idea_id FROM comments`)
	created := column(t, db, `SELECT comment_id, strftime(created_at AT TIME ZONE 'Europe/Paris', '%Y-%m-%d %H:%M:%S') FROM comments`)
	replies := 0
	for _, r := range crs {
		if r["parentId"] != "-1" {
			replies++
		}
		clock := r["time"][strings.LastIndexByte(r["time"], ' ')+1:]
		if len(clock) == 7 {
			clock = "0" + clock
		}
		if ideas[r["id"]] != r["proposalId"] || created[r["id"]] != r["date"]+" "+clock {
			t.Fatalf("comment %s: idea %q at %q, want %q at %q", r["id"], ideas[r["id"]], created[r["id"]], r["proposalId"], r["date"]+" "+clock)
		}
	}
	if replies == 0 {
		t.Fatal("no reply in the fixture")
	}
	q, err := db.DataQuality(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range q.Dangling {
		if d.Dataset == "comments" && d.Column == "idea_id" && d.Rows > 0 {
			t.Fatalf("%d comments point to proposals not loaded", d.Rows)
		}
	}
}
