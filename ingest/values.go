package ingest

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fold lowercases s, removes accents, spells the ligatures œ and æ out and
// drops every character that is not a letter or a digit, so that "Date de
// mise en œuvre", "date_de_mise_en_oeuvre" and "DATE-DE-MISE-EN-OEUVRE" are
// one word. It is used for headers, mapping keys and enum values.
func fold(s string) string {
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			simple = false
			break
		}
	}
	if simple {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'œ' || r == 'Œ':
			b.WriteString("oe")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// enumWords translates folded enum words (English and French, masculine
// and feminine) to canonical values, per column name. The canonical names
// themselves are added by enumLookup.
var enumWords = map[string]map[string]string{
	"status": {
		"soumise": "submitted", "soumis": "submitted", "nouvelle": "submitted", "nouveau": "submitted", "deposee": "submitted", "depose": "submitted",
		"enetude": "in_review", "aletude": "in_review", "enexamen": "in_review", "encoursdetude": "in_review", "enevaluation": "in_review", "review": "in_review",
		"retenue": "retained", "retenu": "retained", "acceptee": "retained", "accepte": "retained", "accepted": "retained",
		"reportee": "postponed", "reporte": "postponed",
		"refusee": "rejected", "refuse": "rejected", "rejetee": "rejected", "rejete": "rejected",
		"realisee": "implemented", "realise": "implemented", "miseenoeuvre": "implemented", "misenoeuvre": "implemented", "done": "implemented",
		"retiree": "withdrawn", "retire": "withdrawn", "abandonnee": "withdrawn", "abandonne": "withdrawn",
	},
	"role": {
		"collaborateur": "collaborator", "collaboratrice": "collaborator", "salarie": "collaborator", "salariee": "collaborator",
		"ambassadeur": "ambassador", "ambassadrice": "ambassador",
		"equipecoeur": "core_team", "equipecore": "core_team", "coeur": "core_team",
		"sponsore": "sponsor", "sponsors": "sponsor", "parrain": "sponsor", "marraine": "sponsor",
	},
	"kind": {
		"idee": "idea", "irritants": "irritant", "solutions": "solution",
		"bonnepratique": "practice", "pratique": "practice", "bestpractice": "practice", "goodpractice": "practice",
	},
}

// enumLookup returns the folded-word table of an enum column: its canonical
// values (as written and folded) and the French words that name them.
func enumLookup(column string, values []string) map[string]string {
	m := map[string]string{}
	allowed := map[string]bool{}
	for _, v := range values {
		allowed[v] = true
		m[v] = v
		m[fold(v)] = v
	}
	words := enumWords[column]
	if column == "decision" {
		words = enumWords["status"]
	}
	for w, v := range words {
		if allowed[v] {
			m[w] = v
		}
	}
	return m
}

// parseInt reads an integer that may carry spaces, non-breaking spaces or
// narrow non-breaking spaces as thousands separators ("1 200"). A spreadsheet
// may store a whole number as "3.0" or "3E0": xlsx accepts those when whole.
func parseInt(s string, xlsx bool) (int64, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if strings.ContainsAny(s, " \u00a0\u202f") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\u00a0' || r == '\u202f' {
				return -1
			}
			return r
		}, s)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
	}
	if xlsx {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
			return int64(f), true
		}
	}
	return 0, false
}

// normalizeXLSXNumber turns a number a spreadsheet stored for an
// identifier ("1.001E3", "1001.0") into the text it shows ("1001").
func normalizeXLSXNumber(s string) string {
	if !strings.ContainsAny(s, ".eE") || len(s) > 32 {
		return s
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return s
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) || f > 1e15 || f < -1e15 {
		return s
	}
	return strconv.FormatInt(int64(f), 10)
}

// dateParser reads every date and date-time form of docs/data.md without
// regular expressions. It caches the fixed zones of explicit offsets.
type dateParser struct {
	loc   *time.Location
	mdy   bool
	zones map[int]*time.Location
}

func newDateParser(loc *time.Location, mdy bool) *dateParser {
	if loc == nil {
		loc = time.UTC
	}
	return &dateParser{loc: loc, mdy: mdy, zones: map[int]*time.Location{}}
}

var errBadDate = errors.New("bad date")

// digits reads n ASCII digits at s[i:].
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// upTo2 reads one or two digits at s[i:], returning the value and the next index.
func upTo2(s string, i int) (int, int, bool) {
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return 0, i, false
	}
	v := int(s[i] - '0')
	i++
	if i < len(s) && s[i] >= '0' && s[i] <= '9' {
		v = v*10 + int(s[i]-'0')
		i++
	}
	return v, i, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parse reads s (already trimmed). It returns the instant, whether s held a
