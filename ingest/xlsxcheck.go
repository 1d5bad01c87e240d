package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// What reading one sheet may cost, beyond Limits (docs/limits.md). Go's zip
// reader refuses a part that expands beyond the size the zip declares, so
// the declared sizes are bounds.
const (
	// xlsxInMemory: excelize keeps a sheet or shared-string table up to
	// this size in memory, and writes a larger one to a temporary file.
	xlsxInMemory = 1 << 20
	// xlsxInMemoryTotal bounds the parts excelize holds in memory together
	// (the workbook, its relationships, content types, small sheets).
	xlsxInMemoryTotal = 16 << 20
	// xlsxParsedElements bounds the elements of the parts excelize parses
	// whole into structures (hundreds of bytes each, whatever their size
	// in the file): 200,000 is ten times a workbook with thousands of
	// defined names.
	xlsxParsedElements = 200_000
	// xlsxRows is Excel's own row limit.
	xlsxRows = 1 << 20
	// xlsxSharedStrings bounds the shared-string table: one distinct
	// string per row of a full Excel sheet. excelize indexes a large table
	// at about 120 bytes per string at its peak (measured: 4 Mi strings
	// took 520 MB), so that 1 Mi strings stay near 200 MB.
	xlsxSharedStrings = 1 << 20
	// xlsxEntries bounds the parts of a workbook (a real one has tens).
	xlsxEntries = 10_000
)

// partKind says what reading a sheet does with a workbook's part.
type partKind int

const (
	partSkip   partKind = iota // never read: styles, themes, images...
	partParsed                 // parsed whole: workbook, relationships, content types
	partSheet                  // streamed row by row
	partShared                 // the shared-string table
)

// xlsxPartKind classifies a part by its name in the zip, as excelize does
// (case-insensitive, backslashes as slashes).
func xlsxPartKind(name string) partKind {
	n := strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	switch {
	case n == "[content_types].xml", n == "_rels/.rels":
		return partParsed
	case n == "xl/sharedstrings.xml":
		return partShared
	case strings.HasPrefix(n, "xl/worksheets/") && strings.HasSuffix(n, ".xml") && !strings.Contains(n[len("xl/worksheets/"):], "/"):
		return partSheet
	case strings.HasPrefix(n, "xl/_rels/") && strings.HasSuffix(n, ".rels"):
		return partParsed
	case strings.HasPrefix(n, "xl/") && strings.HasSuffix(n, ".xml") && !strings.Contains(n[len("xl/"):], "/") &&
		n != "xl/styles.xml" && n != "xl/calcchain.xml":
		// The workbook (xl/workbook.xml, or as the package names it).
		return partParsed
	}
	return partSkip
}

// spillsToTemp says whether excelize writes a large part of this name to a
// temporary file: only the shared strings and worksheets named sheet*;
// it holds any other part whole.
func spillsToTemp(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	return n == "xl/sharedstrings.xml" || strings.HasPrefix(n, "xl/worksheets/sheet")
}

// prepareXLSX checks the workbook at path against the limits, then writes
// into dir a copy that holds only the parts reading a sheet needs (their
// compressed bytes copied as they are): styles, themes, images and the
// rest are never expanded. It returns the copy's path.
func prepareXLSX(path, dir string, lim Limits) (string, error) {
	// Go's zip reader holds about 200 bytes per part of the directory:
	// count them first (a 94 MB zip of a million empty parts took 208 MB).
	if n := zipEntries(path); n > xlsxEntries {
		return "", limitf("the workbook has %d parts, more than %d", n, xlsxEntries)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", fmt.Errorf("not an XLSX workbook: %w", err)
	}
	defer zr.Close()
	if len(zr.File) > xlsxEntries {
		return "", limitf("the workbook has %d parts, more than %d", len(zr.File), xlsxEntries)
	}
	var total, inMemory uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		total += size
		if size > uint64(lim.XLSXBytes) || total > uint64(lim.XLSXBytes) {
			return "", limitf("the workbook expands to more than %s once unzipped (%s declares %s; limit limits.xlsx_bytes)",
				FormatBytes(lim.XLSXBytes), f.Name, FormatBytes(int64(min(size, 1<<62))))
		}
		switch xlsxPartKind(f.Name) {
		case partParsed:
			inMemory += size
		case partSheet, partShared:
			if size <= xlsxInMemory || !spillsToTemp(f.Name) {
				inMemory += size
			}
		}
		if inMemory > xlsxInMemoryTotal {
			return "", limitf("the workbook's structure (%s and the parts before it) is larger than %s", f.Name, FormatBytes(xlsxInMemoryTotal))
		}
	}
	out, err := os.Create(filepath.Join(dir, "sheet.xlsx"))
	if err != nil {
		return "", err
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	parsed := int64(0)
	for _, f := range zr.File {
		kind := xlsxPartKind(f.Name)
		if kind == partSkip {
			continue
		}
		b := xmlBounds{token: lim.RecordBytes, record: lim.RecordBytes, depth: maxXMLDepth}
		switch kind {
		case partSheet:
			b.recordName, b.records, b.recordsAre = "row", xlsxRows, "rows (Excel's own limit)"
		case partShared:
			b.recordName, b.records, b.recordsAre = "si", xlsxSharedStrings, "shared strings"
		}
		wholeParse := kind == partParsed || kind == partShared && f.UncompressedSize64 <= xlsxInMemory
		if wholeParse {
			b.elements = xlsxParsedElements - parsed
		}
		n, err := scanPart(f, b)
		if err != nil {
			return "", fmt.Errorf("%s: %w", f.Name, err)
		}
		if wholeParse {
			parsed += n
		}
		if err := copyRaw(zw, f); err != nil {
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return out.Name(), out.Close()
}

func scanPart(f *zip.File, b xmlBounds) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := scanXML(rc, b)
	if errors.Is(err, zip.ErrFormat) {
		return n, &limitError{msg: "damaged or hostile: it expands beyond the size the zip declares for it"}
	}
	return n, err
}

func copyRaw(zw *zip.Writer, f *zip.File) error {
	w, err := zw.CreateRaw(&f.FileHeader)
	if err != nil {
		return err
	}
	r, err := f.OpenRaw()
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	return err
}

// zipEntries reads the number of parts a zip's end-of-directory record
// declares (zip64 included); 0 when it cannot tell, and the zip reader
// then says what is wrong.
func zipEntries(path string) uint64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	// The record (22 bytes) ends the file, after a comment of up to 64 KiB.
	tailLen := min(fi.Size(), 22+65535)
	tail := make([]byte, tailLen)
	if _, err := f.ReadAt(tail, fi.Size()-tailLen); err != nil {
		return 0
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < 22 {
		return 0
	}
	n := uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if n != 0xFFFF || i < 20 || !bytes.Equal(tail[i-20:i-16], []byte("PK\x06\x07")) {
		return n
	}
	// zip64: the locator before the record points to the zip64 record.
	at := int64(binary.LittleEndian.Uint64(tail[i-20+8:]))
	rec := make([]byte, 56)
	if at < 0 || at > fi.Size()-56 {
		return 0
	}
	if _, err := f.ReadAt(rec, at); err != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
		return 0
	}
	return binary.LittleEndian.Uint64(rec[32:])
}
