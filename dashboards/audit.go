package dashboards

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// auditReport is the audit page and /api/v1/audit.
type auditReport struct {
	// RetentionMonths is retention.activity in months (0: kept forever).
	RetentionMonths int                  `json:"retention_activity_months"`
	Events          []queries.AuditEvent `json:"events"`
}

const auditRows = 500

// addAuditPage adds the audit page's template set: the layout with
// templates/audit.html as content.
func addAuditPage(p *pages) error {
	t, err := template.Must(p.sets["error"].Clone()).ParseFS(templateFS, "templates/audit.html")
	if err != nil {
		return fmt.Errorf("parse audit page: %w", err)
	}
	p.sets["audit"] = t
	return nil
}

func (s *Server) loadAudit(c *gin.Context) (*auditReport, error) {
	ev, err := s.opts.DB.AuditLog(c.Request.Context(), auditRows)
	if err != nil {
		return nil, err
	}
	return &auditReport{RetentionMonths: s.opts.RetentionMonths, Events: ev}, nil
}

// auditPage is GET /data/audit (the core team's, like /data).
func (s *Server) auditPage(c *gin.Context) { s.servePage(c, "data", s.auditLog) }

// auditLog fills the audit page's view and names its template.
func (s *Server) auditLog(c *gin.Context, v *view) (string, error) {
	r, err := s.loadAudit(c)
	if err != nil {
		return "", err
	}
	v.Title = v.T("audit")
	v.JSONURL = v.URL("/api/v1/audit", "lang", "")
	v.Body = r
	return "audit", nil
}

func (s *Server) apiAudit(c *gin.Context) { answerNoStore(s, c, s.loadAudit) }

// forgetRequest is the body of POST /api/v1/forget.
type forgetRequest struct {
	PersonID string `json:"person_id"`
}

// apiForget removes a person from every dataset (POST /api/v1/forget,
// {"person_id": "..."}): the core team's with sign-in on, loopback only
// without. The audit log says that someone was forgotten, not whom.
func (s *Server) apiForget(c *gin.Context) {
	if msg := s.writeRefusal(c.Request, "request"); msg != "" {
		c.JSON(http.StatusForbidden, gin.H{"error": msg})
		return
	}
	var req forgetRequest
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 4096)
	if err := c.ShouldBindJSON(&req); err != nil || req.PersonID == "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": `want a JSON body {"person_id": "..."}`})
		return
	}
	s.loadMu.Lock()
	n, err := s.opts.DB.Forget(c.Request.Context(), req.PersonID)
	s.loadMu.Unlock()
	if errors.Is(err, queries.ErrUnknownPerson) {
		s.audit(c.Request.Context(), queries.AuditForget, "", "no such person", nil)
		c.JSON(http.StatusNotFound, gin.H{"error": "no such person in any dataset"})
		return
	}
	if err != nil {
		s.audit(c.Request.Context(), queries.AuditForget, "", "error", nil)
		s.apiError(c, err)
		return
	}
	s.audit(c.Request.Context(), queries.AuditForget, "", fmt.Sprintf("ok: %d rows", n), nil)
	s.refresh(c.Request.Context())
	c.JSON(http.StatusOK, gin.H{"ok": true, "rows": n})
}
