package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/xuri/excelize/v2"

	"relais/internal/testfixture"
	"relais/queries"
)

// The child process of the memory tests: it loads one file into one
// database and prints what became of it. It runs only when the parent
// (runLoadInChild) starts the test binary with these variables set.
func TestLoadFileInAChildProcess(t *testing.T) {
	path, dbPath := os.Getenv("RELAIS_TEST_CHILD_FILE"), os.Getenv("RELAIS_TEST_CHILD_DB")
	if path == "" || dbPath == "" {
		t.Skip("run by the memory tests in a child process")
	}
	db, err := queries.Open(context.Background(), queries.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := LoadFile(context.Background(), db, path, Options{})
	out := childOutcome{File: res.File, Rows: res.Rows, Loaded: res.Loaded, Summary: res.Summary()}
	if err != nil {
		out.Err = err.Error()
		out.Refused = errors.Is(err, ErrRefused)
	}
	// The peak of this process's own memory: the kernel's rusage of a
	// child also counts the parent's peak at the fork (the high-water
	// mark survives exec).
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Sscanf(strings.TrimSpace(v), "%d kB", &out.PeakKiB)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		t.Fatal(err)
	}
}

type childOutcome struct {
	File, Summary, Err string
	Refused            bool
	Rows, Loaded       int64
	PeakKiB            int64
}

// runLoadInChild loads path into the database at dbPath in a child
// process and returns the outcome and the child's peak resident memory in
// bytes.
func runLoadInChild(t *testing.T, dbPath, path string) (childOutcome, int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadFileInAChildProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "RELAIS_TEST_CHILD_FILE="+path, "RELAIS_TEST_CHILD_DB="+dbPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var out childOutcome
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(line, "{") {
			if err := json.Unmarshal([]byte(line), &out); err != nil {
				t.Fatal(err)
			}
		}
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatal("no resource usage for the child")
	}
	// ru_maxrss (KiB on Linux) is the larger of the child's peak and this
	// process's at the fork; the child's VmHWM is its own peak: that one
	// is checked, both are logged.
	t.Logf("child: VmHWM %d MB, ru_maxrss %d MB", out.PeakKiB>>10, ru.Maxrss>>10)
	if out.PeakKiB == 0 {
		t.Fatal("the child did not report its peak memory")
	}
	return out, out.PeakKiB << 10
}

// part is one zip entry of a generated file: head, then pattern repeated
// until the part holds size bytes, then tail. declared, when set, is the
// size the zip claims instead.
type part struct {
	name          string
	head, pattern string
	size          int64
	tail          string
	declared      int64
}

