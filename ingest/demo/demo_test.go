package demo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"relais/ingest/demo"
	"relais/internal/testfixture"
)

var asOf = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// write writes a demo into a fresh temp folder.
func write(t testing.TB, scale string, seed int64) (string, demo.Summary) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	sum, err := demo.Write(context.Background(), demo.Options{Dir: dir, Scale: scale, Seed: seed, AsOf: asOf, Location: testfixture.Paris(t)})
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestSameSeedAndAsOfWriteIdenticalBytes(t *testing.T) {
	a, sumA := write(t, demo.ScaleSmall, 7)
	b, sumB := write(t, demo.ScaleSmall, 7)
	fa, fb := readDir(t, a), readDir(t, b)
	if len(fa) != len(sumA.Files)+1 {
		t.Fatalf("folder holds %d files, summary lists %d exports and a config", len(fa), len(sumA.Files))
	}
	for name, content := range fa {
		if !bytes.Equal(content, fb[name]) {
			t.Errorf("%s differs between two runs with the same seed and as-of date", name)
		}
	}
	if len(sumA.Files) != len(sumB.Files) {
		t.Fatalf("summaries differ: %v vs %v", sumA, sumB)
	}
}

func TestDifferentSeedsOrDatesWriteDifferentFiles(t *testing.T) {
	a, _ := write(t, demo.ScaleSmall, 1)
	b, _ := write(t, demo.ScaleSmall, 2)
	fa, fb := readDir(t, a), readDir(t, b)
	for _, name := range []string{"people.csv", "idees.csv", "votes.csv", "comments.csv", "activity.csv", "enquetes.xlsx"} {
		if bytes.Equal(fa[name], fb[name]) {
			t.Errorf("%s is the same for seeds 1 and 2", name)
		}
	}
}

// datasetWords are the dataset names docs/data.md infers from a file name.
var datasetWords = map[string]string{
	"sites": "sites", "people": "people", "personnes": "people", "ideas": "ideas", "idees": "ideas",
	"votes": "votes", "comments": "comments", "commentaires": "comments", "activity": "activity",
	"activite": "activity", "challenges": "challenges", "defis": "challenges", "surveys": "surveys",
	"enquetes": "surveys", "decisions": "decisions",
}

func TestEveryFileNamesExactlyOneDatasetAndAllNineAreWritten(t *testing.T) {
	dir, sum := write(t, demo.ScaleSmall, 1)
	seen := map[string]bool{}
	for _, f := range sum.Files {
		base := strings.TrimSuffix(f.Name, filepath.Ext(f.Name))
		var found []string
		for _, w := range strings.FieldsFunc(base, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if ds, ok := datasetWords[strings.ToLower(w)]; ok {
				found = append(found, ds)
			}
		}
		if len(found) != 1 || found[0] != f.Dataset {
			t.Errorf("%s: dataset words %v, want exactly [%s]", f.Name, found, f.Dataset)
		}
		if ext := filepath.Ext(f.Name); ext != ".csv" && ext != ".xlsx" {
			t.Errorf("%s: extension %s, want .csv or .xlsx", f.Name, ext)
		}
		if seen[f.Dataset] {
			t.Errorf("dataset %s written twice", f.Dataset)
		}
		seen[f.Dataset] = true
		st, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil || st.Size() != f.Bytes || f.Rows <= 0 {
			t.Errorf("%s: summary says %d bytes, %d rows; stat %v %v", f.Name, f.Bytes, f.Rows, st, err)
		}
	}
	if len(seen) != 9 {
		t.Errorf("datasets written: %v, want the nine", seen)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, sum.Config))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"timezone: Europe/Paris", "start: 2026-09-17", "kpi: sites_with_active_ambassador_share", "target: 0.60", "kpi: ideas_per_site_median", "kpi: decision_delay_reduction", "target: 0.30"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("relais.yaml lacks %q:\n%s", want, cfg)
		}
	}
}

func TestFrenchIdeasFileIsWindows1252WithFrenchHeadersAndWords(t *testing.T) {
	dir, _ := write(t, demo.ScaleSmall, 1)
	raw, err := os.ReadFile(filepath.Join(dir, "idees.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if utf8.Valid(raw) {
		t.Fatal("idees.csv is valid UTF-8, want Windows-1252")
	}
	text, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	if !strings.HasPrefix(s, "Idée;Site;Auteur;Type;Titre;Statut;Date de création;Date de décision;Date de mise en œuvre;Impact;Faisabilité;Défi;Thème;Résout;Réplique\r\n") {
		t.Errorf("header: %q", s[:min(len(s), 200)])
	}
	for _, word := range []string{";Retenue;", ";Refusée;", ";Reportée;", ";Soumise;", ";En étude;", ";Réalisée;", ";Irritant;", ";Bonne pratique;", "Réduire", "Environnement"} {
		if !strings.Contains(s, word) {
			t.Errorf("idees.csv lacks %q", word)
		}
	}
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		if _, err := time.Parse("02/01/2006 15:04", rec[6]); err != nil {
			t.Fatalf("created_at %q: %v", rec[6], err)
		}
	}
}

