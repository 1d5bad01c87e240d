package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/securecookie"
	"golang.org/x/oauth2"
)

// Routes of the sign-in flow.
const (
	LoginPath    = "/auth/login"
	CallbackPath = "/auth/callback"
	LogoutPath   = "/auth/logout"
)

// loginTimeout bounds the time between the redirect to the provider and
// the callback.
const loginTimeout = 10 * time.Minute

const loginCookie = "relais_login"

// oidcProvider is the discovered provider: its endpoints and a verifier
// bound to our client id.
type oidcProvider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// loginState travels in a short-lived encrypted cookie from the redirect
// to the callback.
type loginState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // PKCE code verifier
	Return   string `json:"r"`
}

func (a *Auth) ctx(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, a.cfg.HTTPClient)
	return context.WithValue(ctx, oauth2.HTTPClient, a.cfg.HTTPClient)
}

// discover reads the provider's discovery document once; a failure is
// retried at the next sign-in.
func (a *Auth) discover(ctx context.Context) (*oidcProvider, error) {
	a.oidcMu.Lock()
	defer a.oidcMu.Unlock()
	if a.provider != nil {
		return a.provider, nil
	}
	o := a.cfg.OIDC
	p, err := oidc.NewProvider(a.ctx(ctx), o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discover the provider %s: %w", o.Issuer, err)
	}
	scopes := o.Scopes
	if len(scopes) == 0 {
		scopes = []string{"profile", "email", "groups"}
	}
	a.provider = &oidcProvider{
		oauth: oauth2.Config{
			ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, scopes...),
		},
		verifier: p.Verifier(&oidc.Config{ClientID: o.ClientID, Now: a.now}),
	}
	return a.provider, nil
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeReturn keeps a return path local to this server.
func safeReturn(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.HasPrefix(p, "/auth/") {
		return "/"
	}
	return p
}

// Login redirects to the provider with a fresh state, nonce and PKCE
// challenge (GET /auth/login?return=/path).
func (a *Auth) Login(w http.ResponseWriter, r *http.Request) {
	p, err := a.discover(r.Context())
	if err != nil {
		a.log.Error("sign-in", "err", err)
		http.Error(w, "the identity provider cannot be reached; try again later", http.StatusBadGateway)
		return
	}
	st := loginState{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Return: safeReturn(r.URL.Query().Get("return"))}
	v, err := securecookie.EncodeMulti(loginCookie, st, a.login...)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, a.cookie(r, loginCookie, v, int(loginTimeout/time.Second)))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

// Callback completes the sign-in: it checks the state, exchanges the code
// with the PKCE verifier, verifies the ID token (signature, issuer,
// audience, expiry) and its nonce, maps the groups to a role and sets the
// session cookie.
func (a *Auth) Callback(w http.ResponseWriter, r *http.Request) {
	u, ret, err := a.callback(r)
	http.SetCookie(w, a.cookie(r, loginCookie, "", -1))
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		a.log.Warn("sign-in refused", "err", err, "remote", r.RemoteAddr)
		code := http.StatusUnauthorized
		if errors.Is(err, ErrNoRole) {
			code = http.StatusForbidden
		}
		http.Error(w, "sign-in failed: "+err.Error(), code)
		return
	}
	now := a.now().Unix()
	if err := a.writeSession(w, r, session{User: *u, Issued: now, LastSeen: now}); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	a.log.Info("signed in", "user", u.Name, "sub", u.Subject, "role", u.Role, "sites", u.Sites)
	if a.cfg.OnSignIn != nil {
		a.cfg.OnSignIn(r, u)
	}
	http.Redirect(w, r, ret, http.StatusFound)
}

func (a *Auth) callback(r *http.Request) (*User, string, error) {
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return nil, "", errors.New("no sign-in in progress (or it took more than 10 minutes)")
	}
	var st loginState
	if err := securecookie.DecodeMulti(loginCookie, c.Value, &st, a.login...); err != nil {
		return nil, "", errors.New("no sign-in in progress (or it took more than 10 minutes)")
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return nil, "", fmt.Errorf("the provider said %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") == "" || q.Get("state") != st.State {
		return nil, "", errors.New("state mismatch")
	}
	p, err := a.discover(r.Context())
	if err != nil {
		return nil, "", err
	}
	ctx := a.ctx(r.Context())
	tok, err := p.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, "", fmt.Errorf("exchange the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, "", errors.New("the provider sent no ID token")
	}
	u, nonce, err := a.VerifyIDToken(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	if nonce != st.Nonce {
		return nil, "", errors.New("nonce mismatch")
	}
	return u, st.Return, nil
}

// VerifyIDToken verifies a raw ID token (signature against the provider's
// keys, issuer, audience = our client id, expiry) and maps its claims to a
// user; it returns the token's nonce for the caller to compare.
func (a *Auth) VerifyIDToken(ctx context.Context, raw string) (*User, string, error) {
	p, err := a.discover(ctx)
	if err != nil {
		return nil, "", err
	}
	idt, err := p.verifier.Verify(a.ctx(ctx), raw)
	if err != nil {
		return nil, "", fmt.Errorf("ID token refused: %w", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, "", fmt.Errorf("ID token claims: %w", err)
	}
	o := a.cfg.OIDC
	groupsClaim := o.GroupsClaim
	if groupsClaim == "" {
		groupsClaim = "groups"
	}
	name := firstString(claims, "name", "preferred_username", "email")
	if name == "" {
		name = idt.Subject
	}
	var sites []string
	if o.SitesClaim != "" {
		sites = claimList(claims, o.SitesClaim)
	}
	u, err := a.user(idt.Subject, name, claimList(claims, groupsClaim), sites)
	if err != nil {
		return nil, "", err
	}
	return u, idt.Nonce, nil
}

func firstString(claims map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := claims[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// claimList reads a claim holding a list of strings (or one string with
// commas); a dotted path reaches into objects.
func claimList(claims map[string]any, path string) []string {
	var v any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	switch x := v.(type) {
	case string:
		return splitList([]string{x})
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Logout ends the relais session (not the provider's) and goes home.
func (a *Auth) Logout(w http.ResponseWriter, r *http.Request) {
	a.clearSession(w, r)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
