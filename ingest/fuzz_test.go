package ingest

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseCSV feeds arbitrary bytes to the CSV reader: it must never
// panic nor loop, and record lines never go backwards. Seeds live in
// testdata/fuzz/FuzzParseCSV and run with plain `go test`.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := newCSVSource(bytes.NewReader(data), !utf8.Valid(data), Limits{})
		if err != nil {
			return
		}
		switch s.delim {
		case ',', ';', '\t', '|':
		default:
			t.Fatalf("delimiter %q", s.delim)
		}
		_, line, err := s.header()
		if err != nil {
			return
		}
		last := line
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatal("more records than bytes")
			}
			rec, line, err := s.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return
			}
			if line <= last {
				t.Fatalf("record at line %d after line %d", line, last)
			}
			for _, v := range rec {
				if !utf8.ValidString(v) {
					t.Fatalf("field %q is not UTF-8", v)
				}
			}
			last = line
		}
	})
}

// FuzzParseDate checks that every accepted value is a real instant that
// reads back the same when written in ISO 8601 (UTC).
func FuzzParseDate(f *testing.F) {
	f.Add("2026-10-01T09:30:00+02:00")
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, mdy := range []bool{false, true} {
			p := newDateParser(loc, mdy)
			got, _, err := p.parse(s)
			if err != nil {
				continue
			}
			if y := got.Year(); y < 1899 || y > 3000 {
				t.Fatalf("parse(%q) = year %d", s, y)
			}
			if y := got.UTC().Year(); y < 1900 || y > 2999 {
				continue // its UTC form falls outside the accepted years
			}
			iso := got.UTC().Format(time.RFC3339Nano)
			back, _, err := p.parse(iso)
			if err != nil {
				t.Fatalf("parse(%q) = %v, whose ISO form %q does not parse: %v", s, got, iso, err)
			}
			if !back.Equal(got) {
				t.Fatalf("parse(%q) = %v, ISO %q reads back as %v", s, got, iso, back)
			}
		}
	})
}
