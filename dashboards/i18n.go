package dashboards

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"relais/queries"
)

// Languages of the pages; French is the default (the sponsor's language).
const (
	langFR = "fr"
	langEN = "en"
)

// pickLang chooses the language: ?lang= when it names one we have, then the
// first supported language of Accept-Language by quality, then French.
func pickLang(r *http.Request) string {
	switch strings.ToLower(r.URL.Query().Get("lang")) {
	case langFR:
		return langFR
	case langEN:
		return langEN
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == langFR || base == langEN) && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	if best != "" {
		return best
	}
	return langFR
}

// kind says how a figure is shown: the registry's unit of its key.
type kind = queries.Unit

const (
	kCount  = queries.UnitCount
	kRatio  = queries.UnitRatio  // a fraction shown as a percentage
	kDays   = queries.UnitDays   // a duration in days, one decimal
	kScore  = queries.UnitScore  // a plain number, one decimal
	kChange = queries.UnitChange // a signed relative change, as a percentage
	kENPS   = queries.UnitENPS   // -100..100, no decimal
)

// figureKind is the display kind of a numeric key of the document (a count
// for any other key).
func figureKind(key string) kind {
	if u := queries.UnitOf(key); u.Numeric() {
		return u
	}
	return kCount
}

// format shows a figure for people: percentages for ratios, one decimal for
// days and scores, a dash for an unknown value. The JSON keeps raw values.
func format(lang, key string, v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return "—"
	}
	x := *v
	switch figureKind(key) {
	case kRatio:
		return num(lang, x*100, 0) + pct(lang)
	case kChange:
		s := num(lang, x*100, 0) + pct(lang)
		if x > 0 {
			s = "+" + s
		}
		return s
	case kDays:
		if lang == langFR {
			return num(lang, x, 1) + " j"
		}
		return num(lang, x, 1) + " d"
	case kScore:
		return num(lang, x, 1)
	case kENPS:
		return num(lang, x, 0)
	}
	return num(lang, x, 0)
}

func pct(lang string) string {
	if lang == langFR {
		return "\u202f%"
	}
	return "%"
}

// num formats with the language's decimal separator and thousands spacing.
func num(lang string, x float64, decimals int) string {
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[3:], "0") == "" {
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	sep := ","
	dec := "."
	if lang == langFR {
		sep, dec = "\u202f", ","
	}
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += dec + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// tr is one language's texts, read from locales/<lang>.json: page words,
// labels (of every KPI key, flag, status, phase, target status, direction,
// role and idea kind) and their definitions (the hover texts; a flag's
// definition is the sentence that explains it).
type tr struct {
	Words       map[string]string `json:"words"`
	Labels      map[string]string `json:"labels"`
	Definitions map[string]string `json:"definitions"`
}

func (t tr) word(k string) string {
	if s, ok := t.Words[k]; ok {
		return s
	}
	return k
}

//go:embed locales/*.json
var localeFS embed.FS

// translations are the locale files by language. They are embedded, and a
// test reads them all, so a file that does not parse stops the binary at
// start rather than showing a page without words.
var translations = func() map[string]tr {
	out := map[string]tr{}
	for _, lang := range []string{langFR, langEN} {
		b, err := localeFS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		var t tr
		if err := json.Unmarshal(b, &t); err != nil {
			panic(fmt.Errorf("locales/%s.json: %w", lang, err))
		}
		out[lang] = t
	}
	return out
}()