func TestSurveysWorkbookHasDateCells(t *testing.T) {
	dir, sum := write(t, demo.ScaleSmall, 1)
	x, err := excelize.OpenFile(filepath.Join(dir, "enquetes.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := x.GetSheetName(0)
	rows, err := x.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], "|"); got != "Identifiant|Date de réponse|Note" {
		t.Errorf("header %q", got)
	}
	var want int64
	for _, f := range sum.Files {
		if f.Dataset == "surveys" {
			want = f.Rows
		}
	}
	if int64(len(rows)-1) != want || want < 20 {
		t.Fatalf("%d data rows, summary says %d (want at least 20)", len(rows)-1, want)
	}
	styled, err := x.GetCellStyle(sheet, "B2")
	if err != nil {
		t.Fatal(err)
	}
	st, err := x.GetStyle(styled)
	if err != nil || st.CustomNumFmt == nil || !strings.Contains(*st.CustomNumFmt, "yyyy") {
		t.Errorf("B2 style %+v (%v), want a date format", st, err)
	}
	for i, row := range rows[1:] {
		serial, err := excelize.ExcelDateToTime(mustFloat(t, row[1]), false)
		if err != nil || serial.Before(asOf.AddDate(0, 0, -120)) || !serial.Before(asOf.AddDate(0, 0, 1)) {
			t.Fatalf("row %d: date cell %q -> %v %v, want within the last 120 days", i+2, row[1], serial, err)
		}
		if n := mustFloat(t, row[2]); n < 0 || n > 10 {
			t.Fatalf("row %d: score %v", i+2, n)
		}
	}
}

func mustFloat(t testing.TB, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	return testfixture.ReadCSV(t, path, ',')
}

func TestSmallScaleCountsAreInTheDocumentedRanges(t *testing.T) {
	dir, sum := write(t, demo.ScaleSmall, 1)
	rows := map[string]int64{}
	for _, f := range sum.Files {
		rows[f.Dataset] = f.Rows
	}
	ranges := []struct {
		dataset  string
		min, max int64
	}{
		{"sites", 12, 12}, {"people", 2700, 3300}, {"ideas", 1000, 1400}, {"votes", 8000, 20000},
		{"comments", 2500, 7000}, {"activity", 70_000, 140_000}, {"challenges", 4, 20}, {"surveys", 20, 200}, {"decisions", 500, 2000},
	}
	for _, r := range ranges {
		if rows[r.dataset] < r.min || rows[r.dataset] > r.max {
			t.Errorf("%s: %d rows, want %d-%d", r.dataset, rows[r.dataset], r.min, r.max)
		}
	}
	sites := readCSV(t, filepath.Join(dir, "sites.csv"))
	if !strings.HasPrefix(sites[0][0], "\ufeff") {
		t.Errorf("sites.csv has no UTF-8 byte-order mark")
	}
	people := map[string]int{}
	ambassadors := map[string]int{}
	roles := map[string]int{}
	for _, rec := range readCSV(t, filepath.Join(dir, "people.csv"))[1:] {
		people[rec[1]]++
		roles[rec[2]]++
		if rec[2] == "ambassador" {
			ambassadors[rec[1]]++
		}
	}
	for _, s := range sites[1:] {
		id := s[0]
		ratio := float64(people[id]) / float64(ambassadors[id])
		if ambassadors[id] == 0 || ratio < 50 || ratio > 150 {
			t.Errorf("%s: %d people, %d ambassadors (one per %.0f), want one per 50-150", id, people[id], ambassadors[id], ratio)
		}
	}
	if roles["sponsor"] < 1 || roles["sponsor"] > 2 || roles["core_team"] < 3 {
		t.Errorf("roles %v: want one or two sponsors and a core team", roles)
	}
}

func TestUnknownScaleIsRefused(t *testing.T) {
	_, err := demo.Write(context.Background(), demo.Options{Dir: t.TempDir(), Scale: "huge", AsOf: asOf})
	if !errors.Is(err, demo.ErrScale) {
		t.Fatalf("err = %v, want ErrScale", err)
	}
}

// BenchmarkWrite writes a demo per iteration; DEMO_BENCH_SCALE picks the
// scale (default small). `make bench` runs it once (-benchtime 1x).
func BenchmarkWrite(b *testing.B) {
	scale := os.Getenv("DEMO_BENCH_SCALE")
	if scale == "" {
		scale = demo.ScaleSmall
	}
	for b.Loop() {
		dir := b.TempDir()
		sum, err := demo.Write(context.Background(), demo.Options{Dir: dir, Scale: scale, Seed: 1, AsOf: asOf, Location: testfixture.Paris(b)})
		if err != nil {
			b.Fatal(err)
		}
		var rows, size int64
		for _, f := range sum.Files {
			rows += f.Rows
			size += f.Bytes
		}
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(size)/1e6, "MB")
	}
}
