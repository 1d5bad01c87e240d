package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"relais/internal/testfixture"
	"relais/queries"
)

func openDB(t testing.TB) *queries.DB {
	t.Helper()
	db, err := queries.Open(context.Background(), queries.Options{Path: filepath.Join(t.TempDir(), "t.duckdb"), Location: testfixture.Paris(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustLoad(t testing.TB, db *queries.DB, path string, opts Options) Result {
	t.Helper()
	res, err := LoadFile(context.Background(), db, path, opts)
	if err != nil {
		t.Fatalf("load %s: %v (%s) %v", path, err, res.Summary(), res.Rejects)
	}
	return res
}

// dump renders every table (datasets and ingest log) in a stable order,
// without the load ids (a re-load writes the same rows under a new id).
func dump(t testing.TB, db *queries.DB, tables ...string) string {
	t.Helper()
	if len(tables) == 0 {
		for _, d := range queries.Datasets() {
			tables = append(tables, d.Name)
		}
		tables = append(tables, "ingest_log")
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.SQL().Query("SELECT COLUMNS(c -> c <> 'load_id') FROM " + table + " ORDER BY ALL")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "== %s %v\n", table, cols)
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Format(time.RFC3339Nano)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteString("\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

func count(t testing.TB, db *queries.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const ideasHeader = "idea_id,site_id,author_id,kind,title,created_at,status,decided_at,implemented_at,impact,feasibility,challenge_id,theme,solves_idea_id,replicates_idea_id"

func TestCSVFormatsLoadTheSameRows(t *testing.T) {
	rows := [][]string{
		{"idea_id", "site_id", "title", "created_at", "status"},
		{"I1", "LYON", "Titre, avec; séparateurs|et\ttab", "2026-10-01 09:30", "submitted"},
		{"I2", "LYON", "Sur\ndeux lignes", "01/10/2026", "retained"},
		{"I3", "PARIS", `Des "guillemets"`, "2026-10-01", "in_review"},
	}
	want := ""
	for _, tc := range []struct {
		name  string
		delim string
		bom   bool
		crlf  bool
	}{
		{"comma LF", ",", false, false},
		{"semicolon CRLF BOM", ";", true, true},
		{"tab CRLF", "\t", false, true},
		{"pipe BOM", "|", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if tc.bom {
				b.WriteString("\uFEFF")
			}
			nl := "\n"
			if tc.crlf {
				nl = "\r\n"
			}
			for _, r := range rows {
				for i, v := range r {
					if i > 0 {
						b.WriteString(tc.delim)
					}
					if strings.ContainsAny(v, ",;|\t\n\"") {
						v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
					}
					b.WriteString(v)
				}
				b.WriteString(nl)
			}
			// A fifth record with a bad date: its line is 6 (the quoted
			// newline of I2 takes a line).
			b.WriteString(strings.Join([]string{"I4", "LYON", "x", "hier", "submitted"}, tc.delim) + nl)
			db := openDB(t)
			path := testfixture.WriteFile(t, t.TempDir(), "ideas.csv", b.String())
			res, err := LoadFile(context.Background(), db, path, Options{})
			if !errors.Is(err, ErrRejected) || len(res.Rejects) != 1 || res.Rejects[0].Line != 6 {
				t.Fatalf("want one reject on line 6, got %v %+v", err, res.Rejects)
			}
			res, err = LoadFile(context.Background(), db, path, Options{SkipInvalid: true})
			if !errors.Is(err, ErrRejected) || res.Loaded != 3 {
				t.Fatalf("skip invalid: %v %s", err, res.Summary())
			}
			got := dump(t, db, "ideas")
			if want == "" {
				want = got
				if !strings.Contains(got, "Sur\ndeux lignes") || !strings.Contains(got, `Des "guillemets"`) || !strings.Contains(got, "Titre, avec; séparateurs|et\ttab") {
					t.Fatalf("fields not read back:\n%s", got)
				}
			} else if got != want {
				t.Fatalf("rows differ from the comma file:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestRowRulesRejectWithTheirMessage(t *testing.T) {
	for _, tc := range []struct {
		name, file, header, row, want string
	}{
		{"required empty", "ideas.csv", "idea_id,site_id,title,created_at,status", "I1,LYON,,2026-10-01,submitted",
			`ideas.csv:2: title: "": empty, but required`},
		{"date does not parse", "ideas.csv", "idea_id,site_id,title,created_at,status", "I1,LYON,T,31/02/2026,submitted",
			"ideas.csv:2: created_at: 31/02/2026: not a date-time (want yyyy-mm-dd HH:MM[:SS][+hh:mm], dd/mm/yyyy [HH:MM[:SS]])"},
		{"enum does not parse", "ideas.csv", "idea_id,site_id,title,created_at,status", "I1,LYON,T,2026-10-01,peut-être",
			"ideas.csv:2: status: peut-être: not one of submitted, in_review, retained, postponed, rejected, implemented, withdrawn"},
		{"integer does not parse", "ideas.csv", "idea_id,site_id,title,created_at,status,impact", "I1,LYON,T,2026-10-01,submitted,fort",
			"ideas.csv:2: impact: fort: not an integer"},
		{"integer out of range", "ideas.csv", "idea_id,site_id,title,created_at,status,feasibility", "I1,LYON,T,2026-10-01,submitted,6",
			"ideas.csv:2: feasibility: 6: out of range 1-5"},
		{"headcount negative", "sites.csv", "site_id,name,headcount", "LYON,Lyon,-1",
			"sites.csv:2: headcount: -1: out of range: must be 0 or more"},
		{"score out of range", "surveys.csv", "person_id,answered_at,score", "p1,2026-10-01,11",
			"surveys.csv:2: score: 11: out of range 0-10"},
		{"decided before created", "ideas.csv", "idea_id,site_id,title,created_at,status,decided_at", "I1,LYON,T,2026-10-02 10:00,retained,01/10/2026",
			"ideas.csv:2: decided_at: 01/10/2026: before created_at (2026-10-02)"},
		{"implemented before created", "ideas.csv", "idea_id,site_id,title,created_at,status,implemented_at", "I1,LYON,T,2026-10-02,implemented,2026-09-30T23:00:00+02:00",
			"ideas.csv:2: implemented_at: 2026-09-30T23:00:00+02:00: before created_at (2026-10-02)"},
		{"ends before starts", "challenges.csv", "challenge_id,title,starts_on,ends_on", "C1,Défi,2026-10-02,2026-10-01",
			"challenges.csv:2: ends_on: 2026-10-01: before starts_on (2026-10-02)"},
		{"french header in message", "ideas.csv", "Idée;Site;Titre;Date de création;Statut", "I1;LYON;T;2026-10-01;jamais",
			"ideas.csv:2: Statut: jamais: not one of submitted, in_review, retained, postponed, rejected, implemented, withdrawn"},
		{"more fields than the header", "votes.csv", "idea_id,voter_id,voted_at", "I1,p1,2026-10-01,surplus",
			"votes.csv:2: (row): surplus: 4 fields, but the header has 3"},
		{"unparsable instant in votes", "votes.csv", "idea_id,voter_id,voted_at", "I1,p1,2026-10-01 9h30",
			"votes.csv:2: voted_at: 2026-10-01 9h30: not a date-time (want yyyy-mm-dd HH:MM[:SS][+hh:mm], dd/mm/yyyy [HH:MM[:SS]])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			path := testfixture.WriteFile(t, t.TempDir(), tc.file, tc.header+"\n"+tc.row+"\n")
			before := dump(t, db)
			res, err := LoadFile(context.Background(), db, path, Options{})
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("want ErrRejected, got %v", err)
			}
			if len(res.Rejects) != 1 {
				t.Fatalf("want one reject, got %+v", res.Rejects)
			}
			if got := res.Rejects[0].Message(res.File); got != tc.want {
				t.Fatalf("message\n got %s\nwant %s", got, tc.want)
			}
			if after := dump(t, db); after != before {
				t.Fatalf("a rejected row changed the database")
			}
		})
	}
}

func TestRowRulesAcceptTheSameLocalDayAndDefaults(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	mustLoad(t, db, testfixture.WriteFile(t, dir, "ideas.csv",
		"idea_id,site_id,title,created_at,status,decided_at,implemented_at,impact\n"+
			"I1,LYON,T,2026-10-02 15:00,retained,2026-10-02,,\n"+
			"I2,LYON,T,2026-10-01T23:30:00Z,retained,02/10/2026,2026-10-02 00:10,1 \n"+
			"  I3 ,LYON,T,2026-10-01,submitted,,,\u00a05\u00a0\n"), Options{})
	got := dump(t, db, "ideas")
	for _, want := range []string{"I1|LYON|<nil>|idea|T|2026-10-02T13:00:00Z|retained|2026-10-01T22:00:00Z|", "\nI3|LYON|<nil>|idea|T|2026-09-30T22:00:00Z|submitted|<nil>|<nil>|5|"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	mustLoad(t, db, testfixture.WriteFile(t, dir, "people.csv", "person_id,site_id\np1,LYON\n"), Options{})
	if got := dump(t, db, "people"); !strings.Contains(got, "p1|LYON|collaborator|") {
		t.Errorf("role default not applied:\n%s", got)
	}
	mustLoad(t, db, testfixture.WriteFile(t, dir, "activity.csv", "person_id,occurred_at\np1,2026-10-01\n"), Options{})
	if got := dump(t, db, "activity"); !strings.Contains(got, "|visit|") {
		t.Errorf("action default not applied:\n%s", got)
	}
}

func TestRefusedFileLeavesTheDatabaseExactlyAsItWas(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	mustLoad(t, db, testfixture.WriteFile(t, dir, "ideas.csv", ideasHeader+"\nI1,LYON,p1,idea,T,2026-10-01,submitted,,,,,,,,\n"), Options{})
	mustLoad(t, db, testfixture.WriteFile(t, dir, "sites.csv", "site_id,name\nLYON,Lyon\n"), Options{})
	before := dump(t, db)
	for _, tc := range []struct {
		name, file, content string
		opts                Options
		refused             bool
		want                string
	}{
		{"missing required column", "ideas.csv", "idea_id,site_id,title,status\nI2,LYON,T,submitted\n", Options{}, true,
			"missing required column created_at for ideas (columns found: idea_id, site_id, title, status); or give every row one value with --set created_at=VALUE"},
		{"two columns match one", "ideas.csv", "idea_id,site_id,title/en,title/fr,created_at,status\nI2,LYON,T,T,2026-10-01,submitted\n", Options{}, true,
			`columns "title/en" and "title/fr" all match title`},
		{"dataset unknown", "export.csv", "a,b\n1,2\n", Options{}, true, "cannot tell which dataset it holds: name it with --dataset NAME"},
		{"empty file", "ideas.csv", "", Options{}, true, "the file is empty"},
		{"rejected row", "ideas.csv", ideasHeader + "\nI1,LYON,p1,idea,Nouveau titre,2026-10-01,submitted,,,,,,,,\nI2,LYON,p1,idea,T,hier,submitted,,,,,,,,\n", Options{}, false, ""},
		{"mapping source absent", "ideas.csv", "title,created_at\nT,2026-10-01\n", Options{Mapping: "consul-proposals", Set: map[string]string{"site_id": "X"}}, true,
			"missing required column idea_id (the mapping reads it from id)"},
		{"no such sheet", "ideas.xlsx", "", Options{Sheet: "nope"}, true, `no sheet "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			if strings.HasSuffix(tc.file, ".xlsx") {
				f := excelize.NewFile()
				if err := f.SaveAs(path); err != nil {
					t.Fatal(err)
				}
			} else {
				testfixture.WriteFile(t, filepath.Dir(path), tc.file, tc.content)
			}
			res, err := LoadFile(context.Background(), db, path, tc.opts)
			if err == nil {
				t.Fatal("want an error")
			}
			if tc.refused {
				if !errors.Is(err, ErrRefused) || res.Refused == nil || !strings.Contains(res.Refused.Error(), tc.want) {
					t.Fatalf("want refusal containing %q, got %v", tc.want, err)
				}
				if !strings.Contains(res.Summary(), "refused: ") {
					t.Errorf("summary does not say refused: %s", res.Summary())
				}
			}
			if after := dump(t, db); after != before {
				t.Fatalf("database changed:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

func TestReingestingTheSameFilesLeavesEveryCountUnchanged(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	files := []string{
		testfixture.WriteFile(t, dir, "ideas.csv", ideasHeader+"\nI1,LYON,p1,idea,T,2026-10-01,submitted,,,,,,,,\nI2,LYON,p1,idea,T2,2026-10-01,submitted,,,,,,,,\nI1,LYON,p1,idea,T1 bis,2026-10-01,retained,2026-10-03,,,,,,,\n"),
		testfixture.WriteFile(t, dir, "votes.csv", "idea_id,voter_id,voted_at\nI1,p1,2026-10-01 10:00\nI1,p2,2026-10-01 11:00\nI1,p1,2026-10-02 10:00\n"),
		testfixture.WriteFile(t, dir, "activity.csv", "person_id,occurred_at,action\np1,2026-10-01T10:00:00+02:00,login\np1,2026-10-01 08:00:00 UTC,login\np2,01/10/2026 10:00,visit\n"),
	}
	for _, f := range files {
		mustLoad(t, db, f, Options{})
	}
	counts := func() string {
		var b strings.Builder
		for _, d := range queries.Datasets() {
			fmt.Fprintf(&b, "%s=%d ", d.Name, count(t, db, d.Name))
		}
		return b.String()
	}
	first := counts()
	if !strings.Contains(first, "ideas=2 votes=2 ") || !strings.Contains(first, "activity=2 ") {
		t.Fatalf("later row of a key should win within a file, and instants compare as instants: %s", first)
	}
	firstIdeas := dump(t, db, "ideas", "votes", "activity")
	for _, f := range files {
		mustLoad(t, db, f, Options{})
	}
	if got := counts(); got != first {
		t.Fatalf("counts changed: %s, were %s", got, first)
	}
	if got := dump(t, db, "ideas", "votes", "activity"); got != firstIdeas {
		t.Fatalf("rows changed:\n%s", got)
	}
	if !strings.Contains(firstIdeas, "T1 bis") {
		t.Fatal("later row did not win")
	}
}

func TestANewerExportReplacesOlderRows(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	mustLoad(t, db, testfixture.WriteFile(t, dir, "ideas.csv", ideasHeader+"\nI1,LYON,p1,idea,T,2026-10-01,submitted,,,,,,,,\nI2,LYON,p1,idea,T2,2026-10-01,submitted,,,,,,,,\n"), Options{})
	mustLoad(t, db, testfixture.WriteFile(t, dir, "2026-11_ideas.csv", ideasHeader+"\nI1,LYON,p1,idea,T,2026-10-01,implemented,2026-10-05,2026-11-01,5,,,,,\nI3,PARIS,p2,idea,T3,2026-11-01,submitted,,,,,,,,\n"), Options{})
	got := dump(t, db, "ideas")
	if count(t, db, "ideas") != 3 || !strings.Contains(got, "I1|LYON|p1|idea|T|2026-09-30T22:00:00Z|implemented|2026-10-04T22:00:00Z|2026-10-31T23:00:00Z|5|") {
		t.Fatalf("newer export did not replace I1:\n%s", got)
	}
}

func TestSkipInvalidLoadsValidRowsAndWritesTheRejects(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	path := testfixture.WriteFile(t, dir, "votes.csv", "Idée;Votant;Date du vote;extra\nI1;p1;2026-10-01;a\nI1;;2026-10-01;b\nI2;p2;demain;c\nI3;p3;01/10/2026 12:00;d\n")
	res, err := LoadFile(context.Background(), db, path, Options{SkipInvalid: true})
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("rejected rows are a failure of the job even with SkipInvalid: %v", err)
	}
	if res.Rows != 4 || res.Loaded != 2 || res.Rejected != 2 || count(t, db, "votes") != 2 {
		t.Fatalf("got %s", res.Summary())
	}
	if want := "votes.csv: 4 rows, 2 loaded, 2 rejected\n  dataset votes; rejected rows written to " + path + ".rejects.csv; ignored columns: extra"; res.Summary() != want {
		t.Fatalf("summary\n got %s\nwant %s", res.Summary(), want)
	}
	b, err := os.ReadFile(path + ".rejects.csv")
	if err != nil {
		t.Fatal(err)
	}
	// No byte-order mark: the input had none.
	want := "Idée;Votant;Date du vote;extra;line;reason\n" +
		"I1;;2026-10-01;b;3;\"Votant: \"\"\"\": empty, but required\"\n" +
		"I2;p2;demain;c;4;Date du vote: demain: not a date-time (want yyyy-mm-dd HH:MM[:SS][+hh:mm], dd/mm/yyyy [HH:MM[:SS]])\n"
	if string(b) != want {
		t.Fatalf("rejects file\n%s\nwant\n%s", b, want)
	}
	// An input with a byte-order mark gets one in its rejects file.
	bomPath := testfixture.WriteFile(t, dir, "bom_votes.csv", "\uFEFFIdée;Votant;Date du vote\nI1;;2026-10-01\n")
	if _, err := LoadFile(context.Background(), db, bomPath, Options{SkipInvalid: true}); !errors.Is(err, ErrRejected) {
		t.Fatalf("bom file: %v", err)
	}
	if b, err := os.ReadFile(bomPath + ".rejects.csv"); err != nil || !strings.HasPrefix(string(b), "\uFEFFIdée;Votant;Date du vote;line;reason\n") {
		t.Fatalf("rejects of a file with a byte-order mark: %q, %v", b, err)
	}
	// The rejects file loads back (its dataset is in its name; line and
	// reason are ignored columns) once fixed.
	fixed := strings.Replace(strings.Replace(string(b), "I1;;", "I1;p9;", 1), "demain", "2026-10-02", 1)
	testfixture.WriteFile(t, dir, "votes.csv.rejects.csv", fixed)
	res = mustLoad(t, db, path+".rejects.csv", Options{})
	if res.Loaded != 2 || count(t, db, "votes") != 4 {
		t.Fatalf("fixed rejects: %s", res.Summary())
	}
}

func TestConsulFileLoadsThroughTheShippedMapping(t *testing.T) {
	data, err := os.ReadFile(realFixture(t, "consul-madrid-proposals.csv"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "consul-madrid-proposals.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	res := mustLoad(t, db, path, Options{Mapping: "consul-proposals", Set: map[string]string{"site_id": "MADRID"}})
	if res.Rows != 2738 || res.Loaded != 2738 || res.Rejected != 0 {
		t.Fatalf("got %s", res.Summary())
	}
	var withdrawn, submitted, madrid int64
	if err := db.SQL().QueryRow(`SELECT count(*) FILTER (status = 'withdrawn'), count(*) FILTER (status = 'submitted'), count(*) FILTER (site_id = 'MADRID') FROM ideas`).Scan(&withdrawn, &submitted, &madrid); err != nil {
		t.Fatal(err)
	}
	// The withdrawn proposals are those with a retired_at.
	var retired int
	for _, line := range strings.Split(string(data), "\n")[1:] {
		if strings.HasSuffix(strings.TrimRight(line, "\r"), `""`) || strings.TrimSpace(line) == "" {
			continue
		}
		retired++
	}
	if withdrawn != int64(retired) || withdrawn+submitted != 2738 || madrid != 2738 || withdrawn == 0 {
		t.Fatalf("withdrawn %d (want %d), submitted %d, MADRID %d", withdrawn, retired, submitted, madrid)
	}
	var first string
	if err := db.SQL().QueryRow(`SELECT strftime(created_at, '%Y-%m-%d %H:%M') FROM ideas WHERE idea_id = '35573'`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if first != "2024-01-01 00:00" {
		t.Fatalf("dd/mm/yyyy created_at read as %s, want local midnight", first)
	}
}

func TestFrenchWindows1252FileGivesTheSameRowsAsItsCanonicalTwin(t *testing.T) {
	canonical := map[string]string{
		"ideas.csv": ideasHeader + "\n" +
			"I1,LYON,p1,idea,Café plus chaud,2026-10-01 09:30,retained,2026-10-05,,4,3,C1,Énergie,,\n" +
			"I2,PARIS,p2,practice,\"Réunion; debout\",2026-10-02,implemented,2026-10-03 10:00,2026-10-20,5,5,,,,I1\n" +
			"I3,LYON,,irritant,Parking,2026-10-03T08:00:00+02:00,in_review,,,,,,,,\n" +
			"I4,NANTES,p3,solution,Œuvre commune,2026-10-04,withdrawn,,,,,,,I3,\n" +
			"I5,LYON,p1,idea,Délai,2026-10-04,postponed,2026-10-06,,1,2,,,,\n" +
			"I6,LYON,p1,idea,Non,2026-10-04,rejected,2026-10-06,,,,,,,\n" +
			"I7,LYON,p1,idea,Nouvelle,2026-10-04,submitted,,,,,,,,\n",
		"people.csv": "person_id,site_id,role,display_name,ambassador_since,trained_on,left_on\n" +
			"p1,LYON,ambassador,Zoé Lefèvre,2026-09-01,2026-09-15,\n" +
			"p2,PARIS,core_team,Gaëtan,,,\n" +
			"p3,NANTES,collaborator,Anaïs,,,2026-11-30\n" +
			"p4,NANTES,sponsor,Noël,,,\n",
	}
	french := map[string]string{
		"idees.csv": "Idée;Site;Auteur;Type;Titre;Date de création;Statut;Date de décision;Date de mise en œuvre;Impact;Faisabilité;Défi;Thème;Résout;Réplique\r\n" +
			"I1;LYON;p1;Idée;Café plus chaud;01/10/2026 09:30;Retenue;05/10/2026;;4;3;C1;Énergie;;\r\n" +
			"I2;PARIS;p2;Bonne pratique;\"Réunion; debout\";02/10/2026;Mise en œuvre;03/10/2026 10:00;20/10/2026;5;5;;;;I1\r\n" +
			"I3;LYON;;Irritant;Parking;03/10/2026 08:00;en étude;;;;;;;;\r\n" +
			"I4;NANTES;p3;Solution;Œuvre commune;04/10/2026;Retirée;;;;;;;I3;\r\n" +
			"I5;LYON;p1;idée;Délai;04/10/2026;Reporté;06/10/2026;;1;2;;;;\r\n" +
			"I6;LYON;p1;IDÉE;Non;04/10/2026;refusée;06/10/2026;;;;;;;\r\n" +
			"I7;LYON;p1;Idée;Nouvelle;04/10/2026;Soumise;;;;;;;;\r\n",
		"personnes.csv": "Identifiant;Site;Rôle;Nom affiché;Ambassadeur depuis;Formé le;Parti le\r\n" +
			"p1;LYON;Ambassadrice;Zoé Lefèvre;01/09/2026;15/09/2026;\r\n" +
			"p2;PARIS;Équipe cœur;Gaëtan;;;\r\n" +
			"p3;NANTES;Collaborateur;Anaïs;;;30/11/2026\r\n" +
			"p4;NANTES;Sponsor;Noël;;;\r\n",
	}
	dir := t.TempDir()
	a, b := openDB(t), openDB(t)
	for _, name := range []string{"people.csv", "ideas.csv"} {
		mustLoad(t, a, testfixture.WriteFile(t, dir, name, canonical[name]), Options{})
	}
	enc := charmap.Windows1252.NewEncoder()
	for _, name := range []string{"personnes.csv", "idees.csv"} {
		cp, err := enc.String(french[name])
		if err != nil {
			t.Fatal(err)
		}
		mustLoad(t, b, testfixture.WriteFile(t, dir, name, cp), Options{})
	}
	if got, want := dump(t, b, "ideas", "people"), dump(t, a, "ideas", "people"); got != want {
		t.Fatalf("French file\n%s\ncanonical\n%s", got, want)
	}
	if !strings.Contains(dump(t, a, "ideas"), "Œuvre commune") {
		t.Fatal("accents lost")
	}
}

func TestXLSXReadsSerialDatesNumbersAndTheNamedSheet(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		t.Run(fmt.Sprintf("1904=%v", date1904), func(t *testing.T) {
			loc := testfixture.Paris(t)
			f := excelize.NewFile()
			if date1904 {
				if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
					t.Fatal(err)
				}
			}
			first := "Feuil1"
			f.SetSheetName("Sheet1", first)
			// Row 1 is empty: the header is the first non-empty row.
			rows := [][]any{
				{"Idée", "Site", "Titre", "Date de création", "Statut", "Impact", "Date de décision"},
				{1001, "LYON", "Numéro", time.Date(2026, 10, 1, 9, 30, 0, 0, time.UTC), "Retenue", 4, "05/10/2026"},
				{"I2", "LYON", "Texte", "2026-10-02", "submitted", 3.0, nil},
				{"I3", "LYON", "Bad", "pas une date", "submitted", nil, nil},
			}
			for i, r := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+2)
				if err := f.SetSheetRow(first, cell, &r); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.NewSheet("votes"); err != nil {
				t.Fatal(err)
			}
			f.SetSheetRow("votes", "A1", &[]any{"idea_id", "voter_id", "voted_at"})
			f.SetSheetRow("votes", "A2", &[]any{1001, 42, time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)})
			path := filepath.Join(t.TempDir(), "ideas.xlsx")
			if err := f.SaveAs(path); err != nil {
				t.Fatal(err)
			}
			db := openDB(t)
			res, err := LoadFile(context.Background(), db, path, Options{SkipInvalid: true})
			if !errors.Is(err, ErrRejected) || res.Loaded != 2 || len(res.Rejects) != 1 {
				t.Fatalf("got %v %s %+v", err, res.Summary(), res.Rejects)
			}
			if got := res.Rejects[0].Message(res.File); got != "ideas.xlsx:5: Date de création: pas une date: not a date-time (want yyyy-mm-dd HH:MM[:SS][+hh:mm], dd/mm/yyyy [HH:MM[:SS]])" {
				t.Fatalf("reject: %s", got)
			}
			var created, decided time.Time
			var impact int64
			if err := db.SQL().QueryRow(`SELECT created_at, decided_at, impact FROM ideas WHERE idea_id = '1001'`).Scan(&created, &decided, &impact); err != nil {
				t.Fatal(err)
			}
			if !created.Equal(time.Date(2026, 10, 1, 9, 30, 0, 0, loc)) || !decided.Equal(time.Date(2026, 10, 5, 0, 0, 0, 0, loc)) || impact != 4 {
				t.Fatalf("created %v decided %v impact %d", created, decided, impact)
			}
			res = mustLoad(t, db, path, Options{Sheet: "votes", Dataset: "votes"})
			// Excel compares sheet names without regard to case.
			res = mustLoad(t, db, path, Options{Sheet: "VOTES", Dataset: "votes"})
			var voter string
			var voted time.Time
			if err := db.SQL().QueryRow(`SELECT voter_id, voted_at FROM votes WHERE idea_id = '1001'`).Scan(&voter, &voted); err != nil {
				t.Fatal(err)
			}
			if voter != "42" || !voted.Equal(time.Date(2026, 10, 3, 0, 0, 0, 0, loc)) {
				t.Fatalf("voter %q voted %v", voter, voted)
			}
		})
	}
}

func TestMappingFileTranslatesValuesDefaultsAndPicksAColumn(t *testing.T) {
	dir := t.TempDir()
	mapping := testfixture.WriteFile(t, dir, "plateforme.yaml", `dataset: idées
columns:
  idea_id: {from: Référence}
  title: {from: [title/fr, title/en]}
  created_at: {from: Publiée le}
  site_id: {from: Entité, default: GROUPE}
  status:
    from: État
    values: {"": submitted, en cours: in_review, ok: retained}
  kind: {from: Catégorie, when_present: irritant}
`)
	path := testfixture.WriteFile(t, dir, "export.csv", "Référence,title/en,title/fr,Publiée le,Entité,État,Catégorie,Statut\n"+
		"R1,Hello,Bonjour,2026-10-01,LYON,en cours,,ignored\n"+
		"R2,Only English,,2026-10-01,,OK,bruit,\n"+
		"R3,X,Y,2026-10-01,PARIS,,,\n")
	db := openDB(t)
	res := mustLoad(t, db, path, Options{Mapping: mapping})
	if res.Dataset != "ideas" || res.Loaded != 3 {
		t.Fatalf("got %s", res.Summary())
	}
	got := dump(t, db, "ideas")
	for _, want := range []string{"R1|LYON|<nil>|idea|Bonjour|", "|in_review|", "R2|GROUPE|<nil>|irritant|Only English|", "|retained|", "R3|PARIS|<nil>|idea|Y|", "|submitted|"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	// Without the mapping, the two titles refuse the file, naming both.
	_, err := LoadFile(context.Background(), db, path, Options{Dataset: "ideas"})
	if err == nil || !strings.Contains(err.Error(), `"title/en" and "title/fr"`) {
		t.Fatalf("want a refusal naming both titles, got %v", err)
	}
}

func TestShippedMappingsParseAndDecidimLoads(t *testing.T) {
	for _, name := range []string{"decidim-proposals", "decidim-comments", "consul-proposals"} {
		if _, err := LoadMapping(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LoadMapping("nope"); err == nil || !strings.Contains(err.Error(), "consul-proposals") {
		t.Errorf("unknown mapping should list the shipped ones: %v", err)
	}
	bad := testfixture.WriteFile(t, t.TempDir(), "bad.yaml", "dataset: ideas\ncolumns:\n  status: {from: s, values: {x: maybe}}\n  nope: {from: y}\n")
	if _, err := LoadMapping(bad); err == nil || !strings.Contains(err.Error(), `"maybe"`) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("bad mapping: %v", err)
	}
	dir := t.TempDir()
	db := openDB(t)
	props := testfixture.WriteFile(t, dir, "proposals.csv", "id,category/id,category/name/fr,scope/id,participatory_space/id,component/id,title/fr,title/en,body/fr,state,reference,answer/fr,supports,endorsements/total_count,comments,attachments,followers,published_at,answered_at,url,author/id,author/name\n"+
		"11,3,Mobilité,,1,5,Vélos,Bikes,Plus de vélos,accepted,REF-11,Oui,12,3,2,0,4,2026-10-01 09:00:00 +0200,2026-10-10 10:00:00 +0200,https://x/11,77,Ana\n"+
		"12,,,9,1,5,Bancs,,Des bancs,,REF-12,,0,0,0,0,0,2026-10-02T10:00:00+02:00,,https://x/12,78,Léo\n"+
		"13,,,,1,5,Eau,,Fontaines,evaluating,REF-13,,0,0,0,0,0,2026-10-03T10:00:00+02:00,,https://x/13,79,Zoé\n"+
		"14,,,,1,5,Non,,Non,rejected,REF-14,,0,0,0,0,0,2026-10-03T10:00:00+02:00,2026-10-04T10:00:00+02:00,https://x/14,79,Zoé\n"+
		"15,,,,1,5,Retrait,,R,withdrawn,REF-15,,0,0,0,0,0,2026-10-03T10:00:00+02:00,,https://x/15,79,Zoé\n")
	res := mustLoad(t, db, props, Options{Mapping: "decidim-proposals"})
	if res.Loaded != 5 {
		t.Fatalf("decidim proposals: %s", res.Summary())
	}
	got := dump(t, db, "ideas")
	for _, want := range []string{"11|GROUP|77|idea|Vélos|2026-10-01T07:00:00Z|retained|2026-10-10T08:00:00Z|", "Mobilité", "12|9|78|idea|Bancs|", "|submitted|", "|in_review|", "|rejected|", "|withdrawn|"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	comments := testfixture.WriteFile(t, dir, "comments.csv", "id,created_at,body,locale,author/id,author/name,alignment,depth,user_group/id,user_group/name,commentable_id,commentable_type,root_commentable_url\n"+
		"501,2026-10-02T12:00:00+02:00,Bien,fr,77,Ana,0,0,,,11,Decidim::Proposals::Proposal,https://x/11\n")
	res = mustLoad(t, db, comments, Options{Mapping: "decidim-comments"})
	if res.Loaded != 1 || !strings.Contains(dump(t, db, "comments"), "501|11|77|2026-10-02T10:00:00Z|") {
		t.Fatalf("decidim comments: %s\n%s", res.Summary(), dump(t, db, "comments"))
	}
}

func TestReaderNeverSeesHalfAFile(t *testing.T) {
	db := openDB(t)
	const n = 60000
	var b bytes.Buffer
	b.WriteString("person_id,occurred_at,action\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "p%d,2026-10-01 %02d:%02d:%02d,visit\n", i%500, i/3600%24, i/60%60, i%60)
	}
	path := testfixture.WriteFile(t, t.TempDir(), "activity.csv", b.String())
	var wg sync.WaitGroup
	var done atomic.Bool
	var seen, polls atomic.Int64
	var bad atomic.Int64
	bad.Store(-1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !done.Load() {
			var c int64
			if err := db.SQL().QueryRow("SELECT count(*) FROM activity").Scan(&c); err != nil {
				t.Error(err)
				return
			}
			polls.Add(1)
			if c != 0 && c != n {
				bad.Store(c)
			}
			if c == n {
				seen.Add(1)
			}
		}
	}()
	res := mustLoad(t, db, path, Options{})
	done.Store(true)
	wg.Wait()
	if res.Loaded != n {
		t.Fatalf("loaded %d", res.Loaded)
	}
	if v := bad.Load(); v >= 0 {
		t.Fatalf("a reader saw %d rows of %d", v, n)
	}
	if polls.Load() == 0 {
		t.Fatal("the reader never ran")
	}
}

func TestSummaryLine(t *testing.T) {
	r := Result{File: "ideas.csv", Rows: 1200, Loaded: 1198, Rejected: 2}
	if got := r.Summary(); got != "ideas.csv: 1200 rows, 1198 loaded, 2 rejected" {
		t.Fatal(got)
	}
}

func TestByteOrderMarkIsDroppedWhateverTheEncoding(t *testing.T) {
	body := "Identifiant;Site;Rôle;Nom affiché\r\np1;LYON;Équipe cœur;René\r\n"
	cp, err := charmap.Windows1252.NewEncoder().String(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, content string }{
		{"UTF-8", body},
		{"UTF-8 with a BOM", "\uFEFF" + body},
		{"Windows-1252", cp},
		// Some tools put a UTF-8 BOM before Windows-1252 text: the BOM was
		// decoded as "ï»¿" and the first header (Identifiant) was lost.
		{"Windows-1252 after a UTF-8 BOM", "\uFEFF" + cp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			res := mustLoad(t, db, testfixture.WriteFile(t, t.TempDir(), "personnes.csv", tc.content), Options{})
			if len(res.Ignored) != 0 {
				t.Fatalf("ignored columns %q", res.Ignored)
			}
			if got := dump(t, db, "people"); !strings.Contains(got, "p1|LYON|core_team|René|") {
				t.Fatalf("got\n%s", got)
			}
		})
	}
}

func TestDateOrderDecidesTheDayAndTheHint(t *testing.T) {
	for _, tc := range []struct {
		name, order, value, want, reject string
	}{
		{"day first by default", "", "05/03/2026", "2026-03-05", ""},
		{"month first", "mdy", "05/03/2026", "2026-05-03", ""},
		{"day first refuses a month 15", "dmy", "11/15/2026", "",
			"votes.csv:2: voted_at: 11/15/2026: not a date-time (want yyyy-mm-dd HH:MM[:SS][+hh:mm], dd/mm/yyyy [HH:MM[:SS]])"},
		// The hint used to say dd/mm/yyyy under --date-order mdy.
		{"month first refuses a month 15 and says mm/dd", "mdy", "15/11/2026", "",
			"votes.csv:2: voted_at: 15/11/2026: not a date-time (want yyyy-mm-dd HH:MM[:SS][+hh:mm], mm/dd/yyyy [HH:MM[:SS]])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			path := testfixture.WriteFile(t, t.TempDir(), "votes.csv", "idea_id,voter_id,voted_at\nI1,p1,"+tc.value+"\n")
			res, err := LoadFile(context.Background(), db, path, Options{DateOrder: tc.order})
			if tc.reject != "" {
				if !errors.Is(err, ErrRejected) || len(res.Rejects) != 1 || res.Rejects[0].Message(res.File) != tc.reject {
					t.Fatalf("want %s, got %v %+v", tc.reject, err, res.Rejects)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var day string
			if err := db.SQL().QueryRow(`SELECT strftime(voted_at, '%Y-%m-%d') FROM votes`).Scan(&day); err != nil {
				t.Fatal(err)
			}
			if day != tc.want {
				t.Fatalf("day %s, want %s", day, tc.want)
			}
		})
	}
}

func TestMappingNamedWithoutExtensionIsReadFromTheCurrentFolder(t *testing.T) {
	dir := t.TempDir()
	testfixture.WriteFile(t, dir, "maplateforme", "dataset: votes\ncolumns:\n  voter_id: {from: qui}\n")
	t.Chdir(dir)
	for _, tc := range []struct{ name, mapping, dataset, err string }{
		{"a shipped name", "consul-proposals", "ideas", ""},
		{"a file without extension", "maplateforme", "votes", ""},
		{"neither", "nulle-part", "", "no such shipped mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := LoadMapping(tc.mapping)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil || m.Dataset != tc.dataset {
				t.Fatalf("got %+v %v", m, err)
			}
		})
	}
}
