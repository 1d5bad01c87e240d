package dashboards

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"relais/dashboards/auth"
	"relais/queries"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds one parsed template set per page (each defines "content"
// inside the shared layout).
type pages struct {
	sets map[string]*template.Template
}

var pageNames = []string{"sponsor", "sites", "site", "idea", "challenges", "committee", "data", "error", "dryrun"}

func newPages() (*pages, error) {
	funcs := template.FuncMap{
		"overall": func(d *queries.Document, key string) *float64 { return d.Overall.Value(key) },
		"site":    func(st queries.Site, key string) *float64 { return st.Value(key) },
		"ptr":     func(x float64) *float64 { return &x },
		"len64":   func(x []queries.SiteRef) int64 { return int64(len(x)) },
		"ideasView": func(v *view, items []queries.OpenIdea) listView[queries.OpenIdea] {
			return listView[queries.OpenIdea]{V: v, Items: items}
		},
		"decisionsView": func(v *view, items []queries.DecisionEntry) listView[queries.DecisionEntry] {
			return listView[queries.DecisionEntry]{V: v, Items: items}
		},
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s page: %w", n, err)
		}
		p.sets[n] = t
	}
	return p, nil
}

// listView passes a list and the view to a partial template.
type listView[T any] struct {
	V     *view
	Items []T
}

// view is what every page template gets: the language, the nonce, the
// navigation state and the page's own body.
type view struct {
	Lang      string
	Nonce     string
	Nav       string
	Title     string
	AsOf      string
	Path      string
	EChartsOK bool
	// SignOut is the sign-out address when people sign in here (OIDC);
	// "" without sign-in or behind a signing-in proxy.
	SignOut  string
	JSONURL  string
	ExcelURL string
	Charts   []chart
	// SiteFilter lists the sites of the filter (nil: no filter) and SiteID
	// the selected one.
	SiteFilter []queries.Site
	SiteID     string
	// Month is the committee month (YYYY-MM) when the page has one.
	Month      string
	ComputedAt string
	Version    int64
	// DataUntil is the local date of the latest dated row loaded
	// (YYYY-MM-DD; "" when none is), shown on every page.
	DataUntil string
	// AsOfLatest says the as-of date was not chosen and is DataUntil, the
	// data being older than today (the page says so).
	AsOfLatest bool
	// Banners are the warnings about the as-of date: before the program
	// start, after the loaded data.
	Banners []string
	Body    any

	tr    tr
	query url.Values
	// doc is the KPI document the page shows (nil on a page without one),
	// for the flags' sentences (flags.go).
	doc *queries.Document
	// freshKnown says DataUntil was read (it may still be "": no dated row).
	freshKnown bool
}

func (s *Server) newView(c *gin.Context, nav, path string) *view {
	lang := pickLang(c.Request)
	n, _ := c.Get(nonceKey)
	nonce, _ := n.(string)
	if _, ok := c.Get(pageKeyKey); ok {
		nonce = s.placeholder // replaced per response (see render)
	}
	v := &view{
		Lang: lang, Nonce: nonce, Nav: nav, Path: path, EChartsOK: EChartsEmbedded(),
		tr: translations[lang], query: c.Request.URL.Query(), Version: s.servedVersion(),
	}
	if s.opts.Auth != nil && s.opts.Auth.OIDC() {
		v.SignOut = auth.LogoutPath
	}
	if f, err := s.freshness(c.Request.Context()); err != nil {
		s.log.Warn("data freshness", "err", err) // the page shows no date rather than failing
	} else {
		v.freshKnown = true
		if f.ok {
			v.DataUntil = f.day.Format(dateLayout)
		}
	}
	return v
}

// T is a page word in the view's language.
func (v *view) T(k string) string { return v.tr.word(k) }

// L is the label of a KPI key, flag, status, phase, target status,
// direction, role or idea kind.
func (v *view) L(k string) string {
	if s, ok := v.tr.Labels[k]; ok {
		return s
	}
	return k
}

// D is the definition of what L labels (the hover text).
func (v *view) D(k string) string { return v.tr.Definitions[k] }

