package dashboards

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"relais/queries"
)

// snakeCase matches words written like internal codes: site_id, mau_drop,
// no_active_ambassador.
var snakeCase = regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`)

// namedCodes are internal codes a person must never read, whether or not
// they have an underscore ("dangling" has none).
var namedCodes = []string{
	"at_least", "at_most", "in_review", "mau_drop", "no_active_ambassador", "low_adoption",
	"on_track", "off_track", "at_risk", "no_data", "dangling", "not_started",
}

// TestPagesShowNoInternalCodeInTheirText fetches every page of testPages
// in both languages and reads its text as a person does (tags and scripts
// stripped, hover titles kept): no internal code, and no word in
// snake_case at all, except on the data page the files' own column
// headers, which it names so that the core team can fix a file; and no
// English error message on a French page.
func TestPagesShowNoInternalCodeInTheirText(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	fileColumns := map[string]bool{}
	for _, ds := range queries.Datasets() {
		for _, c := range ds.Columns {
			fileColumns[c.Name] = true
		}
	}
	for _, p := range testPages {
		for _, lang := range []string{langFR, langEN} {
			path := p.langPath(lang)
			resp, body := get(t, srv.URL+path)
			if resp.StatusCode != p.wantStatus() {
				t.Errorf("%s: status %d, want %d", path, resp.StatusCode, p.wantStatus())
				continue
			}
			text := readable(string(body))
			var found []string
			for _, w := range snakeCase.FindAllString(text, -1) {
				if strings.HasPrefix(p.path, "/data") && fileColumns[w] {
					continue
				}
				found = append(found, w)
			}
			for _, c := range namedCodes {
				if regexp.MustCompile(`\b` + c + `\b`).MatchString(text) {
					found = append(found, c)
				}
			}
			if lang == langFR {
				// The JSON API's English messages never reach a French page.
				for _, english := range []string{"no such page", "is not loaded", "want a", "not a file name"} {
					if strings.Contains(text, english) {
						found = append(found, english)
					}
				}
			}
			slices.Sort(found)
			if found = slices.Compact(found); len(found) > 0 {
				t.Errorf("%s shows internal codes: %v", path, found)
			}
		}
	}
}

func TestViewWritesDatesCountsAndPluralsInThePagesLanguage(t *testing.T) {
	fr := &view{Lang: langFR, tr: translations[langFR]}
	en := &view{Lang: langEN, tr: translations[langEN]}
	instant := time.Date(2026, 11, 26, 18, 48, 0, 0, paris)
	day := "2026-11-26"
	cases := []struct{ name, got, want string }{
		{"fr date", fr.Day(day), "26/11/2026"},
		{"en date", en.Day(day), "2026-11-26"},
		{"fr date of a time", fr.Day(instant), "26/11/2026"},
		{"fr date pointer", fr.Day(&day), "26/11/2026"},
		{"no date", fr.Day((*string)(nil)), "—"},
		{"fr date and time", fr.Date(instant), "26/11/2026 18:48"},
		{"en date and time", en.Date(instant), "2026-11-26 18:48"},
		{"fr count", fr.N(int64(116316)), "116\u202f316"},
		{"en count", en.N(116316), "116,316"},
		{"fr one", fr.P("count_rows", 1), "1 ligne"},
		{"fr zero", fr.P("count_rows", int64(0)), "0 ligne"},
		{"fr many", fr.P("count_rows", 1200), "1\u202f200 lignes"},
		{"en one", en.P("count_rows", 1), "1 row"},
		{"en zero", en.P("count_rows", 0), "0 rows"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}
