package ingest

import (
	"sort"
	"strings"
)

// DefaultLocales is the locale order of translated columns ("title/*")
// when none is configured: French, then English (docs/mappings.md).
var DefaultLocales = []string{"fr", "en"}

// sourceColumns returns the indices of the header columns a mapping's
// `from` entry names. A plain name matches by its folded form (case,
// accents and punctuation aside, a locale suffix included). A name ending
// in "/*" matches the column in every locale ("title/*": title/pt-BR,
// title/fr), ordered by locales: an exact locale first, then the same
// language (pt for pt-BR), then the others in file order.
func sourceColumns(header []string, from string, locales []string) []int {
	from = strings.TrimSpace(from)
	base, wildcard := strings.CutSuffix(from, "/*")
	var out []int
	if !wildcard {
		key := fold(from)
		for i, h := range header {
			if fold(h) == key {
				out = append(out, i)
			}
		}
		return out
	}
	key := fold(base)
	rank := map[int]int{}
	for i, h := range header {
		stripped := stripLocale(h)
		if stripped == strings.TrimSpace(h) || fold(stripped) != key {
			continue
		}
		out = append(out, i)
		rank[i] = localeRank(strings.TrimSpace(h[strings.LastIndexByte(h, '/')+1:]), locales)
	}
	sort.SliceStable(out, func(a, b int) bool { return rank[out[a]] < rank[out[b]] })
	return out
}

// localeRank orders a column's locale suffix by the configured locales:
// 2k for the k-th locale exactly, 2k+1 for its language, then the rest.
func localeRank(suffix string, locales []string) int {
	lang := func(l string) string {
		l = strings.ToLower(strings.TrimSpace(l))
		if i := strings.IndexAny(l, "-_"); i >= 0 {
			return l[:i]
		}
		return l
	}
	for k, l := range locales {
		if fold(l) == fold(suffix) {
			return 2 * k
		}
	}
	for k, l := range locales {
		if lang(l) == lang(suffix) {
			return 2*k + 1
		}
	}
	return 2 * len(locales)
}
