package main

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"relais/internal/testfixture"
)

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestDryRunReportsEveryFileAndLeavesTheDatabaseByteIdentical(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return testfixture.WriteFile(t, dir, name, content) }
	db := filepath.Join(dir, "t.duckdb")
	sites := write("sites.csv", "site_id,name,headcount\nLYON,Lyon,1 200\n")
	if code, out, errb := runIngest(t, "--db", db, sites); code != 0 {
		t.Fatalf("setup: %d %s %s", code, out, errb)
	}
	ideas := write("ideas.csv", "idea_id,site_id,title,created_at,status,colour\nI1,LYON,T,hier,submitted,red\nI2,LYON,T,2026-10-01,submitted,blue\n")
	for _, held := range []bool{false, true} {
		if held {
			holdDatabase(t, db, "serve")
		}
		before := fileHash(t, db)
		code, out, errb := runIngest(t, "--db", db, "--dry-run", "--skip-invalid", ideas, sites)
		if code != 2 {
			t.Fatalf("held %v: exit %d (a rejected row: want 2)\n%s\n%s", held, code, out, errb)
		}
		for _, want := range []string{
			"dataset: ideas", "mapping: none", "title *", "<- title (header)", "decided_at", "ignored: colour",
			"rows: 2 read, 1 valid, 1 rejected", ideas + ":2: created_at: hier:", "dataset: sites", "nothing was written",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("held %v: output lacks %q:\n%s", held, want, out)
			}
		}
		if fileHash(t, db) != before {
			t.Fatalf("held %v: the dry run changed the database file", held)
		}
		if _, err := os.Stat(ideas + ".rejects.csv"); !os.IsNotExist(err) {
			t.Fatalf("held %v: a dry run wrote a rejects file: %v", held, err)
		}
	}
}
