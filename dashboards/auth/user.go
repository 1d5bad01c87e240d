// Package auth signs people in to relais (OpenID Connect, or a trusted
// proxy that already did), keeps their session in an encrypted cookie,
// maps their groups to a role and says which routes and which named people
// each role may see. docs/security.md explains it to users and ops.
package auth

import (
	"context"
	"slices"
)

// Role is what a signed-in person may see and do.
type Role string

// The roles, from relais.yaml's auth.roles mapping (docs/security.md).
const (
	// RoleNone is no role: the person is refused.
	RoleNone Role = ""
	// RoleViewer sees aggregates only.
	RoleViewer Role = "viewer"
	// RoleAmbassador sees aggregates and the named people of their own
	// site(s).
	RoleAmbassador Role = "ambassador"
	// RoleSponsor sees every page and export, aggregates only.
	RoleSponsor Role = "sponsor"
	// RoleCoreTeam sees everything, uploads and manages the data.
	RoleCoreTeam Role = "core_team"
	// RoleMetrics is Prometheus with the bearer token: /metrics only.
	RoleMetrics Role = "metrics"
	// RoleRefused, as auth.default_role (none), refuses a signed-in
	// person whose groups match no mapping.
	RoleRefused Role = "none"
)

// rank orders the roles a person can hold through groups: when several
// groups match, the highest wins (an ambassador's sites are kept).
func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleAmbassador:
		return 2
	case RoleSponsor:
		return 3
	case RoleCoreTeam:
		return 4
	}
	return 0
}

// ParseRole reads a role name of relais.yaml.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case RoleViewer, RoleAmbassador, RoleSponsor, RoleCoreTeam:
		return r, true
	case RoleRefused:
		return RoleRefused, true
	}
	return RoleNone, false
}

// User is the signed-in person attached to a request.
type User struct {
	// Subject is the identity provider's stable id (or the proxy's user).
	Subject string `json:"sub"`
	// Name is what the audit log and the page header show.
	Name string `json:"name"`
	// Role is the role mapped from the person's groups.
	Role Role `json:"role"`
	// Sites are the sites whose named people the person may see (an
	// ambassador's own sites).
	Sites []string `json:"sites,omitempty"`
}

// CanSeeNamedPeople says whether the person may see the named people
// (ambassadors with their activity) of site: the core team everywhere, an
// ambassador on their own sites, nobody else. site "" asks about every
// site at once (the whole network's lists).
func (u *User) CanSeeNamedPeople(site string) bool {
	if u == nil {
		return false
	}
	if u.Role == RoleCoreTeam {
		return true
	}
	return site != "" && slices.Contains(u.Sites, site)
}

// Scope is a short stable text of what the person may see, for cache keys
// of pages and answers whose content depends on it.
func (u *User) Scope() string {
	if u == nil {
		return "anonymous"
	}
	if u.Role == RoleCoreTeam {
		return string(u.Role)
	}
	s := string(u.Role)
	for _, site := range u.Sites {
		s += "|" + site
	}
	return s
}

type userKey struct{}

// WithUser returns ctx carrying u.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// FromContext returns the signed-in user of a request's context, or nil
// when authentication is off (everything allowed, as on loopback).
func FromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}
