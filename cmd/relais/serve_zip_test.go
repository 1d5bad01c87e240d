package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"relais/internal/testfixture"
)

// startServe runs `relais serve` with args on a free loopback address until
// the test ends; it returns the base URL and the log.
func startServe(t *testing.T, args ...string) (string, *bytes.Buffer) {
	t.Helper()
	addr := testfixture.FreeAddr(t)
	m, errb := newServeMain()
	run, err := m.ParseFlags(append([]string{"serve", "--addr", addr}, args...))
	if err != nil {
		t.Fatal(err)
	}
	stop := testfixture.Start(func(ctx context.Context) error { return m.Run(ctx, run) })
	t.Cleanup(func() {
		stop()
		m.Close()
	})
	if !waitHealthy(addr) {
		t.Fatalf("server did not answer: %s", errb.String())
	}
	return "http://" + addr, errb
}

// waitHealthy waits up to 10 s for a server at addr to answer /healthz,
// and says whether it did.
func waitHealthy(addr string) bool {
	for i := 0; i < 100; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// newServeMain is a Main whose output and log go to one buffer.
func newServeMain() (*Main, *bytes.Buffer) {
	var errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &errb, &errb
	m.Getenv = func(string) string { return "" }
	m.Logger = slog.New(slog.NewTextHandler(&errb, nil))
	return m, &errb
}

// postFile posts one file as the multipart field "file".
func postFile(t *testing.T, url, name string, content []byte) (int, string) {
	t.Helper()
	body, ctype := testfixture.FileForm(t, name, content)
	resp, err := http.Post(url, ctype, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func dataVersion(t *testing.T, base string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		DataVersion float64 `json:"data_version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h.DataVersion
}

func TestServerUploadTakesAZipAndTheDryRunFormLoadsNothing(t *testing.T) {
	dir := t.TempDir()
	base, _ := startServe(t, "--db", filepath.Join(dir, "s.duckdb"), "--config", "/dev/null")
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for name, content := range map[string]string{
		"export/ideas.csv": "idea_id,site_id,title,created_at,status\nI1,LYON,Idée,2026-10-01,submitted\n",
		"sites.csv":        "site_id,name\nLYON,Lyon\n",
		"notes.txt":        "hello",
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(content))
	}
	zw.Close()
	code, body := postFile(t, base+"/api/v1/ingest", "export.zip", zbuf.Bytes())
	if code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	for _, want := range []string{
		`export.zip/sites.csv: 1 rows, 1 loaded, 0 rejected`, `export.zip/export/ideas.csv: 1 rows, 1 loaded`, `export.zip/notes.txt: skipped`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("upload answer lacks %q: %s", want, body)
		}
	}
	if strings.Index(body, "sites.csv") > strings.Index(body, "ideas.csv") {
		t.Errorf("ideas loaded before sites: %s", body)
	}

	before := dataVersion(t, base)
	code, page := postFile(t, base+"/data/dry-run?lang=en", "ideas.csv",
		[]byte("idea_id,site_id,title,created_at,status,colour\nI2,LYON,T,yesterday,submitted,red\nI3,LYON,T,2026-10-02,submitted,blue\n"))
	if code != http.StatusOK {
		t.Fatalf("dry run: %d %s", code, page)
	}
	for _, want := range []string{"Nothing was loaded", "ideas", "colour", "created_at", "ideas.csv:2: created_at: yesterday"} {
		if !strings.Contains(page, want) {
			t.Errorf("dry-run page lacks %q", want)
		}
	}
	if after := dataVersion(t, base); after != before {
		t.Fatalf("the dry run changed the data (version %v -> %v)", before, after)
	}
	resp, err := http.Get(base + "/data?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `action="/data/dry-run?lang=en"`) {
		t.Error("/data has no dry-run form")
	}
}
