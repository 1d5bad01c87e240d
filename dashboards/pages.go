package dashboards

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"math"
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
		"info": func(v *view, key string) infoControl { return v.info(key) },
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
	// provisional says the page shows parts carried from the previous data
	// version (refresh.go, carriedSponsor): it is not kept, so that the
	// next view shows the new version's own once computed.
	provisional bool
	Body        any

	tr    tr
	query url.Values
	// doc is the KPI document the page shows (nil on a page without one),
	// for the flags' sentences (flags.go).
	doc *queries.Document
	// freshKnown says DataUntil was read (it may still be "": no dated row).
	freshKnown bool
	// infos counts the page's info controls, for their ids.
	infos int
}

// infoControl is a definition's info button and its popover, shown by the
// "info" template of partials.html: {{template "info" (info $ "key")}}.
// Text is "" when the key has no definition (the template then shows
// nothing).
type infoControl struct {
	ID    string // the popover's id, unique in the page
	Name  string // what is defined, in words
	Label string // the button's accessible name ("Definition: Adoption")
	Text  string // the definition
}

// info is the info control of a key's definition: a KPI key, flag, status
// or any other key of the definitions section of the locale files.
func (v *view) info(key string) infoControl {
	text := v.tr.Definitions[key]
	if text == "" {
		return infoControl{}
	}
	v.infos++
	name, ok := v.tr.Labels[key]
	if !ok {
		name = v.T(key)
	}
	return infoControl{
		ID:    "def-" + strconv.Itoa(v.infos) + "-" + key,
		Name:  name,
		Label: fmt.Sprintf(v.T("definition_of"), name),
		Text:  text,
	}
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

// N formats a count (any integer type) with the language's digit grouping:
// 116 316 in French, 116,316 in English.
func (v *view) N(n any) string { return num(v.Lang, toFloat(n), 0) }

// toFloat is a template's number as a float64 (NaN for anything else).
func toFloat(n any) float64 {
	switch n := n.(type) {
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case int32:
		return float64(n)
	case float64:
		return n
	}
	return math.NaN()
}

// P says a count with its noun in the right plural form: the words
// KEY_one and KEY_other of the locale files, each with one %s for the
// number. French takes the singular for 0 and 1 ("0 idée", "1 idée"),
// English for 1 only ("0 ideas", "1 idea").
func (v *view) P(key string, n any) string {
	return fmt.Sprintf(v.T(key+"_"+pluralForm(v.Lang, toFloat(n))), v.N(n))
}

// pluralForm is "one" or "other": the form of a noun counted x times.
// French takes the singular below 2 (0, 1, 1,5), English for 1 only.
func pluralForm(lang string, x float64) string {
	if x == 1 || (lang == langFR && math.Abs(x) < 2) {
		return "one"
	}
	return "other"
}

// Days formats a duration in days.
func (v *view) Days(x float64) string { return format(v.Lang, "decision_delay_days", &x) }

// Date formats an instant as a date and time, in one style per language
// on every page: 26/11/2026 18:48 in French, 2026-11-26 18:48 in English.
func (v *view) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format(v.dayLayout() + " 15:04")
}

// Day formats a date (a time.Time, or a YYYY-MM-DD string or *string) in
// the page's style: 26/11/2026 in French, 2026-11-26 in English; "—" when
// empty. A string that is not a date is shown as it is.
func (v *view) Day(d any) string {
	var s string
	switch d := d.(type) {
	case time.Time:
		if d.IsZero() {
			return "—"
		}
		return d.Format(v.dayLayout())
	case *string:
		if d != nil {
			s = *d
		}
	case string:
		s = d
	default:
		return fmt.Sprint(d)
	}
	if s == "" {
		return "—"
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return s
	}
	return t.Format(v.dayLayout())
}

func (v *view) dayLayout() string {
	if v.Lang == langFR {
		return "02/01/2006"
	}
	return dateLayout
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
	if key, ok := c.Get(pageKeyKey); ok && code == http.StatusOK && !v.provisional {
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
		s.cachedAnswer(c, v, key, pageKeyKey, h, func(c *gin.Context, e any) {
			p := e.(cachedHTML)
			s.writeHTML(c, http.StatusOK, p.lang, p.body)
		})
	}
}

// cachedAnswer serves the answer kept under key for version v with serve;
// without one, h answers, with key set under markKey for it to keep its
// answer. Requests for an answer nobody has computed for this version yet
// (after a publication) wait for the first one's, then serve what it
// kept, instead of each computing it too.
func (s *Server) cachedAnswer(c *gin.Context, v int64, key, markKey string, h gin.HandlerFunc, serve func(*gin.Context, any)) {
	serveKept := func() bool {
		e, ok := s.cache.get(v, key)
		if ok {
			serve(c, e)
		}
		return ok
	}
	if serveKept() {
		return
	}
	answer := func() {
		c.Set(markKey, key)
		h(c)
	}
	answered := false
	_, _, _ = s.inflight.Do(key, func() (any, error) {
		answered = true
		answer()
		return nil, nil
	})
	if answered || serveKept() {
		return
	}
	answer() // the first one's was not kept (an error, a load committed)
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
	msg := pageMessage(v, err)
	switch code {
	case http.StatusBadRequest:
		v.Title = v.T("bad_request")
	case http.StatusNotFound:
		v.Title = v.T("not_found")
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
	s.pageError(c, "", notFoundError{msg: "no such page: " + c.Request.URL.Path, key: "error_page", args: []any{c.Request.URL.Path}})
}

// requestSnapshot is the request's as-of date and its KPI snapshot (for
// the pages and answers that add their own queries to it).
func (s *Server) requestSnapshot(c *gin.Context) (time.Time, *queries.Snapshot, error) {
	asOf, err := s.parseAsOf(c.Request)
	if err != nil {
		return asOf, nil, err
	}
	snap, err := s.doc(c.Request.Context(), asOf)
	return asOf, snap, err
}

// snapshotOf is the KPI snapshot of the request's as-of date, with what
// every page shows of it set on the view.
func (s *Server) snapshotOf(c *gin.Context, v *view) (*queries.Snapshot, time.Time, error) {
	asOf, snap, err := s.requestSnapshot(c)
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
