package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"relais/queries"
)

// apiError answers a JSON error: 400 for bad parameters, 404 for unknown
// sites, 500 (logged, without details) otherwise.
func (s *Server) apiError(c *gin.Context, err error) {
	code := statusOf(err)
	msg := err.Error()
	if code == http.StatusInternalServerError {
		s.log.Error("api", "path", c.Request.URL.Path, "err", err)
		msg = "internal error: see the server log"
	}
	c.JSON(code, gin.H{"error": msg})
}

const apiKeyKey = "relais.apikey"

// cachedAPI serves a GET answer from the cache when the data version,
// today's date and the URL are the same (the committee's changelog of a
// month is megabytes of JSON on the large demo).
func (s *Server) cachedAPI(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		// The reader's scope in the key: answers hold the named people
		// their role allows (docs/security.md).
		v := s.servedVersion()
		key := "json|" + strconv.FormatInt(v, 10) + "|" + s.opts.Snapshots.TodayDate().Format(dateLayout) + "|" + readerScope(c.Request.Context()) + "|" + c.Request.URL.RequestURI()
		s.cachedAnswer(c, v, key, apiKeyKey, h, func(c *gin.Context, e any) {
			c.Header("Cache-Control", "no-store")
			c.Data(http.StatusOK, "application/json; charset=utf-8", e.([]byte))
		})
	}
}

// writeJSON answers 200 with v, and keeps the bytes for cachedAPI.
func (s *Server) writeJSON(c *gin.Context, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.apiError(c, fmt.Errorf("encode answer: %w", err))
		return
	}
	if key, ok := c.Get(apiKeyKey); ok {
		s.keep(c.Request.Context(), key.(string), b)
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

func (s *Server) apiKPIs(c *gin.Context) {
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		s.apiError(c, err)
		return
	}
	snap, err := s.doc(c.Request.Context(), asOf)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.writeJSON(c, snap.Doc)
}

func (s *Server) apiSite(c *gin.Context) { answerLoaded(s, c, s.loadSite) }

// answerLoaded answers with what load (a page's loader) returns for the
// request, as JSON, or its error.
func answerLoaded[T any](s *Server, c *gin.Context, load func(*gin.Context) (*queries.Snapshot, T, error)) {
	_, d, err := load(c)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.writeJSON(c, d)
}

// seriesResponse is /api/v1/series.
type seriesResponse struct {
	AsOf   string  `json:"as_of"`
	SiteID *string `json:"site_id"`
	Weeks  any     `json:"weeks"`
}

func (s *Server) apiSeries(c *gin.Context) {
	ctx := c.Request.Context()
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		s.apiError(c, err)
		return
	}
	weeks, err := parseWeeks(c.Request)
	if err != nil {
		s.apiError(c, err)
		return
	}
	site := c.Query("site")
	resp := seriesResponse{AsOf: asOf.Format(dateLayout)}
	if site != "" {
		snap, err := s.doc(ctx, asOf)
		if err != nil {
			s.apiError(c, err)
			return
		}
		if _, err := findSite(snap.Doc, site); err != nil {
			s.apiError(c, err)
			return
		}
		resp.SiteID = &site
	}
	pts, err := s.series(ctx, asOf, site, weeks)
	if err != nil {
		s.apiError(c, err)
		return
	}
	nonNil(&pts)
	resp.Weeks = pts
	s.writeJSON(c, resp)
}

func (s *Server) apiCommittee(c *gin.Context) { answerLoaded(s, c, s.loadCommitteeAPI) }

func (s *Server) apiData(c *gin.Context) { answerNoStore(s, c, s.loadData) }

// answerNoStore answers with what load returns for the request, as JSON
// that no cache keeps, or its error.
func answerNoStore[T any](s *Server, c *gin.Context, load func(*gin.Context) (T, error)) {
	r, err := load(c)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, r)
}

// maxUpload bounds one upload (the large demo's biggest file is far below).
const maxUpload = 512 << 20

// writeRefusal says why a request that loads, forgets or reads an
// uploaded file is refused ("" when it is not): it must be allowed from
// where it comes (uploadAllowed), and come from this site, not from a
// browser on another one posting a form (Sec-Fetch-Site / Origin checks);
// what names the request in that refusal.
func (s *Server) writeRefusal(r *http.Request, what string) string {
	if err := s.uploadAllowed(r); err != nil {
		return err.Error()
	}
	if err := http.NewCrossOriginProtection().Check(r); err != nil {
		return "cross-origin " + what + " refused"
	}
	return ""
}

