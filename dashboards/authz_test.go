package dashboards

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"github.com/xuri/excelize/v2"

	"relais/dashboards/auth"
	"relais/internal/testfixture"
	"relais/queries"
)

var testRoleMap = []auth.GroupRole{
	{Group: "g-core", Role: auth.RoleCoreTeam},
	{Group: "g-sponsor", Role: auth.RoleSponsor},
	{Group: "g-amb-lyon", Role: auth.RoleAmbassador, Sites: []string{"LYON"}},
}

// proxyAuth trusts identity headers from 127.0.0.1 (where the tests run).
func proxyAuth(t testing.TB) *auth.Auth {
	t.Helper()
	a, err := auth.New(auth.Config{
		Proxy: &auth.ProxyConfig{UserHeader: "X-Test-User", GroupsHeader: "X-Test-Groups",
			Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
		Roles:        testRoleMap,
		MetricsToken: "prom-token",
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// caller is one role of the table: the headers it sends.
type caller struct {
	name    string
	headers []string
	// names it may see in answers, and names it must never see.
	mayNot []string
}

var callers = []caller{
	{"anonymous", nil, nil},
	{"viewer", []string{"X-Test-User", "vic", "X-Test-Groups", "staff"}, []string{"Alice", "Paul"}},
	{"ambassador LYON", []string{"X-Test-User", "lea", "X-Test-Groups", "g-amb-lyon"}, []string{"Paul"}},
	{"sponsor", []string{"X-Test-User", "sam", "X-Test-Groups", "g-sponsor"}, []string{"Alice", "Paul"}},
	{"core team", []string{"X-Test-User", "cora", "X-Test-Groups", "g-core"}, nil},
	{"metrics token", []string{"Authorization", "Bearer prom-token"}, nil},
}

func do(t *testing.T, method, url string, body io.Reader, ctype string, headers []string) (*http.Response, []byte) {
	t.Helper()
	if ctype != "" {
		headers = append([]string{"Content-Type", ctype}, headers...)
	}
	return request(t, method, url, body, headers...)
}

func sitesUpload(t *testing.T) (io.Reader, string) {
	t.Helper()
	return testfixture.FileForm(t, "sites.csv", []byte("site_id,name,headcount\nNANTES,Nantes,40\n"))
}

// answerText is what a person reads in an answer: the cells of a
// workbook, the bytes of anything else.
func answerText(t *testing.T, resp *http.Response, body []byte) string {
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.openxmlformats") {
		return string(body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sb strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for _, r := range rows {
			sb.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return sb.String()
}

func TestEveryRoleAgainstEveryRoute(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, func(o *Options) {
		o.Auth = proxyAuth(t)
		o.Ingest = sitesCSVIngest(db)
		o.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("relais_up 1\n")) })
	})
	const (
		ok  = 200
		no  = 401
		bad = 403
	)
	// want[i] is the status for callers[i].
	routes := []struct {
		method, path string
		want         [6]int
	}{
		{"GET", "/healthz", [6]int{ok, ok, ok, ok, ok, ok}},
		{"GET", "/static/app.css", [6]int{ok, ok, ok, ok, ok, ok}},
		{"GET", "/", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/sites", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/sites/LYON", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/sites/PARIS", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/committee", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/ideas/I2", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/challenges", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/committee?site=PARIS&decision=rejected&month=2026-10&page=1&per_page=5", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/committee?print=1", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/committee?challenge=NOPE", [6]int{no, 404, 404, 404, 404, no}},
		{"GET", "/data", [6]int{no, bad, bad, bad, ok, no}},
		{"GET", "/api/v1/kpis", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/api/v1/sites/LYON", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/api/v1/sites/PARIS", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/api/v1/series", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/api/v1/committee", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/api/v1/ideas/I2", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/api/v1/challenges", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/api/v1/committee?site=EVIL&decision=retained&page=1&per_page=5", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/api/v1/data", [6]int{no, bad, bad, bad, ok, no}},
		{"GET", "/data/audit", [6]int{no, bad, bad, bad, ok, no}},
		{"GET", "/api/v1/audit", [6]int{no, bad, bad, bad, ok, no}},
		{"GET", "/export.xlsx", [6]int{no, ok, ok, ok, ok, no}},
		{"GET", "/metrics", [6]int{no, no, no, no, no, ok}},
		{"GET", "/nope", [6]int{no, 404, 404, 404, 404, no}},
		{"POST", "/api/v1/ingest", [6]int{no, bad, bad, bad, ok, no}},
	}
	for _, rt := range routes {
		for i, c := range callers {
			t.Run(rt.method+" "+rt.path+" as "+c.name, func(t *testing.T) {
				var body io.Reader
				ctype := ""
				if rt.method == "POST" {
					body, ctype = sitesUpload(t)
				}
				resp, b := do(t, rt.method, srv.URL+rt.path, body, ctype, c.headers)
				if resp.StatusCode != rt.want[i] {
					t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, rt.want[i], b)
				}
				if resp.StatusCode != ok {
					return
				}
				text := answerText(t, resp, b)
				for _, name := range c.mayNot {
					if strings.Contains(text, name) {
						t.Errorf("the answer names %q, whom %s may not see", name, c.name)
					}
				}
			})
		}
	}
	// The core team and the LYON ambassador do see LYON's ambassador.
	for _, c := range []caller{callers[2], callers[4]} {
		if _, b := do(t, "GET", srv.URL+"/api/v1/sites/LYON", nil, "", c.headers); !bytes.Contains(b, []byte("Alice")) {
			t.Errorf("%s does not see LYON's ambassador: %.300s", c.name, b)
		}
	}
	// Pages are cached per scope: the core team's rendering, cached first,
	// is never served to a viewer or to another site's ambassador.
	for _, path := range []string{"/sites/PARIS?lang=en", "/committee?lang=en", "/committee?lang=en&print=1", "/api/v1/sites/PARIS", "/api/v1/committee?page=1"} {
		do(t, "GET", srv.URL+path, nil, "", callers[4].headers)
		for _, c := range []caller{callers[1], callers[2], callers[3]} {
			if _, b := do(t, "GET", srv.URL+path, nil, "", c.headers); bytes.Contains(b, []byte("Paul")) {
				t.Errorf("%s after the core team: %s sees Paul", path, c.name)
			}
		}
	}
	// Ideas of other sites lose their author for the ambassador.
	_, b := do(t, "GET", srv.URL+"/api/v1/sites/PARIS", nil, "", callers[2].headers)
	if bytes.Contains(b, []byte(`"author_id":"P`)) {
		t.Errorf("PARIS idea authors shown to LYON's ambassador: %.400s", b)
	}
	// In the committee's answer too (the group's top, every site's, the
	// synthesis's longest waiting): EVIL's I1 is P01's, LYON's I2 P00's;
	// the core team sees both, the LYON ambassador LYON's only, the sponsor
	// neither.
	for _, c := range []struct {
		who      caller
		p00, p01 bool
	}{{callers[4], true, true}, {callers[2], true, false}, {callers[3], false, false}} {
		_, b := do(t, "GET", srv.URL+"/api/v1/committee?month=2026-11", nil, "", c.who.headers)
		if got := bytes.Contains(b, []byte(`"author_id":"P00"`)); got != c.p00 {
			t.Errorf("%s sees LYON's author: %v, want %v", c.who.name, got, c.p00)
		}
		if got := bytes.Contains(b, []byte(`"author_id":"P01"`)); got != c.p01 {
			t.Errorf("%s sees EVIL's author: %v, want %v", c.who.name, got, c.p01)
		}
	}
}

func TestRefusalsArePagesInTheReadersLanguage(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, func(o *Options) { o.Auth = proxyAuth(t) })
	viewer := callers[1].headers
	for lang, want := range map[string]string{"en": "Access denied", "fr": "Accès refusé"} {
		resp, b := do(t, "GET", srv.URL+"/data", nil, "", append([]string{"Accept-Language", lang}, viewer...))
		if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s: %d %s, want a 403 page saying %q: %.300s", lang, resp.StatusCode, resp.Header.Get("Content-Type"), want, b)
		}
	}
}

