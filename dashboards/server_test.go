package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"relais/internal/testfixture"
	"relais/queries"
)

func TestEveryRouteAnswersWithItsStatusAndType(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, func(o *Options) {
		o.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("relais_up 1\n")) })
	})
	cases := []struct {
		name, path string
		code       int
		ctype      string
		contains   string
	}{
		{"health", "/healthz", 200, "application/json", `"status":"ok"`},
		{"sponsor", "/", 200, "text/html", "target-cards"},
		{"sponsor as of", "/?as_of=2026-11-15", 200, "text/html", "2026-11-15"},
		{"sponsor bad date", "/?as_of=15/11/2026", 400, "text/html", "as_of"},
		{"sites", "/sites", 200, "text/html", "sites-table"},
		{"sites bad date", "/sites?as_of=2026-02-30", 400, "text/html", "as_of"},
		{"site", "/sites/LYON", 200, "text/html", "chart-funnel"},
		{"site unknown", "/sites/NOPE", 404, "text/html", "NOPE"},
		{"idea", "/ideas/I3", 200, "text/html", "idea-history"},
		{"idea unknown", "/ideas/NOPE", 404, "text/html", "NOPE"},
		{"challenges", "/challenges", 200, "text/html", "challenges-empty"},
		{"committee", "/committee", 200, "text/html", "2026-11"},
		{"committee month and site", "/committee?month=2026-10&site=LYON", 200, "text/html", "2026-10"},
		{"committee bad month", "/committee?month=2026-13", 400, "text/html", "month"},
		{"committee unknown site", "/committee?site=NOPE", 404, "text/html", "NOPE"},
		{"data", "/data", 200, "text/html", "dangling"},
		{"data bad date", "/data?as_of=x", 400, "text/html", "as_of"},
		{"unknown page", "/nope", 404, "text/html", "/nope"},
		{"kpis", "/api/v1/kpis", 200, "application/json", `"as_of":"2026-11-30"`},
		{"kpis as of", "/api/v1/kpis?as_of=2026-10-01", 200, "application/json", `"as_of":"2026-10-01"`},
		{"kpis bad date", "/api/v1/kpis?as_of=yesterday", 400, "application/json", `"error"`},
		{"api site", "/api/v1/sites/EVIL", 200, "application/json", `"top_open_ideas"`},
		{"api site unknown", "/api/v1/sites/NOPE", 404, "application/json", `"error"`},
		{"api site bad date", "/api/v1/sites/LYON?as_of=1", 400, "application/json", `"error"`},
		{"series overall", "/api/v1/series", 200, "application/json", `"weeks"`},
		{"series site", "/api/v1/series?site=LYON&weeks=4&as_of=2026-11-20", 200, "application/json", `"site_id":"LYON"`},
		{"series zero weeks", "/api/v1/series?weeks=0", 400, "application/json", `weeks`},
		{"series too many weeks", "/api/v1/series?weeks=105", 400, "application/json", `weeks`},
		{"series weeks not a number", "/api/v1/series?weeks=abc", 400, "application/json", `weeks`},
		{"series unknown site", "/api/v1/series?site=NOPE", 404, "application/json", `"error"`},
		{"api idea", "/api/v1/ideas/I3", 200, "application/json", `"decisions"`},
		{"api idea unknown", "/api/v1/ideas/NOPE", 404, "application/json", `"error"`},
		{"api challenges", "/api/v1/challenges", 200, "application/json", `"challenges"`},
		{"committee api", "/api/v1/committee?month=2026-11", 200, "application/json", `"decisions"`},
		{"committee api site", "/api/v1/committee?month=2026-11&site=EVIL", 200, "application/json", `"site_id":"EVIL"`},
		{"committee api bad month", "/api/v1/committee?month=11-2026", 400, "application/json", `month`},
		{"committee api unknown site", "/api/v1/committee?site=NOPE", 404, "application/json", `"error"`},
		{"data api", "/api/v1/data", 200, "application/json", `"data_quality"`},
		{"unknown api", "/api/v1/nope", 404, "application/json", `"error"`},
		{"export", "/export.xlsx?as_of=2026-11-30", 200, "application/vnd.openxmlformats", "PK"},
		{"export bad date", "/export.xlsx?as_of=2026-1-1", 400, "application/json", `"error"`},
		{"app script", "/static/app.js", 200, "text/javascript", "echarts.init"},
		{"stylesheet", "/static/app.css", 200, "text/css", "body"},
		{"unknown asset", "/static/nope.js", 404, "application/json", `"error"`},
		{"metrics", "/metrics", 200, "", "relais_up 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+c.path)
			if resp.StatusCode != c.code {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, c.code, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, c.ctype) {
				t.Errorf("Content-Type %q, want %q", ct, c.ctype)
			}
			if !bytes.Contains(body, []byte(c.contains)) {
				t.Errorf("body lacks %q: %.400s", c.contains, body)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy header")
			}
		})
	}
	resp, _ := get(t, srv.URL+"/api/v1/kpis")
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	// Wrong method on a known route.
	r, _ := request(t, http.MethodPost, srv.URL+"/api/v1/kpis", nil, "Content-Type", "text/plain")
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/v1/kpis: %d, want 405", r.StatusCode)
	}
}

