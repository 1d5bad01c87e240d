package testfixture

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime/multipart"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// FreeAddr returns a 127.0.0.1 address with a port free at the time.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// WriteFile writes content to the file name in dir and returns its path,
// failing the test on any error.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// SyncBuffer is a bytes.Buffer safe to write from several goroutines (a
// server's log read by the test).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Paris is the Europe/Paris time zone, the one the fixtures and the demo
// are written in.
func Paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// FileForm is a multipart form holding one file, name with content, in
// the field "file" (what an upload posts), and its content type.
func FileForm(t testing.TB, name string, content []byte) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	mw.Close()
	return &body, mw.FormDataContentType()
}

// Start runs run in a goroutine with a context of its own (a server until
// the test is done with it); stop cancels that context and returns run's
// error once it has returned.
func Start(run func(ctx context.Context) error) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

// ReadCSV parses a CSV file with encoding/csv (independently of the
// loader), every record, the header included.
func ReadCSV(t testing.TB, path string, delim rune) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = delim
	all, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return all
}
