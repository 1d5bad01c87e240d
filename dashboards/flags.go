package dashboards

// A site's flags as sentences with its own numbers against the threshold
// or the group's (docs/pages.md, "Sites"): "Adoption 18 % contre 59 % pour
// le groupe (seuil : moitié du groupe, 30 %)". The wording is in the locale
// files (words flag_*), with {placeholders} this file fills; the thresholds
// are the ones the flag rules use (queries.UnderCoveredPeoplePerAmbassador…).

import (
	"math"
	"strings"

	"relais/queries"
)

// FlagSentence says why a flag holds for a site, with the site's numbers
// and the threshold or the group's figure, in the view's language. Every
// page that shows a flag (the sites table, the site page, the sponsor's
// sites needing help) writes it with this method. Without the document
// (a page that has none) it falls back to the flag's rule in words.
func (v *view) FlagSentence(st queries.Site, flag string) string {
	if v.doc == nil {
		return v.FlagText(flag)
	}
	f := st.Figures
	group := v.doc.Overall.Figures
	switch flag {
	case queries.FlagNoActiveAmbassador:
		if f.Ambassadors == 0 {
			return v.T("flag_no_ambassador")
		}
		return v.fill("flag_no_active_ambassador", "ambassadors", v.Count("ambassadors", f.Ambassadors))
	case queries.FlagUnderCovered:
		return v.underCovered(f)
	case queries.FlagLowAdoption:
		if f.Adoption == nil || group.Adoption == nil {
			break
		}
		threshold := queries.LowAdoptionShareOfGroup * *group.Adoption
		value, thr := v.percents(*f.Adoption, threshold)
		return v.fill("flag_low_adoption", "value", value, "group", v.percent(*group.Adoption, 0), "threshold", thr)
	case queries.FlagMAUDrop:
		if f.MAUChange == nil {
			break
		}
		return v.fill("flag_mau_drop", "mau", v.N(f.MAU), "previous", v.N(f.MAUPrevious),
			"change", v.F("mau_change", f.MAUChange), "threshold", v.signedPercent(queries.MAUDropChange))
	case queries.FlagIdeasBehind:
		return v.ideasBehind(f)
	case queries.FlagSlowResponse:
		if f.ResponseSLAShare == nil {
			break
		}
		value, thr := v.percents(*f.ResponseSLAShare, queries.SlowResponseShare)
		groupShare := "—"
		if group.ResponseSLAShare != nil {
			groupShare = v.percent(*group.ResponseSLAShare, 0)
		}
		return v.fill("flag_slow_response", "value", value, "group", groupShare, "threshold", thr)
	}
	return v.FlagText(flag)
}

// underCovered: people for ambassadors against 150 per ambassador, or a
// headcount without an ambassador against 50.
func (v *view) underCovered(f queries.Figures) string {
	people := "—"
	if f.Headcount != nil {
		people = v.Count("people", *f.Headcount)
	}
	switch {
	case f.Ambassadors == 0:
		return v.fill("flag_under_covered_none", "people", people, "threshold", v.N(queries.UnderCoveredHeadcount))
	case f.Ambassadors == 1:
		return v.fill("flag_under_covered_one", "people", people, "threshold", v.N(queries.UnderCoveredPeoplePerAmbassador))
	}
	ratio := "—"
	if f.PeoplePerAmbassador != nil {
		ratio = v.plainNumber(*f.PeoplePerAmbassador)
	}
	return v.fill("flag_under_covered", "people", people, "ambassadors", v.Count("ambassadors", f.Ambassadors),
		"ratio", ratio, "threshold", v.N(queries.UnderCoveredPeoplePerAmbassador))
}

// ideasBehind: the site's ideas against half the pace of the
// ideas_per_site_median target on this program day.
func (v *view) ideasBehind(f queries.Figures) string {
	for _, t := range v.doc.Targets {
		if t.ID != "ideas_per_site_median" {
			continue
		}
		day := min(90, max(0, v.doc.Program.Day))
		return v.fill("flag_ideas_behind", "ideas", v.Count("ideas", f.Ideas),
			"threshold", v.plainNumber(queries.IdeasBehindShareOfPace*t.Pace), "pace", v.plainNumber(t.Pace),
			"day", v.N(int64(day)), "target", v.plainNumber(t.Target))
	}
	return v.FlagText(queries.FlagIdeasBehind)
}

// fill is the page word key with each {name} replaced by its value
// (pairs of name, value).
func (v *view) fill(key string, pairs ...string) string {
	var args []string
	for i := 0; i+1 < len(pairs); i += 2 {
		args = append(args, "{"+pairs[i]+"}", pairs[i+1])
	}
	return strings.NewReplacer(args...).Replace(v.T(key))
}

// Count says a number of things with the noun in the right number:
// "1 ambassadeur", "0 idée", "3 ideas". The nouns are the words
// n_NOUN_one and n_NOUN_other, "{n}" standing for the number.
func (v *view) Count(noun string, n int64) string {
	return strings.ReplaceAll(v.T("n_"+noun+"_"+pluralForm(v.Lang, float64(n))), "{n}", v.N(n))
}

// percent formats a fraction as a percentage with decimals.
func (v *view) percent(x float64, decimals int) string {
	return num(v.Lang, x*100, decimals) + pct(v.Lang)
}

// signedPercent formats a change as a signed percentage ("-30 %").
func (v *view) signedPercent(x float64) string { return format(v.Lang, "mau_change", &x) }

// percents formats a value and its threshold as percentages: whole, or
// with the decimals (up to two) that keep them apart when they differ.
func (v *view) percents(value, threshold float64) (string, string) {
	a, b := v.percent(value, 0), v.percent(threshold, 0)
	for d := 1; d <= 2 && a == b && value != threshold; d++ {
		a, b = v.percent(value, d), v.percent(threshold, d)
	}
	return a, b
}

// plainNumber shows a whole number without decimals and another with one.
func (v *view) plainNumber(x float64) string {
	if x == math.Trunc(x) {
		return num(v.Lang, x, 0)
	}
	return num(v.Lang, x, 1)
}