// time of day (false: a date alone, 00:00 local) and an error when s is not
// one of the accepted forms or names an impossible date.
func (p *dateParser) parse(s string) (time.Time, bool, error) {
	var y, mo, d, i int
	var ok bool
	switch {
	case len(s) >= 10 && s[4] == '-' && s[7] == '-':
		if y, ok = digits(s, 0, 4); !ok {
			return time.Time{}, false, errBadDate
		}
		if mo, ok = digits(s, 5, 2); !ok {
			return time.Time{}, false, errBadDate
		}
		if d, ok = digits(s, 8, 2); !ok {
			return time.Time{}, false, errBadDate
		}
		i = 10
		if i < len(s) {
			if s[i] != 'T' && s[i] != 't' && s[i] != ' ' {
				return time.Time{}, false, errBadDate
			}
			i++
		}
	default:
		var a, b int
		if a, i, ok = upTo2(s, 0); !ok || i >= len(s) || s[i] != '/' {
			return time.Time{}, false, errBadDate
		}
		if b, i, ok = upTo2(s, i+1); !ok || i >= len(s) || s[i] != '/' {
			return time.Time{}, false, errBadDate
		}
		if y, ok = digits(s, i+1, 4); !ok {
			return time.Time{}, false, errBadDate
		}
		i += 5
		d, mo = a, b
		if p.mdy {
			d, mo = b, a
		}
		if i < len(s) {
			if s[i] != ' ' && s[i] != 'T' {
				return time.Time{}, false, errBadDate
			}
			i++
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || !yearInRange(y) {
		return time.Time{}, false, errBadDate
	}
	if i >= len(s) {
		if i > 10 && len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == 'T') {
			return time.Time{}, false, errBadDate
		}
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, p.loc), false, nil
	}
	// Clock: HH[:MM[:SS[.fraction]]]
	var h, mi, sec, ns int
	if h, i, ok = upTo2(s, i); !ok {
		return time.Time{}, false, errBadDate
	}
	if i < len(s) && s[i] == ':' {
		if mi, ok = digits(s, i+1, 2); !ok {
			return time.Time{}, false, errBadDate
		}
		i += 3
		if i < len(s) && s[i] == ':' {
			if sec, ok = digits(s, i+1, 2); !ok {
				return time.Time{}, false, errBadDate
			}
			i += 3
			if i < len(s) && (s[i] == '.' || s[i] == ',') {
				i++
				start, scale := i, 100000000
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					ns += int(s[i]-'0') * scale
					scale /= 10
					i++
				}
				if i == start {
					return time.Time{}, false, errBadDate
				}
			}
		}
	}
	if h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false, errBadDate
	}
	loc := p.loc
	if i < len(s) {
		if s[i] == ' ' {
			i++
		}
		rest := s[i:]
		switch {
		case rest == "Z" || rest == "z" || rest == "UTC" || rest == "GMT":
			loc = time.UTC
		case len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-'):
			oh, ok1 := digits(rest, 1, 2)
			om := 0
			ok2 := true
			switch len(rest) {
			case 3:
			case 5:
				om, ok2 = digits(rest, 3, 2)
			case 6:
				ok2 = rest[3] == ':'
				if ok2 {
					om, ok2 = digits(rest, 4, 2)
				}
			default:
				ok2 = false
			}
			if !ok1 || !ok2 || oh > 18 || om > 59 {
				return time.Time{}, false, errBadDate
			}
			off := (oh*60 + om) * 60
			if rest[0] == '-' {
				off = -off
			}
			if off == 0 {
				loc = time.UTC
			} else if z, found := p.zones[off]; found {
				loc = z
			} else {
				z = time.FixedZone("", off)
				p.zones[off] = z
				loc = z
			}
		default:
			return time.Time{}, false, errBadDate
		}
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, loc), true, nil
}

// excelSerial reads a spreadsheet serial date ("45962", "45962.375") as a
// local wall-clock time; ok is false when s is not a plain number.
func (p *dateParser) excelSerial(s string, date1904 bool) (time.Time, bool, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f < 0 || f > 2958465 {
		return time.Time{}, false, false
	}
	t, err := excelDateToTime(f, date1904)
	if err != nil {
		return time.Time{}, false, false
	}
	hasTime := t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), p.loc), hasTime, true
}

// truncateValue shortens a value for a message, on one line: line breaks
// and tabs become spaces, other control characters are escaped (cutText).
func truncateValue(v string) string {
	if v == "" {
		return `""`
	}
	if len(v) > 4*maxValueRunes+4 {
		// Only the start is shown: do not rewrite a long field whole.
		v = v[:4*maxValueRunes+4]
	}
	if strings.ContainsAny(v, "\r\n\t") {
		v = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(v)
	}
	return cutText(v, maxValueRunes)
}

// yearInRange says whether a date's year is one a value may have: years
// outside 1900-2999 are typing errors or placeholders (0001-01-01) in an
// idea platform's export, not dates (docs/data.md).
func yearInRange(y int) bool { return y >= 1900 && y <= 2999 }