func TestKPIsEndpointIsTheDocumentOfTheEngine(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, nil)
	_, body := get(t, srv.URL+"/api/v1/kpis?as_of=2026-11-30")
	doc, err := db.KPIs(context.Background(), srv.Snaps.Settings(), fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(doc)
	if !jsonEqual(t, body, want) {
		t.Fatalf("API document differs from db.KPIs:\n%s\n%s", body, want)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

var scriptTag = regexp.MustCompile(`(?i)<script[^>]*>`)

func TestHostileTextRendersHarmlesslyOnEveryPage(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, nil)
	pages := []string{"/", "/sites", "/sites/EVIL", "/sites/LYON", "/committee", "/committee?site=EVIL", "/data", "/ideas/I1", "/ideas/I5", "/challenges",
		"/api/v1/kpis", "/api/v1/sites/EVIL", "/api/v1/committee", "/?lang=en", "/sites?lang=en"}
	raw := []string{hostileTitle, hostileSite, hostileReason, hostilePerson, "<script>alert", "<img src=x", "<b onmouseover"}
	for _, p := range pages {
		t.Run(p, func(t *testing.T) {
			resp, body := get(t, srv.URL+p)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %.300s", resp.StatusCode, body)
			}
			for _, r := range raw {
				if bytes.Contains(body, []byte(r)) {
					t.Errorf("raw %q reached the page", r)
				}
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				return
			}
			// Every <script> is ours: a JSON data block, or a nonce'd script.
			nonce := cspNonce(t, resp.Header.Get("Content-Security-Policy"))
			for _, tag := range scriptTag.FindAll(body, -1) {
				s := string(tag)
				if strings.HasPrefix(s, `<script type="application/json" data-chart="chart-`) {
					continue // data, never executed
				}
				if !strings.Contains(s, `nonce="`+nonce+`"`) {
					t.Errorf("script tag without the response nonce: %s", s)
				}
			}
		})
	}
	// The escaped forms are there: the text is shown, not dropped.
	_, body := get(t, srv.URL+"/sites/EVIL")
	if !bytes.Contains(body, []byte("&lt;img src=x onerror=alert(1)&gt;")) {
		t.Error("site name not shown escaped on its page")
	}
	_, body = get(t, srv.URL+"/committee")
	if !bytes.Contains(body, []byte("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("hostile title not shown escaped on the committee page")
	}
}

func cspNonce(t *testing.T, csp string) string {
	t.Helper()
	m := regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9_-]+)'`).FindStringSubmatch(csp)
	if m == nil {
		t.Fatalf("no script nonce in CSP %q", csp)
	}
	return m[1]
}

func TestContentSecurityPolicyHasAFreshNoncePerResponse(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	r1, b1 := get(t, srv.URL+"/")
	r2, _ := get(t, srv.URL+"/")
	csp := r1.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "style-src 'self' 'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	n1, n2 := cspNonce(t, csp), cspNonce(t, r2.Header.Get("Content-Security-Policy"))
	if n1 == n2 {
		t.Error("two responses share a nonce")
	}
	if !bytes.Contains(b1, []byte(`<script nonce="`+n1+`">`)) {
		t.Error("the inline script does not carry the response's nonce")
	}
	if bytes.Contains(b1, []byte("http://")) || bytes.Contains(b1, []byte("https://")) {
		t.Error("the page names another host")
	}
	if bytes.Contains(b1, []byte(" style=")) {
		t.Error("inline style attribute on the page")
	}
}

