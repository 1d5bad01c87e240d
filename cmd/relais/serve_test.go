package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/queries"
)

func TestServeAnswersAndShutsDownWhenCancelled(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	addr := testfixture.FreeAddr(t)
	m, errb := newServeMain()
	run, err := m.ParseFlags([]string{"serve", "--db", dbPath, "--config", cfg, "--addr", addr, "--inbox", t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, run) }()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		resp, err = http.Get("http://" + addr + "/api/v1/kpis")
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		cancel()
		t.Fatalf("server did not answer: %v (%s)", err, errb.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/api/v1/kpis: %d", resp.StatusCode)
	}
	m2, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m2.Body.Close()
	if m2.StatusCode != 200 {
		t.Errorf("/metrics: %d", m2.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
	if !strings.Contains(errb.String(), "shutting down") || !strings.Contains(errb.String(), "route=/api/v1/kpis") {
		t.Errorf("log lacks the request or the shutdown: %s", errb.String())
	}
}

func TestServeRefusesABadAddressWithExit1(t *testing.T) {
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(string) string { return "" }
	if code := m.Main([]string{"serve", "--db", t.TempDir() + "/x.duckdb", "--addr", "nonsense"}); code != 1 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}

// serveUntil runs `relais serve --inbox inbox` in this process until done
// says so (polled), then stops it.
func serveUntil(t *testing.T, dbPath, inbox string, done func() bool) string {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(string) string { return "" }
	m.Logger = slog.New(slog.NewTextHandler(&errb, nil))
	run, err := m.ParseFlags([]string{"serve", "--db", dbPath, "--addr", testfixture.FreeAddr(t), "--inbox", inbox})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- m.Run(ctx, run) }()
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			cancel()
			<-stopped
			t.Fatalf("the inbox did not take the file:\n%s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Errorf("serve: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
	return errb.String()
}

// A server stopped after a file committed but before the file left the
// inbox (SIGTERM, kill -9) finds it again at its next start: the same
// content (SHA-256) is not loaded twice, the file goes to done/ and the
// log and the result say why.
func TestInboxNeverLoadsTheSameContentTwiceAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	dbPath, inbox := filepath.Join(dir, "t.duckdb"), filepath.Join(dir, "inbox")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	content := []byte("site_id,name,headcount\nLYON,Lyon,10\n")
	put := func() {
		p := filepath.Join(inbox, "sites.csv")
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour) // complete: no settle delay
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(name string) func() bool {
		return func() bool { _, err := os.Stat(filepath.Join(inbox, "done", name)); return err == nil }
	}
	put()
	serveUntil(t, dbPath, inbox, exists("sites.csv"))
	put() // as if the first server had died before moving it
	log := serveUntil(t, dbPath, inbox, exists("sites.1.csv"))
	if !strings.Contains(log, "already loaded") {
		t.Errorf("the log does not say the file was loaded already:\n%s", log)
	}
	db, err := queries.Open(context.Background(), queries.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.IngestLog(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("ingest_log has %d rows, want 1 (the file loaded once): %+v", len(entries), entries)
	}
}
