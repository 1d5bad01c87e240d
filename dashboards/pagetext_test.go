package dashboards

import (
	"regexp"
	"slices"
	"strings"
	"testing"

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
// headers, which it names so that the core team can fix a file.
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
			slices.Sort(found)
			if found = slices.Compact(found); len(found) > 0 {
				t.Errorf("%s shows internal codes: %v", path, found)
			}
		}
	}
}