func TestIdentityHeadersFromAnUntrustedAddressAreRefused(t *testing.T) {
	db := hostileDB(t)
	a, err := auth.New(auth.Config{
		Proxy: &auth.ProxyConfig{UserHeader: "X-Test-User", GroupsHeader: "X-Test-Groups",
			Trusted: []netip.Prefix{netip.MustParsePrefix("10.9.9.9/32")}},
		Roles: testRoleMap,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, db, func(o *Options) { o.Auth = a })
	resp, b := do(t, "GET", srv.URL+"/api/v1/kpis", nil, "", callers[4].headers)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403: %s", resp.StatusCode, b)
	}
}

func TestCrossOriginStateChangesAreRefusedEvenForTheCoreTeam(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, func(o *Options) { o.Auth = proxyAuth(t); o.Ingest = sitesCSVIngest(db) })
	for _, h := range [][]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}} {
		body, ctype := sitesUpload(t)
		resp, b := do(t, "POST", srv.URL+"/api/v1/ingest", body, ctype, append(h, callers[4].headers...))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403: %s", h, resp.StatusCode, b)
		}
	}
	events, err := db.AuditLog(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Action == queries.AuditUpload {
			t.Errorf("a refused cross-origin upload reached the loader: %+v", e)
		}
	}
}

