package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"relais/queries"
)

// zipEntry is a member to write: its name and content.
type zipEntry struct{ name, content string }

func writeZip(t testing.TB, path string, entries ...zipEntry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadZip(t testing.TB, db *queries.DB, path string, opts Options) ([]Result, []error) {
	t.Helper()
	var results []Result
	var errs []error
	err := LoadPath(context.Background(), db, path, opts, func(r Result, err error) error {
		results = append(results, r)
		errs = append(errs, err)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return results, errs
}

func readFixture(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(realFixture(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestZipOfRealExportsLoadsEachMemberInDatasetOrder(t *testing.T) {
	proposals := "decidim-brasilparticipativo/brasilparticipativo.presidencia.gov.br-open-data-proposals.csv"
	gencat := "decidim-participa-gencat/participa.gencat.cat-open-data-proposal_comments.csv"
	barcelona := "decidim-barcelona/www.decidim.barcelona-open-data-meeting_comments.csv"
	dir := t.TempDir()
	archive := writeZip(t, filepath.Join(dir, "open-data.zip"),
		zipEntry{"open-data/" + filepath.Base(gencat), readFixture(t, gencat)},
		zipEntry{"README.txt", "not data"},
		zipEntry{"open-data/" + filepath.Base(proposals), readFixture(t, proposals)},
		zipEntry{filepath.Base(barcelona), readFixture(t, barcelona)},
		zipEntry{"sites.csv", "site_id,name\nGROUP,Groupe\n"},
	)
	db := openDB(t)
	results, errs := loadZip(t, db, archive, Options{Name: "open-data.zip"})
	var got []string
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("%s: %v", r.File, errs[i])
		}
		got = append(got, r.File+" "+r.Dataset)
	}
	want := []string{
		"open-data.zip/sites.csv sites",
		"open-data.zip/open-data/" + filepath.Base(proposals) + " ideas",
		"open-data.zip/open-data/" + filepath.Base(gencat) + " comments",
		"open-data.zip/" + filepath.Base(barcelona) + " comments",
		"open-data.zip/README.txt ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("members:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if results[4].Skipped == "" || !strings.Contains(results[4].Summary(), "skipped") {
		t.Fatalf("README.txt: %s", results[4].Summary())
	}
	nProposals := len(readRecords(t, realFixture(t, proposals), ';'))
	nComments := len(readRecords(t, realFixture(t, gencat), ',')) + len(readRecords(t, realFixture(t, barcelona), ';'))
	if n := count(t, db, "ideas"); n != int64(nProposals) {
		t.Fatalf("ideas: %d, want %d", n, nProposals)
	}
	if n := count(t, db, "comments"); n != int64(nComments) {
		t.Fatalf("comments: %d, want %d", n, nComments)
	}
	var loads int64
	if err := db.SQL().QueryRow(`SELECT count(*) FROM ingest_log`).Scan(&loads); err != nil {
		t.Fatal(err)
	}
	if loads != 4 {
		t.Fatalf("%d transactions logged, want one per member (4)", loads)
	}
}

func TestZipWithAPathOrABombIsRefusedAndLoadsNothing(t *testing.T) {
	dir := t.TempDir()
	sites := zipEntry{"sites.csv", "site_id,name\nLYON,Lyon\n"}
	big := zipEntry{"ideas.csv", ideasHeader + "\n" + strings.Repeat("I1,LYON,,idea,T,2026-10-01,submitted,,,,,,,,\n", 20000)}
	for _, tc := range []struct {
		name    string
		entries []zipEntry
		limit   int64
		want    string
	}{
		{"parent", []zipEntry{sites, {"../x.csv", "site_id,name\nX,X\n"}}, 0, `"../x.csv" is a path out of the archive`},
		{"nested parent", []zipEntry{sites, {"a/../../x.csv", "site_id,name\nX,X\n"}}, 0, "path out of the archive"},
		{"absolute", []zipEntry{sites, {"/etc/sites.csv", "site_id,name\nX,X\n"}}, 0, "path out of the archive"},
		{"bomb", []zipEntry{sites, big}, 64 << 10, "past the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			archive := writeZip(t, filepath.Join(dir, tc.name+".zip"), tc.entries...)
			db := openDB(t)
			results, errs := loadZip(t, db, archive, Options{Limits: Limits{ZipBytes: tc.limit}})
			if len(results) != 1 || !errors.Is(errs[0], ErrRefused) || !strings.Contains(errs[0].Error(), tc.want) {
				t.Fatalf("got %d results, %v; want one refusal saying %q", len(results), errs, tc.want)
			}
			if n := count(t, db, "sites"); n != 0 {
				t.Fatalf("%d sites loaded from a refused archive", n)
			}
		})
	}
}

func TestZipMemberLyingAboutItsSizeIsRefusedByTheBytesRead(t *testing.T) {
	content := []byte("site_id,name\n" + strings.Repeat("LYON,Lyon\n", 100000))
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(content)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "sites.csv", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(content),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 100, // a lie
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	archive := filepath.Join(t.TempDir(), "liar.zip")
	if err := os.WriteFile(archive, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	_, errs := loadZip(t, db, archive, Options{Limits: Limits{ZipBytes: 64 << 10}})
	if len(errs) != 1 || !errors.Is(errs[0], ErrRefused) || !strings.Contains(errs[0].Error(), "more than the archive declares") {
		t.Fatalf("got %v", errs)
	}
	if n := count(t, db, "sites"); n != 0 {
		t.Fatalf("%d sites loaded", n)
	}
}
