package auth

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// siteUser is a provider user whose ID token also carries a sites claim.
type siteUser struct {
	*mockoidc.MockUser
	sites []string
}

func (u siteUser) Claims(scope []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	c, err := u.MockUser.Claims(scope, base)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	m := jwt.MapClaims{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["relais_sites"] = u.sites
	return m, nil
}

// clock is a test clock safe to read from the server's goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type oidcRig struct {
	op    *mockoidc.MockOIDC
	auth  *Auth
	app   *httptest.Server
	clock *clock
	signs []string
}

var testRoles = []GroupRole{
	{Group: "relais-core", Role: RoleCoreTeam},
	{Group: "relais-sponsor", Role: RoleSponsor},
	{Group: "relais-amb-lyon", Role: RoleAmbassador, Sites: []string{"LYON"}},
	{Group: "relais-ambassadors", Role: RoleAmbassador},
}

// newOIDCRig starts a real OpenID provider (mockoidc) and an app server
// with the sign-in routes and /whoami, both on 127.0.0.1.
func newOIDCRig(t *testing.T, edit func(*Config)) *oidcRig {
	t.Helper()
	op, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Shutdown() })
	r := &oidcRig{op: op, clock: &clock{t: time.Now()}}
	mux := http.NewServeMux()
	r.app = httptest.NewServer(mux)
	t.Cleanup(r.app.Close)
	oc := op.Config()
	cfg := Config{
		OIDC: &OIDCConfig{
			Issuer: oc.Issuer, ClientID: oc.ClientID, ClientSecret: oc.ClientSecret,
			RedirectURL: r.app.URL + CallbackPath, SitesClaim: "relais_sites",
		},
		Roles: testRoles,
		Now:   r.clock.Now,
		OnSignIn: func(_ *http.Request, u *User) {
			r.signs = append(r.signs, u.Name)
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	r.auth, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc(LoginPath, r.auth.Login)
	mux.HandleFunc(CallbackPath, r.auth.Callback)
	mux.HandleFunc(LogoutPath, r.auth.Logout)
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, req *http.Request) {
		u, err := r.auth.Identify(w, req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(u)
	})
	return r
}

func newClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// signIn runs the whole authorization code flow for user with a client
// that follows redirects, and returns the /whoami answer.
func (r *oidcRig) signIn(t *testing.T, c *http.Client, user mockoidc.User) (int, string) {
	t.Helper()
	r.op.QueueUser(user)
	return get(t, c, r.app.URL+LoginPath+"?return=/whoami")
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

func mockUser(sub string, groups ...string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: sub, Email: sub + "@example.com", PreferredUsername: sub, Groups: groups}
}

func decodeUser(t *testing.T, body string) User {
	t.Helper()
	var u User
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatalf("whoami answered %q: %v", body, err)
	}
	return u
}

func TestOIDCCodeFlowSignsInWithTheRoleOfTheGroups(t *testing.T) {
	r := newOIDCRig(t, nil)
	cases := []struct {
		name  string
		user  mockoidc.User
		role  Role
		sites []string
	}{
		{"core team", mockUser("alice", "relais-core", "staff"), RoleCoreTeam, nil},
		{"sponsor", mockUser("sam", "relais-sponsor"), RoleSponsor, nil},
		{"ambassador by mapping", mockUser("lea", "relais-amb-lyon"), RoleAmbassador, []string{"LYON"}},
		{"ambassador by claim", siteUser{mockUser("bob", "relais-ambassadors"), []string{"NANTES", "BREST"}}, RoleAmbassador, []string{"BREST", "NANTES"}},
		{"missing group gives the lowest role", mockUser("vic", "staff"), RoleViewer, nil},
		{"no groups at all", mockUser("nog"), RoleViewer, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t)
			code, body := r.signIn(t, c, tc.user)
			if code != http.StatusOK {
				t.Fatalf("sign-in: %d %s", code, body)
			}
			u := decodeUser(t, body)
			if u.Role != tc.role || strings.Join(u.Sites, ",") != strings.Join(tc.sites, ",") {
				t.Fatalf("signed in as %+v, want role %s sites %v", u, tc.role, tc.sites)
			}
			// The session is a cookie: the next request is still signed in.
			if code, _ := get(t, c, r.app.URL+"/whoami"); code != http.StatusOK {
				t.Fatalf("second request: %d", code)
			}
		})
	}
	if len(r.signs) != len(cases) {
		t.Fatalf("OnSignIn called %d times, want %d", len(r.signs), len(cases))
	}
}

func TestOIDCDefaultRoleNoneRefusesUnmappedGroups(t *testing.T) {
	r := newOIDCRig(t, func(c *Config) { c.DefaultRole = RoleRefused })
	code, body := r.signIn(t, newClient(t), mockUser("vic", "staff"))
	if code != http.StatusForbidden {
		t.Fatalf("got %d %s, want 403", code, body)
	}
}