// deflateBlock compresses b into deflate blocks that end with a sync
// flush: they refer to nothing before them, so that they can be repeated,
// and one compressed MiB stands for any number of them.
func deflateBlock(t *testing.T, b []byte, final bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if final {
		err = w.Close()
	} else {
		err = w.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writePart writes p into zw as a deflated entry without ever holding its
// expanded bytes: a GiB costs a few MB of file and a second of CPU.
func writePart(t *testing.T, zw *zip.Writer, p part) {
	t.Helper()
	chunk := []byte(strings.Repeat(p.pattern, max(1, (1<<20)/len(p.pattern))))
	body := p.size - int64(len(p.head)) - int64(len(p.tail))
	n := body / int64(len(chunk))
	last := chunk[:body%int64(len(chunk))]
	last = last[:len(last)-len(last)%len(p.pattern)]
	size := int64(len(p.head)) + n*int64(len(chunk)) + int64(len(last)) + int64(len(p.tail))
	crc := crc32.Update(0, crc32.IEEETable, []byte(p.head))
	for i := int64(0); i < n; i++ {
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	crc = crc32.Update(crc, crc32.IEEETable, last)
	crc = crc32.Update(crc, crc32.IEEETable, []byte(p.tail))
	headZ, chunkZ, lastZ, tailZ := deflateBlock(t, []byte(p.head), false), deflateBlock(t, chunk, false), deflateBlock(t, last, false), deflateBlock(t, []byte(p.tail), true)
	compressed := int64(len(headZ)) + n*int64(len(chunkZ)) + int64(len(lastZ)) + int64(len(tailZ))
	declared := size
	if p.declared > 0 {
		declared = p.declared
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc, CompressedSize64: uint64(compressed), UncompressedSize64: uint64(declared)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(headZ)
	for i := int64(0); i < n; i++ {
		if _, err := w.Write(chunkZ); err != nil {
			t.Fatal(err)
		}
	}
	w.Write(lastZ)
	w.Write(tailZ)
}

// plainSitesWorkbook is the parts of a sites workbook (site_id, name; one
// row) as excelize writes it.
func plainSitesWorkbook(t *testing.T) *zip.Reader {
	t.Helper()
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"site_id", "name"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"LYON", "Lyon"})
	var plain bytes.Buffer
	if err := f.Write(&plain); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(plain.Bytes()), int64(plain.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

// sitesWorkbook writes a valid sites workbook (site_id, name; one row),
// with the parts given replacing or joining excelize's own.
func sitesWorkbook(t *testing.T, path string, parts ...part) {
	t.Helper()
	zr := plainSitesWorkbook(t)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	replaced := map[string]bool{}
	for _, p := range parts {
		replaced[p.name] = true
	}
	for _, e := range zr.File {
		if replaced[e.Name] {
			continue
		}
		w, err := zw.CreateRaw(&e.FileHeader)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := e.OpenRaw()
		io.Copy(w, r)
	}
	for _, p := range parts {
		writePart(t, zw, p)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>site_id</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c></row>`
	sheetTail  = `<row r="2"><c r="A2" t="inlineStr"><is><t>LYON</t></is></c><c r="B2" t="inlineStr"><is><t>Lyon</t></is></c></row></sheetData></worksheet>`
	stylesHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>`
	sstHead    = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
)

// maxChildRSS is what a load may cost, whatever the file.
const maxChildRSS = 300 << 20

// Every file here is a bomb of some shape: each is refused with a message
// that says which limit, the database is exactly as before, and the
// process that read it stays under 300 MB (not checked under -race).
func TestHostileFilesAreRefusedInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes files of up to 200 MB")
	}
	const gib = 1 << 30
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.duckdb")
	db, err := queries.Open(context.Background(), queries.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	mustLoad(t, db, testfixture.WriteFile(t, dir, "sites.csv", "site_id,name\nPARIS,Paris\n"), Options{})
	before := dump(t, db)
	db.Close()

	for _, tc := range []struct {
		name  string
		file  string
		write func(t *testing.T, path string)
		want  string
	}{
		{"styles.xml that expands to 2 GiB", "sites.xlsx", func(t *testing.T, path string) {
			sitesWorkbook(t, path, part{name: "xl/styles.xml", head: stylesHead, pattern: "<xf/>", size: 2 * gib, tail: "</cellXfs></styleSheet>"})
		}, "the workbook expands to more than 1 GiB once unzipped (xl/styles.xml declares 2 GiB"},
		{"sheet of 3 GiB of whitespace", "sites.xlsx", func(t *testing.T, path string) {
			sitesWorkbook(t, path, part{name: "xl/worksheets/sheet1.xml", head: sheetHead, pattern: " ", size: 3 * gib, tail: sheetTail})
		}, "expands to more than 1 GiB"},
		{"sheet of 900 MiB of whitespace, under the expanded limit", "sites.xlsx", func(t *testing.T, path string) {
			sitesWorkbook(t, path, part{name: "xl/worksheets/sheet1.xml", head: sheetHead, pattern: "\n", size: 900 << 20, tail: sheetTail})
		}, "xl/worksheets/sheet1.xml: a piece of XML (text or tag) of more than 4 MiB"},
		{"sharedStrings.xml that expands to 2 GiB", "sites.xlsx", func(t *testing.T, path string) {
			sitesWorkbook(t, path, part{name: "xl/sharedStrings.xml", head: sstHead, pattern: "<si><t>x</t></si>", size: 2 * gib, tail: "</sst>"})
		}, "xl/sharedStrings.xml declares 2 GiB"},
		{"two million shared strings", "sites.xlsx", func(t *testing.T, path string) {
			sitesWorkbook(t, path, part{name: "xl/sharedStrings.xml", head: sstHead, pattern: "<si><t>x</t></si>", size: 2_000_000 * 17, tail: "</sst>"})
		}, "xl/sharedStrings.xml: more than 1048576 shared strings"},
		{"sheet that declares 64 KiB and expands to 2 GiB", "sites.xlsx", func(t *testing.T, path string) {
			sitesWorkbook(t, path, part{name: "xl/worksheets/sheet1.xml", head: sheetHead, pattern: "<row/>", size: 2 * gib, tail: sheetTail, declared: 64 << 10})
		}, "expands beyond the size the zip declares for it"},
		{"row of 10 MiB", "sites.xlsx", func(t *testing.T, path string) {
			sitesWorkbook(t, path, part{name: "xl/worksheets/sheet1.xml", head: sheetHead + `<row r="2">`, pattern: `<c t="inlineStr"><is><t>x</t></is></c>`, size: 10 << 20, tail: `</row></sheetData></worksheet>`})
		}, "a row element of more than 4 MiB"},
		{"workbook of 300,000 empty parts", "sites.xlsx", func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			zw := zip.NewWriter(f)
			for i := 0; i < 300_000; i++ {
				if _, err := zw.CreateHeader(&zip.FileHeader{Name: "a", Method: zip.Store}); err != nil {
					t.Fatal(err)
				}
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
		}, "the workbook has 300000 parts, more than 10000"},
		{"unclosed quote in a 200 MB CSV", "ideas.csv", func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fmt.Fprintf(f, "%s\nI1,LYON,p1,idea,\"Titre ouvert,2026-10-01,submitted,,,,,,,,\n", ideasHeader)
			line := []byte("I2,LYON,p1,idea,Titre,2026-10-01,submitted,,,,,,,,\n")
			block := bytes.Repeat(line, (1<<20)/len(line))
			for i := 0; i < 200; i++ {
				if _, err := f.Write(block); err != nil {
					t.Fatal(err)
				}
			}
		}, "cannot read: line 2: column title: a field longer than 1 MiB (limit limits.field_bytes): a quote that never closes?"},
		{"50 MB header line", "ideas.csv", func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			block := []byte(strings.Repeat("col\x1b[31m,", 1<<17))
			for i := 0; i < 50; i++ {
				if _, err := f.Write(block); err != nil {
					t.Fatal(err)
				}
			}
			f.WriteString("x\n1\n")
		}, "cannot read the header: line 1: a record longer than 4 MiB (limit limits.record_bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			tc.write(t, path)
			out, rss := runLoadInChild(t, dbPath, path)
			t.Logf("peak RSS %d MB: %s", rss>>20, out.Summary)
			if !out.Refused || !strings.Contains(out.Err, tc.want) {
				t.Errorf("want a refusal containing %q, got %+v", tc.want, out)
			}
			if len(out.Err) > 2*maxMessageRunes || strings.ContainsAny(out.Err, "\x1b\r\n") {
				t.Errorf("the refusal is not bounded and escaped: %d bytes %q", len(out.Err), cutText(out.Err, 200))
			}
			if rss > maxChildRSS && !raceDetector {
				t.Errorf("peak RSS %d MB, want under %d MB", rss>>20, maxChildRSS>>20)
			}
			db, err := queries.Open(context.Background(), queries.Options{Path: dbPath})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if after := dump(t, db); after != before {
				t.Errorf("database changed:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

// loadsInBoundedMemory loads a sites workbook made of parts in a child
// process: its row loads, under maxChildRSS.
func loadsInBoundedMemory(t *testing.T, parts ...part) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a child process")
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.duckdb")
	db, err := queries.Open(context.Background(), queries.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	path := filepath.Join(dir, "sites.xlsx")
	sitesWorkbook(t, path, parts...)
	out, rss := runLoadInChild(t, dbPath, path)
	t.Logf("peak RSS %d MB: %s", rss>>20, out.Summary)
	if out.Err != "" || out.Loaded != 1 {
		t.Fatalf("want the row loaded, got %+v", out)
	}
	if rss > maxChildRSS && !raceDetector {
		t.Errorf("peak RSS %d MB, want under %d MB", rss>>20, maxChildRSS>>20)
	}
}

// A part that reading a sheet does not need (styles, themes, images) is
// never expanded: a workbook whose styles.xml holds 600 MiB of styles
// (tens of GB once parsed) loads its sheet in bounded memory.
func TestUnneededWorkbookPartsAreNeverExpanded(t *testing.T) {
	loadsInBoundedMemory(t, part{name: "xl/styles.xml", head: stylesHead, pattern: "<xf/>", size: 600 << 20, tail: "</cellXfs></styleSheet>"})
}

// The largest shared-string table the limits let through (1,048,576
// strings) loads in bounded memory.
func TestTheLargestSharedStringTableAllowedLoadsInBoundedMemory(t *testing.T) {
	// The sheet excelize writes refers to strings 0 to 3.
	head := sstHead + "<si><t>site_id</t></si><si><t>name</t></si><si><t>LYON</t></si><si><t>Lyon</t></si>"
	filler := "<si><t>x</t></si>"
	loadsInBoundedMemory(t, part{name: "xl/sharedStrings.xml", head: head, pattern: filler, size: int64(len(head)) + (xlsxSharedStrings-4)*int64(len(filler)) + 6, tail: "</sst>"})
}

func TestXMLScannerBoundsTokensRecordsAndNesting(t *testing.T) {
	b := xmlBounds{token: 64, record: 128, recordName: "row", records: 3, depth: 6, recordsAre: "rows"}
	for _, tc := range []struct{ name, xml, want string }{
		{"ordinary", `<?xml version="1.0"?><w:ws xmlns:w="x"><!-- a < comment --><w:sheetData><w:row r="1"><c a='>'><v>1</v></c></w:row><row/></w:sheetData></w:ws>`, ""},
		{"long text", "<a>" + strings.Repeat(" ", 65) + "</a>", "a piece of XML (text or tag) of more than 64 bytes at byte 3"},
		{"long tag", `<a b="` + strings.Repeat("x", 70) + `"/>`, "a piece of XML"},
		{"long comment with markup inside", "<!--" + strings.Repeat("<a>", 30) + "-->", "a piece of XML"},
		{"long CDATA", "<a><![CDATA[" + strings.Repeat("<", 70) + "]]></a>", "a piece of XML"},
		{"long row of short tokens", "<row>" + strings.Repeat("<c>1</c>", 20) + "</row>", "a row element of more than 128 bytes at byte 0"},
		{"namespaced long row", "<x:row>" + strings.Repeat("<c>1</c>", 20) + "</x:row>", "a row element"},
		{"too many rows", "<d><row/><row></row><row/><row/></d>", "more than 3 rows"},
		{"deep", "<a><a><a><a><a><a><a></a></a></a></a></a></a></a>", "elements nested more than 6 deep"},
		{"doctype", `<!DOCTYPE x [<!ENTITY a "b">]><x/>`, "a DOCTYPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time too: nothing depends on where reads end.
			for _, r := range []io.Reader{strings.NewReader(tc.xml), iotestOneByte(strings.NewReader(tc.xml))} {
				_, err := scanXML(r, b)
				if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
					t.Fatalf("want %q, got %v", tc.want, err)
				}
				if tc.want != "" && !errors.Is(err, ErrLimit) {
					t.Fatalf("%v is not ErrLimit", err)
				}
			}
		})
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func iotestOneByte(r io.Reader) io.Reader { return oneByteReader{r} }

// The limiter follows records exactly as encoding/csv reads them: a file
// whose every field and record fits is read whole, whatever its quotes.
func TestCSVLimitsCountFieldsAndRecordsAsTheReaderSeesThem(t *testing.T) {
	lim := Limits{FieldBytes: 12, RecordBytes: 40}
	for _, tc := range []struct{ name, csv, want string }{
		{"fits", "a,b\n\"x,\"\"y\"\"\nz\",2\r\n\n\nlast,1", ""},
		{"lazy quote inside a quoted field", "a,b\n\"x\"y\",1\n3,4\n", ""},
		{"quote inside an unquoted field", "a,b\nx\"y,1\n\"q\",2\n", ""},
		{"quote then CR LF ends the record", "a,b\n\"x\"\r\n\"y\",2\n", ""},
		{"field too long", "a,b\n1,1234567890123\n", "line 2: column b: a field longer than 12 bytes (limit limits.field_bytes)"},
		{"unclosed quote", "a,b\n1,2\n\"open,\n1,2\n3,4\n5,6\n", "line 3: column a: a field longer than 12 bytes (limit limits.field_bytes): a quote that never closes?"},
		{"record too long", "a,b\n" + strings.Repeat("12345,", 8) + "\n", "line 2: a record longer than 40 bytes (limit limits.record_bytes)"},
		{"record over lines", "a,b\n\"1\n2\n3\n4\",\"5\n6\n7\n8\",\"9\n0\n1\n2\",\"3\n4\n5\n6\",7\n", "line 2: a record longer than 40 bytes (limit limits.record_bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newCSVSource(iotestOneByte(strings.NewReader(tc.csv)), false, lim)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err = s.header(); err != nil {
				t.Fatal(err)
			}
			for err == nil {
				_, _, err = s.next()
			}
			if tc.want == "" && err != io.EOF || tc.want != "" && (err == io.EOF || err.Error() != tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
		})
	}
}

// Messages never echo a file whole nor pass control characters through.
func TestMessagesAreBoundedAndEscaped(t *testing.T) {
	rej := Reject{Line: 7, Column: "ti\x1b[31mtle" + strings.Repeat("x", 100), Value: "a\x1b]0;owned\x07\nb\u202e" + strings.Repeat("é", 1000), Reason: "not a date"}
	got := rej.Message("ideas.csv")
	want := `ideas.csv:7: ti\x1b[31mtle` + strings.Repeat("x", 50) + `…: a\x1b]0;owned\x07 b\u202e` + strings.Repeat("é", 46) + "…: not a date"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	db := openDB(t)
	dir := t.TempDir()
	// 20,000 unknown columns and no required one: the refusal lists the
	// columns found, cut.
	header := strings.Repeat("colonne\x1b,", 20000) + "fin"
	res, err := LoadFile(context.Background(), db, testfixture.WriteFile(t, dir, "ideas.csv", header+"\n1\n"), Options{})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("want a refusal, got %v", err)
	}
	for _, s := range []string{err.Error(), res.Summary()} {
		// The refusal, the file name, then up to 20 ignored columns.
		if n := len([]rune(s)); n > 3000 || strings.Contains(s, "\x1b") {
			t.Fatalf("not bounded or not escaped (%d runes): %q", n, cutText(s, 300))
		}
	}
	if !strings.Contains(res.Refused.Error(), `missing required column`) || !strings.Contains(res.Refused.Error(), `colonne\x1b`) {
		t.Fatalf("refusal: %v", res.Refused)
	}
}

// A file named in Windows-1252 (what a French Windows machine writes) loads;
// messages and the ingest log carry its name in UTF-8, and its name still
// says its dataset.
func TestAFileNamedInLatin1LoadsUnderItsUTF8Name(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	raw := "Donn\xe9es_sites.csv"
	path := testfixture.WriteFile(t, dir, raw, "site_id,name\nLYON,Lyon\n")
	res, err := LoadFile(context.Background(), db, path, Options{Name: raw})
	if err != nil {
		t.Fatalf("%v (%s)", err, res.Summary())
	}
	if res.File != "Données_sites.csv" || res.Dataset != "sites" || res.Loaded != 1 {
		t.Fatalf("got %+v", res)
	}
	log, err := db.IngestLog(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].File != "Données_sites.csv" {
		t.Fatalf("ingest log: %+v", log)
	}
	// Without Name: the base name of the path, decoded the same way.
	res = mustLoad(t, db, path, Options{})
	if res.File != "Données_sites.csv" {
		t.Fatalf("got %q", res.File)
	}
}

// The limiter and encoding/csv agree on where every record starts, on
// random text made of the characters that matter: had the limiter lost
// track of quotes, it would count a record that the reader does not see.
// (Carriage returns are left out: a line of only "\r\n" is a one-byte
// record to the limiter, which the reader skips; harmless.)
func TestCSVLimiterFindsTheRecordsTheCSVReaderFinds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{'a', 'a', 'a', ',', ',', '"', '"', '\n', '\n'}
	for n := 0; n < 3000; n++ {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		var want []int64
		r := csv.NewReader(bytes.NewReader(b))
		r.LazyQuotes, r.FieldsPerRecord = true, -1
		for {
			if _, err := r.Read(); err != nil {
				break
			}
			line, _ := r.FieldPos(0)
			want = append(want, int64(line))
		}
		var got []int64
		l := newCSVLimiter(bytes.NewReader(b), ',', Limits{}.withDefaults())
		for between := true; ; {
			if _, err := l.Read(make([]byte, 1)); err != nil {
				break
			}
			if between && !l.between {
				got = append(got, l.recLine)
			}
			between = l.between
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%q: the limiter sees records at lines %v, encoding/csv at %v", b, got, want)
		}
	}
}

// Only the parts a sheet needs are read, wherever the package puts its
// sheet: a worksheet named other than sheetN.xml still loads.
func TestAWorksheetWithAnotherPartNameLoads(t *testing.T) {
	zr := plainSitesWorkbook(t)
	path := filepath.Join(t.TempDir(), "sites.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	rename := strings.NewReplacer("worksheets/sheet1.xml", "worksheets/data.xml")
	for _, e := range zr.File {
		r, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(rename.Replace(e.Name))
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(rename.Replace(string(b))))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	res := mustLoad(t, openDB(t), path, Options{})
	if res.Loaded != 1 {
		t.Fatalf("got %s", res.Summary())
	}
}
