package auth

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
)

// ErrNotSignedIn means the request carries no valid session (401, or a
// redirect to the sign-in page for a browser).
var ErrNotSignedIn = errors.New("not signed in")

// ErrUntrustedProxy means identity headers came from an address that is
// not a trusted proxy (403).
var ErrUntrustedProxy = errors.New("request did not come through the trusted proxy")

// ErrNoRole means the person signed in but their groups give no role and
// auth.default_role is none (403).
var ErrNoRole = errors.New("signed in, but no relais role for these groups")

// Auth signs people in and identifies them on every request.
type Auth struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	codecs []securecookie.Codec // the session cookie
	login  []securecookie.Codec // the short-lived sign-in state cookie

	oidcMu   sync.Mutex
	provider *oidcProvider // discovered on first use, then kept
}

// New checks cfg and prepares the session keys. It does not contact the
// provider: discovery happens at the first sign-in, so that relais starts
// while the provider is down.
func New(cfg Config) (*Auth, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = time.Hour
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = 12 * time.Hour
	}
	if cfg.DefaultRole == RoleNone {
		cfg.DefaultRole = RoleViewer
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Proxy != nil {
		cfg.TrustedProxies = append(slices.Clone(cfg.TrustedProxies), cfg.Proxy.Trusted...)
	}
	a := &Auth{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	secret := cfg.SessionSecret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	var err error
	if a.codecs, err = codecs(secret, "session", int(cfg.AbsoluteTimeout/time.Second)); err != nil {
		return nil, err
	}
	if a.login, err = codecs(secret, "login", int(loginTimeout/time.Second)); err != nil {
		return nil, err
	}
	return a, nil
}

// codecs derives an HMAC-SHA256 key and an AES-256 key for one cookie
// purpose from the secret (HKDF), so that one key file serves both
// cookies and neither key is the raw file.
func codecs(secret []byte, purpose string, maxAge int) ([]securecookie.Codec, error) {
	hashKey, err := hkdf.Key(sha256.New, secret, nil, "relais "+purpose+" mac", 32)
	if err != nil {
		return nil, fmt.Errorf("auth: derive keys: %w", err)
	}
	blockKey, err := hkdf.Key(sha256.New, secret, nil, "relais "+purpose+" aes", 32)
	if err != nil {
		return nil, fmt.Errorf("auth: derive keys: %w", err)
	}
	sc := securecookie.New(hashKey, blockKey).MaxAge(maxAge).SetSerializer(securecookie.JSONEncoder{})
	return []securecookie.Codec{sc}, nil
}

// OIDC says whether people sign in through OpenID Connect (the /auth/*
// routes), rather than through a proxy.
func (a *Auth) OIDC() bool { return a.cfg.OIDC != nil }

// session is the content of the session cookie.
type session struct {
	User     User  `json:"u"`
	Issued   int64 `json:"i"` // unix seconds of the sign-in
	LastSeen int64 `json:"s"` // unix seconds of the last request
}

// sessionTouchEvery bounds how often a request rewrites the cookie to move
// the idle deadline.
const sessionTouchEvery = time.Minute

// Identify returns the person making the request: from the proxy headers
// (auth.proxy) or the session cookie (auth.oidc), in which case it may
// refresh the cookie's idle deadline on w.
func (a *Auth) Identify(w http.ResponseWriter, r *http.Request) (*User, error) {
	if a.cfg.Proxy != nil {
		return a.fromProxy(r)
	}
	c, err := r.Cookie(a.sessionCookie(r))
	if err != nil {
		return nil, ErrNotSignedIn
	}
	var s session
	if err := securecookie.DecodeMulti(c.Name, c.Value, &s, a.codecs...); err != nil {
		return nil, ErrNotSignedIn
	}
	now := a.now()
	if now.Sub(time.Unix(s.Issued, 0)) > a.cfg.AbsoluteTimeout || now.Sub(time.Unix(s.LastSeen, 0)) > a.cfg.IdleTimeout {
		a.clearSession(w, r)
		return nil, ErrNotSignedIn
	}
	if now.Sub(time.Unix(s.LastSeen, 0)) >= sessionTouchEvery {
		s.LastSeen = now.Unix()
		if err := a.writeSession(w, r, s); err != nil {
			return nil, err
		}
	}
	u := s.User
	return &u, nil
}

func (a *Auth) writeSession(w http.ResponseWriter, r *http.Request, s session) error {
	v, err := securecookie.EncodeMulti(a.sessionCookie(r), s, a.codecs...)
	if err != nil {
		return fmt.Errorf("auth: encode session: %w", err)
	}
	http.SetCookie(w, a.cookie(r, a.sessionCookie(r), v, int(a.cfg.AbsoluteTimeout/time.Second)))
	return nil
}

func (a *Auth) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, a.cookie(r, a.sessionCookie(r), "", -1))
}