func TestLanguageComesFromTheQueryThenAcceptLanguageThenFrench(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	cases := []struct {
		name, query, accept, want string
	}{
		{"default french", "", "", "Objectifs à 90 jours"},
		{"accept english", "", "en-GB,en;q=0.9", "90-day targets"},
		{"accept prefers french", "", "de,fr;q=0.8,en;q=0.5", "Objectifs à 90 jours"},
		{"query wins", "?lang=en", "fr", "90-day targets"},
		{"unknown query falls back", "?lang=xx", "en", "90-day targets"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var h []string
			if c.accept != "" {
				h = []string{"Accept-Language", c.accept}
			}
			_, body := get(t, srv.URL+"/"+c.query, h...)
			if !bytes.Contains(body, []byte(c.want)) {
				t.Errorf("page lacks %q", c.want)
			}
		})
	}
}

func TestDefinitionsAreOneTapAway(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	_, body := get(t, srv.URL+"/sites?lang=en")
	info := regexp.MustCompile(`Adoption<button type="button" class="info" popovertarget="(def-[0-9]+-adoption)" aria-label="Definition: Adoption" title="Active in 30 days / headcount.">i</button><span class="definition" id="(def-[0-9]+-adoption)" popover><strong>Adoption</strong>Active in 30 days / headcount.</span>`)
	if m := info.FindSubmatch(body); m == nil || !bytes.Equal(m[1], m[2]) {
		t.Error("adoption has no info button opening its definition")
	}
	if !bytes.Contains(body, []byte("No ambassador active in the last 30 days")) {
		t.Error("flags are not said in words")
	}
}

func upload(t *testing.T, url, name, content string) (*http.Response, []byte) {
	t.Helper()
	body, ctype := testfixture.FileForm(t, name, []byte(content))
	resp, err := http.Post(url+"/api/v1/ingest", ctype, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp, out.Bytes()
}

func TestUploadLoadsAndRefreshesTheSnapshot(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, func(o *Options) { o.Ingest = sitesCSVIngest(db) })
	_, before := get(t, srv.URL+"/api/v1/kpis")
	resp, body := upload(t, srv.URL, "sites.csv", "site_id,name,headcount\nNICE,Nice,40\n")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if !bytes.Contains(body, []byte(`"summary":"sites.csv: 1 rows, 1 loaded, 0 rejected"`)) {
		t.Errorf("summary missing: %s", body)
	}
	_, after := get(t, srv.URL+"/api/v1/kpis")
	if bytes.Contains(before, []byte(`"NICE"`)) || !bytes.Contains(after, []byte(`"site_id":"NICE"`)) {
		t.Error("the new site is not in the document after the upload")
	}
	if snap := srv.Snaps.Latest(); snap == nil || snap.Version != db.Version() {
		t.Error("today's snapshot was not refreshed after the load")
	}
	resp, body = upload(t, srv.URL, "sites.csv", "site_id,name,headcount\nX,,1\n")
	if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte(`"ok":false`)) {
		t.Errorf("a rejected row: status %d %s", resp.StatusCode, body)
	}
}

func TestUploadIsRefusedOffLoopbackAndCrossOrigin(t *testing.T) {
	db := hostileDB(t)
	// Listening on every address (connecting through 127.0.0.1 only).
	srv := startServerOn(t, db, "0.0.0.0:0", func(o *Options) { o.Ingest = sitesCSVIngest(db) })
	resp, body := upload(t, srv.URL, "sites.csv", "site_id,name,headcount\nNICE,Nice,40\n")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403: %s", resp.StatusCode, body)
	}
	local := startServer(t, db, func(o *Options) { o.Ingest = sitesCSVIngest(db) })
	r, _ := request(t, http.MethodPost, local.URL+"/api/v1/ingest", strings.NewReader(""),
		"Sec-Fetch-Site", "cross-site", "Content-Type", "multipart/form-data; boundary=x")
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site upload: %d, want 403", r.StatusCode)
	}
}

