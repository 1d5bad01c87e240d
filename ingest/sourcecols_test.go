package ingest

import (
	"reflect"
	"strings"
	"testing"

	"relais/internal/testfixture"
)

func TestLocaleWildcardOrdersColumnsByTheConfiguredLocales(t *testing.T) {
	header := []string{"id", "title/en", "title/pt-BR", "title/ca", "title", "title/es", "scope/id"}
	for _, tc := range []struct {
		locales []string
		want    []int
	}{
		{[]string{"fr", "en"}, []int{1, 2, 3, 5}},
		{[]string{"pt-BR", "en"}, []int{2, 1, 3, 5}},
		{[]string{"pt", "es"}, []int{2, 5, 1, 3}},
		{nil, []int{1, 2, 3, 5}},
	} {
		if got := sourceColumns(header, "title/*", tc.locales); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("locales %v: got %v, want %v", tc.locales, got, tc.want)
		}
	}
	if got := sourceColumns(header, "scope/*", nil); len(got) != 0 {
		t.Errorf("scope/id is not a locale: got %v", got)
	}
}

func TestMappingPatternsTakeAPartAndJoinAssemblesColumns(t *testing.T) {
	dir := t.TempDir()
	m := testfixture.WriteFile(t, dir, "m.yaml", `dataset: comments
columns:
  comment_id: {from: id}
  idea_id: {from: [{column: url, pattern: '/(\d+)$'}, parent]}
  author_id: {from: who}
  created_at: {from: [day, {column: clock, pattern: '(\d\d:\d\d:\d\d)$'}], join: " "}
`)
	path := testfixture.WriteFile(t, dir, "c.csv", "id,url,parent,who,day,clock\n"+
		"1,https://x/proposals/42,9,a,2026-10-01,0 days 10:50:19\n"+
		"2,,7,b,2026-10-02,\n"+
		"3,https://x/proposals/none,8,c,2026-10-03,0 days 23:00:00\n")
	db := openDB(t)
	mustLoad(t, db, path, Options{Mapping: m})
	got := dump(t, db, "comments")
	for _, want := range []string{"1|42|a|2026-10-01T08:50:19Z|", "2|7|b|2026-10-01T22:00:00Z|", "3|8|c|2026-10-03T21:00:00Z|"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	bad := testfixture.WriteFile(t, dir, "bad.yaml", "dataset: comments\ncolumns:\n  idea_id: {from: url, pattern: '/\\d+$'}\n")
	if _, err := LoadMapping(bad); err == nil || !strings.Contains(err.Error(), "capture group") {
		t.Fatalf("a pattern without a group: %v", err)
	}
}