// sessionCookie is the session cookie's name: with the __Host- prefix over
// HTTPS, so that no subdomain can set or shadow it.
func (a *Auth) sessionCookie(r *http.Request) string {
	if a.Secure(r) {
		return "__Host-relais_session"
	}
	return "relais_session"
}

func (a *Auth) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: a.Secure(r), SameSite: http.SameSiteLaxMode,
	}
}

// Secure says whether the request came over HTTPS: TLS to this server, or
// X-Forwarded-Proto: https from a trusted proxy (and only then).
func (a *Auth) Secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") && a.trusted(r, a.cfg.TrustedProxies)
}

func (a *Auth) trusted(r *http.Request, nets []netip.Prefix) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func (a *Auth) fromProxy(r *http.Request) (*User, error) {
	p := a.cfg.Proxy
	if !a.trusted(r, p.Trusted) {
		return nil, ErrUntrustedProxy
	}
	sub := strings.TrimSpace(r.Header.Get(p.UserHeader))
	if sub == "" {
		return nil, ErrNotSignedIn
	}
	name := sub
	if p.NameHeader != "" {
		if n := strings.TrimSpace(r.Header.Get(p.NameHeader)); n != "" {
			name = n
		}
	}
	var groups, sites []string
	if p.GroupsHeader != "" {
		groups = splitList(r.Header.Values(p.GroupsHeader))
	}
	if p.SitesHeader != "" {
		sites = splitList(r.Header.Values(p.SitesHeader))
	}
	return a.user(sub, name, groups, sites)
}

func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// user maps groups to a role: the highest role among the matching
// mappings; an ambassador's sites are those of the mappings plus
// claimSites. No match gives DefaultRole (viewer unless configured none).
func (a *Auth) user(sub, name string, groups, claimSites []string) (*User, error) {
	u := &User{Subject: sub, Name: name}
	ambassador := false
	for _, m := range a.cfg.Roles {
		if !slices.Contains(groups, m.Group) {
			continue
		}
		if m.Role.rank() > u.Role.rank() {
			u.Role = m.Role
		}
		if m.Role == RoleAmbassador {
			ambassador = true
			u.Sites = append(u.Sites, m.Sites...)
		}
	}
	if ambassador {
		u.Sites = append(u.Sites, claimSites...)
		slices.Sort(u.Sites)
		u.Sites = slices.Compact(u.Sites)
	}
	if u.Role == RoleNone {
		u.Role = a.cfg.DefaultRole
	}
	if u.Role == RoleRefused {
		return nil, ErrNoRole
	}
	return u, nil
}

// MetricsAllowed says whether the request carries the metrics bearer token
// (Authorization: Bearer TOKEN, as Prometheus's credentials_file sends).
func (a *Auth) MetricsAllowed(r *http.Request) bool {
	if a.cfg.MetricsToken == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(a.cfg.MetricsToken)) == 1
}

// SetOnSignIn sets the function called after each OIDC sign-in (the
// server's audit). Call it before serving.
func (a *Auth) SetOnSignIn(f func(r *http.Request, u *User)) { a.cfg.OnSignIn = f }
