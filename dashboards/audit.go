package dashboards

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// auditTexts are the words of the audit page, per language (kept apart
// from the page locale, like authTexts).
var auditTexts = map[string]map[string]string{
	langFR: {
		"audit": "Journal d'audit", "audit_link": "Journal d'audit et conservation des données personnelles →",
		"audit_help": "Connexions, chargements de fichiers, exports, sauvegardes et personnes effacées (sans dire qui), les 500 derniers.",
		"when":       "Quand", "who": "Qui", "role": "Rôle", "action": "Action", "target": "Objet", "outcome": "Résultat",
		"retention_title":   "Conservation",
		"retention_on":      "L'activité de plus de %d mois est supprimée à chaque chargement.",
		"retention_off":     "Aucune durée de conservation n'est configurée : l'activité est gardée sans limite (retention.activity dans relais.yaml).",
		queries.AuditSignIn: "connexion", queries.AuditUpload: "chargement", queries.AuditExport: "export",
		queries.AuditForget: "effacement d'une personne", queries.AuditRetention: "conservation",
		queries.AuditBackup: "sauvegarde", queries.AuditRestore: "restauration",
	},
	langEN: {
		"audit": "Audit log", "audit_link": "Audit log and personal data retention →",
		"audit_help": "Sign-ins, file loads, exports, backups and forgotten people (without saying who), the latest 500.",
		"when":       "When", "who": "Who", "role": "Role", "action": "Action", "target": "Object", "outcome": "Outcome",
		"retention_title":   "Retention",
		"retention_on":      "Activity older than %d months is deleted at each load.",
		"retention_off":     "No retention period is configured: activity is kept without limit (retention.activity in relais.yaml).",
		queries.AuditSignIn: "sign-in", queries.AuditUpload: "upload", queries.AuditExport: "export",
		queries.AuditForget: "person forgotten", queries.AuditRetention: "retention",
		queries.AuditBackup: "backup", queries.AuditRestore: "restore",
	},
}

// A is a word of the audit and sign-in pages in the view's language.
func (v *view) A(key string) string {
	if s, ok := auditTexts[v.Lang][key]; ok {
		return s
	}
	if s, ok := authTexts[v.Lang][key]; ok {
		return s
	}
	return key
}

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
func (s *Server) auditPage(c *gin.Context) {
	r, err := s.loadAudit(c)
	if err != nil {
		s.pageError(c, "data", err)
		return
	}
	v := s.newView(c, "data", "/data/audit")
	v.Title = v.A("audit")
	v.JSONURL = v.URL("/api/v1/audit", "lang", "")
	v.Body = r
	s.render(c, http.StatusOK, "audit", v)
}

func (s *Server) apiAudit(c *gin.Context) {
	r, err := s.loadAudit(c)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, r)
}

// forgetRequest is the body of POST /api/v1/forget.
type forgetRequest struct {
	PersonID string `json:"person_id"`
}

// apiForget removes a person from every dataset (POST /api/v1/forget,
// {"person_id": "..."}): the core team's with sign-in on, loopback only
// without. The audit log says that someone was forgotten, not whom.
func (s *Server) apiForget(c *gin.Context) {
	if err := s.uploadAllowed(c.Request); err != nil {
		c.JSON(http.StatusForbidden, gin.H{"error": err.Error()})
		return
	}
	if err := http.NewCrossOriginProtection().Check(c.Request); err != nil {
		c.JSON(http.StatusForbidden, gin.H{"error": "cross-origin request refused"})
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