func TestOIDCSessionCookieFlags(t *testing.T) {
	r := newOIDCRig(t, nil)
	r.op.QueueUser(mockUser("alice", "relais-core"))
	c := newClient(t)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/whoami" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := c.Get(r.app.URL + LoginPath + "?return=/whoami")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "relais_session" {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatalf("no session cookie in %v", resp.Header["Set-Cookie"])
	}
	if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure || sess.Path != "/" {
		t.Fatalf("session cookie flags: %+v", sess)
	}
	if strings.Contains(sess.Value, "alice") || strings.Contains(sess.Value, "relais-core") {
		t.Fatal("the session cookie is readable: it must be encrypted")
	}
}

func TestOIDCSessionEndsAfterIdleAndAbsoluteLifetimes(t *testing.T) {
	r := newOIDCRig(t, func(c *Config) { c.IdleTimeout = 30 * time.Minute; c.AbsoluteTimeout = 2 * time.Hour })
	c := newClient(t)
	if code, body := r.signIn(t, c, mockUser("alice", "relais-core")); code != http.StatusOK {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	// Used every 20 minutes, the session lives until the absolute limit.
	for range 5 {
		r.clock.Add(20 * time.Minute)
		if code, body := get(t, c, r.app.URL+"/whoami"); code != http.StatusOK {
			t.Fatalf("after %v: %d %s", 20*time.Minute, code, body)
		}
	}
	r.clock.Add(21 * time.Minute) // 2h01 after sign-in
	if code, _ := get(t, c, r.app.URL+"/whoami"); code != http.StatusUnauthorized {
		t.Fatalf("past the absolute lifetime: %d, want 401", code)
	}
	// A fresh session left alone for longer than the idle lifetime ends
	// (a new rig: the provider's tokens follow the real clock).
	r = newOIDCRig(t, func(c *Config) { c.IdleTimeout = 30 * time.Minute; c.AbsoluteTimeout = 2 * time.Hour })
	c = newClient(t)
	if code, body := r.signIn(t, c, mockUser("alice", "relais-core")); code != http.StatusOK {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	r.clock.Add(31 * time.Minute)
	if code, _ := get(t, c, r.app.URL+"/whoami"); code != http.StatusUnauthorized {
		t.Fatalf("past the idle lifetime: %d, want 401", code)
	}
}

func TestOIDCSignOutEndsTheSession(t *testing.T) {
	r := newOIDCRig(t, nil)
	c := newClient(t)
	if code, body := r.signIn(t, c, mockUser("alice", "relais-core")); code != http.StatusOK {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	resp, err := c.Post(r.app.URL+LogoutPath, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _ := get(t, c, r.app.URL+"/whoami"); code != http.StatusUnauthorized {
		t.Fatalf("after sign-out: %d, want 401", code)
	}
}

func TestOIDCCallbackRefusesAWrongState(t *testing.T) {
	r := newOIDCRig(t, nil)
	r.op.QueueUser(mockUser("alice", "relais-core"))
	c := newClient(t)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == CallbackPath {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := c.Get(r.app.URL + LoginPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || cb.Path != CallbackPath {
		t.Fatalf("provider redirected to %q", resp.Header.Get("Location"))
	}
	q := cb.Query()
	q.Set("state", "forged")
	cb.RawQuery = q.Encode()
	if code, body := get(t, c, cb.String()); code != http.StatusUnauthorized || !strings.Contains(body, "state") {
		t.Fatalf("wrong state: %d %s", code, body)
	}
	// And a callback without the sign-in cookie (another browser) too.
	if code, _ := get(t, newClient(t), resp.Header.Get("Location")); code != http.StatusUnauthorized {
		t.Fatalf("callback without the sign-in cookie: %d", code)
	}
}

// TestIDTokenVerificationRefusesBadTokens signs tokens by hand: with the
// provider's key but expired or for another audience or issuer, and with a
// key the provider never published (forged).
func TestIDTokenVerificationRefusesBadTokens(t *testing.T) {
	r := newOIDCRig(t, nil)
	oc := r.op.Config()
	forger, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := func(edit func(*jwt.RegisteredClaims)) jwt.MapClaims {
		rc := jwt.RegisteredClaims{
			Issuer: oc.Issuer, Subject: "mallory", Audience: jwt.ClaimStrings{oc.ClientID},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		}
		edit(&rc)
		b, _ := json.Marshal(rc)
		m := jwt.MapClaims{}
		_ = json.Unmarshal(b, &m)
		m["groups"] = []string{"relais-core"}
		return m
	}
	good, err := r.op.Keypair.SignJWT(claims(func(*jwt.RegisteredClaims) {}))
	if err != nil {
		t.Fatal(err)
	}
	if u, _, err := r.auth.VerifyIDToken(t.Context(), good); err != nil || u.Role != RoleCoreTeam {
		t.Fatalf("a valid token: %v %v", u, err)
	}
	bad := map[string]func() (string, error){
		"expired": func() (string, error) {
			return r.op.Keypair.SignJWT(claims(func(c *jwt.RegisteredClaims) {
				c.IssuedAt = jwt.NewNumericDate(now.Add(-3 * time.Hour))
				c.ExpiresAt = jwt.NewNumericDate(now.Add(-2 * time.Hour))
			}))
		},
		"wrong audience": func() (string, error) {
			return r.op.Keypair.SignJWT(claims(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"another-app"} }))
		},
		"wrong issuer": func() (string, error) {
			return r.op.Keypair.SignJWT(claims(func(c *jwt.RegisteredClaims) { c.Issuer = "http://127.0.0.1:1/evil" }))
		},
		"forged signature": func() (string, error) {
			return forger.SignJWT(claims(func(*jwt.RegisteredClaims) {}))
		},
		"tampered payload": func() (string, error) {
			parts := strings.Split(good, ".")
			other, err := r.op.Keypair.SignJWT(claims(func(c *jwt.RegisteredClaims) { c.Subject = "root" }))
			return parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2], err
		},
	}
	for name, mk := range bad {
		t.Run(name, func(t *testing.T) {
			tok, err := mk()
			if err != nil {
				t.Fatal(err)
			}
			if u, _, err := r.auth.VerifyIDToken(t.Context(), tok); err == nil {
				t.Fatalf("accepted: %+v", u)
			}
		})
	}
}

func TestSecureCookiesOnlyOverHTTPSOrFromATrustedProxy(t *testing.T) {
	a, err := New(Config{OIDC: &OIDCConfig{Issuer: "http://x", ClientID: "c", RedirectURL: "http://x/cb"},
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	req := func(remote, proto string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = net.JoinHostPort(remote, "5555")
		if proto != "" {
			r.Header.Set("X-Forwarded-Proto", proto)
		}
		return r
	}
	if a.Secure(req("192.0.2.1", "https")) {
		t.Fatal("X-Forwarded-Proto from an untrusted address was believed")
	}
	if !a.Secure(req("10.1.2.3", "https")) {
		t.Fatal("X-Forwarded-Proto from the trusted proxy was ignored")
	}
	if a.Secure(req("10.1.2.3", "http")) {
		t.Fatal("plain HTTP from the proxy taken as secure")
	}
	if a.sessionCookie(req("10.1.2.3", "https")) != "__Host-relais_session" {
		t.Fatal("no __Host- prefix over HTTPS")
	}
}

func TestProxyHeadersAreBelievedOnlyFromTrustedAddresses(t *testing.T) {
	a, err := New(Config{
		Proxy: &ProxyConfig{UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups", Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
		Roles: testRoles,
	})
	if err != nil {
		t.Fatal(err)
	}
	req := func(remote, user, groups string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote + ":4000"
		if user != "" {
			r.Header.Set("X-Forwarded-User", user)
		}
		r.Header.Set("X-Forwarded-Groups", groups)
		return r
	}
	u, err := a.Identify(nil, req("127.0.0.1", "alice", "staff, relais-amb-lyon"))
	if err != nil || u.Role != RoleAmbassador || strings.Join(u.Sites, ",") != "LYON" {
		t.Fatalf("trusted proxy: %+v %v", u, err)
	}
	if _, err := a.Identify(nil, req("192.0.2.7", "alice", "relais-core")); !errors.Is(err, ErrUntrustedProxy) {
		t.Fatalf("untrusted address: %v, want ErrUntrustedProxy", err)
	}
	if _, err := a.Identify(nil, req("127.0.0.1", "", "relais-core")); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("no user header: %v, want ErrNotSignedIn", err)
	}
	if u, _ := a.Identify(nil, req("127.0.0.1", "vic", "")); u == nil || u.Role != RoleViewer {
		t.Fatalf("no group: %+v, want viewer", u)
	}
}

func TestMetricsTokenIsComparedExactly(t *testing.T) {
	a, err := New(Config{Proxy: &ProxyConfig{UserHeader: "U", Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, MetricsToken: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	for auth, want := range map[string]bool{"Bearer s3cret": true, "Bearer s3cre": false, "Bearer s3cretx": false, "s3cret": false, "": false, "Basic s3cret": false} {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.Header.Set("Authorization", auth)
		if got := a.MetricsAllowed(r); got != want {
			t.Errorf("Authorization %q: %v, want %v", auth, got, want)
		}
	}
}
