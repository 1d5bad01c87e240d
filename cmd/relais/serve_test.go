package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestServeAnswersAndShutsDownWhenCancelled(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	addr := freeAddr(t)
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
