package dashboards

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"relais/dashboards/auth"
	"relais/queries"
)

// authorize is the access middleware: with auth on, every route but the
// public ones needs a signed-in person whose role allows it (see
// auth.Required), /metrics needs the metrics token, and every
// state-changing request must come from this site (Sec-Fetch-Site and
// Origin, with SameSite=Lax session cookies: docs/security.md).
func (s *Server) authorize(c *gin.Context) {
	a := s.opts.Auth
	r := c.Request
	if r.TLS != nil || (a != nil && a.Secure(r)) {
		c.Header("Strict-Transport-Security", "max-age=31536000")
	}
	if a == nil {
		c.Next()
		return
	}
	need := auth.Required(r.Method, r.URL.Path)
	if !auth.ReadOnly(r.Method) {
		if err := http.NewCrossOriginProtection().Check(r); err != nil {
			s.refuse(c, http.StatusForbidden, "forbidden", "cross-origin request refused")
			return
		}
	}
	switch need {
	case auth.Public:
		c.Next()
		return
	case auth.Metrics:
		if !a.MetricsAllowed(r) {
			c.Header("WWW-Authenticate", `Bearer realm="relais metrics"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "/metrics needs the metrics bearer token"})
			return
		}
		c.Next()
		return
	}
	u, err := a.Identify(c.Writer, r)
	switch {
	case errors.Is(err, auth.ErrNotSignedIn):
		if a.OIDC() && auth.ReadOnly(r.Method) && !strings.HasPrefix(r.URL.Path, "/api/") {
			c.Redirect(http.StatusFound, auth.LoginPath+"?return="+url.QueryEscape(r.URL.RequestURI()))
			c.Abort()
			return
		}
		s.refuse(c, http.StatusUnauthorized, "sign_in", "sign_in_body")
		return
	case errors.Is(err, auth.ErrUntrustedProxy):
		s.log.Warn("identity headers from an untrusted address", "remote", r.RemoteAddr, "path", r.URL.Path)
		s.refuse(c, http.StatusForbidden, "forbidden", "untrusted_proxy")
		return
	case errors.Is(err, auth.ErrNoRole):
		s.refuse(c, http.StatusForbidden, "forbidden", "no_role")
		return
	case err != nil:
		s.apiError(c, err)
		c.Abort()
		return
	}
	c.Request = r.WithContext(auth.WithUser(r.Context(), u))
	if !u.Allows(need) {
		s.log.Info("refused", "user", u.Name, "role", u.Role, "method", r.Method, "path", r.URL.Path)
		s.refuse(c, http.StatusForbidden, "forbidden", "forbidden_body")
		return
	}
	c.Next()
}

// refuse answers 401 or 403: JSON for the API and non-GET requests, else
// the error page in the reader's language.
func (s *Server) refuse(c *gin.Context, code int, titleKey, bodyKey string) {
	lang := pickLang(c.Request)
	body := translations[lang].word(bodyKey)
	if body == "" {
		body = bodyKey
	}
	c.Header("Cache-Control", "no-store")
	if strings.HasPrefix(c.Request.URL.Path, "/api/") || !auth.ReadOnly(c.Request.Method) || c.Request.URL.Path == "/export.xlsx" {
		c.AbortWithStatusJSON(code, gin.H{"error": body})
		return
	}
	v := s.newView(c, "", c.Request.URL.Path)
	v.Title = translations[lang].word(titleKey)
	v.Body = body
	s.render(c, code, "error", v)
	c.Abort()
}

// authRoutes mounts the sign-in flow when people sign in through OIDC.
func (s *Server) authRoutes(e *gin.Engine) {
	a := s.opts.Auth
	if a == nil || !a.OIDC() {
		return
	}
	a.SetOnSignIn(func(r *http.Request, u *auth.User) {
		s.audit(r.Context(), queries.AuditSignIn, "", "ok", u)
	})
	e.GET(auth.LoginPath, gin.WrapF(a.Login))
	e.GET(auth.CallbackPath, gin.WrapF(a.Callback))
	e.POST(auth.LogoutPath, gin.WrapF(a.Logout))
	e.GET(auth.LogoutPath, gin.WrapF(a.Logout))
}

// actor names who is acting: the signed-in person, or "local" when auth
// is off (loopback only).
func actor(ctx context.Context) (name, role string) {
	if u := auth.FromContext(ctx); u != nil {
		return u.Name, string(u.Role)
	}
	return "local", ""
}

// audit records an event in the audit log and as a structured log line;
// u overrides the request's user (a sign-in has none yet).
func (s *Server) audit(ctx context.Context, action, target, outcome string, u *auth.User) {
	name, role := actor(ctx)
	if u != nil {
		name, role = u.Name, string(u.Role)
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("action", action), slog.String("actor", name), slog.String("role", role),
		slog.String("target", target), slog.String("outcome", outcome))
	e := queries.AuditEvent{At: s.now(), Actor: name, Role: role, Action: action, Target: target, Outcome: outcome}
	if err := s.opts.DB.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit", "err", err)
	}
}

// auditOutcome is "ok", or the summary and error of a refused load.
func auditOutcome(summary string, err error) string {
	if err == nil {
		return "ok: " + summary
	}
	return "refused: " + err.Error()
}

// readerScope is the part of a page's or JSON answer's cache key that its
// reader's role decides: answers hold the named people the role allows
// (docs/security.md), and viewers and sponsors see the same ones.
func readerScope(ctx context.Context) string {
	u := auth.FromContext(ctx)
	switch {
	case u == nil:
		return "all" // no sign-in
	case !u.CanSeeNamedPeople("") && len(u.Sites) == 0:
		return "aggregates"
	}
	return u.Scope()
}

// scopeAmbassadors keeps the ambassadors the reader may see by name: all
// with auth off or for the core team, an ambassador's own sites' only,
// none for the other roles.
func scopeAmbassadors(ctx context.Context, all []queries.Ambassador) []queries.Ambassador {
	u := auth.FromContext(ctx)
	if u == nil || u.CanSeeNamedPeople("") {
		return all
	}
	out := make([]queries.Ambassador, 0, len(all))
	for _, a := range all {
		if u.CanSeeNamedPeople(a.SiteID) {
			out = append(out, a)
		}
	}
	return out
}

// scopeIdeas hides the author of the ideas of sites whose people the
// reader may not see by name (a copy: the cached slice is shared).
func scopeIdeas(ctx context.Context, all []queries.OpenIdea) []queries.OpenIdea {
	u := auth.FromContext(ctx)
	if u == nil || u.CanSeeNamedPeople("") {
		return all
	}
	out := make([]queries.OpenIdea, len(all))
	for i, idea := range all {
		if !u.CanSeeNamedPeople(idea.SiteID) {
			idea.AuthorID = nil
		}
		out[i] = idea
	}
	return out
}
