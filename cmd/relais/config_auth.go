package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"relais/dashboards/auth"
)

// AuthConfig is relais.yaml's auth section (docs/security.md). Secrets
// are never in the YAML: the client secret comes from client_secret_file
// or RELAIS_OIDC_CLIENT_SECRET, the session key and the metrics token from
// files.
type AuthConfig struct {
	OIDC  *rawOIDC  `yaml:"oidc"`
	Proxy *rawProxy `yaml:"proxy"`
	Roles []struct {
		Group string   `yaml:"group"`
		Role  string   `yaml:"role"`
		Sites []string `yaml:"sites"`
	} `yaml:"roles"`
	DefaultRole string `yaml:"default_role"`
	Session     struct {
		KeyFile  string `yaml:"key_file"`
		Idle     string `yaml:"idle"`
		Absolute string `yaml:"absolute"`
	} `yaml:"session"`
	TrustedProxies   []string `yaml:"trusted_proxies"`
	MetricsTokenFile string   `yaml:"metrics_token_file"`
}

type rawOIDC struct {
	Issuer           string   `yaml:"issuer"`
	ClientID         string   `yaml:"client_id"`
	ClientSecretFile string   `yaml:"client_secret_file"`
	ClientSecret     string   `yaml:"client_secret"` // refused: secrets stay out of the YAML
	RedirectURL      string   `yaml:"redirect_url"`
	GroupsClaim      string   `yaml:"groups_claim"`
	SitesClaim       string   `yaml:"sites_claim"`
	Scopes           []string `yaml:"scopes"`
}

type rawProxy struct {
	UserHeader   string   `yaml:"user_header"`
	NameHeader   string   `yaml:"name_header"`
	GroupsHeader string   `yaml:"groups_header"`
	SitesHeader  string   `yaml:"sites_header"`
	Trusted      []string `yaml:"trusted"`
}

// Configured says whether relais.yaml has an auth section.
func (a *AuthConfig) Configured() bool { return a != nil && (a.OIDC != nil || a.Proxy != nil) }

// check validates what can be checked without reading files.
func (a *AuthConfig) check() error {
	if a == nil {
		return nil
	}
	if a.OIDC != nil && a.OIDC.ClientSecret != "" {
		return fmt.Errorf("auth.oidc.client_secret: secrets do not belong in relais.yaml; put it in a file named by auth.oidc.client_secret_file, or in RELAIS_OIDC_CLIENT_SECRET")
	}
	c, err := a.build(func(string) string { return "" }, false)
	if err != nil {
		return err
	}
	_, err = auth.New(c)
	return err
}

// build makes the auth configuration, reading the secret files when
// readFiles is set (at `relais serve` only).
func (a *AuthConfig) build(getenv func(string) string, readFiles bool) (auth.Config, error) {
	var c auth.Config
	var err error
	if o := a.OIDC; o != nil {
		c.OIDC = &auth.OIDCConfig{Issuer: o.Issuer, ClientID: o.ClientID, RedirectURL: o.RedirectURL,
			GroupsClaim: o.GroupsClaim, SitesClaim: o.SitesClaim, Scopes: o.Scopes}
		c.OIDC.ClientSecret = getenv("RELAIS_OIDC_CLIENT_SECRET")
		if o.ClientSecretFile != "" && readFiles {
			if c.OIDC.ClientSecret, err = readSecret("auth.oidc.client_secret_file", o.ClientSecretFile); err != nil {
				return c, err
			}
		}
	}
	if p := a.Proxy; p != nil {
		c.Proxy = &auth.ProxyConfig{UserHeader: p.UserHeader, NameHeader: p.NameHeader, GroupsHeader: p.GroupsHeader, SitesHeader: p.SitesHeader}
		if c.Proxy.Trusted, err = prefixes("auth.proxy.trusted", p.Trusted); err != nil {
			return c, err
		}
	}
	if c.TrustedProxies, err = prefixes("auth.trusted_proxies", a.TrustedProxies); err != nil {
		return c, err
	}
	for i, r := range a.Roles {
		role, ok := auth.ParseRole(r.Role)
		if !ok || role == auth.RoleRefused {
			return c, fmt.Errorf("auth.roles[%d].role: %q is not one of viewer, ambassador, sponsor, core_team", i, r.Role)
		}
		c.Roles = append(c.Roles, auth.GroupRole{Group: r.Group, Role: role, Sites: r.Sites})
	}
	if a.DefaultRole != "" {
		role, ok := auth.ParseRole(a.DefaultRole)
		if !ok {
			return c, fmt.Errorf("auth.default_role: %q is not one of viewer, ambassador, sponsor, core_team, none", a.DefaultRole)
		}
		c.DefaultRole = role
	}
	if c.IdleTimeout, err = duration("auth.session.idle", a.Session.Idle); err != nil {
		return c, err
	}
	if c.AbsoluteTimeout, err = duration("auth.session.absolute", a.Session.Absolute); err != nil {
		return c, err
	}
	if readFiles && a.Session.KeyFile != "" {
		b, err := os.ReadFile(a.Session.KeyFile)
		if err != nil {
			return c, fmt.Errorf("auth.session.key_file: %w", err)
		}
		c.SessionSecret = b
	}
	if readFiles && a.MetricsTokenFile != "" {
		if c.MetricsToken, err = readSecret("auth.metrics_token_file", a.MetricsTokenFile); err != nil {
			return c, err
		}
	}
	return c, nil
}

func readSecret(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", key, path)
	}
	return s, nil
}

func prefixes(key string, list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, s := range list {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("%s[%d]: %q is not an address or CIDR (10.0.0.0/8)", key, i, s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func duration(key, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a duration such as 30m or 12h", key, s)
	}
	return d, nil
}

// Retention is relais.yaml's retention section: how long personal
// activity rows are kept (docs/security.md).
type Retention struct {
	// ActivityMonths keeps activity rows of the last N months (0: forever).
	ActivityMonths int
}

type rawRetention struct {
	Activity string `yaml:"activity"`
}

// parseRetention reads "13mo" (months) or "2y" (years), calendar months
// back from the day of each load; empty keeps everything.
func parseRetention(r rawRetention) (Retention, error) {
	s := strings.TrimSpace(r.Activity)
	if s == "" {
		return Retention{}, nil
	}
	num, unit := s, ""
	for _, suffix := range []string{"mo", "y"} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			num, unit = n, suffix
			break
		}
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if unit == "" || err != nil || n <= 0 {
		return Retention{}, fmt.Errorf("retention.activity: %q: want a number of months or years, such as 13mo or 2y", s)
	}
	if unit == "y" {
		n *= 12
	}
	return Retention{ActivityMonths: n}, nil
}
