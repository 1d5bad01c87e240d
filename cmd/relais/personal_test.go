package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"relais/queries"
)

func runRelais(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(k string) string {
		if k == "USER" {
			return "ops"
		}
		return ""
	}
	m.Now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	code = m.Main(args)
	return code, out.String(), errb.String()
}

func TestForgetRemovesThePersonAndAuditsWithoutNamingThem(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	code, out, errs := runRelais(t, "forget", "--db", dbPath, "--config", cfg, "--person", "p1")
	if code != exitOK || !strings.Contains(out, "forgotten") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	code, _, errs = runRelais(t, "forget", "--db", dbPath, "--config", cfg, "--person", "p1")
	if code != exitJob || !strings.Contains(errs, "no such person") {
		t.Fatalf("forgetting twice: exit %d: %s", code, errs)
	}
	if code, _, errs := runRelais(t, "forget", "--db", dbPath); code != exitUsage || !strings.Contains(errs, "--person") {
		t.Fatalf("without --person: exit %d: %s", code, errs)
	}
	ctx := context.Background()
	db, err := queries.Open(ctx, queries.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM people WHERE person_id = 'p1') + (SELECT count(*) FROM activity WHERE person_id = 'p1')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("p1 still has %d rows (%v)", n, err)
	}
	ev, err := db.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Action != queries.AuditForget || ev[0].Actor != "cli:ops" {
		t.Fatalf("audit: %+v", ev)
	}
	for _, e := range ev {
		if strings.Contains(e.Target+e.Outcome, "p1") || strings.Contains(e.Target+e.Outcome, "Ann") {
			t.Errorf("the audit names the person: %+v", e)
		}
	}
}

func TestRetentionCutoffIsLocalMidnightMonthsBack(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC) // 00:30 on the 30th in Paris
	got := retentionCutoff(now, paris, 13)
	if want := time.Date(2025, 10, 30, 0, 0, 0, 0, paris); !got.Equal(want) {
		t.Errorf("cutoff %v, want %v", got, want)
	}
}

func TestRetentionRunsAfterEachIngestAndIsAudited(t *testing.T) {
	dbPath, cfg := kpiTestDB(t)
	// kpiTestDB's only activity row is dated 2026-11-20; a one-month
	// retention on 2027-01-15 drops it.
	m := NewMain()
	m.Stdout, m.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
	m.Getenv = func(string) string { return "" }
	m.Now = func() time.Time { return time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC) }
	m.Logger = slog.New(slog.DiscardHandler)
	if _, err := m.ParseFlags([]string{"kpi", "--db", dbPath, "--config", cfg}); err != nil {
		t.Fatal(err)
	}
	m.config.Retention = Retention{ActivityMonths: 1}
	ctx := context.Background()
	db, err := m.openDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.applyRetention(ctx, db, "relais"); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM activity`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d activity rows left (%v)", n, err)
	}
	ev, err := db.AuditLog(ctx, 5)
	if err != nil || len(ev) != 1 || ev[0].Action != queries.AuditRetention || ev[0].Target != "activity before 2026-12-15" || ev[0].Outcome != "ok: 1 rows deleted" {
		t.Fatalf("audit %+v (%v)", ev, err)
	}
}
