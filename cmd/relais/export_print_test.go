package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"relais/internal/testfixture"
)

// sofficePath finds LibreOffice. In CI (CI=true) a missing soffice fails
// the test: the print check must not pass by skipping.
func sofficePath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("soffice"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("soffice is not installed (CI installs Debian's libreoffice-calc): the print check cannot run")
	}
	t.Skip("soffice is not installed")
	return ""
}

// pdfPage finds a page object of a PDF (not the /Pages tree nodes).
var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// pdfPages counts the pages of a PDF file.
func pdfPages(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(pdfPage.FindAll(b, -1))
}

// codeInCell finds a snake_case word (site_id, in_review) or a raw boolean.
var codeInCell = regexp.MustCompile(`\b[a-z0-9]+_[a-z0-9_]+\b|\b(true|false|null|dangling)\b`)

// assertNoCodeInCells walks every cell of a workbook for an internal code:
// the medium demo's workbook has real titles, reasons and file names.
func assertNoCodeInCells(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				if m := codeInCell.FindString(v); m != "" {
					t.Errorf("%s %s row %d column %d: %q holds %q", filepath.Base(path), sheet, r+1, c+1, v, m)
				}
			}
		}
	}
}

// onlySheet writes a copy of a workbook that keeps one sheet.
func onlySheet(t *testing.T, src, sheet, dst string) {
	t.Helper()
	f, err := excelize.OpenFile(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, s := range f.GetSheetList() {
		if s != sheet {
			if err := f.DeleteSheet(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SaveAs(dst); err != nil {
		t.Fatal(err)
	}
}

// TestWorkbookOfTheMediumDemoPrintsOnFortyPagesWithTheSummaryOnOne builds
// the medium demo, exports its workbook in both languages (no internal code
// in any cell), and prints them
// to PDF with LibreOffice (as a sponsor's "print the workbook" does): each
// on at most 40 pages, the Summary sheet alone on one in either language. The PDFs are kept in
// the test's artifact directory.
func TestWorkbookOfTheMediumDemoPrintsOnFortyPagesWithTheSummaryOnOne(t *testing.T) {
	soffice := sofficePath(t)
	if testing.Short() {
		t.Skip("builds the medium demo")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "demo")
	if code, _, stderr := runCommand(t, "demo", "--config", "/dev/null", "--out", data, "--scale", "medium", "--as-of", "2026-11-26"); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	db, cfg := filepath.Join(dir, "m.duckdb"), filepath.Join(data, "relais.yaml")
	args := append([]string{"--db", db, "--config", cfg}, testfixture.DemoFiles(data)...)
	if code, _, stderr := runCommand(t, "ingest", args...); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	var books []string
	for _, lang := range []string{"fr", "en"} {
		out := filepath.Join(dir, "relais-"+lang+".xlsx")
		if code, _, stderr := runCommand(t, "export", "--db", db, "--config", cfg, "--as-of", "2026-11-26", "--lang", lang, "--out", out); code != 0 {
			t.Fatalf("export %s: exit %d: %s", lang, code, stderr)
		}
		books = append(books, out)
	}
	for _, book := range books {
		assertNoCodeInCells(t, book)
	}
	summaries := []string{filepath.Join(dir, "summary-fr.xlsx"), filepath.Join(dir, "summary-en.xlsx")}
	onlySheet(t, books[0], "Synthèse", summaries[0])
	onlySheet(t, books[1], "Summary", summaries[1])

	pdfDir := t.ArtifactDir()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	// A private profile: parallel runs of soffice do not share one.
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "soffice-profile")
	cmd := exec.CommandContext(ctx, soffice, append([]string{profile, "--headless", "--norestore",
		"--convert-to", "pdf", "--outdir", pdfDir}, append(books, summaries...)...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	t.Logf("LibreOffice converted the four workbooks in %s (%s of CPU)", time.Since(start).Round(100*time.Millisecond), cpu.Round(100*time.Millisecond))

	var report []string
	for _, book := range append(books, summaries...) {
		pdf := filepath.Join(pdfDir, strings.TrimSuffix(filepath.Base(book), ".xlsx")+".pdf")
		n := pdfPages(t, pdf)
		report = append(report, fmt.Sprintf("%s %d", filepath.Base(pdf), n))
		switch {
		case strings.HasPrefix(filepath.Base(book), "summary") && n != 1:
			t.Errorf("the Summary sheet prints on %d pages, want 1", n)
		case n == 0 || n > 40:
			t.Errorf("%s prints on %d pages, want 1 to 40", filepath.Base(book), n)
		}
	}
	t.Logf("pages: %s (PDFs in %s)", strings.Join(report, ", "), pdfDir)
}
