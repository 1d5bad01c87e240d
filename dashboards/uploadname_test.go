package dashboards

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestBadUploadNamesGet400AndLatin1NamesReachTheLoader(t *testing.T) {
	db := hostileDB(t)
	var (
		mu    sync.Mutex
		names []string
	)
	ing := sitesCSVIngest(db)
	srv := startServer(t, db, func(o *Options) {
		o.Ingest = func(ctx context.Context, path, name string) (IngestOutcome, error) {
			mu.Lock()
			names = append(names, name)
			mu.Unlock()
			return ing(ctx, path, name)
		}
	})
	const csv = "site_id,name,headcount\nNICE,Nice,40\n"
	bad := []struct{ name, file, says string }{
		{"5000 characters", strings.Repeat("é", 2500) + ".csv", "bytes long"},
		{"201 bytes", strings.Repeat("a", 197) + ".csv", "bytes long"},
		{"a path", "../../etc/sites.csv", "folder path"},
		{"a Windows path", `C:\exports\sites.csv`, "folder path"},
		{"a NUL", "sites\x00.csv", ""},
		{"a tab", "sites\t.csv", "control characters"},
		{"an escape", "sites\x1b[31m.csv", ""}, // refused by the MIME parser
		{"a C1 control", "sites\u0085.csv", "control characters"},
		{"dot dot", "..", "not a file name"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			resp, body := upload(t, srv.URL, c.file, csv)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %.300s", resp.StatusCode, body)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !bytes.Contains(body, []byte(`"error"`)) {
				t.Errorf("not a JSON error: %.300s", body)
			}
			if !bytes.Contains(body, []byte(c.says)) {
				t.Errorf("the error does not say %q: %.300s", c.says, body)
			}
			if len(body) > 500 {
				t.Errorf("the error echoes the name whole: %d bytes", len(body))
			}
		})
	}
	mu.Lock()
	if len(names) != 0 {
		t.Errorf("refused names reached the loader: %q", names)
	}
	mu.Unlock()

	latin1 := "Donn\xe9es_sites.csv"
	resp, body := upload(t, srv.URL, latin1, csv)
	if resp.StatusCode == http.StatusBadRequest || resp.StatusCode >= 500 {
		t.Fatalf("a Latin-1 name: %d %s", resp.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(names) != 1 || names[0] != latin1 {
		t.Errorf("the loader got %q, want the name as sent", names)
	}
}