// FlagText says a flag in words.
func (v *view) FlagText(k string) string {
	if s, ok := v.tr.Definitions[k]; ok {
		return s
	}
	return k
}

// F formats a figure for people.
func (v *view) F(key string, x *float64) string { return format(v.Lang, key, x) }

// N formats a count.
func (v *view) N(n int64) string { return num(v.Lang, float64(n), 0) }

// Days formats a duration in days.
func (v *view) Days(x float64) string { return format(v.Lang, "decision_delay_days", &x) }

// Day formats a calendar date (YYYY-MM-DD) in the language's one date
// style: 26/11/2026 in French, 2026-11-26 in English.
func (v *view) Day(iso string) string {
	d, err := time.Parse(dateLayout, iso)
	if err != nil {
		return iso
	}
	if v.Lang == langFR {
		return d.Format("02/01/2006")
	}
	return iso
}

// Date formats an instant as a local date and time.
func (v *view) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if v.Lang == langFR {
		return t.Format("02/01/2006 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// Raw gives a figure's raw value for sorting (empty when unknown).
func (v *view) Raw(x *float64) string {
	if x == nil {
		return ""
	}
	return fmt.Sprint(*x)
}

// URL builds a link to path keeping the as-of date and the language, with
// extra key/value pairs.
func (v *view) URL(path string, kv ...string) string {
	q := url.Values{}
	if a := v.query.Get("as_of"); a != "" {
		q.Set("as_of", a)
	}
	if l := v.query.Get("lang"); l != "" {
		q.Set("lang", v.Lang)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// LangURL is this page in another language.
func (v *view) LangURL(lang string) string {
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	q.Set("lang", lang)
	return v.Path + "?" + q.Encode()
}

// Query returns a query parameter of the request (for form fields).
func (v *view) Query(k string) string { return v.query.Get(k) }

// render writes a page; a template error is a 500 (logged).
func (s *Server) render(c *gin.Context, code int, name string, v *view) {
	var buf bytes.Buffer
	if err := s.pages.sets[name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error"))
		return
	}
	if key, ok := c.Get(pageKeyKey); ok && code == http.StatusOK {
		k := key.(string)
		page := cachedHTML{lang: v.Lang, body: buf.Bytes()}
		s.keep(c.Request.Context(), k, page)
	}
	s.writeHTML(c, code, v.Lang, buf.Bytes())
}

const pageKeyKey = "relais.pagekey"

// cachedHTML is a rendered page whose nonce is the server's placeholder.
type cachedHTML struct {
	lang string
	body []byte
}

// cachedPage serves a page from the rendered-page cache when the data
// version, today's date, the language and the URL are the same; the page
// then costs one nonce substitution instead of its queries and template.
func (s *Server) cachedPage(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		// The version in the key: a page rendered while a load commits is
		// stored under the old version and never served again.
		v := s.servedVersion()
		key := "html|" + strconv.FormatInt(v, 10) + "|" + s.opts.Snapshots.TodayDate().Format(dateLayout) + "|" + readerScope(c.Request.Context()) + "|" + pickLang(c.Request) + "|" + c.Request.URL.RequestURI()
		if e, ok := s.cache.get(v, key); ok {
			p := e.(cachedHTML)
			s.writeHTML(c, http.StatusOK, p.lang, p.body)
			return
		}
		c.Set(pageKeyKey, key)
		h(c)
	}
}

// writeHTML writes a page, putting this response's nonce in place of the
// placeholder.
func (s *Server) writeHTML(c *gin.Context, code int, lang string, body []byte) {
	n, _ := c.Get(nonceKey)
	nonce, _ := n.(string)
	body = bytes.ReplaceAll(body, []byte(s.placeholder), []byte(nonce))
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Language", lang)
	c.Data(code, "text/html; charset=utf-8", body)
}

// pageError shows an error page in the page's language: 400 for bad
// parameters and 404 for unknown sites, with what was wrong; 500 otherwise,
// logged with slog, and the page says only that an error occurred.
func (s *Server) pageError(c *gin.Context, nav string, err error) {
	code := statusOf(err)
	v := s.newView(c, nav, c.Request.URL.Path)
	msg := err.Error()
	switch code {
	case http.StatusBadRequest:
		v.Title = v.T("bad_request")
	case http.StatusNotFound:
		v.Title = v.T("not_found")
		msg = notFoundText(v, err)
	default:
		s.log.Error("page", "path", c.Request.URL.Path, "err", err)
		v.Title = v.T("error")
		msg = v.T("internal_error")
	}
	v.Body = msg
	s.render(c, code, "error", v)
}

// servePage is the one adapter between a page and gin: the page fills the
// view and names its template, or returns an error that pageError turns
// into the error page (a 500 never shows the internal error's text).
func (s *Server) servePage(c *gin.Context, nav string, page func(*gin.Context, *view) (string, error)) {
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), pageRequestKey{}, true))
	v := s.newView(c, nav, c.Request.URL.Path)
	name, err := page(c, v)
	if err != nil {
		s.pageError(c, nav, err)
		return
	}
	s.render(c, http.StatusOK, name, v)
}