func TestInboxLoadsCompleteFilesInNameOrderAndMovesThem(t *testing.T) {
	db := hostileDB(t)
	dir := t.TempDir()
	var (
		mu    sync.Mutex // order is appended by the inbox's goroutine
		order []string
	)
	// The files are in the inbox before it starts, written long ago (as
	// files written elsewhere and renamed in): its first scan finds them all
	// complete and takes them in name order, however busy the machine.
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	write("b_sites.csv", "site_id,name,headcount\nNICE,Nice,40\n")
	write("a_sites.csv", "site_id,name,headcount\nBREST,Brest,30\n")
	write("c_bad.csv", "site_id,name,headcount\nX,,1\n")
	write("d.csv.part", "site_id,name,headcount\n")
	ing := sitesCSVIngest(db)
	srv := startServer(t, db, func(o *Options) {
		o.InboxDir = dir
		o.InboxSettle = 200 * time.Millisecond
		o.Ingest = func(ctx context.Context, path, name string) (IngestOutcome, error) {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return ing(ctx, path, name)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, e1 := os.Stat(filepath.Join(dir, "done", "a_sites.csv"))
		_, e2 := os.Stat(filepath.Join(dir, "done", "b_sites.csv"))
		_, e3 := os.Stat(filepath.Join(dir, "failed", "c_bad.csv.error.txt"))
		if e1 == nil && e2 == nil && e3 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("inbox did not take the files: %v %v %v", e1, e2, e3)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	got := strings.Join(order, ",")
	mu.Unlock()
	if got != "a_sites.csv,b_sites.csv,c_bad.csv" {
		t.Errorf("load order %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "d.csv.part")); err != nil {
		t.Error("the partial file was touched")
	}
	msg, _ := os.ReadFile(filepath.Join(dir, "failed", "c_bad.csv.error.txt"))
	if !strings.Contains(string(msg), "c_bad.csv:2: name") {
		t.Errorf("error file: %q", msg)
	}
	_, body := get(t, srv.URL+"/api/v1/kpis")
	if !bytes.Contains(body, []byte(`"site_id":"BREST"`)) || !bytes.Contains(body, []byte(`"site_id":"NICE"`)) {
		t.Error("inbox loads are not in the document")
	}
	_, page := get(t, srv.URL+"/data")
	if !bytes.Contains(page, []byte("c_bad.csv:2: name")) {
		t.Error("the data page does not show the inbox's last results")
	}
	// Each file is in the audit log, loaded by the inbox, with its result.
	events, err := db.AuditLog(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]string{}
	for _, e := range events {
		if e.Action == queries.AuditUpload && e.Actor == "inbox" {
			audited[e.Target] = e.Outcome
		}
	}
	if !strings.HasPrefix(audited["inbox/a_sites.csv"], "ok") || !strings.HasPrefix(audited["inbox/c_bad.csv"], "refused") {
		t.Errorf("audit log of the inbox: %v", audited)
	}
}

func TestServerWithoutEChartsSaysSo(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	_, body := get(t, srv.URL+"/")
	has := bytes.Contains(body, []byte(`id="no-echarts"`))
	if has == EChartsEmbedded() {
		t.Errorf("banner shown=%v while echarts embedded=%v", has, EChartsEmbedded())
	}
	resp, _ := get(t, srv.URL+"/static/echarts.min.js")
	if (resp.StatusCode == 200) != EChartsEmbedded() {
		t.Errorf("echarts.min.js status %d while embedded=%v", resp.StatusCode, EChartsEmbedded())
	}
}

func TestInboxTurnsAPanicIntoAFailedFileAndGoesOn(t *testing.T) {
	db := hostileDB(t)
	dir := t.TempDir()
	for _, name := range []string{"a_boom.csv", "b_sites.csv"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("site_id,name,headcount\nNICE,Nice,40\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	ing := sitesCSVIngest(db)
	startServer(t, db, func(o *Options) {
		o.InboxDir = dir
		o.InboxSettle = 200 * time.Millisecond
		o.Ingest = func(ctx context.Context, path, name string) (IngestOutcome, error) {
			if name == "a_boom.csv" {
				panic("injected")
			}
			return ing(ctx, path, name)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, e1 := os.Stat(filepath.Join(dir, "failed", "a_boom.csv.error.txt"))
		_, e2 := os.Stat(filepath.Join(dir, "done", "b_sites.csv"))
		if e1 == nil && e2 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("inbox did not go on after the panic: %v %v", e1, e2)
		}
		time.Sleep(20 * time.Millisecond)
	}
	msg, _ := os.ReadFile(filepath.Join(dir, "failed", "a_boom.csv.error.txt"))
	if !strings.Contains(string(msg), "internal error: injected") {
		t.Errorf("error file: %q", msg)
	}
}
