package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func runExport(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCommand(t, "export", args...)
}

func TestExportWritesTheWorkbookOfTheAsOfDate(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	out := filepath.Join(t.TempDir(), "kpis.xlsx")
	code, _, stderr := runExport(t, "--db", dbPath, "--config", cfg, "--as-of", "2026-11-30", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), "|"); got != "Synthèse|Sites|Tendances|Comité|Décisions|Indicateurs du groupe|Indicateurs par site|Qualité des données" {
		t.Errorf("sheets %s", got)
	}
	if v, _ := f.GetCellValue("Synthèse", "C2"); v != "30/11/2026" {
		t.Errorf("as-of date %q", v)
	}
	if v, _ := f.GetCellValue("Indicateurs par site", "A2"); v == "" {
		t.Error("no site on the site indicators")
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestExportWritesFrenchHeadersByDefaultAndEnglishOnRequest(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	header := func(lang ...string) string {
		out := filepath.Join(t.TempDir(), "kpis.xlsx")
		args := append([]string{"--db", dbPath, "--config", cfg, "--as-of", "2026-11-30", "--out", out}, lang...)
		if code, _, stderr := runExport(t, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		row, err := f.GetRows("Sites")
		if err != nil || len(row) == 0 {
			t.Fatalf("sites sheet: %v", err)
		}
		return strings.Join(row[0], "|")
	}
	fr, en := header(), header("--lang", "en")
	if fr == en || !strings.Contains(en, "Headcount") || !strings.Contains(fr, "Effectif") {
		t.Errorf("headers\nfr %s\nen %s", fr, en)
	}
}

func TestExportRefusesBadUsageWithExit1(t *testing.T) {
	dbPath, _ := kpiTestDB(t)
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no out", []string{"--db", dbPath}, "--out"},
		{"not xlsx", []string{"--db", dbPath, "--out", filepath.Join(dir, "k.csv")}, ".xlsx"},
		{"bad date", []string{"--db", dbPath, "--as-of", "30/11/2026", "--out", filepath.Join(dir, "k.xlsx")}, "--as-of"},
		{"bad language", []string{"--db", dbPath, "--lang", "de", "--out", filepath.Join(dir, "k.xlsx")}, "--lang"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runExport(t, c.args...)
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "k.xlsx")); err == nil {
		t.Error("a workbook was written despite the usage error")
	}
}