// TestSignInThroughARealProviderThenAuditIt runs the whole OpenID Connect
// code flow against the server: a page redirects to the provider, the
// provider back to the callback, and the page answers; the sign-in is in
// the audit log.
func TestSignInThroughARealProviderThenAuditIt(t *testing.T) {
	db := hostileDB(t)
	op, app := startOIDCApp(t, db)
	op.QueueUser(&mockoidc.MockUser{Subject: "u-42", Email: "cora@example.com", PreferredUsername: "cora", Groups: []string{"g-core"}})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	// Not signed in: the API answers 401, a page redirects to the provider.
	resp, err := client.Get(app.URL + "/api/v1/kpis")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API before sign-in: %d, want 401", resp.StatusCode)
	}
	resp, err = client.Get(app.URL + "/data")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/data" || !bytes.Contains(b, []byte("dangling")) {
		t.Fatalf("after the code flow: %d at %s: %.300s", resp.StatusCode, resp.Request.URL, b)
	}
	events, err := db.AuditLog(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != queries.AuditSignIn || events[0].Actor != "cora" || events[0].Role != "core_team" {
		t.Fatalf("audit log: %+v", events)
	}
}

func TestTheCoreTeamForgetsAPersonAndTheAuditSaysSoWithoutWhom(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, func(o *Options) { o.Auth = proxyAuth(t); o.RetentionMonths = 13 })
	core, viewer := callers[4].headers, callers[1].headers
	if _, b := do(t, "GET", srv.URL+"/api/v1/sites/LYON", nil, "", core); !bytes.Contains(b, []byte("Alice")) {
		t.Fatalf("fixture: no Alice on LYON: %.300s", b)
	}
	body := func() io.Reader { return strings.NewReader(`{"person_id":"A1"}`) }
	if resp, b := do(t, "POST", srv.URL+"/api/v1/forget", body(), "application/json", viewer); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a viewer forgot someone: %d %s", resp.StatusCode, b)
	}
	resp, b := do(t, "POST", srv.URL+"/api/v1/forget", body(), "application/json", core)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("forget: %d %s", resp.StatusCode, b)
	}
	for _, path := range []string{"/api/v1/sites/LYON", "/sites/LYON", "/api/v1/committee", "/export.xlsx"} {
		resp, b := do(t, "GET", srv.URL+path, nil, "", core)
		if text := answerText(t, resp, b); strings.Contains(text, "Alice") || strings.Contains(text, `"A1"`) {
			t.Errorf("%s still names the forgotten person", path)
		}
	}
	if resp, _ := do(t, "POST", srv.URL+"/api/v1/forget", body(), "application/json", core); resp.StatusCode != http.StatusNotFound {
		t.Errorf("forgetting twice: %d, want 404", resp.StatusCode)
	}
	resp, b = do(t, "GET", srv.URL+"/api/v1/audit", nil, "", core)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"action":"forget"`)) || !bytes.Contains(b, []byte(`"retention_activity_months":13`)) {
		t.Fatalf("audit: %d %s", resp.StatusCode, b)
	}
	if bytes.Contains(b, []byte("A1")) || bytes.Contains(b, []byte("Alice")) {
		t.Errorf("the audit log names the forgotten person: %s", b)
	}
	resp, b = do(t, "GET", srv.URL+"/data/audit?lang=en", nil, "", core)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte("person forgotten")) || !bytes.Contains(b, []byte("older than 13 months")) {
		t.Errorf("audit page: %d %.500s", resp.StatusCode, b)
	}
	if _, b := do(t, "GET", srv.URL+"/data?lang=en", nil, "", core); !bytes.Contains(b, []byte(`href="/data/audit`)) || !bytes.Contains(b, []byte("older than 13 months")) {
		t.Errorf("/data does not link the audit page or say what the retention deletes")
	}
}

// startOIDCApp starts a real OpenID provider (mockoidc) and the server
// signing people in through it, both on 127.0.0.1.
func startOIDCApp(t *testing.T, db *queries.DB) (*mockoidc.MockOIDC, *testServer) {
	t.Helper()
	op, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Shutdown() })
	// The redirect URL names the port: take a free one first.
	addr := testfixture.FreeAddr(t)
	cfg := op.Config()
	a, err := auth.New(auth.Config{
		OIDC:  &auth.OIDCConfig{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: "http://" + addr + auth.CallbackPath},
		Roles: testRoleMap,
	})
	if err != nil {
		t.Fatal(err)
	}
	return op, startServerOn(t, db, addr, func(o *Options) { o.Auth = a })
}
