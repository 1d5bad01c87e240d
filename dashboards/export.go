package dashboards

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// exportXLSX answers GET /export.xlsx?as_of=&lang= with the workbook of
// that date (the same as `relais export --as-of`).
func (s *Server) exportXLSX(c *gin.Context) {
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		s.apiError(c, err)
		return
	}
	ctx := c.Request.Context()
	snap, err := s.doc(ctx, asOf)
	if err != nil {
		s.apiError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := WriteWorkbook(ctx, &buf, WorkbookOptions{DB: s.opts.DB, Settings: s.opts.Snapshots.Settings(), Doc: snap.Doc, Lang: pickLang(c.Request), from: s}); err != nil {
		s.apiError(c, err)
		return
	}
	s.audit(ctx, queries.AuditExport, c.Request.URL.RequestURI(), "ok", nil)
	c.Header("Content-Disposition", `attachment; filename="relais-`+snap.Doc.AsOf+`.xlsx"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}
