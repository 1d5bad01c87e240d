package dashboards

import (
	"html"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"relais/queries"
)

// catalog lists every code a person may see through L and D: the KPI
// registry's keys, the flags, the idea statuses, the program phases, the
// target statuses and directions, and every value of an enum column of the
// datasets (roles, idea kinds, decisions).
func catalog() []string {
	var codes []string
	for _, d := range queries.Registry() {
		codes = append(codes, d.Key)
	}
	codes = append(codes, queries.Flags()...)
	codes = append(codes, queries.Statuses()...)
	codes = append(codes, queries.Phases()...)
	codes = append(codes, queries.TargetStatuses()...)
	codes = append(codes, queries.AtLeast, queries.AtMost)
	for _, ds := range queries.Datasets() {
		for _, c := range ds.Columns {
			if c.Kind == queries.Enum {
				codes = append(codes, c.Values...)
			}
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func TestEveryCodeHasALabelAndADefinitionInEachLanguage(t *testing.T) {
	for _, lang := range []string{langFR, langEN} {
		tr := translations[lang]
		for _, code := range catalog() {
			if strings.TrimSpace(tr.Labels[code]) == "" {
				t.Errorf("locales/%s.json: %q has no label", lang, code)
			}
			if strings.TrimSpace(tr.Definitions[code]) == "" {
				t.Errorf("locales/%s.json: %q has no definition", lang, code)
			}
		}
	}
}

func TestEveryLanguageHasTheSameEntries(t *testing.T) {
	fr, en := translations[langFR], translations[langEN]
	for _, sec := range []struct {
		name   string
		fr, en map[string]string
	}{{"words", fr.Words, en.Words}, {"labels", fr.Labels, en.Labels}, {"definitions", fr.Definitions, en.Definitions}} {
		frKeys, enKeys := slices.Sorted(maps.Keys(sec.fr)), slices.Sorted(maps.Keys(sec.en))
		for _, k := range frKeys {
			if _, ok := sec.en[k]; !ok {
				t.Errorf("%s: %q is in fr.json, not in en.json", sec.name, k)
			}
		}
		for _, k := range enKeys {
			if _, ok := sec.fr[k]; !ok {
				t.Errorf("%s: %q is in en.json, not in fr.json", sec.name, k)
			}
		}
	}
}

var (
	scriptOrStyle = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	titleAttr     = regexp.MustCompile(`title="([^"]*)"`)
	anyTag        = regexp.MustCompile(`(?s)<[^>]*>`)
)

// readable is what a person reads on a page: its text and its hover titles.
func readable(page string) string {
	page = scriptOrStyle.ReplaceAllString(page, " ")
	var titles []string
	for _, m := range titleAttr.FindAllStringSubmatch(page, -1) {
		titles = append(titles, m[1])
	}
	text := anyTag.ReplaceAllString(page, " ")
	return html.UnescapeString(text + " " + strings.Join(titles, " "))
}

func TestPagesShowFlagsInWords(t *testing.T) {
	srv := startServer(t, hostileDB(t), nil)
	_, body := get(t, srv.URL+"/sites?lang=en")
	if !strings.Contains(string(body), translations[langEN].Labels[queries.FlagNoActiveAmbassador]) {
		t.Fatalf("the sites page does not name the flag %s in words", queries.FlagNoActiveAmbassador)
	}
}

func TestAFailingPageShowsNoInternalErrorText(t *testing.T) {
	db := hostileDB(t)
	srv := startServer(t, db, nil)
	// A closed database makes every query fail with DuckDB's own words.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{langFR, langEN} {
		for _, p := range []string{"/data", "/api/v1/data"} {
			resp, body := get(t, srv.URL+p+"?lang="+lang)
			if resp.StatusCode != 500 {
				t.Fatalf("%s: status %d, want 500: %.300s", p, resp.StatusCode, body)
			}
			page := strings.ToLower(string(body))
			for _, internal := range []string{"sql", "database", "closed", "duckdb", "query"} {
				if strings.Contains(page, internal) {
					t.Errorf("%s?lang=%s shows internal text %q: %.300s", p, lang, internal, body)
				}
			}
		}
	}
}
