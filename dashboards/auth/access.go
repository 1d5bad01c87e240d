package auth

import (
	"net/http"
	"strings"
)

// Need is what a route asks of the person requesting it.
type Need int

// What routes need (docs/security.md has the table).
const (
	// Public routes answer everyone: health, static assets, sign-in.
	Public Need = iota
	// SignedIn routes answer any role: pages, the JSON API, exports.
	SignedIn
	// CoreTeam routes answer the core team only: the data page, uploads,
	// forgetting a person, backups, and every other state-changing request.
	CoreTeam
	// Metrics is /metrics, with the metrics bearer token.
	Metrics
)

// Required says what a request needs. Unknown routes need a signed-in
// person for reading and the core team for anything that changes state, so
// that a route added later is never open by accident.
func Required(method, path string) Need {
	switch {
	case path == "/healthz" || path == "/readyz" || strings.HasPrefix(path, "/static/"):
		return Public
	case path == LoginPath || path == CallbackPath || path == LogoutPath:
		return Public
	case path == "/metrics":
		return Metrics
	case path == "/data" || strings.HasPrefix(path, "/data/") || path == "/api/v1/data" || strings.HasPrefix(path, "/api/v1/data/") || path == "/api/v1/audit":
		return CoreTeam
	}
	if !ReadOnly(method) {
		return CoreTeam
	}
	return SignedIn
}

// ReadOnly says whether an HTTP method only reads.
func ReadOnly(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// Allows says whether u may reach a route that needs n.
func (u *User) Allows(n Need) bool {
	switch n {
	case Public:
		return true
	case SignedIn:
		return u != nil && u.Role.rank() > 0
	case CoreTeam:
		return u != nil && u.Role == RoleCoreTeam
	}
	return false
}
