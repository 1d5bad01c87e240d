package queries

import (
	"context"
	"database/sql/driver"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func restoreAt(t *testing.T, dir string) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "restored.duckdb")
	if _, err := Restore(context.Background(), dir, path); err != nil {
		t.Fatal(err)
	}
	return openWith(t, Options{Path: path})
}

// TestBackupDuringALoadRestoresBeforeOrAfterItNeverBetween takes a backup
// while a load's transaction holds appended, merged rows (deterministically:
// between the loader's appends and its commit), another after the commit,
// and restores both: every KPI and page answer equals the database's
// before the load, then after it.
func TestBackupDuringALoadRestoresBeforeOrAfterItNeverBetween(t *testing.T) {
	data := genDerivedData(t)
	ctx := context.Background()
	db := openTest(t)
	votes := data.final["votes"]
	for name, rows := range data.final {
		if name == "votes" {
			continue
		}
		if len(rows) > 0 {
			loadRows(t, db, name, rows...)
		}
	}
	before := derivedAnswers(t, db)

	ds, _ := LookupDataset("votes")
	l, err := db.NewLoader(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range votes {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	during := filepath.Join(t.TempDir(), "during")
	if _, err := db.Backup(ctx, during); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Commit(ctx, LoadInfo{File: "votes.csv", StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	after := derivedAnswers(t, db)
	if reflect.DeepEqual(before, after) {
		t.Fatal("the votes file changes nothing: the test would prove nothing")
	}
	afterDir := filepath.Join(t.TempDir(), "after")
	m, err := db.Backup(ctx, afterDir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows["votes"] == 0 || m.SchemaVersion < 9 {
		t.Fatalf("manifest: %+v", m)
	}
	compareAnswers(t, "backup taken during the load", derivedAnswers(t, restoreAt(t, during)), before)
	compareAnswers(t, "backup taken after the load", derivedAnswers(t, restoreAt(t, afterDir)), after)
}

func TestRestoreRefusesADamagedBackupAndAnExistingDatabase(t *testing.T) {
	db := openTest(t)
	loadRows(t, db, "sites", []driver.Value{"LYON", "Lyon", nil, int64(10)})
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "bk")
	if _, err := db.Backup(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Backup(ctx, dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("backup into a used folder: %v", err)
	}
	if _, err := Restore(ctx, dir, db.Path()); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("restore over a database: %v", err)
	}
	// A manifest that disagrees with the files: refused, nothing left.
	b, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(strings.Replace(string(b), `"sites": 1`, `"sites": 2`, 1)), 0o600)
	target := filepath.Join(t.TempDir(), "r.duckdb")
	if _, err := Restore(ctx, dir, target); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged backup: %v", err)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a refused restore left a database behind")
	}
}
