package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"relais/internal/testfixture"
)

// serveFor runs `relais serve` on a free 127.0.0.1 port until stop.
func serveFor(t *testing.T, dbPath, cfg string) (addr string, stop func()) {
	t.Helper()
	addr = testfixture.FreeAddr(t)
	var logs testfixture.SyncBuffer
	m := NewMain()
	m.Stdout, m.Stderr = &logs, &logs
	m.Getenv = func(string) string { return "" }
	m.Now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	m.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	run, err := m.ParseFlags([]string{"serve", "--db", dbPath, "--config", cfg, "--addr", addr})
	if err != nil {
		t.Fatal(err)
	}
	stopServe := testfixture.Start(func(ctx context.Context) error { return m.Run(ctx, run) })
	if !waitHealthy(addr) {
		stopServe()
		t.Fatalf("the server did not start: %s", logs.String())
	}
	return addr, func() {
		if err := stopServe(); err != nil {
			t.Errorf("serve: %v", err)
		}
		m.Close()
	}
}

func kpisJSON(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/kpis")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/api/v1/kpis: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

// TestBackupThroughTheRunningServerThenRestore backs up while the server
// holds the database (through its admin socket), changes the data, and
// restores: /api/v1/kpis answers as at the backup.
func TestBackupThroughTheRunningServerThenRestore(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	out := filepath.Join(t.TempDir(), "backup")
	addr, stop := serveFor(t, dbPath, cfg)
	atBackup := kpisJSON(t, addr)
	if probe := (&Main{dbPath: dbPath}); !probe.serverRunning(context.Background()) {
		stop()
		t.Fatal("the running server's admin socket does not answer: the backup would not go through it")
	}
	code, stdout, stderr := runRelais(t, "backup", "--db", dbPath, "--config", cfg, "--out", out)
	if code != exitOK || !strings.Contains(stdout, "relais restore --from") {
		stop()
		t.Fatalf("backup while serving: exit %d: %s %s", code, stdout, stderr)
	}
	// Restore is refused while the server runs.
	if code, _, stderr := runRelais(t, "restore", "--db", dbPath, "--config", cfg, "--from", out); code != exitJob || !strings.Contains(stderr, "stop it first") {
		t.Errorf("restore while serving: exit %d: %s", code, stderr)
	}
	stop()
	if probe := (&Main{dbPath: dbPath}); probe.serverRunning(context.Background()) {
		t.Error("the admin socket answers after the server stopped")
	}
	if _, err := os.Stat(adminSocket(dbPath)); err == nil {
		t.Error("the admin socket outlived the server")
	}
	if code, _, stderr := runRelais(t, "forget", "--db", dbPath, "--config", cfg, "--person", "p1"); code != exitOK {
		t.Fatalf("forget: %s", stderr)
	}
	addr, stop = serveFor(t, dbPath, cfg)
	changed := kpisJSON(t, addr)
	stop()
	if changed == atBackup {
		t.Fatal("forgetting p1 changed no KPI: the test would prove nothing")
	}
	code, stdout, stderr = runRelais(t, "restore", "--db", dbPath, "--config", cfg, "--from", out)
	if code != exitOK || !strings.Contains(stdout, "previous database is kept at") {
		t.Fatalf("restore: exit %d: %s %s", code, stdout, stderr)
	}
	addr, stop = serveFor(t, dbPath, cfg)
	defer stop()
	if got := kpisJSON(t, addr); got != atBackup {
		t.Errorf("after restore /api/v1/kpis differs:\n got %.400s\nwant %.400s", got, atBackup)
	}
	// The audit log tells the story: backup, forget, restore.
	resp, err := http.Get("http://" + addr + "/api/v1/audit")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"action":"restore"`) {
		t.Errorf("audit after restore: %s", b)
	}
}
