package dashboards

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"
)

// static holds app.js and app.css (committed) and echarts.min.js when
// dashboards/fetch-assets.sh fetched it before the build (gitignored), so
// that a clean clone builds and tests without it.
//
//go:embed static
var static embed.FS

// echartsFile is the fetched ECharts script's name under static/.
const echartsFile = "echarts.min.js"

// echartsScript returns the embedded ECharts script, or nil when the binary
// was built without it.
func echartsScript() []byte {
	b, err := fs.ReadFile(static, "static/"+echartsFile)
	if err != nil {
		return nil
	}
	return b
}

// serveStatic serves the embedded files by name (no directory listing).
func serveStatic(c *gin.Context) {
	name := path.Base(c.Param("file"))
	b, err := fs.ReadFile(static, "static/"+name)
	if err != nil || name == "." || name == "/" {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such file"})
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	// The files change only with the binary; a day of caching is enough
	// and a restart with a new binary is picked up by tomorrow at worst.
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, ct, b)
}
