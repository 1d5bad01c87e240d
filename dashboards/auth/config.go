package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// Config is relais.yaml's auth section, with the secrets already read by
// the caller (cmd/relais reads files and the environment; this package
// reads neither).
type Config struct {
	// OIDC signs people in through an OpenID Connect provider.
	OIDC *OIDCConfig
	// Proxy trusts a proxy that already signed people in. Exactly one of
	// OIDC and Proxy is set.
	Proxy *ProxyConfig
	// Roles map groups to roles; when several match, the highest wins.
	Roles []GroupRole
	// DefaultRole is the role of a signed-in person whose groups match no
	// mapping: RoleViewer (aggregates only) when empty; RoleRefused
	// refuses them.
	DefaultRole Role
	// SessionSecret is at least 32 random bytes (auth.session.key_file);
	// empty: a random secret per process, so sessions end at restart.
	SessionSecret []byte
	// IdleTimeout ends a session unused for that long (default 1 hour).
	IdleTimeout time.Duration
	// AbsoluteTimeout ends any session that long after sign-in (default 12
	// hours).
	AbsoluteTimeout time.Duration
	// TrustedProxies may say the request came over HTTPS
	// (X-Forwarded-Proto); the proxy's addresses are trusted for it too.
	TrustedProxies []netip.Prefix
	// MetricsToken is the bearer token Prometheus sends to /metrics; empty:
	// /metrics is refused while auth is on.
	MetricsToken string
	// HTTPClient talks to the provider (nil: a client with a 10 s timeout).
	HTTPClient *http.Client
	// Logger receives sign-in events (nil: discard).
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// OnSignIn is called after every successful OIDC sign-in (the audit).
	OnSignIn func(r *http.Request, u *User)
}

// OIDCConfig is auth.oidc.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; its discovery document is read
	// from Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret are relais's client at the provider; the
	// secret comes from a file or the environment, never relais.yaml.
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's /auth/callback as the provider knows it.
	RedirectURL string
	// GroupsClaim is the ID token claim holding the groups (default
	// "groups"); a dotted path reaches into objects (realm_access.roles).
	GroupsClaim string
	// SitesClaim, when set, holds an ambassador's site ids.
	SitesClaim string
	// Scopes are asked besides openid (default profile, email, groups).
	Scopes []string
}

// ProxyConfig is auth.proxy.
type ProxyConfig struct {
	// UserHeader carries the signed-in user (required), NameHeader an
	// optional display name, GroupsHeader the comma-separated groups,
	// SitesHeader optional comma-separated site ids.
	UserHeader, NameHeader, GroupsHeader, SitesHeader string
	// Trusted are the proxy's addresses: a request from anywhere else is
	// refused, whatever its headers say.
	Trusted []netip.Prefix
}

// GroupRole maps one group to a role (and, for ambassadors, sites).
type GroupRole struct {
	Group string
	Role  Role
	Sites []string
}

func (c *Config) validate() error {
	if (c.OIDC == nil) == (c.Proxy == nil) {
		return errors.New("auth: configure exactly one of auth.oidc and auth.proxy")
	}
	if o := c.OIDC; o != nil {
		switch {
		case o.Issuer == "":
			return errors.New("auth.oidc.issuer: missing")
		case o.ClientID == "":
			return errors.New("auth.oidc.client_id: missing")
		case o.RedirectURL == "":
			return errors.New("auth.oidc.redirect_url: missing")
		}
	}
	if p := c.Proxy; p != nil {
		if p.UserHeader == "" {
			return errors.New("auth.proxy.user_header: missing")
		}
		if len(p.Trusted) == 0 {
			return errors.New("auth.proxy.trusted: list the proxy's addresses (CIDRs); requests from elsewhere are refused")
		}
	}
	if len(c.SessionSecret) > 0 && len(c.SessionSecret) < 32 {
		return fmt.Errorf("auth.session.key_file: want at least 32 bytes of random data, got %d", len(c.SessionSecret))
	}
	for i, m := range c.Roles {
		if m.Group == "" {
			return fmt.Errorf("auth.roles[%d].group: missing", i)
		}
		if m.Role.rank() == 0 {
			return fmt.Errorf("auth.roles[%d].role: %q is not one of viewer, ambassador, sponsor, core_team", i, m.Role)
		}
	}
	if c.DefaultRole != RoleNone && c.DefaultRole != RoleRefused && c.DefaultRole.rank() == 0 {
		return fmt.Errorf("auth.default_role: %q is not one of viewer, ambassador, sponsor, core_team, none", c.DefaultRole)
	}
	return nil
}