// uploadAllowed says whether POST /api/v1/ingest may load: with sign-in
// on, for the core team (checked before); without it, only while the
// server listens on loopback, only for a
// request that came in on a loopback address with a loopback Host header
// (so that a web page elsewhere cannot reach it by DNS rebinding).
func (s *Server) uploadAllowed(r *http.Request) error {
	if s.opts.Auth != nil {
		// Signed in: the access middleware let only the core team through,
		// from this site (docs/security.md).
		return nil
	}
	switch s.listenLoopback.Load() {
	case 2:
		return errors.New("uploads are refused while the server listens on a non-loopback address without sign-in: drop files into the inbox folder instead, or turn sign-in on (docs/security.md)")
	case 0:
		la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if !ok || !isLoopback(la) {
			return errors.New("uploads are accepted on a loopback address only")
		}
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host != "localhost" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("uploads need a loopback Host header, got %q", r.Host)
		}
	}
	return nil
}

// uploadResponse is the answer of POST /api/v1/ingest: one outcome per
// file, in the order sent.
type uploadResponse struct {
	OK    bool          `json:"ok"`
	Files []fileOutcome `json:"files"`
}

type fileOutcome struct {
	IngestOutcome
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// apiIngest loads the uploaded files (multipart field "file", one or more)
// with the rules of the command line, one transaction each, in the order
// sent, and answers with their summaries: 200 when every file loaded, 422
// when any was refused or had a rejected row.
func (s *Server) apiIngest(c *gin.Context) {
	if s.opts.Ingest == nil {
		c.JSON(http.StatusNotImplemented, gin.H{"error": "this server does not load files"})
		return
	}
	if msg := s.writeRefusal(c.Request, "upload"); msg != "" {
		c.JSON(http.StatusForbidden, gin.H{"error": msg})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUpload)
	form, err := c.MultipartForm()
	if err != nil {
		code, msg := bodyError(err)
		c.JSON(code, gin.H{"error": msg})
		return
	}
	defer form.RemoveAll()
	files := form.File["file"]
	if len(files) == 0 {
		c.JSON(http.StatusBadRequest, gin.H{"error": "no \"file\" field in the upload"})
		return
	}
	// Every name checked before anything loads.
	names := make([]string, len(files))
	for i, fh := range files {
		if names[i], err = uploadName(fh, i+1); err != nil {
			s.apiError(c, err)
			return
		}
	}
	// The body is in: loading (after any load under way) and answering get
	// a deadline of their own.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(s.opts.HTTP.withDefaults().UploadTimeout))
	dir, err := os.MkdirTemp("", "relais-upload-")
	if err != nil {
		s.apiError(c, fmt.Errorf("upload: %w", err))
		return
	}
	defer os.RemoveAll(dir)
	resp := uploadResponse{OK: true}
	refreshed := false
	defer func() {
		// An upload cut short after some files loaded still shows them.
		if !refreshed && len(resp.Files) > 0 {
			s.refresh(context.WithoutCancel(c.Request.Context()))
		}
	}()
	for i, fh := range files {
		name := names[i]
		// Each file in its own folder: two uploads of one name never meet.
		sub := filepath.Join(dir, fmt.Sprint(i))
		path := filepath.Join(sub, name)
		if err := os.Mkdir(sub, 0o700); err != nil {
			s.apiError(c, fmt.Errorf("upload: %w", err))
			return
		}
		if err := saveUpload(fh, path); err != nil {
			s.apiError(c, fmt.Errorf("upload %s: %w", name, err))
			return
		}
		out, err := s.load(c.Request.Context(), path, name)
		fo := fileOutcome{IngestOutcome: out, OK: err == nil}
		if fo.File == "" {
			fo.File = name
		}
		if err != nil {
			fo.Error = err.Error()
			resp.OK = false
		}
		s.audit(c.Request.Context(), queries.AuditUpload, name, auditOutcome(fo.Summary, err), nil)
		nonNil(&fo.Errors)
		resp.Files = append(resp.Files, fo)
	}
	// Once for the whole upload, before answering: the next page shows it.
	s.refresh(c.Request.Context())
	refreshed = true
	code := http.StatusOK
	if !resp.OK {
		code = http.StatusUnprocessableEntity
	}
	c.JSON(code, resp)
}

func saveUpload(fh *multipart.FileHeader, path string) error {
	src, err := fh.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