func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such endpoint"})
		return
	}
	s.pageError(c, "", notFoundError{msg: "no such page: " + c.Request.URL.Path, key: "page_not_found", args: []string{"path", c.Request.URL.Path}})
}

// snapshotOf is the KPI snapshot of the request's as-of date, with what
// every page shows of it set on the view.
func (s *Server) snapshotOf(c *gin.Context, v *view) (*queries.Snapshot, time.Time, error) {
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		return nil, asOf, err
	}
	snap, err := s.doc(c.Request.Context(), asOf)
	if err != nil {
		return nil, asOf, err
	}
	s.fillCommon(v, snap)
	return snap, asOf, nil
}

// fillCommon sets what every page shows from a snapshot: the as-of date,
// whether it is the latest data's by default, and the banners of a date
// before the program start or after the loaded data (docs/pages.md).
func (s *Server) fillCommon(v *view, snap *queries.Snapshot) {
	doc := snap.Doc
	v.AsOf = doc.AsOf
	v.doc = doc
	v.ComputedAt = v.Date(snap.ComputedAt.In(s.opts.DB.Location()))
	v.ExcelURL = v.URL("/export.xlsx", "as_of", doc.AsOf, "lang", v.Lang)
	v.AsOfLatest = v.query.Get("as_of") == "" && v.DataUntil == doc.AsOf && doc.AsOf != s.opts.Snapshots.TodayDate().Format(dateLayout)
	v.Banners = nil
	if doc.Program.Configured && doc.Program.Day < 1 {
		v.Banners = append(v.Banners, fmt.Sprintf(v.T("banner_before_program"), v.Day(doc.Program.Start)))
	}
	switch {
	case !v.freshKnown:
	case v.DataUntil == "":
		v.Banners = append(v.Banners, v.T("banner_no_data"))
	case doc.AsOf > v.DataUntil:
		v.Banners = append(v.Banners, fmt.Sprintf(v.T("banner_after_data"), v.Day(v.DataUntil)))
	}
}

// pageRequestKey marks the context of a page's request: its as-of date
// defaults to the latest data's when that is older than today, where the
// JSON API and the command line keep today (docs/pages.md).
type pageRequestKey struct{}

// freshnessDay is the latest dated row's local date; ok false when none.
type freshnessDay struct {
	day time.Time
	ok  bool
}

// freshness is the date of the latest dated row loaded, cached per data
// version.
func (s *Server) freshness(ctx context.Context) (freshnessDay, error) {
	return cached(ctx, s, "data_until", func(ctx context.Context) (freshnessDay, error) {
		d, ok, err := s.opts.DB.DataUntil(ctx)
		return freshnessDay{d, ok}, err
	})
}

// defaultAsOf is the as-of date of a request without ?as_of=: today, or for
// a page the latest data's date when the data stops before today.
func (s *Server) defaultAsOf(ctx context.Context) (time.Time, error) {
	today := s.opts.Snapshots.TodayDate()
	if page, _ := ctx.Value(pageRequestKey{}).(bool); !page {
		return today, nil
	}
	f, err := s.freshness(ctx)
	if err != nil {
		return today, err
	}
	if f.ok && f.day.Before(today) {
		return f.day, nil
	}
	return today, nil
}
